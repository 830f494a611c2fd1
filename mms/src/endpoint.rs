//! One MMS association, sans-IO: the ISO 9506-2 rules that sit between the MMS PDUs and the
//! OSI association of [`acse::association::Association`].
//!
//! An [`Endpoint`] is either end (client or server) and owns:
//!
//! * the initiate exchange (ISO 9506-2 §8.2): the client's initiate-RequestPDU rides in the AARQ,
//!   the server's initiate-Response or initiate-Error in the AARE; the result is a
//!   [`Negotiated`];
//! * invokeIDs (§7.2): ours are allocated here, the peer's are checked for duplicates;
//! * the negotiated outstanding-request limits, in both directions: a request beyond ours is
//!   refused locally ([`SendError::TooManyOutstanding`]); a peer's request beyond its limit gets
//!   a RejectPDU max-serv-outstanding-exceeded (§7.5.2);
//! * the negotiated PDU size: a PDU larger than it is never sent (a response that would be too
//!   large is replaced by a ServiceError service / pdu-size, §7.4);
//! * RejectPDUs for whatever the peer sends that cannot be decoded or is out of place (a
//!   response to nothing, a duplicate invokeID), with the reason §7.5 gives;
//! * conclude (§8.3) followed by the ACSE release, and abort.
//!
//! Bytes move exactly as with the association: [`Endpoint::feed`] / [`Endpoint::recv_buffer`] in,
//! [`Endpoint::transmit`] out; events come from [`Endpoint::poll_event`] one at a time, and the
//! caller polls until it returns `None` after every read (answers the endpoint decides on itself,
//! such as RejectPDUs and the release response, go out on the next poll). Events that carry PDUs borrow the
//! receive buffer (no copy): they live until the next `&mut` call.
//!
//! Timers live here too, in the manner of quinn-proto: [`Endpoint::poll_timeout`] says when
//! [`Endpoint::handle_timeout`] next needs to run, and the driver sleeps until then. The
//! endpoint keeps a deadline per confirmed request ([`EndpointConfig::request_timeout`]:
//! [`MmsEvent::RequestTimedOut`]), one for our conclude, and the association's establishment,
//! idle and release deadlines ([`acse::timer::Timeouts`] in
//! [`AssociationConfig::timeouts`]: [`CloseReason::TimedOut`]). Deadlines are armed from the
//! configured [`acse::timer::Clock`].

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use acse::apdu::{AssociateResult, ServiceUserDiagnostic};
use acse::association::{
    AssociateIndication, Association, AssociationConfig, AssociationError, Event, Refused,
};
use acse::security::{AssociationSecurity, Refusal};
use acse::timer::{Clock, Deadline};
use copp::ber::{Tag, Writer};

use crate::codec::write_uint;

mod below;
mod requests;
use crate::initiate::{InitiateRequest, InitiateResponse};
use crate::pdu::{
    ConfirmedRequestPdu, ConfirmedResponsePdu, ConfirmedServiceRequest, ConfirmedServiceResponse,
    DecodeOptions, MmsPdu, PduError, PduType, UnconfirmedPdu, UnconfirmedService,
};
use crate::reject::{ConfirmedRequestProblem, RejectPdu, RejectReason};
use crate::server::handler::Negotiated;
use crate::service_error::{
    CancelErrorPdu, ConfirmedErrorPdu, ErrorClass, ServiceError, ServiceProblem,
};
use below::Below;
use requests::Requests;

/// The smallest MMS PDU size an endpoint accepts to negotiate (ISO 9506-2 gives no floor;
/// smaller values make every non-trivial response impossible, as libIEC61850 also decides).
pub const MIN_PDU_SIZE: usize = 64;

/// Which end of the association this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The initiator: sends the initiate-RequestPDU (ISO 9506-1 calls it the MMS client).
    Client,
    /// The responder (the MMS server / VMD).
    Server,
}

/// What an endpoint proposes (client) or accepts at most (server).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EndpointConfig {
    /// The OSI association below.
    pub association: AssociationConfig,
    /// Our initiate parameters: `localDetailCalling` is our maximum PDU size, the outstanding
    /// and nesting values our limits, the detail our CBBs and services (ISO 9506-2 §8.2.1).
    /// The client always sends `localDetailCalling` (some servers refuse an initiate without it).
    pub initiate: InitiateRequest,
    /// How long our confirmed requests may wait for an answer; then the endpoint gives up on
    /// one ([`MmsEvent::RequestTimedOut`]) and drops a late answer quietly. `None`: forever.
    pub request_timeout: Option<Duration>,
}

/// Where the endpoint is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Client: the AARQ with the initiate-Request is on its way.
    Initiating,
    /// Server: waiting for the AARQ.
    AwaitingInitiate,
    /// Server: the initiate-Request was handed out as [`MmsEvent::InitiateIndication`]; answer
    /// with [`Endpoint::accept_initiate`] or [`Endpoint::refuse_initiate`].
    InitiateIndicated,
    /// Data transfer.
    Associated,
    /// We sent conclude-Request and wait for the answer (then the release).
    Concluding,
    /// Conclude done; the ACSE release is under way.
    Releasing,
    /// Closed: flush [`Endpoint::transmit`] and close the socket.
    Closed,
}

/// Why the association ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// Conclude and release completed normally (ISO 9506-2 §8.3, ISO 8650-1 §7.2).
    Released,
    /// The peer aborted (ACSE ABRT, presentation ARP, session AB): what its abort said.
    PeerAborted(PeerAbort),
    /// We aborted.
    Aborted,
    /// The transport ended outside release and abort.
    Disconnected,
    /// The initiate was refused (by the peer, or by us): who refused and why.
    Refused(Box<InitiateRefusal>),
    /// A layer failed; the response it prescribes was sent.
    Failed(Box<Failure>),
    /// One of our deadlines passed (establishment, idle, or release/conclude); we aborted.
    TimedOut(Deadline),
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CloseReason::Released => f.write_str("released"),
            CloseReason::PeerAborted(a) => write!(f, "aborted by the peer: {a}"),
            CloseReason::Aborted => f.write_str("aborted by us"),
            CloseReason::Disconnected => f.write_str("the transport connection ended"),
            CloseReason::Refused(r) => r.fmt(f),
            CloseReason::Failed(e) => write!(f, "failed: {e}"),
            CloseReason::TimedOut(d) => write!(f, "aborted by us: {d}"),
        }
    }
}

/// What the peer's abort said, as far as it said anything: the ACSE ABRT's abort-source and
/// abort-diagnostic (ISO 8650-1 §7.3; IEC 62351-4 uses authentication-failure), or the
/// provider-reason of a presentation provider abort (ISO 8823-1 ARP-PPDU). All `None`: a bare
/// session AB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeerAbort {
    /// The ABRT's abort-source, when an ABRT came.
    pub source: Option<acse::apdu::AbortSource>,
    /// The ABRT's abort-diagnostic.
    pub diagnostic: Option<acse::apdu::AbortDiagnostic>,
    /// The ARP's provider-reason, when the peer's presentation provider aborted.
    pub provider_reason: Option<copp::ppdu::AbortReason>,
}

impl std::fmt::Display for PeerAbort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.source, self.diagnostic, self.provider_reason) {
            (None, None, Some(r)) => write!(f, "presentation ARP, provider-reason {r:?}"),
            (None, None, None) => f.write_str("no ACSE ABRT"),
            (source, diagnostic, _) => acse::apdu::write_abrt(f, source, diagnostic),
        }
    }
}

