//! The association: a sans-IO initiator and responder that nest ISO 8073 class 0 (over
//! RFC 1006), ISO 8327-1 session, ISO 8823-1 presentation and ISO 8650-1 ACSE, as the
//! A-ASSOCIATE, P-DATA, A-RELEASE and A-ABORT services of ISO 8650-1 §7 need them:
//!
//! ```text
//! connect:  COTP CR/CC, then CN(CP(AARQ(user data)))   answered by AC(CPA(AARE)) or RF(CPR(AARE))
//! data:     GT+DT(fully-encoded user data on the user's presentation context)
//! release:  FN(RLRQ) answered by DN(RLRE)
//! abort:    AB(ARU(ABRT))
//! ```
//!
//! Bytes go in through [`Association::feed`] (or [`Association::recv_buffer`] plus
//! [`Association::recv_commit`]), events come out of [`Association::poll_event`], and bytes to
//! write to the socket are at [`Association::transmit`]. There is no socket, thread or clock here.
//!
//! Every error a peer can cause ends the same way: the response the standard prescribes is queued
//! (COTP ER, session AB, presentation CPR/ARP, AARE reject or ABRT), the association is closed,
//! and the caller gets an [`AssociationError`] that names the layer and the diagnostic. Flush
//! [`Association::transmit`] before closing the socket.

use std::borrow::Cow;
use std::time::Instant;

use copp::ber::{Oid, Writer};
use copp::connection::{Presentation, Role as PresentationRole};
use cosp::machine::{Indication, Role as SessionRole, Session};

use crate::address::Address;
use crate::apdu::{
    self, Aare, Aarq, AbortDiagnostic, AbortSource, Abrt, AeQualifier, ApTitle, Apdu,
    AssociateResult, Diagnostic, External, ExternalEncoding, ReleaseRequestReason,
    ReleaseResponseReason, Rlre, Rlrq, ServiceProviderDiagnostic, ServiceUserDiagnostic,
};
use crate::security::{AssociationSecurity, Refusal, Role as SecurityRole, SecurityContext};
use crate::timer::{Armed, Deadline, Timeouts};

/// The presentation context id the initiator gives ACSE (libIEC61850 and hat-drivers use 1).
pub const ACSE_CONTEXT_ID: u32 = 1;
/// The presentation context id the initiator gives the user's abstract syntax (MMS: 3).
pub const USER_CONTEXT_ID: u32 = 3;

/// `mms-application-context-version1` {iso standard 9506 part(2) 3}: ISO 9506-2's application
/// context, IEC 62351-4's basic-AC.
pub fn mms_application_context() -> Oid<'static> {
    crate::apdu::oids::MMS_APPLICATION_CONTEXT
}

/// `mms-abstract-syntax-version1` {iso standard 9506 part(2) 1} (ISO 9506-2).
pub fn mms_abstract_syntax() -> Oid<'static> {
    copp::MMS_AS
}

/// How to run one association.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AssociationConfig {
    /// This end's selectors and AE-title.
    pub local: Address,
    /// The peer's selectors and AE-title: called (initiator) or expected calling (responder).
    pub remote: Address,
    /// The application context proposed (initiator) or required (responder).
    pub application_context: Oid<'static>,
    /// The abstract syntax of the user data (MMS by default).
    pub user_abstract_syntax: Oid<'static>,
    /// The TPDU size proposed and accepted (ISO 8073 §13.3.4.b), in octets.
    pub max_tpdu_size: usize,
    /// The largest TSDU (one session SPDU) accepted before it is a protocol error.
    pub max_tsdu_size: usize,
    /// Responder: refuse a peer whose called TSEL, SSEL and PSEL differ from `local`'s.
    pub check_selectors: bool,
    /// Responder: refuse an AARQ whose called AP-title/AE-qualifier, when present, differ from
    /// `local`'s (ISO 8650-1 diagnostics called-AP-title/AE-qualifier-not-recognized).
    pub check_called_ae_title: bool,
    /// The deepest BER nesting accepted in presentation and ACSE PDUs.
    pub max_ber_depth: u16,
    /// Establishment, idle and release time-outs and the clock they arm from (none by
    /// default; see [`crate::timer`]).
    pub timeouts: Timeouts,
}

impl Default for AssociationConfig {
    fn default() -> Self {
        AssociationConfig {
            local: Address::default_local(),
            remote: Address::default_remote(),
            application_context: mms_application_context(),
            user_abstract_syntax: mms_abstract_syntax(),
            max_tpdu_size: 2048,
            max_tsdu_size: 1 << 20,
            check_selectors: false,
            check_called_ae_title: false,
            max_ber_depth: copp::ber::DEFAULT_MAX_DEPTH,
            timeouts: Timeouts::default(),
        }
    }
}

/// Where an association is in its life (ISO 8650-1 §7 service phases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Initiator: COTP CR sent, waiting for CC.
    TransportConnecting,
    /// Initiator: CN(CP(AARQ)) sent, waiting for AC or RF.
    AwaitingAare,
    /// Responder: waiting for the COTP CR and then the session CONNECT.
    AwaitingAarq,
    /// Responder: the AARQ was handed to the application, which must accept or reject it.
    AwaitingResponse,
    /// Data transfer.
    Associated,
    /// We sent RLRQ and wait for RLRE.
    Releasing,
    /// The peer sent RLRQ; the application must answer with [`Association::respond_release`].
    ReleaseIndicated,
    /// Nothing more will be sent or received; flush [`Association::transmit`] and close.
    Closed,
}

/// ACSE naming of one end as it appeared in an AARQ or AARE (ISO 8650-1 §9.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AeTitle {
    /// AP-title in form 2, or `None` if absent or in another form.
    pub ap_title: Option<Oid<'static>>,
    /// AE-qualifier in form 2.
    pub ae_qualifier: Option<i64>,
    /// AP-invocation-identifier.
    pub ap_invocation_id: Option<i64>,
    /// AE-invocation-identifier.
    pub ae_invocation_id: Option<i64>,
}

/// A-ASSOCIATE indication (ISO 8650-1 §7.1): what a responder learns from an accepted-so-far
/// AARQ. Answer it with [`Association::accept`] or [`Association::reject`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociateIndication {
    /// The calling AE-title.
    pub calling: AeTitle,
    /// The called AE-title.
    pub called: AeTitle,
    /// Calling and called transport selectors.
    pub calling_tsel: Vec<u8>,
    /// Called transport selector.
    pub called_tsel: Vec<u8>,
    /// Calling session selector.
    pub calling_ssel: Vec<u8>,
    /// Called session selector.
    pub called_ssel: Vec<u8>,
    /// Calling presentation selector.
    pub calling_psel: Vec<u8>,
    /// Called presentation selector.
    pub called_psel: Vec<u8>,
    /// The application context name of the AARQ.
    pub application_context: Oid<'static>,
    /// The mechanism name, when the AARQ asked for authentication.
    pub mechanism_name: Option<Oid<'static>>,
    /// The user data: the encoded value of the user-information EXTERNAL on the user's
    /// presentation context (for MMS, the initiate-RequestPDU).
    pub user_data: Option<Vec<u8>>,
}

/// A-ASSOCIATE confirmation, positive (ISO 8650-1 §7.1): the AARE accepted the association.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociateConfirm {
    /// The responding AE-title.
    pub responding: AeTitle,
    /// The application context name of the AARE.
    pub application_context: Oid<'static>,
    /// The user data of the AARE (for MMS, the initiate-ResponsePDU).
    pub user_data: Option<Vec<u8>>,
}

/// Which layer refused an association, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// ISO 8073: the peer answered the CR with a DR (reason code §13.5.3 d).
    Transport {
        /// The DR reason.
        reason: u8,
    },
    /// ISO 8327-1: the peer answered the CN with RF (reason code PI 50, X.225 §8.3.12).
    Session {
        /// The reason code.
        reason: u8,
    },
    /// ISO 8823-1: the peer sent a CPR without an AARE (provider reason, if given).
    Presentation {
        /// The CPR provider reason.
        reason: Option<copp::ppdu::RefuseReason>,
    },
    /// ISO 8650-1: the AARE rejected the association.
    Acse {
        /// rejected-permanent or rejected-transient.
        result: AssociateResult,
        /// The result source diagnostic.
        diagnostic: Diagnostic,
        /// The AARE's user data (for MMS, an initiate-ErrorPDU).
        user_data: Option<Vec<u8>>,
    },
    /// The peer aborted during establishment (ISO 8650-1 §7.3: an ABRT, or a bare session AB).
    Aborted {
        /// The ABRT's abort source, if an ABRT came.
        source: Option<AbortSource>,
        /// The ABRT's diagnostic (IEC 62351-4 uses authentication-failure here).
        diagnostic: Option<AbortDiagnostic>,
    },
    /// ISO 8823-1: the peer's presentation provider aborted during establishment (ARP-PPDU,
    /// X.226 §8.3.4.2).
    PresentationAborted {
        /// The ARP's provider-reason, if given.
        reason: Option<copp::ppdu::AbortReason>,
    },
}

impl std::fmt::Display for Refused {
    /// The layer that refused and the diagnostic it gave, in the standard's words.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Transport { reason } => {
                write!(f, "transport (ISO 8073) disconnect, DR reason {reason}")
            }
            Refused::Session { reason } => {
                write!(f, "session (ISO 8327-1) REFUSE, reason code {reason}")
            }
            Refused::Presentation { reason: Some(r) } => {
                write!(f, "presentation (ISO 8823-1) CPR, provider-reason {r:?}")
            }
            Refused::Presentation { reason: None } => {
                write!(f, "presentation (ISO 8823-1) CPR without provider-reason")
            }
            Refused::Acse {
                result, diagnostic, ..
            } => write!(f, "ACSE {result}, diagnostic {diagnostic}"),
            Refused::Aborted {
                source: None,
                diagnostic: None,
            } => write!(f, "abort without an ACSE ABRT"),
            Refused::Aborted { source, diagnostic } => apdu::write_abrt(f, *source, *diagnostic),
            Refused::PresentationAborted { reason: Some(r) } => {
                write!(f, "presentation (ISO 8823-1) ARP, provider-reason {r:?}")
            }
            Refused::PresentationAborted { reason: None } => {
                write!(f, "presentation (ISO 8823-1) ARP without provider-reason")
            }
        }
    }
}

