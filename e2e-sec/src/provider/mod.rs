//! The E2E provider: IEC 62351-4 §13 (handshake, data transfer, rekey, release, abort), §14
//! (error handling and diagnostics) and §15 (the OSI mapping) behind the association-security
//! hook [`acse::security::AssociationSecurity`] (acse/src/security.rs, user (c)).
//!
//! One association's state is a `Phase` whose variants own what that phase needs, so a
//! data PDU without keys or a HandshakeAcc without our ephemeral key cannot be expressed:
//!
//! * `Idle` → (initiator, AARQ sent) `AwaitingAcc` holding our ephemeral DH key and the
//!   HandshakeReq `tbs`; (responder, AARQ judged) `Accepting` holding the peer, the selected
//!   mode, our ephemeral key and the client's DH value;
//! * → `Established`, holding the transfer state: per-direction crypto contexts, nonces,
//!   sequence numbers and the rekey state (U-10, U-11);
//! * → `Closed` after a reject or an abort, keeping the assoID and peer certificate that a late
//!   abort or log still names. A release (ReleaseReq/ReleaseRsp) does not change the phase:
//!   X.227 lets data flow until the RLRE, and a release may be refused.
//!
//! The modules are named for what they hold: `handshake` builds and judges
//! HandshakeReq/HandshakeAcc and the signed ClearToken3 PDUs (§13; F-1111..F-1114, F-1142);
//! `transfer` protects and unprotects ClearTransfer/EncrTransfer, checks time and sequence
//! and runs the rekey (§13; F-1131..F-1134, F-1143); `osi` is the §15 mapping — how the SecPDUs ride in
//! AARQ/AARE/RLRQ/RLRE/ABRT and P-DATA (F-1151..F-1155) — and implements the hook.
//!
//! Checking order (ASSUMPTIONS.md U-14): decode → algorithm of the signature → signature →
//! version → sigAlg → certificate and path → address binding → time → replay → negotiation →
//! protected protocol; nothing signed is judged before the signature verified (§14.3.2).
//! The first failure is reported; signature, address and replay failures are alarms sent
//! without a diagnostic (F-1141, F-1142).

mod handshake;
mod osi;
mod transfer;
#[cfg(feature = "xmpp")]
pub(crate) mod xmpp;

use std::sync::Arc;
use std::time::SystemTime;

use acse::security::{Role, Severity, TransportSecurity};

use crate::certs::PeerCertificate;
use crate::config::E2eMode;
use crate::crypto::Ephemeral;
use crate::events::{self, Check, Group};
use crate::factory::Shared;
use crate::pdu::{DtDiagnostic, HandshakeDiagnostic};

use transfer::Transfer;

/// Which encoding an association's SecPDUs use: BER in the OSI environment (§15), XML (XER,
/// namespace E2E_4) in the XMPP environment (F-1105; ASSUMPTIONS.md XS-01). Every encode and
/// decode point of the shared core asks this, nothing else differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// BER / DER (the OSI mapping).
    Ber,
    /// XML (the XMPP mapping).
    #[cfg(feature = "xmpp")]
    Xml,
}

/// The peer address a handshake certificate must be bound to (Annex G.6.2; F-1207).
#[derive(Debug, Clone)]
pub(crate) enum Binding {
    /// OSI: the AP-title ++ AE-qualifier as an OBJECT IDENTIFIER (2.5.4.106), if sent.
    Osi(Option<copp::ber::Oid<'static>>),
    /// XMPP: the peer's bare JID (2.5.4.105).
    #[cfg(feature = "xmpp")]
    Jid(String),
}

/// Owned storage a decoded SecPDU may borrow (the XML decoder's binary fields).
#[derive(Debug, Default)]
pub(crate) struct Store {
    #[cfg(feature = "xmpp")]
    xml: crate::pdu::xml::XmlStore,
}

/// The mechanism name reported in [`acse::security::AuthenticatedPeer`].
pub const MECHANISM: &str = "iec62351-4-e2e";

/// A check failure: what to log, and what (if anything) to tell the peer.
#[derive(Debug, Clone)]
struct Fail {
    group: Group,
    check: Check,
    /// The diagnostic for the peer; `None` for alarms (F-1141/F-1143).
    diag: Option<u32>,
    detail: String,
}

impl Fail {
    /// A handshake-phase failure (HandshakeDiagnostics, §14.2); alarms (the event's severity)
    /// carry no diagnostic.
    fn hs(group: Group, check: Check, d: HandshakeDiagnostic, detail: impl Into<String>) -> Fail {
        let alarm = events::resolve(group, check).severity == Severity::Alarm;
        Fail {
            group,
            check,
            diag: if alarm { None } else { Some(d.code()) },
            detail: detail.into(),
        }
    }