/// Why the initiate exchange failed (ISO 9506-2 §8.2, ISO 8650-1 §7.1): what the peer answered,
/// or which check of ours refused the peer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InitiateRefusal {
    /// The peer refused below MMS or in ACSE: the layer and its diagnostic (COTP DR reason,
    /// session RF reason, presentation CPR provider-reason, the AARE's result and
    /// result-source-diagnostic of ISO 8650-1 §7.1.4, or an ABRT during establishment), with
    /// the initiate-ErrorPDU's ServiceError when the rejecting AARE carried one.
    Peer {
        /// Which layer refused, and its diagnostic.
        refused: Refused,
        /// The initiate-ErrorPDU's ServiceError (ISO 9506-2 §8.2.1), if any.
        error: Option<ServiceError<'static>>,
    },
    /// The AARE accepted the association, but carried an initiate-ErrorPDU instead of an
    /// initiate-ResponsePDU: the peer's MMS refused (ISO 9506-2 §8.2.1).
    InitiateError(ServiceError<'static>),
    /// Our security provider refused the peer's AARE (e.g. IEC 62351-4 A-security-profile:
    /// the responder's certificate is not trusted); the response the refusal names (an ABRT)
    /// was sent.
    Local {
        /// The provider's name.
        provider: &'static str,
        /// Its refusal, with the security event code it recorded ([`Refusal::event`]).
        refusal: Refusal,
    },
}

impl std::fmt::Display for InitiateRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitiateRefusal::Peer {
                refused: r @ (Refused::Aborted { .. } | Refused::PresentationAborted { .. }),
                ..
            } => write!(f, "aborted by the peer during the initiate: {r}"),
            InitiateRefusal::Peer { refused, error } => {
                write!(f, "association refused by the peer: {refused}")?;
                if let Some(e) = error {
                    write!(f, "; initiate-Error {:?}", e.error_class)?;
                }
                Ok(())
            }
            InitiateRefusal::InitiateError(e) => {
                write!(
                    f,
                    "association refused by the peer: initiate-Error {:?}",
                    e.error_class
                )?;
                if let Some(d) = &e.additional_description {
                    write!(f, " ({d})")?;
                }
                Ok(())
            }
            InitiateRefusal::Local { provider, refusal } => {
                write!(
                    f,
                    "our security provider {provider} refused the peer: {}",
                    refusal.reason()
                )
            }
        }
    }
}

/// An MMS PDU that ends the association: out of its phase, or not decodable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MmsViolation {
    /// A PDU of a type the phase does not allow, or none where one was due.
    #[error("{} in phase {phase:?}, where {expected} was due", match .found { Some(p) => format!("a {p:?} PDU"), None => "no PDU".to_string() })]
    OutOfPhase {
        /// The phase the endpoint was in.
        phase: Phase,
        /// What the phase allows.
        expected: &'static str,
        /// The PDU type that came (`None`: no user data at all).
        found: Option<PduType>,
    },
    /// The PDU did not decode.
    #[error(transparent)]
    Decode(PduError),
}

/// Which layer ended an association outside release and abort, with the standard's
/// diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The association below MMS failed: transport (ISO 8073), session (ISO 8327-1),
    /// presentation (ISO 8823-1), ACSE (ISO 8650-1) or the security provider; the error names
    /// the layer and its diagnostic, and the response it prescribes was sent.
    #[error(transparent)]
    Association(AssociationError),
    /// MMS: the peer sent what the phase does not allow, or what does not decode, where the
    /// association cannot go on (ISO 9506-2 §8.2: an accepting AARE must carry an
    /// initiate-ResponsePDU); the association was aborted.
    #[error("MMS: {0}")]
    Mms(MmsViolation),
    /// The T-profile (TLS, IEC 62351-3) failed: the security event code it recorded and the
    /// detail (what `cot::tls::TlsError` holds).
    #[error("TLS: {code}: {detail}")]
    Tls {
        /// The TLS security event code (e.g. `tls.handshake_failed`).
        code: &'static str,
        /// What happened.
        detail: String,
    },
    /// The configured security mechanism could not make a provider for the association.
    #[error("security provider {provider} unavailable: {source}")]
    SecurityUnavailable {
        /// The mechanism's name.
        provider: &'static str,
        /// Why.
        source: acse::security::SecurityError,
    },
    /// The XMPP stream to the XMPP server failed or closed before the association was up
    /// (IEC 62351-4 §16): TLS, authentication, a stream error, the connection lost.
    #[error("XMPP: {0}")]
    Xmpp(String),
}