/// What [`Association::poll_event`] reports.
#[derive(Debug, PartialEq, Eq)]
// Exhaustive on purpose: whoever drives an association acts on every event; a new one is a
// breaking change the compiler points at.
pub enum Event<'a> {
    /// Responder: an AARQ arrived and passed every layer's checks and the security provider.
    AssociateIndication(Box<AssociateIndication>),
    /// Initiator: the association is established.
    Associated(Box<AssociateConfirm>),
    /// Initiator: the association was refused; the association is closed.
    Refused(Box<Refused>),
    /// P-DATA (ISO 8823-1 §7.4): user data on presentation context `context_id`. Borrowed from
    /// the receive buffer: valid until the next call of a `&mut` method.
    Data {
        /// The presentation context the data came on.
        context_id: u32,
        /// One encoded value of that context's abstract syntax (for MMS, one MMSpdu).
        data: &'a [u8],
    },
    /// The peer asked to release (RLRQ in FINISH). Answer with [`Association::respond_release`].
    ReleaseIndication {
        /// RLRQ reason.
        reason: Option<ReleaseRequestReason>,
        /// RLRQ user data.
        user_data: Option<Vec<u8>>,
    },
    /// Our release completed (RLRE in DISCONNECT); the association is closed.
    Released {
        /// RLRE reason.
        reason: Option<ReleaseResponseReason>,
        /// RLRE user data.
        user_data: Option<Vec<u8>>,
    },
    /// The peer aborted (ABRT in ARU in AB, or a bare session AB); the association is closed.
    Aborted {
        /// The ABRT's abort source (absent when no ABRT came).
        source: Option<AbortSource>,
        /// The ABRT's diagnostic.
        diagnostic: Option<AbortDiagnostic>,
        /// The ABRT's user data.
        user_data: Option<Vec<u8>>,
        /// The provider-reason of a presentation provider abort (ARP-PPDU, X.226 §8.3.4.2),
        /// when that is what came instead of an ABRT.
        provider_reason: Option<copp::ppdu::AbortReason>,
    },
    /// The transport connection ended (COTP DR) outside any release or abort.
    Disconnected,
    /// One of our deadlines passed ([`Association::handle_timeout`]); the association aborted
    /// itself (ABRT queued when a session connection existed) and is closed.
    TimedOut(Deadline),
}