    /// The readable name of the event (IEC 62351-14 mnemonic).
    fn name(&self) -> &'static str {
        events::resolve(self.group, self.check).name
    }

    /// A data-transfer failure (DtDiagnostics, §14).
    fn dt(group: Group, check: Check, d: Option<DtDiagnostic>, detail: impl Into<String>) -> Fail {
        Fail {
            group,
            check,
            diag: d.map(DtDiagnostic::code),
            detail: detail.into(),
        }
    }
}

/// The presentation context ids of the defined context set that the mapping uses (F-1151,
/// ASSUMPTIONS.md I-05). `e2e` is 0 while e2eSecurityAS is not in the set (context ids are
/// odd, so 0 is never one).
#[derive(Debug, Clone, Copy)]
struct Contexts {
    e2e: u32,
    user: u32,
}

/// Initiator, AARQ sent (§13, F-1111): what judging the HandshakeAcc needs.
struct Initiating {
    /// Our part of the assoID (U-06).
    asso_id: String,
    /// Our ephemeral DH/ECDH key.
    eph: Ephemeral,
    /// The HandshakeReq `tbs` contents octets (the HKDF salt covers them, U-08).
    tbs_req: Vec<u8>,
}

/// Responder, HandshakeReq judged and accepted, HandshakeAcc not yet sent (§13, F-1112).
struct Accepting {
    /// The whole assoID, client part and ours (U-06).
    asso_id: String,
    /// The client's certificate, checked.
    peer: PeerCertificate,
    /// The mode selected from the client's offer.
    mode: E2eMode,
    /// Our ephemeral key of the handshake (dropped once the keys are derived; a rekey makes a
    /// fresh one, U-11).
    eph: Ephemeral,
    /// The client's DH public value.
    client_public: Vec<u8>,
    /// The HandshakeReq `tbs` contents octets as received.
    tbs_req: Vec<u8>,
}

/// Data phase (§13, F-1131..F-1134).
struct Established {
    asso_id: String,
    peer: PeerCertificate,
    transfer: Transfer,
}

/// After a reject or an abort: what a late abort or log still names.
struct Closed {
    asso_id: String,
    peer: Option<PeerCertificate>,
    mode: Option<E2eMode>,
    /// A HandshakeSecReject made while refusing the AARQ, for the rejecting AARE.
    pending_reject: Option<Vec<u8>>,
}

/// Where one association is in the E2E protocol; each variant owns its state.
enum Phase {
    Idle,
    AwaitingAcc(Box<Initiating>),
    Accepting(Box<Accepting>),
    Established(Box<Established>),
    Closed(Box<Closed>),
}

impl Phase {
    fn name(&self) -> &'static str {
        match self {
            Phase::Idle => "Idle",
            Phase::AwaitingAcc(_) => "AwaitingAcc",
            Phase::Accepting(_) => "Accepting",
            Phase::Established(_) => "Established",
            Phase::Closed(_) => "Closed",
        }
    }

    /// The assoID as far as it is known (empty before the AARQ).
    fn asso_id(&self) -> &str {
        match self {
            Phase::Idle => "",
            Phase::AwaitingAcc(i) => &i.asso_id,
            Phase::Accepting(a) => &a.asso_id,
            Phase::Established(e) => &e.asso_id,
            Phase::Closed(c) => &c.asso_id,
        }
    }

    /// The peer certificate the handshake checked, once it has.
    fn peer(&self) -> Option<&PeerCertificate> {
        match self {
            Phase::Idle | Phase::AwaitingAcc(_) => None,
            Phase::Accepting(a) => Some(&a.peer),
            Phase::Established(e) => Some(&e.peer),
            Phase::Closed(c) => c.peer.as_ref(),
        }
    }

    fn mode(&self) -> Option<E2eMode> {
        match self {
            Phase::Idle | Phase::AwaitingAcc(_) => None,
            Phase::Accepting(a) => Some(a.mode),
            Phase::Established(e) => Some(e.transfer.mode()),
            Phase::Closed(c) => c.mode,
        }
    }
}