/// What [`Endpoint::poll_event`] reports.
#[derive(Debug)]
#[non_exhaustive]
pub enum MmsEvent<'a> {
    /// Server: an AARQ carrying a valid initiate-RequestPDU arrived. Answer with
    /// [`Endpoint::accept_initiate`] or [`Endpoint::refuse_initiate`].
    InitiateIndication {
        /// The initiate-RequestPDU.
        request: InitiateRequest,
        /// What ACSE and the layers below said about the caller.
        indication: Box<AssociateIndication>,
    },
    /// Client: the server accepted; requests may flow.
    Established(Negotiated),
    /// Client: the association was refused: by the peer (AARE reject, initiate-ErrorPDU, or a
    /// layer below), or by our security provider judging the AARE. The endpoint is closed.
    Refused(Box<InitiateRefusal>),
    /// A confirmed request from the peer (ISO 9506-2 §7.2). Answer it with
    /// [`Endpoint::send_response`] / [`Endpoint::send_error`] / [`Endpoint::send_reject`].
    Request {
        /// The decoded PDU.
        pdu: ConfirmedRequestPdu<'a>,
        /// Its octets as received.
        raw: &'a [u8],
    },
    /// The response to our request.
    Response {
        /// The decoded PDU.
        pdu: ConfirmedResponsePdu<'a>,
        /// Its octets as received.
        raw: &'a [u8],
    },
    /// A Confirmed-ErrorPDU answering our request.
    Error(ConfirmedErrorPdu<'a>),
    /// The peer rejected a PDU of ours (ISO 9506-2 §7.5). When `original_invoke_id` names an
    /// outstanding request of ours, that request is over.
    Rejected(RejectPdu),
    /// An unconfirmed PDU (informationReport, unsolicitedStatus, eventNotification).
    Unconfirmed {
        /// The decoded PDU.
        pdu: UnconfirmedPdu<'a>,
        /// Its octets as received.
        raw: &'a [u8],
    },
    /// The peer asked to cancel its request `invoke_id`. Answer with
    /// [`Endpoint::send_cancel_response`] or [`Endpoint::send_cancel_error`].
    CancelRequest(u32),
    /// Our cancel of `invoke_id` succeeded; the request is over.
    CancelResponse(u32),
    /// Our cancel failed; the request stays outstanding.
    CancelError(CancelErrorPdu<'a>),
    /// The peer concluded (ISO 9506-2 §8.3); a conclude-Response was sent and the peer will
    /// release the association.
    ConcludeIndication,
    /// Our conclude was accepted; the A-RELEASE is under way ([`MmsEvent::Closed`] follows).
    Concluded,
    /// The peer refused our conclude; the association stays up.
    ConcludeRefused(ServiceError<'a>),
    /// The peer sent a PDU we could not accept; the answer §7.5 prescribes (a RejectPDU, when
    /// one applies) was queued. The association stays up.
    ProtocolError {
        /// What was wrong.
        error: PduError,
        /// The RejectPDU sent in answer, if any.
        reject: Option<RejectPdu>,
    },
    /// The association ended; nothing more will come.
    Closed(CloseReason),
    /// Our request `invoke_id` got no answer within [`EndpointConfig::request_timeout`]: it is
    /// over, its slot is free, and a late answer will be dropped quietly.
    RequestTimedOut(u32),
}

/// Why a PDU could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Not in a phase that allows it.
    #[error("{what} is not allowed in phase {phase:?}")]
    Phase {
        /// What was asked.
        what: &'static str,
        /// The phase the endpoint is in.
        phase: Phase,
    },
    /// The negotiated outstanding-request limit is reached (ISO 9506-2 §8.2.1).
    #[error("{0} requests are outstanding, the negotiated maximum")]
    TooManyOutstanding(u16),
    /// The encoded PDU exceeds the negotiated maximum PDU size.
    #[error("the PDU is {size} octets, more than the negotiated {max}")]
    PduTooLarge {
        /// The encoded size.
        size: usize,
        /// The negotiated maximum.
        max: usize,
    },
    /// There is no outstanding request of the peer with this invokeID.
    #[error("no outstanding request with invokeID {0}")]
    UnknownInvokeId(u32),
    /// The association below failed.
    #[error(transparent)]
    Association(#[from] AssociationError),
}

/// Failures of [`Endpoint::poll_event`]: the association below failed and is closed.
pub type EndpointError = AssociationError;

/// The state an [`Endpoint`] keeps beside its association (kept apart so that events borrowing
/// the association's receive buffer can coexist with updates to it).
#[derive(Debug)]
struct Book {
    role: Role,
    phase: Phase,
    ours: InitiateRequest,
    negotiated: Option<Negotiated>,
    decode: DecodeOptions,
    /// Our requests awaiting an answer, with their deadlines.
    outstanding: Requests,
    /// invokeIDs we gave up on (time-out): their late answers are dropped quietly.
    abandoned: HashSet<u32>,
    /// invokeIDs of the peer's requests we have not answered.
    peer_outstanding: HashSet<u32>,
    next_invoke_id: u32,
    /// What `poll_event` decided to send, sent at the next opportunity (an event may still
    /// borrow the association when the decision is made).
    queued: Vec<Queued>,
    /// Set when a conclude-Response was queued: release follows from the peer.
    concluded: bool,
    /// Both ends concluded at once: we answered the peer's conclude-Request while ours was
    /// outstanding, and only the answer to ours may still arrive (see [`Book::conclude_crossed`]).
    crossed: bool,
    /// Where deadlines are armed from (the association's clock).
    clock: Clock,
    /// [`EndpointConfig::request_timeout`].
    request_timeout: Option<Duration>,
    /// The association's release time-out, which also bounds our conclude.
    release_timeout: Option<Duration>,
    /// Our conclude must be answered by then.
    conclude_deadline: Option<Instant>,
    /// Requests that timed out, to be reported.
    timed_out: VecDeque<u32>,
    /// A deadline of ours (not the association's) ended the association; to be reported.
    fired: Option<Deadline>,
}

/// Something to send once no event borrows the association any more.
#[derive(Debug)]
enum Queued {
    /// An encoded MMS PDU (RejectPDU, conclude answer, Cancel-ErrorPDU).
    Pdu(Vec<u8>),
    /// Answer the peer's A-RELEASE request.
    RespondRelease,
    /// Our conclude was accepted: start the A-RELEASE.
    Release,
    /// The initiate failed on our side: A-ABORT.
    Abort,
}

/// The endpoint's byte interface, for [`cot::pump::Pump`].
impl cot::pump::Machine for Endpoint {
    fn recv_buffer(&mut self) -> &mut [u8] {
        Endpoint::recv_buffer(self)
    }
    fn recv_commit(&mut self, n: usize) {
        Endpoint::recv_commit(self, n)
    }
    fn transmit(&self) -> &[u8] {
        Endpoint::transmit(self)
    }
    fn advance_transmit(&mut self, n: usize) {
        Endpoint::advance_transmit(self, n)
    }
    fn recv_release(&mut self) {
        Endpoint::recv_release(self)
    }
}

/// One MMS association (ISO 9506-2), either end, sans-IO.
pub struct Endpoint {
    assoc: Below,
    book: Book,
    scratch: Writer,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("book", &self.book)
            .finish()
    }
}

impl Endpoint {
    /// Starts a client: queues the COTP CR; the AARQ with the initiate-Request follows once the
    /// transport is up.
    pub fn connect(
        config: EndpointConfig,
        security: Option<Box<dyn AssociationSecurity>>,
    ) -> Endpoint {
        let mut initiate = config.initiate;
        if initiate.local_detail_calling.is_none() {
            initiate.local_detail_calling = Some(65000);
        }
        let pdu = MmsPdu::InitiateRequest(initiate).to_vec();
        let timers = Timers::of(&config);
        let assoc = Association::connect(config.association, &pdu, security);
        Endpoint::new(Below::Osi(assoc), Role::Client, initiate, timers)
    }

    /// Starts a server on a freshly accepted transport connection.
    pub fn accept(
        config: EndpointConfig,
        security: Option<Box<dyn AssociationSecurity>>,
    ) -> Endpoint {
        let timers = Timers::of(&config);
        let assoc = Association::accept_incoming(config.association, security);
        Endpoint::new(Below::Osi(assoc), Role::Server, config.initiate, timers)
    }

    /// Starts a client in the XMPP environment (IEC 62351-4 §16, IEC 61850-8-2): the
    /// initiate-RequestPDU goes to the peer at once in a HandshakeReq; take the stanzas from
    /// [`Endpoint::poll_stanza`] and hand the peer's in with [`Endpoint::handle_stanza`].
    #[cfg(feature = "xmpp")]
    pub fn connect_xmpp(
        config: EndpointConfig,
        link: crate::xmpp::link::LinkConfig,
        e2e: e2e_sec::xmpp::XmppE2e,
    ) -> Result<Endpoint, EndpointError> {
        let mut initiate = config.initiate;
        if initiate.local_detail_calling.is_none() {
            initiate.local_detail_calling = Some(65000);
        }
        let pdu = MmsPdu::InitiateRequest(initiate).to_vec();
        let timers = Timers::of(&config);
        let link = crate::xmpp::link::XmppLink::connect(link, e2e, &pdu)?;
        Ok(Endpoint::new(
            Below::Xmpp(Box::new(link)),
            Role::Client,
            initiate,
            timers,
        ))
    }

    /// Starts a server association in the XMPP environment from the peer's HandshakeReq
    /// stanza (`asso_id`: the assoID its envelope carried); the initiate indication (or the refusal already sent) comes from
    /// [`Endpoint::poll_event`].
    #[cfg(feature = "xmpp")]
    pub fn accept_xmpp(
        config: EndpointConfig,
        link: crate::xmpp::link::LinkConfig,
        e2e: e2e_sec::xmpp::XmppE2e,
        handshake: crate::xmpp::link::Inbound,
        asso_id: &str,
    ) -> Endpoint {
        let timers = Timers::of(&config);
        let now = timers.clock.now();
        let link = crate::xmpp::link::XmppLink::accept(link, e2e, handshake, asso_id, now);
        Endpoint::new(
            Below::Xmpp(Box::new(link)),
            Role::Server,
            config.initiate,
            timers,
        )
    }

    /// XMPP environment: a stanza of this association arrived (routed by the uplink).
    #[cfg(feature = "xmpp")]
    pub fn handle_stanza(&mut self, stanza: crate::xmpp::link::Inbound) {
        let now = self.book.clock.now();
        if let Some(l) = self.assoc.xmpp_mut() {
            l.handle_stanza(stanza, now);
        }
    }

    /// XMPP environment: the next stanza to send (after every `poll_event` round and every
    /// `send_*`).
    #[cfg(feature = "xmpp")]
    pub fn poll_stanza(&mut self) -> Option<crate::xmpp::link::Outbound> {
        self.assoc.xmpp_mut().and_then(|l| l.poll_transmit())
    }

    /// XMPP environment: the peer is gone (unavailable presence, an iq error, the stream
    /// lost): the association ends ([`CloseReason::Disconnected`]).
    #[cfg(feature = "xmpp")]
    pub fn peer_lost(&mut self) {
        if let Some(l) = self.assoc.xmpp_mut() {
            l.peer_lost();
        }
    }

    /// XMPP environment: an iq error came back for our iq `id`.
    #[cfg(feature = "xmpp")]
    pub fn iq_error(&mut self, id: &str, condition: &str) {
        if let Some(l) = self.assoc.xmpp_mut() {
            l.iq_error(id, condition);
        }
    }

    /// XMPP environment: the link below (peer JID, assoID), if this is such an association.
    #[cfg(feature = "xmpp")]
    pub fn xmpp_link(&self) -> Option<&crate::xmpp::link::XmppLink> {
        self.assoc.xmpp()
    }

    fn new(assoc: Below, role: Role, ours: InitiateRequest, timers: Timers) -> Endpoint {
        Endpoint {
            assoc,
            book: Book {
                role,
                phase: match role {
                    Role::Client => Phase::Initiating,
                    Role::Server => Phase::AwaitingInitiate,
                },
                decode: DecodeOptions::for_nesting_level(
                    ours.proposed_data_structure_nesting_level
                        .map_or(10, |n| n.max(0) as u8),
                ),
                ours,
                negotiated: None,
                outstanding: Requests::default(),
                abandoned: HashSet::new(),
                peer_outstanding: HashSet::new(),
                next_invoke_id: 1,
                queued: Vec::new(),
                concluded: false,
                crossed: false,
                clock: timers.clock,
                request_timeout: timers.request,
                release_timeout: timers.release,
                conclude_deadline: None,
                timed_out: VecDeque::new(),
                fired: None,
            },
            scratch: Writer::with_capacity(1024),
        }
    }

    /// Which end this is.
    pub fn role(&self) -> Role {
        self.book.role
    }

    /// Where the endpoint is.
    pub fn phase(&self) -> Phase {
        self.book.phase
    }

    /// True once closed: flush [`Endpoint::transmit`], then close the socket.
    pub fn is_closed(&self) -> bool {
        self.book.phase == Phase::Closed
    }

    /// The initiate result, once associated.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.book.negotiated.as_ref()
    }

    /// The OSI association below (for its state and contexts); `None` for an association of
    /// the XMPP environment.
    pub fn association(&self) -> Option<&Association> {
        self.assoc.osi()
    }

    /// The application-layer security in force on the association (none, password, the
    /// A-security-profile, or end-to-end security).
    pub fn application_security(&self) -> acse::security::ApplicationSecurity {
        self.assoc.application_security()
    }

    /// The peer identity the association's security provider authenticated (IEC 62351-4
    /// A-security-profile or end-to-end security), if any.
    pub fn authenticated_peer(&self) -> Option<acse::security::AuthenticatedPeer> {
        self.assoc.authenticated_peer()
    }

    /// How many of our requests await an answer.
    pub fn outstanding(&self) -> usize {
        self.book.outstanding.len()
    }

    /// How many requests we may still send before reaching the negotiated limit.
    pub fn request_capacity(&self) -> usize {
        match &self.book.negotiated {
            Some(n) => usize::from(our_limit(self.book.role, n)).saturating_sub(self.outstanding()),
            None => 0,
        }
    }

    /// How many of the peer's requests we have not answered yet.
    pub fn peer_outstanding(&self) -> usize {
        self.book.peer_outstanding.len()
    }

    /// Spare room to read socket bytes into; report them with [`Endpoint::recv_commit`].
    pub fn recv_buffer(&mut self) -> &mut [u8] {
        self.assoc.recv_buffer()
    }

    /// `n` octets were read into [`Endpoint::recv_buffer`].
    pub fn recv_commit(&mut self, n: usize) {
        self.assoc.recv_commit(n)
    }

    /// Copies bytes read from the socket in.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), EndpointError> {
        let r = self.assoc.feed(data);
        if r.is_err() {
            self.book.phase = Phase::Closed;
        }
        r
    }

    /// Bytes waiting to be written to the socket.
    pub fn transmit(&self) -> &[u8] {
        self.assoc.transmit()
    }

    /// `n` octets of [`Endpoint::transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.assoc.advance_transmit(n)
    }

    /// The socket has nothing more to read for now: gives back the receive buffer and large
    /// scratch buffers when nothing in them is pending, so an idle association holds little
    /// memory ([`acse::association::Association::recv_release`]). Runtimes call it through
    /// [`cot::pump::Pump`]; calling it at any time is harmless.
    pub fn recv_release(&mut self) {
        self.assoc.recv_release();
        if self.scratch.capacity() > 4096 {
            self.scratch = Writer::with_capacity(1024);
        }
    }

    /// The next event, or `None` when the input so far is used up. Call after every read until
    /// it returns `None`, then flush [`Endpoint::transmit`].
    pub fn poll_event(&mut self) -> Result<Option<MmsEvent<'_>>, EndpointError> {
        self.flush_queued()?;
        if let Some(id) = self.book.timed_out.pop_front() {
            return Ok(Some(MmsEvent::RequestTimedOut(id)));
        }
        if let Some(d) = self.book.fired.take() {
            return Ok(Some(MmsEvent::Closed(CloseReason::TimedOut(d))));
        }
        let book = &mut self.book;
        let event = match self.assoc.poll_event() {
            Ok(Some(e)) => e,
            Ok(None) => return Ok(None),
            Err(AssociationError::SecurityRefused { provider, refusal })
                if book.phase == Phase::Initiating =>
            {
                // Our provider refused the AARE (it sent the ABRT): the initiate is refused.
                book.phase = Phase::Closed;
                return Ok(Some(MmsEvent::Refused(Box::new(InitiateRefusal::Local {
                    provider,
                    refusal,
                }))));
            }
            Err(e) => {
                book.phase = Phase::Closed;
                return Err(e);
            }
        };
        Ok(Some(match event {
            Event::AssociateIndication(ind) => book.on_aarq(ind),
            Event::Associated(confirm) => book.on_aare(confirm.user_data.as_deref()),
            Event::Refused(refused) => {
                book.phase = Phase::Closed;
                let error = match &*refused {
                    Refused::Acse {
                        user_data: Some(d), ..
                    } => match MmsPdu::decode(d) {
                        Ok(MmsPdu::InitiateError(e)) => Some(owned_error(e)),
                        _ => None,
                    },
                    _ => None,
                };
                MmsEvent::Refused(Box::new(InitiateRefusal::Peer {
                    refused: *refused,
                    error,
                }))
            }
            Event::Data { data, .. } => book.on_data(data),
            Event::ReleaseIndication { .. } => {
                // The kernel session unit cannot refuse a release; answer it and close. A peer
                // releasing without conclude is tolerated (several do), with a log line.
                if !book.concluded {
                    log::debug!("peer released without an MMS conclude");
                }
                book.queued.push(Queued::RespondRelease);
                book.phase = Phase::Closed;
                MmsEvent::Closed(CloseReason::Released)
            }
            Event::Released { .. } => {
                book.phase = Phase::Closed;
                MmsEvent::Closed(CloseReason::Released)
            }
            Event::Aborted {
                source,
                diagnostic,
                provider_reason,
                ..
            } => {
                book.phase = Phase::Closed;
                MmsEvent::Closed(CloseReason::PeerAborted(PeerAbort {
                    source,
                    diagnostic,
                    provider_reason,
                }))
            }
            Event::Disconnected => {
                book.phase = Phase::Closed;
                MmsEvent::Closed(CloseReason::Disconnected)
            }
            Event::TimedOut(d) => {
                book.phase = Phase::Closed;
                MmsEvent::Closed(CloseReason::TimedOut(d))
            }
        }))
    }

    /// When [`Endpoint::handle_timeout`] next needs to run: the earliest of our requests'
    /// deadlines, our conclude's, and the association's (establishment, idle, release).
    /// `None`: nothing is armed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.book.phase == Phase::Closed {
            return None;
        }
        let conclude = self
            .book
            .conclude_deadline
            .filter(|_| self.book.phase == Phase::Concluding);
        let requests = self.book.outstanding.next_deadline();
        acse::timer::earliest(
            acse::timer::earliest(conclude, requests),
            self.assoc.poll_timeout(),
        )
    }

    /// Runs the timers at `now`. A request past its deadline is given up
    /// ([`MmsEvent::RequestTimedOut`]); an unanswered conclude, or a passed establishment,
    /// idle or release deadline of the association, aborts ([`CloseReason::TimedOut`]). The
    /// events come from [`Endpoint::poll_event`]; flush [`Endpoint::transmit`] afterwards (the
    /// ABRT). Calling it early or more often than needed does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.book.phase == Phase::Closed {
            return;
        }
        if self.book.phase == Phase::Concluding
            && self.book.conclude_deadline.is_some_and(|d| now >= d)
        {
            log::info!("our conclude was not answered in time; aborting");
            self.book.conclude_deadline = None;
            if let Err(e) = self.abort() {
                log::debug!("abort after the conclude time-out: {e}");
            }
            self.book.fired = Some(Deadline::Release);
            return;
        }
        self.assoc.handle_timeout(now);
        if self.assoc.is_closed() {
            // The association aborted itself; poll_event reports why.
            self.book.phase = Phase::Closed;
            return;
        }
        for id in self.book.outstanding.expire(now) {
            log::debug!("request {id} got no answer in time; given up");
            self.book.forget(id);
            self.book.timed_out.push_back(id);
        }
    }

    /// Sends what `poll_event` queued (RejectPDUs, conclude answers, release responses).
    fn flush_queued(&mut self) -> Result<(), EndpointError> {
        if self.book.queued.is_empty() {
            return Ok(());
        }
        for item in std::mem::take(&mut self.book.queued) {
            let r = match item {
                Queued::Pdu(pdu) => self.assoc.send_data(&pdu),
                Queued::RespondRelease => self.assoc.respond_release(),
                Queued::Release => self.assoc.release(),
                Queued::Abort => self.assoc.abort(),
            };
            if let Err(e) = r {
                self.book.phase = Phase::Closed;
                return Err(e);
            }
        }
        if self.assoc.is_closed() {
            self.book.phase = Phase::Closed;
        }
        Ok(())
    }

    /// Server: what accepting `request` would negotiate (ISO 9506-2 §8.2.1): the smaller of each
    /// proposed and configured limit, the lower version, the common CBBs and our `services`
    /// (what the server really serves). Sends nothing; [`Endpoint::accept_initiate`] sends it.
    pub fn negotiate(
        &self,
        request: &InitiateRequest,
        services: crate::initiate::ServicesSupported,
        cbb: crate::initiate::ParameterCbb,
    ) -> (InitiateResponse, Negotiated) {
        let mut ours = self.book.ours;
        ours.init_request_detail.services_supported = services;
        ours.init_request_detail.parameter_cbb = cbb;
        let mut response = InitiateResponse::negotiate(request, &ours);
        // A server answers with its own PDU size when the client proposed none (absent means no
        // limit proposed), and never below the floor.
        let size = response
            .local_detail_called
            .unwrap_or(65000)
            .max(MIN_PDU_SIZE as i32);
        response.local_detail_called = Some(size);
        response.negotiated_max_serv_outstanding_calling =
            response.negotiated_max_serv_outstanding_calling.max(1);
        response.negotiated_max_serv_outstanding_called =
            response.negotiated_max_serv_outstanding_called.max(1);
        if response.negotiated_data_structure_nesting_level.is_none() {
            response.negotiated_data_structure_nesting_level =
                self.book.ours.proposed_data_structure_nesting_level;
        }
        let negotiated = negotiated_from(
            &response,
            request.init_request_detail.services_supported,
            self.book.ours.proposed_data_structure_nesting_level,
        );
        (response, negotiated)
    }

    /// Server: accepts the indicated initiate with the negotiation of [`Endpoint::negotiate`]:
    /// sends the initiate-ResponsePDU in an AARE accepted, and returns the result.
    pub fn accept_initiate(
        &mut self,
        request: &InitiateRequest,
        services: crate::initiate::ServicesSupported,
        cbb: crate::initiate::ParameterCbb,
    ) -> Result<Negotiated, SendError> {
        self.expect_phase(Phase::InitiateIndicated, "initiate response")?;
        let (response, negotiated) = self.negotiate(request, services, cbb);
        let pdu = MmsPdu::InitiateResponse(response).to_vec();
        self.assoc.accept(&pdu)?;
        self.book.set_associated(negotiated);
        Ok(negotiated)
    }

    /// Server: refuses the indicated initiate with an initiate-ErrorPDU inside an AARE
    /// rejected-permanent (ISO 9506-2 §8.2.1, ISO 8650-1 §7.1.3).
    pub fn refuse_initiate(&mut self, error: &ServiceError<'_>) -> Result<(), SendError> {
        self.expect_phase(Phase::InitiateIndicated, "initiate response")?;
        let pdu = MmsPdu::InitiateError(error.clone()).to_vec();
        self.assoc.reject(
            AssociateResult::RejectedPermanent,
            ServiceUserDiagnostic::NoReasonGiven,
            Some(&pdu),
        )?;
        self.book.phase = Phase::Closed;
        Ok(())
    }

    /// Server: refuses the association at the ACSE level instead of answering the initiate
    /// (access control by calling AE-title, a per-peer security policy): the refusal's AARE
    /// (rejected, with its diagnostic, no MMS user data) or ABRT goes out and the endpoint
    /// closes.
    pub fn refuse_association(&mut self, refusal: &Refusal) -> Result<(), SendError> {
        self.expect_phase(Phase::InitiateIndicated, "association refusal")?;
        match refusal {
            Refusal::Reject {
                result, diagnostic, ..
            } => self.assoc.reject(*result, *diagnostic, None)?,
            // An abort, and whatever else a refusal may become.
            _ => self.assoc.abort()?,
        }
        self.book.phase = Phase::Closed;
        Ok(())
    }

    fn expect_phase(&self, phase: Phase, what: &'static str) -> Result<(), SendError> {
        if self.book.phase == phase {
            Ok(())
        } else {
            Err(SendError::Phase {
                what,
                phase: self.book.phase,
            })
        }
    }

    fn require_associated(&self, what: &'static str) -> Result<&Negotiated, SendError> {
        match (&self.book.negotiated, self.book.phase) {
            (Some(n), Phase::Associated | Phase::Concluding) => Ok(n),
            _ => Err(SendError::Phase {
                what,
                phase: self.book.phase,
            }),
        }
    }

    /// The invokeID the next request will get.
    fn allocate_invoke_id(&mut self) -> u32 {
        loop {
            let id = self.book.next_invoke_id;
            self.book.next_invoke_id = id.wrapping_add(1);
            if !self.book.outstanding.contains(id) && !self.book.abandoned.contains(&id) {
                return id;
            }
        }
    }

    /// Sends a confirmed request (ISO 9506-2 §7.2) and returns its invokeID. Refused locally
    /// when the negotiated outstanding limit is reached or the PDU exceeds the negotiated size.
    pub fn send_request(
        &mut self,
        service: &ConfirmedServiceRequest<'_>,
    ) -> Result<u32, SendError> {
        self.send_request_with(|w| service.encode(w))
    }

    /// Sends a confirmed request whose service (the `ConfirmedServiceRequest` CHOICE, with its
    /// tag) is already encoded, e.g. by another thread; otherwise as [`Endpoint::send_request`].
    pub fn send_request_encoded(&mut self, service: &[u8]) -> Result<u32, SendError> {
        self.send_request_with(|w| w.raw(service))
    }

    /// The Confirmed-RequestPDU around what `service` writes, under a fresh invokeID.
    fn send_request_with(&mut self, service: impl FnOnce(&mut Writer)) -> Result<u32, SendError> {
        let n = *self.require_associated("a confirmed request")?;
        if self.book.phase != Phase::Associated {
            return Err(SendError::Phase {
                what: "a confirmed request",
                phase: self.book.phase,
            });
        }
        let limit = our_limit(self.book.role, &n);
        if self.book.outstanding.len() >= usize::from(limit) {
            return Err(SendError::TooManyOutstanding(limit));
        }
        let invoke_id = self.allocate_invoke_id();
        self.scratch.clear();
        let m = self.scratch.mark();
        service(&mut self.scratch);
        write_uint(&mut self.scratch, Tag::INTEGER, u64::from(invoke_id));
        self.scratch.wrap(m, Tag::context(0, true));
        self.send_scratch(n.max_pdu_size)?;
        let deadline = self.book.request_timeout.map(|d| self.book.clock.now() + d);
        self.book.outstanding.insert(invoke_id, deadline);
        Ok(invoke_id)
    }

    /// Answers the peer's request `invoke_id` (ISO 9506-2 §7.2). A response larger than the
    /// negotiated PDU size is not sent: a ServiceError service / pdu-size goes instead, and the
    /// call returns [`SendError::PduTooLarge`] so the application learns of it.
    pub fn send_response(
        &mut self,
        invoke_id: u32,
        response: &ConfirmedServiceResponse<'_>,
    ) -> Result<(), SendError> {
        let n = *self.require_associated("a confirmed response")?;
        if !self.book.peer_outstanding.contains(&invoke_id) {
            return Err(SendError::UnknownInvokeId(invoke_id));
        }
        self.scratch.clear();
        let m = self.scratch.mark();
        response.encode(&mut self.scratch);
        write_uint(&mut self.scratch, Tag::INTEGER, u64::from(invoke_id));
        self.scratch.wrap(m, Tag::context(1, true));
        match self.send_scratch(n.max_pdu_size) {
            Ok(()) => {
                self.book.peer_outstanding.remove(&invoke_id);
                Ok(())
            }
            Err(SendError::PduTooLarge { size, max }) => {
                log::warn!(
                    "response to invokeID {invoke_id} is {size} octets, above the negotiated {max}: \
                     answered with service / pdu-size"
                );
                self.send_error(
                    invoke_id,
                    &ServiceError::new(ErrorClass::Service(ServiceProblem::PduSize))
                        .with_description("the response exceeds the negotiated PDU size"),
                )?;
                Err(SendError::PduTooLarge { size, max })
            }
            Err(e) => Err(e),
        }
    }

    /// Answers the peer's request `invoke_id` with a Confirmed-ErrorPDU (ISO 9506-2 §7.2.2).
    pub fn send_error(
        &mut self,
        invoke_id: u32,
        error: &ServiceError<'_>,
    ) -> Result<(), SendError> {
        let n = *self.require_associated("a confirmed error")?;
        if !self.book.peer_outstanding.contains(&invoke_id) {
            return Err(SendError::UnknownInvokeId(invoke_id));
        }
        let pdu = MmsPdu::ConfirmedError(ConfirmedErrorPdu {
            invoke_id,
            modifier_position: None,
            service_error: error.clone(),
        });
        self.scratch.clear();
        pdu.encode(&mut self.scratch);
        self.send_scratch(n.max_pdu_size)?;
        self.book.peer_outstanding.remove(&invoke_id);
        Ok(())
    }

    /// Rejects the peer's request `invoke_id` (ISO 9506-2 §7.5), e.g. unrecognized-service for a
    /// service this end does not serve. The request is over.
    pub fn send_reject(&mut self, invoke_id: u32, reason: RejectReason) -> Result<(), SendError> {
        let n = *self.require_associated("a reject")?;
        if !self.book.peer_outstanding.remove(&invoke_id) {
            return Err(SendError::UnknownInvokeId(invoke_id));
        }
        self.scratch.clear();
        MmsPdu::Reject(RejectPdu {
            original_invoke_id: Some(invoke_id),
            reason,
        })
        .encode(&mut self.scratch);
        self.send_scratch(n.max_pdu_size)
    }

    /// Sends an unconfirmed PDU (ISO 9506-2 §7.3): informationReport and friends. Either end may.
    pub fn send_unconfirmed(&mut self, service: &UnconfirmedService<'_>) -> Result<(), SendError> {
        let n = *self.require_associated("an unconfirmed PDU")?;
        self.scratch.clear();
        crate::pdu::write_unconfirmed_pdu(&mut self.scratch, service);
        self.send_scratch(n.max_pdu_size)
    }

    /// Asks the peer to cancel our request `invoke_id` (ISO 9506-2 §7.6).
    pub fn send_cancel(&mut self, invoke_id: u32) -> Result<(), SendError> {
        let n = *self.require_associated("a cancel request")?;
        if !self.book.outstanding.contains(invoke_id) {
            return Err(SendError::UnknownInvokeId(invoke_id));
        }
        self.scratch.clear();
        MmsPdu::CancelRequest(invoke_id).encode(&mut self.scratch);
        self.send_scratch(n.max_pdu_size)
    }

    /// Confirms the peer's cancel of its request `invoke_id`; the request is over.
    pub fn send_cancel_response(&mut self, invoke_id: u32) -> Result<(), SendError> {
        let n = *self.require_associated("a cancel response")?;
        if !self.book.peer_outstanding.remove(&invoke_id) {
            return Err(SendError::UnknownInvokeId(invoke_id));
        }
        self.scratch.clear();
        MmsPdu::CancelResponse(invoke_id).encode(&mut self.scratch);
        self.send_scratch(n.max_pdu_size)
    }

    /// Refuses the peer's cancel of `invoke_id` (cancel / cancel-not-possible and friends).
    pub fn send_cancel_error(
        &mut self,
        invoke_id: u32,
        error: &ServiceError<'_>,
    ) -> Result<(), SendError> {
        let n = *self.require_associated("a cancel error")?;
        self.scratch.clear();
        MmsPdu::CancelError(CancelErrorPdu {
            original_invoke_id: invoke_id,
            service_error: error.clone(),
        })
        .encode(&mut self.scratch);
        self.send_scratch(n.max_pdu_size)
    }

    /// Gives up on our request `invoke_id` (the runtime's time-out): its slot is freed and a late
    /// answer is dropped quietly. Returns false if it was not outstanding.
    pub fn abandon(&mut self, invoke_id: u32) -> bool {
        if self.book.outstanding.remove(invoke_id) {
            self.book.forget(invoke_id);
            true
        } else {
            false
        }
    }

    /// Sends an already-encoded MMSpdu as it is, with no bookkeeping (no invokeID tracking, no
    /// size check): for proxies, and for tests that play a misbehaving peer.
    pub fn send_encoded(&mut self, pdu: &[u8]) -> Result<(), SendError> {
        self.require_associated("an encoded PDU")?;
        self.assoc.send_data(pdu)?;
        Ok(())
    }

    /// Concludes the association (ISO 9506-2 §8.3): sends conclude-Request; the ACSE release
    /// follows automatically once the peer answers with conclude-Response.
    pub fn conclude(&mut self) -> Result<(), SendError> {
        let n = *self.require_associated("conclude")?;
        self.scratch.clear();
        MmsPdu::ConcludeRequest.encode(&mut self.scratch);
        self.send_scratch(n.max_pdu_size)?;
        self.book.phase = Phase::Concluding;
        self.book.conclude_deadline = self.book.release_timeout.map(|d| self.book.clock.now() + d);
        Ok(())
    }

    /// Aborts the association (ACSE A-ABORT): nothing more is sent or received.
    pub fn abort(&mut self) -> Result<(), SendError> {
        if self.book.phase == Phase::Closed {
            return Ok(());
        }
        self.book.phase = Phase::Closed;
        self.assoc.abort()?;
        Ok(())
    }

    /// Sends the PDU in `self.scratch` if it fits `max`.
    fn send_scratch(&mut self, max: usize) -> Result<(), SendError> {
        let size = self.scratch.len();
        if size > max {
            return Err(SendError::PduTooLarge { size, max });
        }
        if let Err(e) = self.assoc.send_data(self.scratch.as_slice()) {
            self.book.phase = Phase::Closed;
            return Err(e.into());
        }
        Ok(())
    }
}