/// Everything that can go wrong, named by layer and by the standard's diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssociationError {
    /// RFC 1006 / ISO 8073 failure; the ER or DR it prescribes is queued where one applies.
    #[error("transport (ISO 8073): {0}")]
    Transport(#[from] cot::connection::CotError),
    /// ISO 8327-1 failure; an AB was queued.
    #[error("session (ISO 8327-1): {0}")]
    Session(#[from] cosp::SessionError),
    /// ISO 8823-1 failure; a CPR or ARP was queued.
    #[error("presentation (ISO 8823-1): {0}")]
    Presentation(#[from] copp::PresentationError),
    /// ISO 8650-1 failure (malformed APDU, APDU not allowed here); an ABRT was queued.
    #[error("ACSE (ISO 8650-1): {0}")]
    Acse(#[from] apdu::AcseError),
    /// The security provider failed locally; the association was aborted.
    #[error("association security ({provider}): {source}")]
    Security {
        /// The provider's name.
        provider: &'static str,
        /// What failed.
        source: crate::security::SecurityError,
    },
    /// The security provider refused the peer's APDU; the response the refusal names (an AARE
    /// reject or an ABRT) was sent.
    #[error("association security ({provider}) refused the peer: {refusal}")]
    SecurityRefused {
        /// The provider's name.
        provider: &'static str,
        /// The provider's refusal: the response sent and, for the local side only, the reason
        /// (with the security event code the provider recorded, [`Refusal::event`]).
        refusal: Refusal,
    },
    /// A service used where the association's state does not allow it.
    #[error("{service} is not allowed in state {state:?}")]
    State {
        /// The service asked for.
        service: &'static str,
        /// The state the association was in.
        state: State,
    },
    /// The peer sent something ACSE does not allow at this point (ISO 8650-1 §7.3.3.4);
    /// an ABRT with diagnostic protocol-error was queued.
    #[error("ACSE protocol error: {0}")]
    Protocol(&'static str),
}

/// The association's byte interface, for [`cot::pump::Pump`].
impl cot::pump::Machine for Association {
    fn recv_buffer(&mut self) -> &mut [u8] {
        Association::recv_buffer(self)
    }
    fn recv_commit(&mut self, n: usize) {
        Association::recv_commit(self, n)
    }
    fn transmit(&self) -> &[u8] {
        Association::transmit(self)
    }
    fn advance_transmit(&mut self, n: usize) {
        Association::advance_transmit(self, n)
    }
    fn recv_release(&mut self) {
        Association::recv_release(self)
    }
}

/// One association, initiator or responder, over one transport connection. Sans-IO.
pub struct Association {
    config: AssociationConfig,
    role: SecurityRole,
    state: State,
    cot: cot::connection::Connection,
    session: Session,
    presentation: Presentation,
    security: Option<Box<dyn AssociationSecurity>>,
    /// The provider's timer ended the association: reported by the next `poll_event`.
    security_ended: Option<(&'static str, Refusal)>,
    /// Presentation contexts (id, abstract syntax) proposed or accepted.
    contexts: Vec<(u32, Oid<'static>)>,
    acse_context: u32,
    user_context: u32,
    /// Initiator: the AARQ's user data until the transport is up.
    pending_user_data: Option<Vec<u8>>,
    /// Scratch for encoding SPDUs outside the data path.
    spdu: Vec<u8>,
    /// Scratch for the security provider's data-phase output.
    sec_out: Vec<u8>,
    /// Responder: selectors seen in CR/CN/CP.
    indication: Option<Box<AssociateIndication>>,
    /// The armed deadlines.
    armed: Armed,
}

impl std::fmt::Debug for Association {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Association")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("contexts", &self.contexts)
            .finish_non_exhaustive()
    }
}

fn cot_config(c: &AssociationConfig) -> cot::connection::Config {
    let mut cfg = cot::connection::Config::default();
    cfg.max_tpdu_size = c.max_tpdu_size;
    cfg.max_tsdu_size = c.max_tsdu_size;
    cfg.local_tsel = c.local.tsel.clone();
    cfg.remote_tsel = c.remote.tsel.clone();
    cfg.tsap_check = if c.check_selectors {
        cot::connection::TsapCheck::RequireConfigured
    } else {
        cot::connection::TsapCheck::AcceptAny
    };
    cfg
}

fn session_config(c: &AssociationConfig) -> cosp::machine::Config {
    let mut cfg = cosp::machine::Config::default();
    cfg.local_ssel = c.local.ssel.clone();
    cfg.remote_ssel = c.remote.ssel.clone();
    cfg.check_ssel = c.check_selectors;
    cfg
}

fn presentation_config(
    c: &AssociationConfig,
    security: Option<&dyn AssociationSecurity>,
) -> copp::connection::Config {
    let mut supported = copp::context::Supported::default();
    supported.add(c.user_abstract_syntax.clone());
    if let Some(s) = security {
        for a in s.abstract_syntaxes() {
            supported.add(a);
        }
    }
    let mut cfg = copp::connection::Config::default();
    cfg.local_selector = c.local.psel.clone();
    cfg.remote_selector = c.remote.psel.clone();
    cfg.check_selector = c.check_selectors;
    cfg.supported = supported;
    cfg.max_depth = c.max_ber_depth;
    cfg
}

fn ae_title_of(
    ap: &Option<ApTitle<'_>>,
    ae: &Option<AeQualifier<'_>>,
    api: Option<i64>,
    aei: Option<i64>,
) -> AeTitle {
    AeTitle {
        ap_title: match ap {
            Some(ApTitle::Form2(o)) => Some(o.to_owned()),
            _ => None,
        },
        ae_qualifier: match ae {
            Some(AeQualifier::Form2(q)) => Some(*q),
            _ => None,
        },
        ap_invocation_id: api,
        ae_invocation_id: aei,
    }
}

/// The value of the first EXTERNAL whose encoding is single-ASN1-type (ISO 8650-1 §9.1:
/// user-information carries the user's APDU as an EXTERNAL, ISO 8823-1 §8.4 reference rules).
fn user_value(externals: &[External<'_>], user_context: u32) -> Option<Vec<u8>> {
    let matching = externals
        .iter()
        .find(|e| e.indirect_reference == Some(i64::from(user_context)))
        .or_else(|| externals.first());
    matching.and_then(|e| match &e.encoding {
        ExternalEncoding::SingleAsn1Type(v) | ExternalEncoding::OctetAligned(v) => Some(v.to_vec()),
        ExternalEncoding::Arbitrary { .. } => None,
    })
}

fn user_external(context: u32, value: &[u8]) -> External<'static> {
    External {
        direct_reference: None,
        indirect_reference: Some(i64::from(context)),
        data_value_descriptor: None,
        encoding: ExternalEncoding::SingleAsn1Type(Cow::Owned(value.to_vec())),
    }
}

/// Scratch buffers larger than this are given back when the socket runs dry.
const SCRATCH_KEEP: usize = 4096;

impl Association {
    fn new(
        role: SecurityRole,
        mut config: AssociationConfig,
        security: Option<Box<dyn AssociationSecurity>>,
    ) -> Association {
        if let Some(ac) = security.as_ref().and_then(|s| s.application_context()) {
            config.application_context = ac;
        }
        let cot_cfg = cot_config(&config);
        let cot = match role {
            SecurityRole::Initiator => cot::connection::Connection::connect(cot_cfg),
            SecurityRole::Responder => cot::connection::Connection::accept(cot_cfg),
        };
        let session = Session::new(
            match role {
                SecurityRole::Initiator => SessionRole::Initiator,
                SecurityRole::Responder => SessionRole::Responder,
            },
            {
                let mut c = session_config(&config);
                if role == SecurityRole::Initiator {
                    // Propose version 2 only, as libIEC61850, hat-drivers and iec61850bean do:
                    // the PyPI iec61850 server closes the connection on a CN proposing 1|2
                    // (interop-tests/tests/mms_quirks.rs). The responder accepts either.
                    c.versions = cosp::codes::VERSION_2;
                }
                c
            },
        );
        let presentation = Presentation::new(
            match role {
                SecurityRole::Initiator => PresentationRole::Initiator,
                SecurityRole::Responder => PresentationRole::Responder,
            },
            presentation_config(&config, security.as_deref()),
        );
        Association {
            state: match role {
                SecurityRole::Initiator => State::TransportConnecting,
                SecurityRole::Responder => State::AwaitingAarq,
            },
            role,
            cot,
            session,
            presentation,
            security,
            security_ended: None,
            contexts: Vec::new(),
            acse_context: ACSE_CONTEXT_ID,
            user_context: USER_CONTEXT_ID,
            pending_user_data: None,
            spdu: Vec::new(),
            sec_out: Vec::new(),
            indication: None,
            armed: Armed::start(&config.timeouts),
            config,
        }
    }

    /// Starts an association as initiator (A-ASSOCIATE request, ISO 8650-1 §7.1): queues the
    /// COTP CR; once the CC arrives, [`Association::poll_event`] sends CN(CP(AARQ)) carrying
    /// `user_data` (for MMS, the encoded initiate-RequestPDU).
    pub fn connect(
        config: AssociationConfig,
        user_data: &[u8],
        security: Option<Box<dyn AssociationSecurity>>,
    ) -> Association {
        let mut a = Association::new(SecurityRole::Initiator, config, security);
        a.pending_user_data = Some(user_data.to_vec());
        a
    }

    /// Waits for an association as responder on a freshly accepted transport connection.
    pub fn accept_incoming(
        config: AssociationConfig,
        security: Option<Box<dyn AssociationSecurity>>,
    ) -> Association {
        Association::new(SecurityRole::Responder, config, security)
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// True once nothing more will happen: flush [`Association::transmit`], then close.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// The peer identity the security provider authenticated, if any (see
    /// [`AssociationSecurity::authenticated_peer`]).
    pub fn authenticated_peer(&self) -> Option<crate::security::AuthenticatedPeer> {
        self.security.as_ref().and_then(|s| s.authenticated_peer())
    }

    /// The application-layer security the provider established (IEC 62351-4 §5.1 levels);
    /// [`crate::security::ApplicationSecurity::None`] without a provider.
    pub fn application_security(&self) -> crate::security::ApplicationSecurity {
        self.security
            .as_ref()
            .map_or(crate::security::ApplicationSecurity::None, |s| {
                s.application_security()
            })
    }

    /// The name of the security provider, if there is one.
    pub fn security_name(&self) -> Option<&'static str> {
        self.security.as_ref().map(|s| s.name())
    }

    /// The presentation contexts (id, abstract syntax) in the defined context set.
    pub fn contexts(&self) -> &[(u32, Oid<'static>)] {
        &self.contexts
    }

    /// The presentation context id of the user's abstract syntax.
    pub fn user_context(&self) -> u32 {
        self.user_context
    }

    /// The TPDU size agreed with the peer (ISO 8073 §13.3.4.b).
    pub fn tpdu_size(&self) -> usize {
        self.cot.tpdu_size()
    }

    /// Spare room to read socket bytes into directly; report them with [`Association::recv_commit`].
    /// Allocated on demand (see [`cot::connection::RECV_CHUNK`]).
    pub fn recv_buffer(&mut self) -> &mut [u8] {
        self.cot.recv_buffer()
    }

    /// `n` octets were read into [`Association::recv_buffer`].
    pub fn recv_commit(&mut self, n: usize) {
        self.cot.recv_commit(n);
        if n > 0 {
            self.input_arrived();
        }
    }

    /// The socket has nothing more to read for now: frees the receive buffer when everything
    /// in it was consumed (see [`cot::connection::Connection::recv_release`]).
    pub fn recv_release(&mut self) {
        self.cot.recv_release();
        if self.spdu.capacity() > SCRATCH_KEEP {
            self.spdu = Vec::new();
        }
        if self.sec_out.capacity() > SCRATCH_KEEP {
            self.sec_out = Vec::new();
        }
    }

    /// Copies bytes read from the socket in.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), AssociationError> {
        let r = self.cot.feed(data).map_err(|e| self.fail_transport(e));
        if !data.is_empty() {
            self.input_arrived();
        }
        r
    }

    /// Bytes arrived: the idle clock restarts; the frame clock starts, runs on or stops.
    fn input_arrived(&mut self) {
        let t = &self.config.timeouts;
        self.armed.input(t);
        if t.frame.is_some() {
            self.armed.frame_progress(t, self.cot.receive_progress());
        }
    }

    /// When [`Association::handle_timeout`] next needs to run: the earliest of the
    /// establishment, release and idle deadlines that apply in the current state (`None`:
    /// no timer is armed).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == State::Closed || self.armed.fired.is_some() {
            return None;
        }
        let own = self.armed.next(
            &self.config.timeouts,
            self.establishing(),
            self.state == State::Releasing,
        );
        let provider = if self.state == State::Associated {
            self.security.as_ref().and_then(|s| s.next_timer())
        } else {
            None
        };
        match (own, provider) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the timers at `now`: a deadline that has passed aborts the association (ISO 8650-1
    /// A-ABORT with an ABRT when a session connection exists; otherwise the transport simply
    /// closes) and [`Association::poll_event`] then reports [`Event::TimedOut`]. Calling it
    /// early, or more often than needed, does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Closed || self.armed.fired.is_some() {
            return;
        }
        // The security provider's timer (e.g. the periodic re-check of the peer's
        // certificate): a refusal ends the association with its ABRT.
        if self.state == State::Associated {
            if let Some(sec) = self.security.as_mut() {
                if sec.next_timer().is_some_and(|t| now >= t) {
                    if let Err(refusal) = sec.on_timer(now) {
                        let provider = sec.name();
                        let refusal = self.refuse_with(refusal);
                        self.security_ended = Some((provider, refusal));
                        return;
                    }
                }
            }
        }
        let Some(deadline) = self.armed.due(
            &self.config.timeouts,
            now,
            self.establishing(),
            self.state == State::Releasing,
        ) else {
            return;
        };
        log::info!(target: "osi_mms::acse", "{deadline}; aborting the association");
        if let Err(e) = self.abort(None) {
            log::debug!(target: "osi_mms::acse", "abort after a time-out: {e}");
        }
        self.state = State::Closed;
        self.armed.fired = Some(deadline);
    }

    /// Whether the association is still being set up (the establishment deadline applies).
    fn establishing(&self) -> bool {
        matches!(
            self.state,
            State::TransportConnecting
                | State::AwaitingAare
                | State::AwaitingAarq
                | State::AwaitingResponse
        )
    }

    /// Bytes waiting to be written to the socket.
    pub fn transmit(&self) -> &[u8] {
        self.cot.transmit()
    }

    /// `n` octets of [`Association::transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.cot.advance_transmit(n)
    }

    fn fail_transport(&mut self, e: cot::connection::CotError) -> AssociationError {
        self.state = State::Closed;
        AssociationError::Transport(e)
    }

    /// Sends one SPDU (already encoded in `self.spdu`) as one TSDU.
    fn send_spdu(&mut self) -> Result<(), AssociationError> {
        let spdu = std::mem::take(&mut self.spdu);
        let r = self.cot.send_data(&[&spdu]);
        self.spdu = spdu;
        self.spdu.clear();
        r.map_err(|e| self.fail_transport(e))
    }

    /// Queues a session AB carrying `user_data` (a presentation ARU or ARP) and closes.
    fn send_abort_spdu(&mut self, user_data: &[u8]) {
        self.spdu.clear();
        let mut spdu = std::mem::take(&mut self.spdu);
        if self.session.abort(user_data, &mut spdu).is_ok() {
            let _ = self.cot.send_data(&[&spdu]);
        }
        spdu.clear();
        self.spdu = spdu;
        self.state = State::Closed;
    }

    /// Queues ABRT(source, diagnostic) in ARU in AB and closes (ISO 8650-1 §7.3 A-ABORT,
    /// §7.3.3.4 A-P-ABORT when `source` is the service provider).
    fn send_abrt(
        &mut self,
        source: AbortSource,
        diagnostic: Option<AbortDiagnostic>,
        user_information: Vec<External<'static>>,
    ) {
        let mut abrt = Abrt {
            source,
            diagnostic,
            user_information,
        };
        if let Some(sec) = self.security.as_mut() {
            let ctx = SecurityContext {
                role: self.role,
                contexts: &self.contexts,
                application_context: &self.config.application_context,
            };
            sec.on_send_abort(&ctx, &mut abrt);
        }
        let mut w = Writer::new();
        Apdu::Abrt(abrt).encode(&mut w);
        let mut aru = Writer::new();
        self.presentation
            .user_abort(Some((self.acse_context, w.as_slice())), &mut aru);
        self.send_abort_spdu(aru.as_slice());
    }

    /// Handles a layer error from the presentation layer: queues the CPR or ARP it prescribes.
    fn fail_presentation(&mut self, e: copp::PresentationError) -> AssociationError {
        if self.state != State::Closed {
            match e.response() {
                Some(copp::Response::Cpr(reason)) => {
                    let mut w = Writer::new();
                    if self.presentation.refuse(reason, None, &mut w).is_ok() {
                        self.spdu.clear();
                        let mut spdu = std::mem::take(&mut self.spdu);
                        if self
                            .session
                            .refuse(cosp::RefuseReason::UserRejection, w.as_slice(), &mut spdu)
                            .is_ok()
                        {
                            let _ = self.cot.send_data(&[&spdu]);
                        }
                        spdu.clear();
                        self.spdu = spdu;
                    }
                }
                Some(copp::Response::Arp(reason)) => {
                    let mut w = Writer::new();
                    Presentation::provider_abort(reason, &mut w);
                    self.send_abort_spdu(w.as_slice());
                }
                None => {}
            }
        }
        self.state = State::Closed;
        AssociationError::Presentation(e)
    }

    fn fail_session(&mut self, e: cosp::SessionError) -> AssociationError {
        if let Some(ab) = e.spdu_to_send() {
            let _ = self.cot.send_data(&[ab]);
        }
        self.state = State::Closed;
        AssociationError::Session(e)
    }

    fn fail_acse(&mut self, e: apdu::AcseError) -> AssociationError {
        if self.state != State::Closed {
            self.send_abrt(
                AbortSource::ServiceProvider,
                Some(AbortDiagnostic::ProtocolError),
                Vec::new(),
            );
        }
        AssociationError::Acse(e)
    }

    fn protocol_error(&mut self, what: &'static str) -> AssociationError {
        log::warn!(target: "osi_mms::acse", "protocol error: {what}; aborting");
        if self.state != State::Closed {
            self.send_abrt(
                AbortSource::ServiceProvider,
                Some(AbortDiagnostic::ProtocolError),
                Vec::new(),
            );
        }
        AssociationError::Protocol(what)
    }

    /// Processes received bytes until something happens; `Ok(None)` means more bytes are
    /// needed (or nothing more will come: check [`Association::is_closed`]).
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>, AssociationError> {
        if let Some(deadline) = self.armed.fired.take() {
            return Ok(Some(Event::TimedOut(deadline)));
        }
        if let Some((provider, refusal)) = self.security_ended.take() {
            return Err(AssociationError::SecurityRefused { provider, refusal });
        }
        loop {
            if self.state == State::Closed {
                return Ok(None);
            }
            let step = match self.cot.poll_event() {
                Ok(None) => return Ok(None),
                Err(e) => return Err(self.fail_transport(e)),
                Ok(Some(cot::connection::Event::Connected(_))) => {
                    if self.role == SecurityRole::Initiator
                        && self.state == State::TransportConnecting
                    {
                        self.send_connect()?;
                        self.state = State::AwaitingAare;
                    }
                    continue;
                }
                Ok(Some(cot::connection::Event::Disconnected { reason })) => {
                    let state = self.state;
                    self.state = State::Closed;
                    if matches!(state, State::TransportConnecting | State::AwaitingAare) {
                        return Ok(Some(Event::Refused(Box::new(Refused::Transport {
                            reason,
                        }))));
                    }
                    return Ok(Some(Event::Disconnected));
                }
                Ok(Some(cot::connection::Event::PeerError { cause })) => {
                    log::warn!(target: "osi_mms::acse", "peer sent COTP ER (reject cause {cause})");
                    self.state = State::Closed;
                    return Ok(Some(Event::Disconnected));
                }
                Ok(Some(cot::connection::Event::Data(_))) => self.classify_tsdu(),
            };
            return self.act(step);
        }
    }

    /// Reads the TSDU the transport just delivered through session and (for data) presentation,
    /// and says what to do, without keeping a borrow of the receive buffer.
    fn classify_tsdu(&mut self) -> Step {
        let Association {
            cot,
            session,
            presentation,
            security,
            sec_out,
            state,
            acse_context,
            ..
        } = self;
        let tsdu = cot.last_data();
        let ind = match session.handle_tsdu(tsdu) {
            Ok(ind) => ind,
            Err(e) => return Step::SessionFailed(e),
        };
        match ind {
            Indication::Data(ppdu) => {
                if !matches!(
                    state,
                    State::Associated | State::Releasing | State::ReleaseIndicated
                ) {
                    return Step::Protocol("P-DATA before the association was accepted");
                }
                let fe = match presentation.handle_data(ppdu) {
                    Ok(fe) => fe,
                    Err(e) => return Step::PresentationFailed(e),
                };
                let mut pdvs = fe.pdvs();
                let pdv = match pdvs.next() {
                    Some(Ok(p)) => p,
                    Some(Err(e)) => return Step::PresentationFailed(e),
                    None => return Step::Protocol("P-DATA without a PDV"),
                };
                if pdvs.next().is_some() {
                    // ISO 8823-1 allows several PDVs in one P-DATA; MMS never sends more than
                    // one per PDU, and delivering several at once would need a copy.
                    return Step::Protocol("P-DATA with more than one PDV");
                }
                let data = match pdv.value {
                    copp::ppdu::PdvValue::SingleAsn1Type(v) => v,
                    _ => return Step::Protocol("P-DATA that is not single-ASN1-type"),
                };
                let ctx = pdv.context_id;
                if ctx == *acse_context {
                    return Step::Protocol("ACSE APDU in P-DATA");
                }
                if let Some(sec) = security.as_mut() {
                    sec_out.clear();
                    match sec.unprotect(ctx, data, sec_out) {
                        Ok(None) => {}
                        Ok(Some(id)) => return Step::SecData { context_id: id },
                        Err(refusal) => return Step::SecurityRefused(refusal, sec.name()),
                    }
                }
                // The PDV value borrows from the TSDU; keep its position, not the borrow.
                match (data.as_ptr() as usize).checked_sub(tsdu.as_ptr() as usize) {
                    Some(start) if start + data.len() <= tsdu.len() => Step::Data {
                        context_id: ctx,
                        range: start..start + data.len(),
                    },
                    _ => Step::Protocol("P-DATA value outside the received TSDU"),
                }
            }
            Indication::Connect {
                calling_ssel,
                called_ssel,
                user_data,
                ..
            } => Step::Connect {
                calling_ssel: calling_ssel.map(<[u8]>::to_vec).unwrap_or_default(),
                called_ssel: called_ssel.map(<[u8]>::to_vec).unwrap_or_default(),
                cp: user_data.to_vec(),
            },
            Indication::Accept { user_data, .. } => Step::Accept(user_data.to_vec()),
            Indication::Refuse { reason, user_data } => {
                Step::Refuse(reason.code(), user_data.to_vec())
            }
            Indication::Finish { user_data } => Step::Finish(user_data.to_vec()),
            Indication::Disconnect { user_data } => Step::Disconnect(user_data.to_vec()),
            Indication::Abort { user_data, .. } => Step::Abort(user_data.to_vec()),
            Indication::AbortAccept => Step::AbortAccept,
            #[allow(unreachable_patterns)]
            _ => Step::Protocol("session indication not used by ACSE"),
        }
    }

    fn act(&mut self, step: Step) -> Result<Option<Event<'_>>, AssociationError> {
        match step {
            Step::Data { context_id, range } => {
                if range.end > self.cot.last_data().len() {
                    return Err(self.protocol_error("P-DATA value outside the received TSDU"));
                }
                let data = self.cot.last_data().get(range).unwrap_or_default();
                Ok(Some(Event::Data { context_id, data }))
            }
            Step::SecData { context_id } => Ok(Some(Event::Data {
                context_id,
                data: &self.sec_out,
            })),
            Step::SessionFailed(e) => Err(self.fail_session(e)),
            Step::PresentationFailed(e) => Err(self.fail_presentation(e)),
            Step::Protocol(what) => Err(self.protocol_error(what)),
            Step::SecurityRefused(refusal, provider) => {
                let refusal = self.refuse_with(refusal);
                Err(AssociationError::SecurityRefused { provider, refusal })
            }
            Step::Connect {
                calling_ssel,
                called_ssel,
                cp,
            } => self.on_connect(calling_ssel, called_ssel, &cp),
            Step::Accept(cpa) => self.on_accept(&cpa),
            Step::Refuse(reason, ud) => self.on_refuse(reason, &ud),
            Step::Finish(ud) => self.on_finish(&ud),
            Step::Disconnect(ud) => self.on_disconnect(&ud),
            Step::Abort(ud) => self.on_abort(&ud),
            Step::AbortAccept => {
                self.state = State::Closed;
                Ok(Some(Event::Disconnected))
            }
        }
    }

    /// Sends the response `refusal` names and closes; gives the refusal back for the error.
    fn refuse_with(&mut self, refusal: Refusal) -> Refusal {
        match &refusal {
            Refusal::Reject { reason, .. } | Refusal::Abort { reason, .. } => {
                log::warn!(target: "osi_mms::security", "association refused: {reason}");
            }
        }
        match &refusal {
            Refusal::Reject {
                result, diagnostic, ..
            } => {
                if matches!(self.state, State::AwaitingAarq | State::AwaitingResponse) {
                    self.send_aare_reject(*result, Diagnostic::ServiceUser(*diagnostic), None);
                } else {
                    self.send_abrt(AbortSource::ServiceUser, None, Vec::new());
                }
            }
            Refusal::Abort {
                diagnostic,
                user_information,
                ..
            } => {
                self.send_abrt(
                    AbortSource::ServiceUser,
                    *diagnostic,
                    user_information.clone(),
                );
            }
        }
        self.state = State::Closed;
        refusal
    }
}

/// What a received TSDU asks for, with no borrow of the receive buffer left (see
/// [`Association::classify_tsdu`]).
enum Step {
    Data {
        context_id: u32,
        range: std::ops::Range<usize>,
    },
    SecData {
        context_id: u32,
    },
    Connect {
        calling_ssel: Vec<u8>,
        called_ssel: Vec<u8>,
        cp: Vec<u8>,
    },
    Accept(Vec<u8>),
    Refuse(u8, Vec<u8>),
    Finish(Vec<u8>),
    Disconnect(Vec<u8>),
    Abort(Vec<u8>),
    AbortAccept,
    SessionFailed(cosp::SessionError),
    PresentationFailed(copp::PresentationError),
    Protocol(&'static str),
    SecurityRefused(Refusal, &'static str),
}

/// The ACSE APDU in presentation user data (fully-encoded, ISO 8823-1 §8.4) on the ACSE
/// context, owned (connect and release phases only: not the data path).
fn acse_value(
    fe: &copp::ppdu::FullyEncoded<'_>,
    acse_context: u32,
) -> Result<Vec<u8>, &'static str> {
    for pdv in fe.pdvs() {
        let pdv = pdv.map_err(|_| "malformed presentation user data")?;
        if pdv.context_id == acse_context {
            if let copp::ppdu::PdvValue::SingleAsn1Type(v) = pdv.value {
                return Ok(v.to_vec());
            }
        }
    }
    Err("no ACSE APDU in the presentation user data")
}

/// [`acse_value`] for user data that may be simply encoded (refused: it names no context).
fn acse_value_of(
    ud: &copp::ppdu::UserData<'_>,
    acse_context: u32,
) -> Result<Vec<u8>, &'static str> {
    match ud {
        copp::ppdu::UserData::Fully(fe) => acse_value(fe, acse_context),
        copp::ppdu::UserData::Simple(_) => Err("simply-encoded user data (no context) refused"),
    }
}

impl Association {
    fn sec_ctx(&self) -> SecurityContext<'_> {
        SecurityContext {
            role: self.role,
            contexts: &self.contexts,
            application_context: &self.config.application_context,
        }
    }

    /// Initiator: CN(CP(AARQ)) once the transport connection is up (ISO 8650-1 §7.1.3).
    fn send_connect(&mut self) -> Result<(), AssociationError> {
        let acse_as = copp::ACSE_AS;
        self.contexts = vec![
            (ACSE_CONTEXT_ID, acse_as),
            (USER_CONTEXT_ID, self.config.user_abstract_syntax.clone()),
        ];
        if let Some(sec) = self.security.as_ref() {
            let mut id = USER_CONTEXT_ID + 2;
            for a in sec.abstract_syntaxes() {
                self.contexts.push((id, a));
                id += 2;
            }
        }
        let user_data = self.pending_user_data.take().unwrap_or_default();
        let local = &self.config.local;
        let remote = &self.config.remote;
        let mut aarq = Aarq {
            application_context_name: self.config.application_context.clone(),
            called_ap_title: remote.ap_title.clone().map(ApTitle::Form2),
            called_ae_qualifier: remote.ae_qualifier.map(AeQualifier::Form2),
            called_ap_invocation_id: remote.ap_invocation_id,
            called_ae_invocation_id: remote.ae_invocation_id,
            calling_ap_title: local.ap_title.clone().map(ApTitle::Form2),
            calling_ae_qualifier: local.ae_qualifier.map(AeQualifier::Form2),
            calling_ap_invocation_id: local.ap_invocation_id,
            calling_ae_invocation_id: local.ae_invocation_id,
            user_information: vec![user_external(USER_CONTEXT_ID, &user_data)],
            ..Aarq::new(self.config.application_context.clone())
        };
        if let Some(mut sec) = self.security.take() {
            let r = sec.on_send_aarq(&self.sec_ctx(), &mut aarq);
            let provider = sec.name();
            self.security = Some(sec);
            if let Err(source) = r {
                self.state = State::Closed;
                return Err(AssociationError::Security { provider, source });
            }
        }
        let mut w = Writer::new();
        Apdu::Aarq(aarq).encode(&mut w);
        let mut cp = Writer::new();
        let proposed: Vec<(u32, Oid<'_>)> = self.contexts.clone();
        if let Err(e) =
            self.presentation
                .connect(&proposed, (ACSE_CONTEXT_ID, w.as_slice()), &mut cp)
        {
            self.state = State::Closed;
            return Err(AssociationError::Presentation(e));
        }
        self.spdu.clear();
        if let Err(e) = self.session.connect(cp.as_slice(), &mut self.spdu) {
            self.state = State::Closed;
            return Err(AssociationError::Session(e));
        }
        self.send_spdu()
    }

    /// Responder: CN(CP(AARQ)) arrived.
    fn on_connect(
        &mut self,
        calling_ssel: Vec<u8>,
        called_ssel: Vec<u8>,
        cp: &[u8],
    ) -> Result<Option<Event<'_>>, AssociationError> {
        let ind = match self.presentation.handle_connect(cp) {
            Ok(ind) => ind,
            Err(e) => return Err(self.fail_presentation(e)),
        };
        let calling_psel = ind.calling_selector.map(<[u8]>::to_vec).unwrap_or_default();
        let called_psel = ind.called_selector.map(<[u8]>::to_vec).unwrap_or_default();
        let aarq_bytes = acse_value(&ind.user_data, ACSE_CONTEXT_ID);
        drop(ind);
        let aarq_bytes = match aarq_bytes {
            Ok(v) => v,
            Err(what) => return Err(self.protocol_error(what)),
        };
        self.contexts = self
            .presentation
            .contexts()
            .iter()
            .map(|(id, oid)| (id, oid.to_owned()))
            .collect();
        let acse_as = copp::ACSE_AS;
        self.acse_context = self
            .contexts
            .iter()
            .find(|(_, o)| *o == acse_as)
            .map_or(ACSE_CONTEXT_ID, |c| c.0);
        self.user_context = match self
            .contexts
            .iter()
            .find(|(_, o)| *o == self.config.user_abstract_syntax)
        {
            Some(c) => c.0,
            None => {
                self.state = State::AwaitingResponse;
                self.send_aare_reject(
                    AssociateResult::RejectedPermanent,
                    Diagnostic::ServiceUser(ServiceUserDiagnostic::NoReasonGiven),
                    None,
                );
                return Err(AssociationError::Protocol(
                    "the user's abstract syntax was not proposed",
                ));
            }
        };
        let aarq = match apdu::parse(&aarq_bytes) {
            Ok(Apdu::Aarq(a)) => a,
            Ok(_) => return Err(self.protocol_error("CP user data is not an AARQ")),
            Err(e) => return Err(self.fail_acse(e)),
        };
        self.state = State::AwaitingResponse;
        if !aarq.offers_version1() {
            // X.227 §7.1.5.2: no common ACSE protocol version; rejected before anything else
            // of the AARQ is looked at.
            log::warn!(target: "osi_mms::acse", "AARQ without ACSE version 1");
            self.send_aare_reject(
                AssociateResult::RejectedPermanent,
                Diagnostic::ServiceProvider(ServiceProviderDiagnostic::NoCommonAcseVersion),
                None,
            );
            return Err(AssociationError::Protocol(
                "no common ACSE protocol version (AARE rejected)",
            ));
        }
        if let Some(ac) = self
            .security
            .as_mut()
            .and_then(|s| s.select_application_context(&aarq.application_context_name))
        {
            self.config.application_context = ac;
        }
        if aarq.application_context_name != self.config.application_context {
            let name = aarq.application_context_name.to_id_string();
            log::warn!(target: "osi_mms::acse", "AARQ with unsupported application context {name}");
            self.send_aare_reject(
                AssociateResult::RejectedPermanent,
                Diagnostic::ServiceUser(ServiceUserDiagnostic::ApplicationContextNameNotSupported),
                None,
            );
            return Err(AssociationError::Protocol(
                "unsupported application context (AARE rejected)",
            ));
        }
        let called = ae_title_of(
            &aarq.called_ap_title,
            &aarq.called_ae_qualifier,
            aarq.called_ap_invocation_id,
            aarq.called_ae_invocation_id,
        );
        if self.config.check_called_ae_title {
            let local = &self.config.local;
            let bad = if called.ap_title.is_some() && called.ap_title != local.ap_title {
                Some(ServiceUserDiagnostic::CalledApTitleNotRecognized)
            } else if called.ae_qualifier.is_some() && called.ae_qualifier != local.ae_qualifier {
                Some(ServiceUserDiagnostic::CalledAeQualifierNotRecognized)
            } else {
                None
            };
            if let Some(d) = bad {
                self.send_aare_reject(
                    AssociateResult::RejectedPermanent,
                    Diagnostic::ServiceUser(d),
                    None,
                );
                return Err(AssociationError::Protocol("called AE-title not recognized"));
            }
        }
        let mut delivered = None;
        if let Some(mut sec) = self.security.take() {
            let r = sec.on_receive_aarq(&self.sec_ctx(), &aarq);
            let provider = sec.name();
            self.security = Some(sec);
            match r {
                Ok(v) => delivered = v,
                Err(refusal) => {
                    let refusal = self.refuse_with(refusal);
                    return Err(AssociationError::SecurityRefused { provider, refusal });
                }
            }
        }
        let user_data = match delivered {
            Some(v) => user_value(&v, self.user_context),
            None => user_value(&aarq.user_information, self.user_context),
        };
        let indication = AssociateIndication {
            calling: ae_title_of(
                &aarq.calling_ap_title,
                &aarq.calling_ae_qualifier,
                aarq.calling_ap_invocation_id,
                aarq.calling_ae_invocation_id,
            ),
            called,
            calling_tsel: self.cot.peer_tsel().to_vec(),
            called_tsel: self.cot.called_tsel().to_vec(),
            calling_ssel,
            called_ssel,
            calling_psel,
            called_psel,
            application_context: aarq.application_context_name.to_owned(),
            mechanism_name: aarq.mechanism_name.as_ref().map(|o| o.to_owned()),
            user_data,
        };
        self.indication = Some(Box::new(indication.clone()));
        Ok(Some(Event::AssociateIndication(Box::new(indication))))
    }

    /// Responder: positive A-ASSOCIATE response (ISO 8650-1 §7.1.3): AC(CPA(AARE accepted))
    /// carrying `user_data` (for MMS, the initiate-ResponsePDU).
    pub fn accept(&mut self, user_data: &[u8]) -> Result<(), AssociationError> {
        if self.state != State::AwaitingResponse {
            return Err(AssociationError::State {
                service: "A-ASSOCIATE response",
                state: self.state,
            });
        }
        let mut aare = self.aare(
            AssociateResult::Accepted,
            Diagnostic::ServiceUser(ServiceUserDiagnostic::Null),
        );
        aare.user_information = vec![user_external(self.user_context, user_data)];
        if let Some(mut sec) = self.security.take() {
            let r = sec.on_send_aare(&self.sec_ctx(), &mut aare);
            let provider = sec.name();
            self.security = Some(sec);
            if let Err(source) = r {
                self.send_abrt(AbortSource::ServiceProvider, None, Vec::new());
                return Err(AssociationError::Security { provider, source });
            }
        }
        let mut w = Writer::new();
        Apdu::Aare(aare).encode(&mut w);
        let mut cpa = Writer::new();
        if let Err(e) = self
            .presentation
            .accept((self.acse_context, w.as_slice()), &mut cpa)
        {
            self.state = State::Closed;
            return Err(AssociationError::Presentation(e));
        }
        self.spdu.clear();
        if let Err(e) = self.session.accept(cpa.as_slice(), &mut self.spdu) {
            self.state = State::Closed;
            return Err(AssociationError::Session(e));
        }
        self.send_spdu()?;
        self.state = State::Associated;
        Ok(())
    }

    /// Responder: negative A-ASSOCIATE response: RF(CPR(AARE rejected)) with the given result
    /// and service-user diagnostic (ISO 8650-1 §7.1.3, ISO 8823-1 §6.2.4.2 user-rejection).
    pub fn reject(
        &mut self,
        result: AssociateResult,
        diagnostic: ServiceUserDiagnostic,
        user_data: Option<&[u8]>,
    ) -> Result<(), AssociationError> {
        if self.state != State::AwaitingResponse {
            return Err(AssociationError::State {
                service: "A-ASSOCIATE response",
                state: self.state,
            });
        }
        self.send_aare_reject(result, Diagnostic::ServiceUser(diagnostic), user_data);
        Ok(())
    }

    fn aare(&self, result: AssociateResult, diagnostic: Diagnostic) -> Aare<'static> {
        let local = &self.config.local;
        Aare {
            responding_ap_title: local.ap_title.clone().map(ApTitle::Form2),
            responding_ae_qualifier: local.ae_qualifier.map(AeQualifier::Form2),
            responding_ap_invocation_id: local.ap_invocation_id,
            responding_ae_invocation_id: local.ae_invocation_id,
            ..Aare::new(self.config.application_context.clone(), result, diagnostic)
        }
    }

    fn send_aare_reject(
        &mut self,
        result: AssociateResult,
        diagnostic: Diagnostic,
        user_data: Option<&[u8]>,
    ) {
        let mut aare = self.aare(result, diagnostic);
        if let Some(ud) = user_data {
            aare.user_information = vec![user_external(self.user_context, ud)];
        }
        if let Some(mut sec) = self.security.take() {
            let _ = sec.on_send_aare(&self.sec_ctx(), &mut aare);
            self.security = Some(sec);
        }
        let mut w = Writer::new();
        Apdu::Aare(aare).encode(&mut w);
        let mut cpr = Writer::new();
        if self
            .presentation
            .refuse(None, Some((self.acse_context, w.as_slice())), &mut cpr)
            .is_ok()
        {
            self.spdu.clear();
            let mut spdu = std::mem::take(&mut self.spdu);
            if self
                .session
                .refuse(cosp::RefuseReason::UserRejection, cpr.as_slice(), &mut spdu)
                .is_ok()
            {
                let _ = self.cot.send_data(&[&spdu]);
            }
            spdu.clear();
            self.spdu = spdu;
        }
        self.state = State::Closed;
    }

    /// Initiator: AC(CPA(AARE)) arrived.
    fn on_accept(&mut self, cpa: &[u8]) -> Result<Option<Event<'_>>, AssociationError> {
        let acc = match self.presentation.handle_accept(cpa) {
            Ok(a) => a,
            Err(e) => return Err(self.fail_presentation(e)),
        };
        let aare_bytes = acse_value(&acc.user_data, ACSE_CONTEXT_ID);
        drop(acc);
        let aare_bytes = match aare_bytes {
            Ok(v) => v,
            Err(what) => return Err(self.protocol_error(what)),
        };
        let accepted: Vec<(u32, Oid<'static>)> = self
            .presentation
            .contexts()
            .iter()
            .map(|(id, oid)| (id, oid.to_owned()))
            .collect();
        self.contexts = accepted;
        let aare = match apdu::parse(&aare_bytes) {
            Ok(Apdu::Aare(a)) => a,
            Ok(_) => return Err(self.protocol_error("CPA user data is not an AARE")),
            Err(e) => return Err(self.fail_acse(e)),
        };
        if aare.result != AssociateResult::Accepted {
            self.state = State::Closed;
            let user_data = user_value(&aare.user_information, USER_CONTEXT_ID);
            return Ok(Some(Event::Refused(Box::new(Refused::Acse {
                result: aare.result,
                diagnostic: aare.result_source_diagnostic,
                user_data,
            }))));
        }
        if !self.contexts.iter().any(|(id, _)| *id == USER_CONTEXT_ID) {
            return Err(
                self.protocol_error("the peer accepted the association but not the user's context")
            );
        }
        let mut delivered = None;
        if let Some(mut sec) = self.security.take() {
            let r = sec.on_receive_aare(&self.sec_ctx(), &aare);
            let provider = sec.name();
            self.security = Some(sec);
            match r {
                Ok(v) => delivered = v,
                Err(refusal) => {
                    let refusal = self.refuse_with(refusal);
                    return Err(AssociationError::SecurityRefused { provider, refusal });
                }
            }
        }
        let user_data = match delivered {
            Some(v) => user_value(&v, USER_CONTEXT_ID),
            None => user_value(&aare.user_information, USER_CONTEXT_ID),
        };
        self.state = State::Associated;
        Ok(Some(Event::Associated(Box::new(AssociateConfirm {
            responding: ae_title_of(
                &aare.responding_ap_title,
                &aare.responding_ae_qualifier,
                aare.responding_ap_invocation_id,
                aare.responding_ae_invocation_id,
            ),
            application_context: aare.application_context_name.to_owned(),
            user_data,
        }))))
    }

    /// Initiator: RF arrived (possibly with CPR(AARE)).
    fn on_refuse(
        &mut self,
        reason: u8,
        user_data: &[u8],
    ) -> Result<Option<Event<'_>>, AssociationError> {
        self.state = State::Closed;
        if user_data.is_empty() {
            return Ok(Some(Event::Refused(Box::new(Refused::Session { reason }))));
        }
        let refused = match self.presentation.handle_refuse(user_data) {
            Ok(cpr) => {
                let aare = cpr
                    .user_data
                    .as_ref()
                    .and_then(|ud| acse_value_of(ud, ACSE_CONTEXT_ID).ok());
                match aare.as_deref().map(apdu::parse) {
                    Some(Ok(Apdu::Aare(aare))) => {
                        // The provider sees the rejecting AARE too (an E2E HandshakeSecReject
                        // or ApplicationReject to verify, log and unwrap).
                        let mut delivered = None;
                        if let Some(mut sec) = self.security.take() {
                            if let Ok(v) = sec.on_receive_aare(&self.sec_ctx(), &aare) {
                                delivered = v;
                            }
                            self.security = Some(sec);
                        }
                        Refused::Acse {
                            result: aare.result,
                            diagnostic: aare.result_source_diagnostic,
                            user_data: match delivered {
                                Some(v) => user_value(&v, USER_CONTEXT_ID),
                                None => user_value(&aare.user_information, USER_CONTEXT_ID),
                            },
                        }
                    }
                    _ => Refused::Presentation {
                        reason: cpr.provider_reason,
                    },
                }
            }
            Err(_) => Refused::Session { reason },
        };
        Ok(Some(Event::Refused(Box::new(refused))))
    }

    /// P-DATA (ISO 8823-1 §7.4): sends `data` (one encoded value of the user's abstract syntax,
    /// e.g. one MMSpdu) on the user's presentation context. The octets of `data` are copied
    /// once, into the transmit buffer, whatever the number of layers and segments.
    pub fn send_data(&mut self, data: &[u8]) -> Result<(), AssociationError> {
        let ctx = self.user_context;
        self.send_data_on(ctx, data)
    }

    /// P-DATA on a given presentation context of the defined context set.
    pub fn send_data_on(&mut self, context_id: u32, data: &[u8]) -> Result<(), AssociationError> {
        if !matches!(
            self.state,
            State::Associated | State::ReleaseIndicated | State::Releasing
        ) {
            return Err(AssociationError::State {
                service: "P-DATA",
                state: self.state,
            });
        }
        let mut ctx = context_id;
        let mut protected = false;
        if let Some(sec) = self.security.as_mut() {
            self.sec_out.clear();
            match sec.protect(context_id, data, &mut self.sec_out) {
                Ok(None) => {}
                Ok(Some(id)) => {
                    ctx = id;
                    protected = true;
                }
                Err(source) => {
                    let provider = sec.name();
                    self.send_abrt(AbortSource::ServiceUser, None, Vec::new());
                    return Err(AssociationError::Security { provider, source });
                }
            }
        }
        let payload: &[u8] = if protected { &self.sec_out } else { data };
        let mut hdr = [0u8; copp::ppdu::DATA_HEADER_MAX];
        let n = self
            .presentation
            .data_header(ctx, payload.len(), &mut hdr)
            .map_err(AssociationError::Presentation)?;
        self.session.check_can_send_data()?;
        let r = self
            .cot
            .send_data(&[&cosp::spdu::DATA_HEADER, &hdr[..n], payload]);
        r.map_err(|e| self.fail_transport(e))
    }

    /// A-RELEASE request (ISO 8650-1 §7.2): FN(RLRQ reason normal).
    pub fn release(&mut self, user_data: Option<&[u8]>) -> Result<(), AssociationError> {
        if self.state != State::Associated {
            return Err(AssociationError::State {
                service: "A-RELEASE request",
                state: self.state,
            });
        }
        let apdu = Apdu::Rlrq(Rlrq {
            reason: Some(ReleaseRequestReason::Normal),
            user_information: user_data
                .map(|d| vec![user_external(self.user_context, d)])
                .unwrap_or_default(),
        });
        self.send_release_apdu(apdu)?;
        self.state = State::Releasing;
        self.armed.release_started(&self.config.timeouts);
        Ok(())
    }

    /// RLRQ in FINISH or RLRE in DISCONNECT (ISO 8650-1 §7.2 mapped onto S-RELEASE), after the
    /// security provider has seen it.
    fn send_release_apdu(&mut self, mut apdu: Apdu<'static>) -> Result<(), AssociationError> {
        self.release_apdu(&mut apdu)?;
        let mut w = Writer::new();
        apdu.encode(&mut w);
        let mut pw = Writer::new();
        self.presentation
            .encode_user_data(self.acse_context, w.as_slice(), &mut pw)?;
        self.spdu.clear();
        let mut spdu = std::mem::take(&mut self.spdu);
        let r = match apdu {
            Apdu::Rlrq(_) => self.session.finish(pw.as_slice(), &mut spdu),
            _ => self.session.disconnect(pw.as_slice(), &mut spdu),
        };
        self.spdu = spdu;
        if let Err(e) = r {
            return Err(self.fail_session(e));
        }
        self.send_spdu()
    }

    fn release_apdu(&mut self, apdu: &mut Apdu<'static>) -> Result<(), AssociationError> {
        if let Some(mut sec) = self.security.take() {
            let r = sec.on_send_release(&self.sec_ctx(), apdu);
            let provider = sec.name();
            self.security = Some(sec);
            if let Err(source) = r {
                self.send_abrt(AbortSource::ServiceUser, None, Vec::new());
                return Err(AssociationError::Security { provider, source });
            }
        }
        Ok(())
    }

    /// A-RELEASE response (ISO 8650-1 §7.2): DN(RLRE reason normal). The kernel session
    /// functional unit has no negotiated release, so a release cannot be refused.
    pub fn respond_release(&mut self, user_data: Option<&[u8]>) -> Result<(), AssociationError> {
        if self.state != State::ReleaseIndicated {
            return Err(AssociationError::State {
                service: "A-RELEASE response",
                state: self.state,
            });
        }
        let apdu = Apdu::Rlre(Rlre {
            reason: Some(ReleaseResponseReason::Normal),
            user_information: user_data
                .map(|d| vec![user_external(self.user_context, d)])
                .unwrap_or_default(),
        });
        self.send_release_apdu(apdu)?;
        self.state = State::Closed;
        Ok(())
    }

    /// A-ABORT request (ISO 8650-1 §7.3): AB(ARU(ABRT source service-user)). Allowed in every
    /// state but Closed.
    pub fn abort(&mut self, user_data: Option<&[u8]>) -> Result<(), AssociationError> {
        if self.state == State::Closed {
            return Err(AssociationError::State {
                service: "A-ABORT request",
                state: self.state,
            });
        }
        if self.state == State::TransportConnecting {
            // No session connection yet: closing the transport is the abort.
            self.state = State::Closed;
            return Ok(());
        }
        let ui = user_data
            .map(|d| vec![user_external(self.user_context, d)])
            .unwrap_or_default();
        self.send_abrt(AbortSource::ServiceUser, None, ui);
        Ok(())
    }

    fn parse_acse_user_data(&self, ud: &[u8]) -> Result<Vec<u8>, &'static str> {
        let parsed =
            copp::ppdu::parse_user_data(ud).map_err(|_| "malformed presentation user data")?;
        acse_value_of(&parsed, self.acse_context)
    }

    /// FN arrived: RLRQ (or, from some peers, an ABRT).
    fn on_finish(&mut self, ud: &[u8]) -> Result<Option<Event<'_>>, AssociationError> {
        if ud.is_empty() && self.state == State::Releasing {
            // The PyPI iec61850 server answers our FN(RLRQ) with an empty FINISH, then an
            // empty DISCONNECT, never an RLRE (interop-tests/peers/README.md). Nothing else can
            // be meant by it: the release is done.
            log::info!(target: "osi_mms::acse", "peer answered our RLRQ with an empty FINISH; release taken as done");
            self.state = State::Closed;
            return Ok(Some(Event::Released {
                reason: None,
                user_data: None,
            }));
        }
        let bytes = match self.parse_acse_user_data(ud) {
            Ok(b) => b,
            Err(what) => {
                // hat-drivers closes with a presentation ARU carrying an ABRT inside a session
                // FINISH (interop-tests/peers/README.md). Not the mapping ISO 8650-1 gives
                // A-ABORT, but unambiguous: take it as the peer's abort.
                if let Ok(copp::ppdu::AbortPpdu::User {
                    user_data: Some(u), ..
                }) = copp::ppdu::parse_abort(ud)
                {
                    if let Ok(Apdu::Abrt(abrt)) = acse_value_of(&u, self.acse_context)
                        .as_deref()
                        .map(apdu::parse)
                        .unwrap_or(Err(apdu::AcseError::Ber(copp::ber::BerError::Truncated {
                            needed: 1,
                        })))
                    {
                        let abrt = abrt.into_owned();
                        log::info!(target: "osi_mms::acse", "peer sent ARU(ABRT) in a session FINISH; taken as A-ABORT");
                        return Ok(Some(self.aborted(Some(&abrt))));
                    }
                }
                return Err(self.protocol_error(what));
            }
        };
        match apdu::parse(&bytes) {
            Ok(Apdu::Rlrq(rlrq)) => {
                if !matches!(self.state, State::Associated | State::Releasing) {
                    return Err(self.protocol_error("RLRQ outside the data phase"));
                }
                let delivered = self.receive_release(&Apdu::Rlrq(rlrq.clone()))?;
                self.state = State::ReleaseIndicated;
                Ok(Some(Event::ReleaseIndication {
                    reason: rlrq.reason,
                    user_data: delivered
                        .or_else(|| user_value(&rlrq.user_information, self.user_context)),
                }))
            }
            Ok(Apdu::Abrt(abrt)) => {
                // hat-drivers closes with an ABRT inside a session FINISH (spec peers.md): not
                // what ISO 8650-1 maps A-ABORT to, but unambiguous, so it is taken as an abort.
                log::info!(target: "osi_mms::acse", "peer sent ABRT in a session FINISH; treated as A-ABORT");
                Ok(Some(self.aborted(Some(&abrt))))
            }
            Ok(_) => Err(self.protocol_error("FINISH carrying neither RLRQ nor ABRT")),
            Err(e) => Err(self.fail_acse(e)),
        }
    }

    fn receive_release(&mut self, apdu: &Apdu<'_>) -> Result<Option<Vec<u8>>, AssociationError> {
        if let Some(mut sec) = self.security.take() {
            let r = sec.on_receive_release(&self.sec_ctx(), apdu);
            let provider = sec.name();
            self.security = Some(sec);
            match r {
                Ok(v) => return Ok(v.and_then(|v| user_value(&v, self.user_context))),
                Err(refusal) => {
                    let refusal = self.refuse_with(refusal);
                    return Err(AssociationError::SecurityRefused { provider, refusal });
                }
            }
        }
        Ok(None)
    }

    /// DN arrived: RLRE.
    fn on_disconnect(&mut self, ud: &[u8]) -> Result<Option<Event<'_>>, AssociationError> {
        if self.state != State::Releasing {
            return Err(self.protocol_error("RLRE without a release in progress"));
        }
        let rlre = if ud.is_empty() {
            // Some peers (the PyPI iec61850 server) answer with an empty DISCONNECT.
            log::info!(target: "osi_mms::acse", "peer answered the release with an empty DISCONNECT");
            None
        } else {
            let bytes = match self.parse_acse_user_data(ud) {
                Ok(b) => b,
                Err(what) => return Err(self.protocol_error(what)),
            };
            match apdu::parse(&bytes) {
                Ok(Apdu::Rlre(r)) => Some(r.into_owned()),
                Ok(_) => return Err(self.protocol_error("DISCONNECT not carrying an RLRE")),
                Err(e) => return Err(self.fail_acse(e)),
            }
        };
        let delivered = match &rlre {
            Some(r) => self.receive_release(&Apdu::Rlre(r.clone()))?,
            None => None,
        };
        self.state = State::Closed;
        Ok(Some(Event::Released {
            reason: rlre.as_ref().and_then(|r| r.reason),
            user_data: delivered.or_else(|| {
                rlre.as_ref()
                    .and_then(|r| user_value(&r.user_information, self.user_context))
            }),
        }))
    }

    /// AB arrived: ARU(ABRT), ARP, or nothing.
    fn on_abort(&mut self, ud: &[u8]) -> Result<Option<Event<'_>>, AssociationError> {
        let mut provider_abort = None;
        let abrt = match copp::ppdu::parse_abort(ud) {
            Ok(copp::ppdu::AbortPpdu::User {
                user_data: Some(u), ..
            }) => acse_value_of(&u, self.acse_context)
                .ok()
                .and_then(|b| match apdu::parse(&b) {
                    Ok(Apdu::Abrt(a)) => Some(a.into_owned()),
                    _ => None,
                }),
            Ok(copp::ppdu::AbortPpdu::Provider { reason, .. }) => {
                log::warn!(target: "osi_mms::acse", "peer presentation provider abort: {reason:?}");
                provider_abort = Some(reason);
                None
            }
            _ => None,
        };
        Ok(Some(self.aborted_by(abrt.as_ref(), provider_abort)))
    }

    fn aborted(&mut self, abrt: Option<&Abrt<'_>>) -> Event<'static> {
        self.aborted_by(abrt, None)
    }

    /// The peer aborted with `abrt` (if an ABRT came), or with a presentation provider abort
    /// carrying `provider_abort`'s reason.
    fn aborted_by(
        &mut self,
        abrt: Option<&Abrt<'_>>,
        provider_abort: Option<Option<copp::ppdu::AbortReason>>,
    ) -> Event<'static> {
        if let (Some(sec), Some(a)) = (self.security.as_mut(), abrt) {
            let ctx = SecurityContext {
                role: self.role,
                contexts: &self.contexts,
                application_context: &self.config.application_context,
            };
            sec.on_receive_abort(&ctx, a);
        }
        let establishing = matches!(self.state, State::TransportConnecting | State::AwaitingAare);
        self.state = State::Closed;
        let source = abrt.map(|a| a.source);
        let diagnostic = abrt.and_then(|a| a.diagnostic);
        if establishing {
            return Event::Refused(Box::new(match provider_abort {
                Some(reason) if abrt.is_none() => Refused::PresentationAborted { reason },
                _ => Refused::Aborted { source, diagnostic },
            }));
        }
        Event::Aborted {
            source,
            diagnostic,
            user_data: abrt.and_then(|a| user_value(&a.user_information, self.user_context)),
            provider_reason: provider_abort.flatten(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loopback::{drain, shuttle, Seen};
    use crate::password::{PasswordAuthentication, REFUSED_EVENT};
    use crate::security::SecurityError;

    const REQ: &[u8] = b"\xa8\x00";
    const RSP: &[u8] = b"\xa9\x00";

    /// An initiator's provider that refuses every AARE it is shown, as the A-profile does with
    /// a certificate it does not trust.
    struct DistrustfulInitiator;

    impl AssociationSecurity for DistrustfulInitiator {
        fn name(&self) -> &'static str {
            "distrustful"
        }
        fn on_send_aarq(
            &mut self,
            _: &SecurityContext<'_>,
            _: &mut Aarq<'static>,
        ) -> Result<(), SecurityError> {
            Ok(())
        }
        fn on_receive_aarq(
            &mut self,
            _: &SecurityContext<'_>,
            _: &Aarq<'_>,
        ) -> Result<Option<Vec<External<'static>>>, Refusal> {
            Ok(None)
        }
        fn on_send_aare(
            &mut self,
            _: &SecurityContext<'_>,
            _: &mut Aare<'static>,
        ) -> Result<(), SecurityError> {
            Ok(())
        }
        fn on_receive_aare(
            &mut self,
            _: &SecurityContext<'_>,
            _: &Aare<'_>,
        ) -> Result<Option<Vec<External<'static>>>, Refusal> {
            Err(Refusal::abort_event(
                Some(AbortDiagnostic::AuthenticationFailure),
                "toy.untrusted",
                "the responder's certificate is not trusted",
            ))
        }
    }

    /// Runs the establishment: the client's transport connect, the AARQ, the server's answer
    /// (`accept`), the AARE; returns the last result each end reported.
    fn establish(
        client: Option<Box<dyn AssociationSecurity>>,
        server: Option<Box<dyn AssociationSecurity>>,
    ) -> (
        Result<Vec<Seen>, AssociationError>,
        Result<Vec<Seen>, AssociationError>,
    ) {
        let mut c = Association::connect(AssociationConfig::default(), REQ, client);
        let mut s = Association::accept_incoming(AssociationConfig::default(), server);
        let mut last_c = Ok(Vec::new());
        let mut last_s = Ok(Vec::new());
        for _ in 0..6 {
            shuttle(&mut c, &mut s).unwrap();
            if !s.is_closed() {
                last_s = drain(&mut s);
                if let Ok(seen) = &last_s {
                    if seen
                        .iter()
                        .any(|e| matches!(e, Seen::AssociateIndication(_)))
                    {
                        s.accept(RSP).unwrap();
                    }
                }
            }
            shuttle(&mut s, &mut c).unwrap();
            if !c.is_closed() {
                last_c = drain(&mut c);
            }
        }
        (last_c, last_s)
    }

    /// The responder's provider refuses: its error carries the refusal (event code included),
    /// the initiator sees the AARE's result and diagnostic.
    #[test]
    fn a_responder_refusal_reaches_both_ends_as_data() {
        let (c, s) = establish(
            Some(Box::new(PasswordAuthentication::initiator(
                b"guess".to_vec(),
            ))),
            Some(Box::new(PasswordAuthentication::responder(
                b"secret".to_vec(),
            ))),
        );
        match s {
            Err(AssociationError::SecurityRefused { provider, refusal }) => {
                assert_eq!(provider, "acse-password");
                assert_eq!(refusal.event(), Some(REFUSED_EVENT));
                assert!(matches!(
                    refusal,
                    Refusal::Reject {
                        diagnostic: ServiceUserDiagnostic::AuthenticationFailure,
                        ..
                    }
                ));
            }
            other => panic!("server: {other:?}"),
        }
        let refused = match c {
            Ok(seen) => match seen.as_slice() {
                [Seen::Refused(r)] => r.clone(),
                other => panic!("client: {other:?}"),
            },
            Err(e) => panic!("client: {e:?}"),
        };
        assert!(matches!(
            refused,
            Refused::Acse {
                result: AssociateResult::RejectedPermanent,
                diagnostic: Diagnostic::ServiceUser(ServiceUserDiagnostic::AuthenticationFailure),
                ..
            }
        ));
        assert_eq!(
            refused.to_string(),
            "ACSE rejected-permanent, diagnostic acse-service-user: authentication-failure (13)"
        );
    }

    /// An initiator's provider that offers ACSE version 2 only in its AARQ's protocol-version
    /// (`80 02 06 40`), as a hostile or future peer might.
    struct Version2Only;

    impl AssociationSecurity for Version2Only {
        fn name(&self) -> &'static str {
            "version2-only"
        }
        fn on_send_aarq(
            &mut self,
            _: &SecurityContext<'_>,
            aarq: &mut Aarq<'static>,
        ) -> Result<(), SecurityError> {
            let mut v = crate::apdu::ProtocolVersion::version1();
            v.set_bit(0, false);
            v.set_bit(1, true);
            aarq.protocol_version = Some(v);
            Ok(())
        }
        fn on_receive_aarq(
            &mut self,
            _: &SecurityContext<'_>,
            _: &Aarq<'_>,
        ) -> Result<Option<Vec<External<'static>>>, Refusal> {
            Ok(None)
        }
        fn on_send_aare(
            &mut self,
            _: &SecurityContext<'_>,
            _: &mut Aare<'static>,
        ) -> Result<(), SecurityError> {
            Ok(())
        }
        fn on_receive_aare(
            &mut self,
            _: &SecurityContext<'_>,
            _: &Aare<'_>,
        ) -> Result<Option<Vec<External<'static>>>, Refusal> {
            Ok(None)
        }
    }

    /// X.227 §7.1.5.2: an AARQ whose protocol-version lacks version1 is answered with an AARE
    /// rejected-permanent, service-provider no-common-acse-version; the responder's user never
    /// sees an indication.
    #[test]
    fn an_aarq_without_version1_is_rejected_no_common_acse_version() {
        let (c, s) = establish(Some(Box::new(Version2Only)), None);
        match s {
            Err(AssociationError::Protocol(what)) => {
                assert!(what.contains("ACSE protocol version"), "{what}")
            }
            other => panic!("server: {other:?}"),
        }
        match c {
            Ok(seen) => match seen.as_slice() {
                [Seen::Refused(r)] => assert!(
                    matches!(
                        r,
                        Refused::Acse {
                            result: AssociateResult::RejectedPermanent,
                            diagnostic: Diagnostic::ServiceProvider(
                                ServiceProviderDiagnostic::NoCommonAcseVersion
                            ),
                            ..
                        }
                    ),
                    "{r:?}"
                ),
                other => panic!("client: {other:?}"),
            },
            Err(e) => panic!("client: {e:?}"),
        }
    }

    /// The initiator's provider refuses the AARE: the initiator's error carries its refusal and
    /// the responder sees the ABRT with its diagnostic.
    #[test]
    fn an_initiator_refusal_is_its_error_and_the_responders_abort() {
        let (c, s) = establish(Some(Box::new(DistrustfulInitiator)), None);
        match c {
            Err(AssociationError::SecurityRefused { provider, refusal }) => {
                assert_eq!(provider, "distrustful");
                assert_eq!(refusal.event(), Some("toy.untrusted"));
                assert!(matches!(
                    refusal,
                    Refusal::Abort {
                        diagnostic: Some(AbortDiagnostic::AuthenticationFailure),
                        ..
                    }
                ));
            }
            other => panic!("client: {other:?}"),
        }
        assert_eq!(s, Ok(vec![Seen::Aborted]));
    }

    #[test]
    fn refusals_name_their_layer() {
        let aborted = Refused::Aborted {
            source: Some(AbortSource::ServiceUser),
            diagnostic: Some(AbortDiagnostic::AuthenticationFailure),
        };
        assert_eq!(
            aborted.to_string(),
            "ACSE ABRT source acse-service-user, diagnostic authentication-failure (5)"
        );
        assert_eq!(
            Refused::Aborted {
                source: None,
                diagnostic: None
            }
            .to_string(),
            "abort without an ACSE ABRT"
        );
        assert!(Refused::Transport { reason: 1 }
            .to_string()
            .starts_with("transport"));
        assert!(Refused::Session { reason: 2 }
            .to_string()
            .starts_with("session"));
        assert!(Refused::Presentation { reason: None }
            .to_string()
            .starts_with("presentation"));
        assert!(Refused::PresentationAborted {
            reason: Some(copp::ppdu::AbortReason::UnexpectedPpdu)
        }
        .to_string()
        .contains("UnexpectedPpdu"));
    }
}