/// One association's E2E state (IEC 62351-4 §13-§15), an
/// [`acse::security::AssociationSecurity`] provider. Made by [`crate::E2eFactory`].
pub struct E2eProvider {
    shared: Arc<Shared>,
    role: Role,
    transport: TransportSecurity,
    contexts: Contexts,
    phase: Phase,
    /// The SecPDU encoding of this association's environment.
    syntax: Syntax,
    /// The periodic re-check of the peer's certificate once established (with a revocation
    /// checker configured): expiry or revocation ends the association.
    recheck: Option<cot::revocation::PeerRecheck>,
}

impl std::fmt::Debug for E2eProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E2eProvider")
            .field("role", &self.role)
            .field("phase", &self.phase.name())
            .field("asso_id", &self.phase.asso_id())
            .field("mode", &self.phase.mode())
            .finish_non_exhaustive()
    }
}

impl E2eProvider {
    pub(crate) fn new(shared: Arc<Shared>, role: Role, transport: &TransportSecurity) -> Self {
        E2eProvider {
            shared,
            role,
            transport: transport.clone(),
            contexts: Contexts { e2e: 0, user: 3 },
            phase: Phase::Idle,
            syntax: Syntax::Ber,
            recheck: None,
        }
    }

    /// The octets a signature covers of an encoded `tbs` (or an ICV of a `tbp`): BER contents
    /// octets, or in XML the octets between the start and end tags (F-1113).
    fn contents<'b>(&self, element: &'b [u8]) -> &'b [u8] {
        match self.syntax {
            Syntax::Ber => crate::crypto::contents(element),
            #[cfg(feature = "xmpp")]
            Syntax::Xml => crate::pdu::xml::contents(element),
        }
    }

    /// Decodes a received SecPDU in this association's syntax (BER: as carried by `carrier`).
    fn decode<'a>(
        &self,
        bytes: &'a [u8],
        carrier: crate::pdu::Carrier,
        store: &'a mut Store,
    ) -> Result<crate::pdu::SecPdu<'a>, crate::pdu::DecodeError> {
        let lim = &self.shared.config.limits;
        match self.syntax {
            Syntax::Ber => {
                let _ = store;
                crate::pdu::decode_in(bytes, carrier, lim)
            }
            #[cfg(feature = "xmpp")]
            Syntax::Xml => crate::pdu::xml::decode(bytes, &mut store.xml, lim),
        }
    }

    /// Arms the periodic re-check of the established peer's certificate and the certPath it
    /// sent (see [`cot::revocation::PeerRecheck`]) when a revocation checker is configured:
    /// a revoked intermediate ends the association as a revoked end-entity certificate does.
    pub(crate) fn start_recheck(&mut self) {
        let Some(checker) = self.shared.config.revocation.clone() else {
            return;
        };
        let Some(peer) = self.phase.peer() else {
            return;
        };
        let Ok(leaf) = openssl::x509::X509::from_der(&peer.der) else {
            return;
        };
        let mut chain = vec![leaf];
        // The handshake verified this path (check_certificate); every certificate parses.
        chain.extend(
            peer.path
                .iter()
                .filter_map(|p| openssl::x509::X509::from_der(p).ok()),
        );
        self.recheck = Some(cot::revocation::PeerRecheck::new(
            checker,
            chain,
            std::time::Instant::now(),
        ));
    }

    /// The data-transfer mode agreed in the handshake (§13, F-1142 negotiation), once selected.
    pub fn mode(&self) -> Option<E2eMode> {
        self.phase.mode()
    }

    /// The association identifier (U-06), as far as it is known.
    pub fn asso_id(&self) -> &str {
        self.phase.asso_id()
    }

    fn now(&self) -> SystemTime {
        (self.shared.config.clock)()
    }

    fn record(&self, f: &Fail) {
        events::record(&self.shared.events, f.group, f.check, &f.detail);
    }

    /// Ends the association's E2E state, keeping what a later abort or log names.
    fn close(&mut self) {
        let closed = |asso_id, peer, mode| {
            Box::new(Closed {
                asso_id,
                peer,
                mode,
                pending_reject: None,
            })
        };
        self.phase = Phase::Closed(match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Closed(c) => c,
            Phase::Idle => closed(String::new(), None, None),
            Phase::AwaitingAcc(i) => closed(i.asso_id, None, None),
            Phase::Accepting(a) => closed(a.asso_id, Some(a.peer), Some(a.mode)),
            Phase::Established(e) => {
                let mode = e.transfer.mode();
                closed(e.asso_id, Some(e.peer), Some(mode))
            }
        });
    }
}