/// The timer settings an endpoint takes from its configuration.
struct Timers {
    clock: Clock,
    request: Option<Duration>,
    release: Option<Duration>,
}

impl Timers {
    fn of(config: &EndpointConfig) -> Timers {
        Timers {
            clock: config.association.timeouts.clock.clone(),
            request: config.request_timeout,
            release: config.association.timeouts.release,
        }
    }
}

/// The limit on requests `role` may have outstanding.
fn our_limit(role: Role, n: &Negotiated) -> u16 {
    match role {
        Role::Client => n.max_serv_outstanding_calling,
        Role::Server => n.max_serv_outstanding_called,
    }
}

/// The limit on requests the peer of `role` may have outstanding.
fn peer_limit(role: Role, n: &Negotiated) -> u16 {
    match role {
        Role::Client => n.max_serv_outstanding_called,
        Role::Server => n.max_serv_outstanding_calling,
    }
}

fn negotiated_from(
    r: &InitiateResponse,
    peer_services: crate::initiate::ServicesSupported,
    our_nesting: Option<i8>,
) -> Negotiated {
    let clamp16 = |v: i16| u16::try_from(v.max(1)).unwrap_or(1);
    Negotiated {
        max_pdu_size: r
            .local_detail_called
            .map_or(65000, |v| usize::try_from(v).unwrap_or(65000))
            .max(MIN_PDU_SIZE),
        max_serv_outstanding_calling: clamp16(r.negotiated_max_serv_outstanding_calling),
        max_serv_outstanding_called: clamp16(r.negotiated_max_serv_outstanding_called),
        nesting_level: r
            .negotiated_data_structure_nesting_level
            .or(our_nesting)
            .map_or(10, |v| u8::try_from(v.max(0)).unwrap_or(0)),
        version: r.init_response_detail.version_number,
        parameter_cbb: r.init_response_detail.parameter_cbb,
        peer_services,
    }
}

fn owned_error(e: ServiceError<'_>) -> ServiceError<'static> {
    ServiceError {
        error_class: e.error_class,
        additional_code: e.additional_code,
        additional_description: e
            .additional_description
            .map(|d| std::borrow::Cow::Owned(d.into_owned())),
        service_specific_info: None,
    }
}

/// A [`MmsEvent::ProtocolError`].
fn violation<'a>(
    pdu: Option<PduType>,
    invoke_id: Option<u32>,
    site: crate::pdu::ErrorSite,
    error: crate::codec::DecodeError,
    reject: Option<RejectPdu>,
) -> MmsEvent<'a> {
    MmsEvent::ProtocolError {
        error: PduError {
            pdu,
            invoke_id,
            site,
            error,
        },
        reject,
    }
}

impl Book {
    fn set_associated(&mut self, n: Negotiated) {
        self.decode = DecodeOptions::for_nesting_level(n.nesting_level);
        self.negotiated = Some(n);
        self.phase = Phase::Associated;
    }

    fn queue(&mut self, pdu: MmsPdu<'_>) {
        self.queued.push(Queued::Pdu(pdu.to_vec()));
    }

    /// A PDU came after our conclude-Response where only `expected` may (ISO 9506-2 §8.3): the
    /// association is aborted.
    fn abort_after_conclude<'a>(
        &mut self,
        expected: &'static str,
        found: Option<PduType>,
    ) -> MmsEvent<'a> {
        let phase = self.phase;
        self.phase = Phase::Closed;
        self.queue_abort_marker();
        log::info!("MMS PDU after our conclude-Response (expected {expected}); aborting");
        MmsEvent::Closed(CloseReason::Failed(Box::new(Failure::Mms(
            MmsViolation::OutOfPhase {
                phase,
                expected,
                found,
            },
        ))))
    }

    /// A conclude collision: the peer's conclude-Request came while ours was outstanding and
    /// neither end has requests outstanding. ISO 9506-2 §8.3 does not say what then; our rule
    /// (docs/xmpp-mms.md, "Conclude collision") answers it with a conclude-Response and keeps
    /// waiting for the answer to ours. Once that comes the association initiator starts the
    /// A-RELEASE and the responder waits for it, so both ends end `Released` rather than each
    /// taking the other's conclude-Response as out of phase.
    fn conclude_crossed<'a>(&mut self) -> MmsEvent<'a> {
        log::debug!("conclude collision: answering the peer's conclude, ours still outstanding");
        self.queue(MmsPdu::ConcludeResponse);
        self.crossed = true;
        MmsEvent::ConcludeIndication
    }

    /// Server: an AARQ arrived; its user data must be an initiate-RequestPDU.
    fn on_aarq<'a>(&mut self, ind: Box<AssociateIndication>) -> MmsEvent<'a> {
        let request = match ind.user_data.as_deref().map(MmsPdu::decode) {
            Some(Ok(MmsPdu::InitiateRequest(r))) => Some(r),
            _ => None,
        };
        match request {
            Some(request) => {
                self.phase = Phase::InitiateIndicated;
                MmsEvent::InitiateIndication {
                    request,
                    indication: ind,
                }
            }
            None => {
                // Not an MMS initiate: the association cannot be established (ISO 9506-2 §8.2).
                // The runtime sees a protocol error and refuses with refuse_initiate.
                self.phase = Phase::InitiateIndicated;
                violation(
                    Some(PduType::InitiateRequest),
                    None,
                    crate::pdu::ErrorSite::Body,
                    crate::codec::DecodeError::Ber(copp::ber::BerError::Missing(
                        "initiate-RequestPDU in the AARQ user information",
                    )),
                    None,
                )
            }
        }
    }

    /// Client: the AARE accepted; its user data must be an initiate-ResponsePDU.
    fn on_aare<'a>(&mut self, user_data: Option<&[u8]>) -> MmsEvent<'a> {
        match user_data.map(MmsPdu::decode) {
            Some(Ok(MmsPdu::InitiateResponse(r))) => {
                let n = negotiated_from(
                    &r,
                    r.init_response_detail.services_supported,
                    self.ours.proposed_data_structure_nesting_level,
                );
                // A server that negotiates above what we proposed is taken at our values.
                let n = Negotiated {
                    max_pdu_size: n.max_pdu_size.min(
                        self.ours
                            .local_detail_calling
                            .map_or(usize::MAX, |v| usize::try_from(v).unwrap_or(usize::MAX)),
                    ),
                    max_serv_outstanding_calling: n.max_serv_outstanding_calling.min(
                        u16::try_from(self.ours.proposed_max_serv_outstanding_calling.max(1))
                            .unwrap_or(1),
                    ),
                    ..n
                };
                self.set_associated(n);
                MmsEvent::Established(n)
            }
            Some(Ok(MmsPdu::InitiateError(e))) => {
                self.phase = Phase::Closed;
                self.queued.clear();
                self.queue_abort_marker();
                MmsEvent::Refused(Box::new(InitiateRefusal::InitiateError(owned_error(e))))
            }
            other => {
                let phase = self.phase;
                self.phase = Phase::Closed;
                self.queue_abort_marker();
                let violation = match other {
                    Some(Err(e)) => MmsViolation::Decode(e),
                    Some(Ok(pdu)) => MmsViolation::OutOfPhase {
                        phase,
                        expected: "an initiate-ResponsePDU or initiate-ErrorPDU",
                        found: Some(pdu.pdu_type()),
                    },
                    None => MmsViolation::OutOfPhase {
                        phase,
                        expected: "an initiate-ResponsePDU or initiate-ErrorPDU",
                        found: None,
                    },
                };
                MmsEvent::Closed(CloseReason::Failed(Box::new(Failure::Mms(violation))))
            }
        }
    }

    fn queue_abort_marker(&mut self) {
        self.queued.push(Queued::Abort);
    }

    /// One MMS PDU arrived in P-DATA.
    fn on_data<'a>(&mut self, data: &'a [u8]) -> MmsEvent<'a> {
        if !matches!(
            self.phase,
            Phase::Associated | Phase::Concluding | Phase::Releasing
        ) {
            return violation(
                None,
                None,
                crate::pdu::ErrorSite::Body,
                crate::codec::DecodeError::Ber(copp::ber::BerError::InvalidValue(
                    "MMS data before the initiate exchange completed",
                )),
                None,
            );
        }
        if self.concluded {
            // ISO 9506-2 §8.3: once the conclude-ResponsePDU is sent, the association only
            // releases. A PDU after it is not served (nor a second conclude answered): abort.
            let found = MmsPdu::decode_with(data, self.decode)
                .ok()
                .map(|p| p.pdu_type());
            return self.abort_after_conclude("the A-RELEASE after conclude", found);
        }
        let pdu = match MmsPdu::decode_with(data, self.decode) {
            Ok(p) => p,
            Err(e) => {
                let reject = e.reject();
                if let Some(r) = reject {
                    self.queue(MmsPdu::Reject(r));
                }
                return MmsEvent::ProtocolError { error: e, reject };
            }
        };
        if self.crossed && !matches!(pdu, MmsPdu::ConcludeResponse | MmsPdu::ConcludeError(_)) {
            // After a crossing: as after any conclude-Response of ours, nothing but the answer
            // to our own conclude may come (ISO 9506-2 §8.3).
            return self.abort_after_conclude("the answer to our conclude", Some(pdu.pdu_type()));
        }
        match pdu {
            MmsPdu::ConfirmedRequest(req) => self.on_request(req, data),
            MmsPdu::ConfirmedResponse(resp) => {
                if self.answer_arrived(resp.invoke_id) {
                    MmsEvent::Response {
                        pdu: resp,
                        raw: data,
                    }
                } else {
                    self.unexpected(
                        PduType::ConfirmedResponse,
                        resp.invoke_id,
                        RejectReason::ConfirmedResponse(
                            crate::reject::ConfirmedResponseProblem::InvalidInvokeId,
                        ),
                    )
                }
            }
            MmsPdu::ConfirmedError(err) => {
                if self.answer_arrived(err.invoke_id) {
                    MmsEvent::Error(err)
                } else {
                    self.unexpected(
                        PduType::ConfirmedError,
                        err.invoke_id,
                        RejectReason::ConfirmedError(
                            crate::reject::ConfirmedErrorProblem::InvalidInvokeId,
                        ),
                    )
                }
            }
            MmsPdu::Unconfirmed(u) => MmsEvent::Unconfirmed { pdu: u, raw: data },
            MmsPdu::Reject(r) => {
                if let Some(id) = r.original_invoke_id {
                    // A reject of a request of ours ends it (only confirmed-request rejects name
                    // our requests; other reasons name the peer's view of our answers).
                    if matches!(r.reason, RejectReason::ConfirmedRequest(_)) {
                        self.outstanding.remove(id);
                        self.abandoned.remove(&id);
                    }
                }
                MmsEvent::Rejected(r)
            }
            MmsPdu::CancelRequest(id) => {
                if self.peer_outstanding.contains(&id) {
                    MmsEvent::CancelRequest(id)
                } else {
                    self.queue(MmsPdu::CancelError(CancelErrorPdu {
                        original_invoke_id: id,
                        service_error: ServiceError::new(ErrorClass::Cancel(
                            crate::service_error::CancelProblem::InvokeIdUnknown,
                        )),
                    }));
                    violation(
                        Some(PduType::CancelRequest),
                        Some(id),
                        crate::pdu::ErrorSite::InvokeId,
                        crate::codec::DecodeError::OutOfRange("cancel of an unknown invokeID"),
                        None,
                    )
                }
            }
            MmsPdu::CancelResponse(id) => {
                self.outstanding.remove(id);
                MmsEvent::CancelResponse(id)
            }
            MmsPdu::CancelError(e) => MmsEvent::CancelError(e),
            MmsPdu::ConcludeRequest => {
                let idle = self.peer_outstanding.is_empty() && self.outstanding.is_empty();
                if idle && self.phase == Phase::Concluding {
                    // Ours is outstanding too (a second one after a crossing aborted above).
                    self.conclude_crossed()
                } else if idle {
                    self.queue(MmsPdu::ConcludeResponse);
                    self.concluded = true;
                    // Nothing is served any more; only the release follows.
                    self.phase = Phase::Releasing;
                    MmsEvent::ConcludeIndication
                } else {
                    // ISO 9506-2 §8.3: conclude with requests outstanding is refused.
                    self.queue(MmsPdu::ConcludeError(
                        ServiceError::further_communication_required(),
                    ));
                    violation(
                        Some(PduType::ConcludeRequest),
                        None,
                        crate::pdu::ErrorSite::Body,
                        crate::codec::DecodeError::OutOfRange(
                            "conclude while requests are outstanding",
                        ),
                        None,
                    )
                }
            }
            MmsPdu::ConcludeResponse if self.phase == Phase::Concluding => {
                self.phase = Phase::Releasing;
                if self.crossed {
                    // Both concludes were accepted: the association initiator alone releases,
                    // so the two A-RELEASE requests never cross too.
                    self.concluded = true;
                    if self.role == Role::Client {
                        self.queued.push(Queued::Release);
                    }
                } else {
                    self.queued.push(Queued::Release);
                }
                MmsEvent::Concluded
            }
            MmsPdu::ConcludeError(e) if self.phase == Phase::Concluding => {
                if self.crossed {
                    // The peer refused ours but we accepted its conclude: it releases.
                    self.phase = Phase::Releasing;
                    self.concluded = true;
                } else {
                    self.phase = Phase::Associated;
                }
                MmsEvent::ConcludeRefused(e)
            }
            other => {
                let kind = other.pdu_type();
                let reason = match kind {
                    PduType::ConcludeResponse => RejectReason::ConcludeResponse(
                        crate::reject::ConcludeResponseProblem::InvalidResult,
                    ),
                    PduType::ConcludeError => RejectReason::ConcludeError(
                        crate::reject::ConcludeErrorProblem::InvalidServiceError,
                    ),
                    _ => RejectReason::PduError(crate::reject::PduProblem::InvalidPdu),
                };
                let reject = RejectPdu {
                    original_invoke_id: None,
                    reason,
                };
                self.queue(MmsPdu::Reject(reject));
                violation(
                    Some(kind),
                    None,
                    crate::pdu::ErrorSite::Body,
                    crate::codec::DecodeError::OutOfRange("PDU not allowed in this phase"),
                    Some(reject),
                )
            }
        }
    }

    fn on_request<'a>(&mut self, req: ConfirmedRequestPdu<'a>, raw: &'a [u8]) -> MmsEvent<'a> {
        let id = req.invoke_id;
        let limit = self.negotiated.map_or(1, |n| peer_limit(self.role, &n));
        let problem = if self.peer_outstanding.contains(&id) {
            Some(ConfirmedRequestProblem::InvalidInvokeId)
        } else if self.peer_outstanding.len() >= usize::from(limit) {
            Some(ConfirmedRequestProblem::MaxServOutstandingExceeded)
        } else {
            None
        };
        if let Some(p) = problem {
            let reject = RejectPdu {
                original_invoke_id: Some(id),
                reason: RejectReason::ConfirmedRequest(p),
            };
            self.queue(MmsPdu::Reject(reject));
            return violation(
                Some(PduType::ConfirmedRequest),
                Some(id),
                crate::pdu::ErrorSite::InvokeId,
                crate::codec::DecodeError::OutOfRange(match p {
                    ConfirmedRequestProblem::InvalidInvokeId => "duplicate invokeID",
                    _ => "more requests outstanding than negotiated",
                }),
                Some(reject),
            );
        }
        self.peer_outstanding.insert(id);
        MmsEvent::Request { pdu: req, raw }
    }

    /// An answer to our request `id` arrived: true if we were waiting for it.
    fn answer_arrived(&mut self, id: u32) -> bool {
        self.outstanding.remove(id)
    }

    /// Our request `id` was given up: a late answer is dropped quietly. Bounded: a peer that
    /// never answers could make this grow with every time-out, so the set is forgotten
    /// wholesale past 262 140 entries (a late answer to one of those then gets a RejectPDU
    /// instead of being dropped quietly).
    fn forget(&mut self, id: u32) {
        if self.abandoned.len() >= 4 * usize::from(u16::MAX) {
            self.abandoned.clear();
        }
        self.abandoned.insert(id);
    }

    fn unexpected<'a>(&mut self, kind: PduType, id: u32, reason: RejectReason) -> MmsEvent<'a> {
        if self.abandoned.remove(&id) {
            log::debug!("late answer to abandoned request {id} dropped");
            return violation(
                Some(kind),
                Some(id),
                crate::pdu::ErrorSite::InvokeId,
                crate::codec::DecodeError::OutOfRange("answer to an abandoned request"),
                None,
            );
        }
        let reject = RejectPdu {
            original_invoke_id: Some(id),
            reason,
        };
        self.queue(MmsPdu::Reject(reject));
        violation(
            Some(kind),
            Some(id),
            crate::pdu::ErrorSite::InvokeId,
            crate::codec::DecodeError::OutOfRange("answer to no outstanding request"),
            Some(reject),
        )
    }
}
