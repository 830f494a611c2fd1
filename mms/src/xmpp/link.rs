//! One MMS association in the XMPP environment, sans-IO: what [`acse::association::Association`]
//! is for the OSI environment, for an [`crate::endpoint::Endpoint`] whose PDUs travel as XMPP
//! stanzas (IEC 62351-4 §16, IEC 61850-8-2 Annex D).
//!
//! Each MMS PDU goes down as: BER (the endpoint's encoding) → XER (`crate::xer`, the encoding
//! IEC 61850-8-2 carries, F-1206) → SecPDU (`e2e_sec::xmpp::XmppE2e`: the signed handshake, then
//! ClearTransfer or EncrTransfer) → ENV_4 envelope → the stanza F-1204 names for it
//! ([`super::mapping`]). Coming up, every step is checked in reverse, and the stanza type is
//! checked against the PDU it carried (F-1201's invalid-stanza-type).
//!
//! The link speaks the association's event vocabulary ([`acse::association::Event`]), so the
//! endpoint above runs unchanged: the HandshakeReq's initiate-Request is an A-ASSOCIATE
//! indication, the HandshakeAcc an A-ASSOCIATE confirmation, ReleaseReq/ReleaseRsp the
//! A-RELEASE, the abort SecPDUs an A-ABORT, and the loss of the peer (its unavailable presence,
//! an iq error from the server, the stream gone) a disconnection (F-1206).
//!
//! iq ids: every iq we send carries a fresh id beginning with the link's prefix (so the router
//! can hand the server's iq errors back to the link that sent the iq); the peer's requests are
//! answered with `iq type='result'` carrying the id of the iq that brought the request, found
//! by invokeID (U-13: iq id ↔ invokeID).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use acse::apdu::{
    AbortDiagnostic, AbortSource, AssociateResult, Diagnostic, ServiceUserDiagnostic,
};
use acse::association::{
    mms_application_context, AeTitle, AssociateConfirm, AssociateIndication, AssociationError,
    Event, Refused, State,
};
use acse::security::{
    ApplicationSecurity, AuthenticatedPeer, SecurityError, SecurityEvents, Severity,
};
use acse::timer::{Clock, Deadline};
use e2e_sec::pdu::Kind;
use e2e_sec::xmpp::{Judged, Received, StanzaType, XmppE2e, XmppViolation};

use super::mapping::{classify, PduRole};
use crate::xer::XerLimits;

/// The name the link reports its failures under (the E2E provider's mechanism name).
const PROVIDER: &str = e2e_sec::provider::MECHANISM;

/// The most iq ids of the peer's requests kept for their answers: the negotiated outstanding
/// limit is far below it; a peer that never gets answers (its requests rejected) cannot grow the
/// table beyond it.
pub(crate) const MAX_PEER_IQS: usize = 4096;

/// The most ids of our own iqs kept while their answers are awaited.
const MAX_OUR_IQS: usize = 4096;

/// The namespace our XER MMSpdu documents carry inside a SecPDU's applData (IEC 61850-8-2's
/// namespace, F-1202; our assumption, docs/xmpp-mms.md).
pub const MMS_NS: &str = "http://www.iec.ch/61850/2018/SCSM_8_2";

/// The stanza error answering a refused HandshakeReq whose refusal is not a HandshakeSecReject:
/// no SecPDU at all, or an abort (which goes in a message of its own). An alarm is answered by
/// a HandshakeSecReject without diagnostic (F-1141), not by this.
const NOT_AUTHORIZED: &str =
    "<error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>";
/// The stanza error for a peer's iq request we cannot keep track of (RFC 6120 §8.3.3.18).
const RESOURCE_CONSTRAINT: &str = "<error type='wait'>\
    <resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>";

/// What becomes of an MMS PDU that arrived in a transfer.
enum Verdict {
    /// In the stanza F-1204 names for it: handed up.
    Deliver,
    /// In a stanza F-1204 does not allow for it: event 18.6, not delivered.
    WrongStanza,
    /// A request whose iq id we cannot keep (the table of the peer's iqs is full): answered
    /// with `resource-constraint`, not delivered.
    Full,
}

/// A stanza for this association, as the router hands it over (the ENV_4 envelope already
/// opened and checked: docs/facts.md F-1201).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The stanza's type.
    pub stanza: StanzaType,
    /// The stanza's id (iq: always present).
    pub id: Option<String>,
    /// Which SecPDU the envelope carries.
    pub kind: Kind,
    /// The SecPDU element, exactly as received.
    pub secpdu: Vec<u8>,
}

/// A stanza the link wants sent to its peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    /// The peer's full JID.
    pub to: String,
    /// The stanza's type.
    pub stanza: StanzaType,
    /// The stanza's id.
    pub id: String,
    /// The ENV_4 envelope element.
    pub payload: Vec<u8>,
}

/// What a link needs besides its E2E machine.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// The peer's full JID (`user@domain/IEC`, F-1206).
    pub peer: String,
    /// What every iq id we send begins with (unique per link on this stream).
    pub id_prefix: String,
    /// Bounds of the XER decoder.
    pub limits: XerLimits,
    /// From creation to established.
    pub establish: Option<Duration>,
    /// From our ReleaseReq to its ReleaseRsp.
    pub release: Option<Duration>,
    /// The clock deadlines are armed from.
    pub clock: Clock,
    /// Where the XMPP-environment events are recorded (F-1201).
    pub events: Arc<SecurityEvents>,
}

/// What a peer's iq asked, for finding its id when we answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Asked {
    Request(u32),
    Cancel(u32),
    Conclude,
    Release,
    /// The HandshakeReq's iq, or the iq of a stanza the E2E checks refused.
    Handshake,
}

/// An event waiting to be handed out.
#[derive(Debug)]
enum Pending {
    Indication(Box<AssociateIndication>),
    Confirm(Box<AssociateConfirm>),
    Refused(Box<Refused>),
    Data(Vec<u8>),
    ReleaseIndication,
    Released,
    Aborted(Option<AbortDiagnostic>),
    Disconnected,
    TimedOut(Deadline),
    Failed(AssociationError),
}

/// One MMS association over XMPP (either end), sans-IO.
pub struct XmppLink {
    config: LinkConfig,
    e2e: XmppE2e,
    state: State,
    /// The assoID the envelopes carry (ours alone until the HandshakeAcc completes it).
    asso_id: String,
    out: VecDeque<Outbound>,
    events: VecDeque<Pending>,
    /// The PDU of the last Data event (the event borrows it).
    current: Vec<u8>,
    /// The ids of the peer's iqs that await our answer.
    peer_iqs: HashMap<Asked, String>,
    /// The ids of our iqs that await the peer's answer, with the invokeID of the request each
    /// carries (a RejectPDU of the request ends the wait as an answer would).
    our_iqs: HashMap<String, Option<u32>>,
    next_iq: u64,
    establish_deadline: Option<Instant>,
    release_deadline: Option<Instant>,
}

impl std::fmt::Debug for XmppLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmppLink")
            .field("peer", &self.config.peer)
            .field("asso_id", &self.asso_id)
            .field("state", &self.state)
            .finish()
    }
}

/// The XER of the MMSpdu whose BER encoding is `ber`, in the namespace [`MMS_NS`].
pub fn mms_xer(ber: &[u8]) -> Result<Vec<u8>, crate::xer::XerError> {
    let xml = crate::xer::encode_pdu_ber(ber)?;
    let root = format!("<{}", crate::xer::PDU_ROOT);
    let mut out = Vec::with_capacity(xml.len() + MMS_NS.len() + 10);
    match xml.strip_prefix(root.as_str()) {
        Some(rest) => {
            out.extend_from_slice(root.as_bytes());
            out.extend_from_slice(b" xmlns='");
            out.extend_from_slice(MMS_NS.as_bytes());
            out.extend_from_slice(b"'");
            out.extend_from_slice(rest.as_bytes());
        }
        None => out.extend_from_slice(xml.as_bytes()),
    }
    Ok(out)
}

/// The BER of the MMSpdu in the XER document `xml` (checked by the MMS decoder).
pub fn mms_ber(xml: &[u8], limits: &XerLimits) -> Result<Vec<u8>, crate::xer::XerError> {
    let text =
        std::str::from_utf8(xml).map_err(|_| crate::xer::XerError::Xml("not UTF-8".to_string()))?;
    crate::xer::decode_pdu_ber(text, limits)
}

impl XmppLink {
    /// Client: starts the association: the initiate-RequestPDU `initiate` (BER) goes in a
    /// HandshakeReq on `iq type='set'` (I-11).
    pub fn connect(
        config: LinkConfig,
        mut e2e: XmppE2e,
        initiate: &[u8],
    ) -> Result<XmppLink, AssociationError> {
        let xer = mms_xer(initiate).map_err(|e| local(format!("initiate-Request XER: {e}")))?;
        let secpdu = e2e.handshake_request(&xer).map_err(security)?;
        let asso_id = e2e.asso_id().unwrap_or_default().to_string();
        let mut link = XmppLink::new(config, e2e, State::AwaitingAare, asso_id);
        link.establish_deadline = link.config.establish.map(|d| link.config.clock.now() + d);
        let id = link.new_iq_id();
        link.expect_answer(&id, None);
        link.push(StanzaType::IqSet, id, &secpdu);
        Ok(link)
    }

    /// Server: a HandshakeReq arrived from a peer with no association of this assoID: judges it.
    /// On success the next event is the A-ASSOCIATE indication carrying the initiate-Request;
    /// otherwise the prescribed reply (HandshakeSecReject) is queued and the link is closed.
    pub fn accept(
        config: LinkConfig,
        e2e: XmppE2e,
        handshake: Inbound,
        asso_id: &str,
        now: Instant,
    ) -> XmppLink {
        let mut link = XmppLink::new(config, e2e, State::AwaitingAarq, asso_id.to_string());
        link.establish_deadline = link.config.establish.map(|d| link.config.clock.now() + d);
        link.handle_stanza(handshake, now);
        link
    }

    fn new(config: LinkConfig, e2e: XmppE2e, state: State, asso_id: String) -> XmppLink {
        XmppLink {
            config,
            e2e,
            state,
            asso_id,
            out: VecDeque::new(),
            events: VecDeque::new(),
            current: Vec::new(),
            peer_iqs: HashMap::new(),
            our_iqs: HashMap::new(),
            next_iq: 0,
            establish_deadline: None,
            release_deadline: None,
        }
    }

    /// The peer's full JID.
    pub fn peer(&self) -> &str {
        &self.config.peer
    }

    /// The assoID the envelopes carry.
    pub fn asso_id(&self) -> &str {
        &self.asso_id
    }

    /// The prefix of our iq ids.
    pub fn id_prefix(&self) -> &str {
        &self.config.id_prefix
    }

    /// Where the association is.
    pub fn state(&self) -> State {
        self.state
    }

    /// True once nothing more will be sent or received.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// The peer the E2E handshake authenticated.
    pub fn authenticated_peer(&self) -> Option<AuthenticatedPeer> {
        self.e2e.authenticated_peer()
    }

    /// End-to-end security is what protects every association of this environment.
    pub fn application_security(&self) -> ApplicationSecurity {
        if self.e2e.is_established() {
            ApplicationSecurity::EndToEnd
        } else {
            ApplicationSecurity::None
        }
    }

    /// The next stanza to send.
    pub fn poll_transmit(&mut self) -> Option<Outbound> {
        self.out.pop_front()
    }

    /// Whether stanzas wait to be sent.
    pub fn has_transmit(&self) -> bool {
        !self.out.is_empty()
    }

    /// Remembers our iq `id` until its answer comes. Bounded: an iq the peer never answers
    /// (its request given up by the endpoint's time-out) stays until [`MAX_OUR_IQS`] newer ones
    /// push it out; its late answer is then an unsolicited result.
    fn expect_answer(&mut self, id: &str, invoke_id: Option<u32>) {
        if self.our_iqs.len() >= MAX_OUR_IQS {
            if let Some(old) = self.our_iqs.keys().next().cloned() {
                self.our_iqs.remove(&old);
            }
        }
        self.our_iqs.insert(id.to_string(), invoke_id);
    }

    fn new_iq_id(&mut self) -> String {
        self.next_iq = self.next_iq.wrapping_add(1);
        format!("{}-{}", self.config.id_prefix, self.next_iq)
    }

    fn push(&mut self, stanza: StanzaType, id: String, secpdu: &[u8]) {
        let payload = e2e_sec::xmpp::envelope(&self.asso_id, secpdu);
        self.out.push_back(Outbound {
            to: self.config.peer.clone(),
            stanza,
            id,
            payload,
        });
    }

    fn close_with(&mut self, event: Pending) {
        if self.state != State::Closed {
            self.state = State::Closed;
            self.events.push_back(event);
        }
        self.peer_iqs.clear();
        self.our_iqs.clear();
    }

    /// Sends the reply a refusal prescribes (if any) on the stanza F-1201's table names for it.
    fn send_reply(&mut self, reply: Option<Vec<u8>>) {
        let Some(secpdu) = reply else {
            // No SecPDU goes back (the E2E machine had none for this phase; alarms get a
            // HandshakeSecReject without diagnostic, F-1141), but the HandshakeReq's iq is
            // answered, with the stanza error an authentication failure gets (RFC 6120
            // §8.3.3.12).
            if let Some(id) = self.peer_iqs.remove(&Asked::Handshake) {
                self.out.push_back(Outbound {
                    to: self.config.peer.clone(),
                    stanza: StanzaType::IqError,
                    id,
                    payload: NOT_AUTHORIZED.as_bytes().to_vec(),
                });
            }
            return;
        };
        let pending = self.peer_iqs.remove(&Asked::Handshake);
        if secpdu_kind(&secpdu) == Some(Kind::HandshakeSecReject) {
            if let Some(id) = pending {
                // HandshakeSecReject answers the HandshakeReq's iq.
                self.push(StanzaType::IqResult, id, &secpdu);
                return;
            }
        }
        // An abort (a DtSecAbort to a refused request, an ApplAbort to a refused ReleaseReq)
        // rides in a message (F-1204), never in the iq result. It goes first: XMPP delivers
        // one sender's stanzas in order (RFC 6120 §10.1), so the peer learns from the signed
        // abort why the association ended before the iq error that still answers its iq.
        let msg_id = self.new_iq_id();
        self.push(StanzaType::Message, msg_id, &secpdu);
        if let Some(id) = pending {
            self.out.push_back(Outbound {
                to: self.config.peer.clone(),
                stanza: StanzaType::IqError,
                id,
                payload: NOT_AUTHORIZED.as_bytes().to_vec(),
            });
        }
    }

    /// The peer is gone (its unavailable presence, the stream lost, an iq error from the
    /// server for one of our iqs): the association is over (F-1206).
    pub fn peer_lost(&mut self) {
        self.close_with(Pending::Disconnected);
    }

    /// An iq error came back for one of our iqs (`id`): from the server (the peer is not
    /// reachable) or from the peer's XMPP layer (it refused the stanza). Either way the
    /// association cannot go on.
    pub fn iq_error(&mut self, id: &str, condition: &str) {
        if self.our_iqs.remove(id).is_some() || self.state != State::Closed {
            log::info!(
                "association {} with {}: iq {id} refused ({condition}); association lost",
                self.asso_id,
                self.config.peer
            );
            self.peer_lost();
        }
    }

    /// A stanza of this association arrived.
    pub fn handle_stanza(&mut self, stanza: Inbound, now: Instant) {
        if self.state == State::Closed {
            return;
        }
        if stanza.stanza == StanzaType::IqResult {
            let known = stanza
                .id
                .as_deref()
                .is_some_and(|id| self.our_iqs.remove(id).is_some());
            if !known {
                self.config.events.record(
                    super::UNSOLICITED_RESULT,
                    Severity::Warning,
                    &format_args!(
                        "iq result {:?} from {} answers no iq of association {}",
                        stanza.id, self.config.peer, self.asso_id
                    ),
                );
                return;
            }
        }
        let received = match self.e2e.receive(&stanza.secpdu, now) {
            Ok(r) => r,
            Err(judged) => {
                // The refused stanza's iq (a HandshakeReq, or a request in a transfer the checks
                // refused) still gets its answer: the reply SecPDU where it rides in the iq
                // result, else a stanza error (RFC 6120 §8.2.3: every iq get/set is answered).
                if matches!(stanza.stanza, StanzaType::IqGet | StanzaType::IqSet) {
                    if let Some(id) = &stanza.id {
                        self.peer_iqs.insert(Asked::Handshake, id.clone());
                    }
                }
                self.refused(judged);
                return;
            }
        };
        match received {
            Received::HandshakeRequest { appl } => {
                if let Some(id) = stanza.id {
                    self.peer_iqs.insert(Asked::Handshake, id);
                }
                if let Some(a) = self.e2e.asso_id() {
                    self.asso_id = a.to_string();
                }
                let user_data = mms_ber(&appl, &self.config.limits).ok();
                if user_data.is_none() {
                    log::info!(
                        "HandshakeReq from {}: applData is not an MMSpdu",
                        self.config.peer
                    );
                }
                self.state = State::AwaitingResponse;
                self.events
                    .push_back(Pending::Indication(Box::new(AssociateIndication {
                        calling: AeTitle::default(),
                        called: AeTitle::default(),
                        calling_tsel: Vec::new(),
                        called_tsel: Vec::new(),
                        calling_ssel: Vec::new(),
                        called_ssel: Vec::new(),
                        calling_psel: Vec::new(),
                        called_psel: Vec::new(),
                        application_context: mms_application_context(),
                        mechanism_name: None,
                        user_data,
                    })));
            }
            Received::Accepted { appl } => {
                self.asso_id = self.e2e.asso_id().unwrap_or_default().to_string();
                self.establish_deadline = None;
                match mms_ber(&appl, &self.config.limits) {
                    Ok(ber) => {
                        self.state = State::Associated;
                        self.events
                            .push_back(Pending::Confirm(Box::new(AssociateConfirm {
                                responding: AeTitle::default(),
                                application_context: mms_application_context(),
                                user_data: Some(ber),
                            })));
                    }
                    Err(e) => {
                        self.abort_with(format!("HandshakeAcc applData: {e}"));
                    }
                }
            }
            Received::ApplicationRejected { appl } => {
                let user_data = appl
                    .as_deref()
                    .and_then(|a| mms_ber(a, &self.config.limits).ok());
                self.close_with(Pending::Refused(Box::new(Refused::Acse {
                    result: AssociateResult::RejectedPermanent,
                    diagnostic: Diagnostic::ServiceUser(ServiceUserDiagnostic::NoReasonGiven),
                    user_data,
                })));
            }
            Received::SecurityRejected { diagnostic } => {
                log::info!(
                    "HandshakeSecReject from {} (diagnostic {diagnostic:?})",
                    self.config.peer
                );
                self.close_with(Pending::Refused(Box::new(Refused::Acse {
                    result: AssociateResult::RejectedPermanent,
                    diagnostic: Diagnostic::ServiceUser(
                        ServiceUserDiagnostic::AuthenticationFailure,
                    ),
                    user_data: None,
                })));
            }
            Received::Data { appl } => self.on_data(&stanza.stanza, stanza.id, &appl),
            Received::ReleaseRequest { .. } => {
                if stanza.stanza != StanzaType::IqSet {
                    self.wrong_stanza(&stanza.stanza, "ReleaseReq");
                    return;
                }
                if let Some(id) = stanza.id {
                    self.peer_iqs.insert(Asked::Release, id);
                }
                self.state = State::ReleaseIndicated;
                self.events.push_back(Pending::ReleaseIndication);
            }
            Received::ReleaseResponse { .. } => {
                self.release_deadline = None;
                self.close_with(Pending::Released);
            }
            Received::Aborted { diagnostic, .. } => {
                log::info!(
                    "association {} aborted by {} (diagnostic {diagnostic:?})",
                    self.asso_id,
                    self.config.peer
                );
                self.close_with(Pending::Aborted(
                    diagnostic.map(|_| AbortDiagnostic::AuthenticationFailure),
                ));
            }
            other => {
                log::info!(
                    "association {}: {other:?} not handled; aborting",
                    self.asso_id
                );
                self.abort_with("an end-to-end outcome this version does not know".into());
            }
        }
    }

    /// A transfer's PDU: checked against the stanza it came in (F-1204), then handed up.
    fn on_data(&mut self, stanza: &StanzaType, id: Option<String>, appl: &[u8]) {
        let ber = match mms_ber(appl, &self.config.limits) {
            Ok(b) => b,
            Err(e) => {
                self.abort_with(format!("applData is not an MMSpdu: {e}"));
                return;
            }
        };
        let role = match classify(&ber) {
            Ok(r) => r,
            Err(e) => {
                self.abort_with(e.to_string());
                return;
            }
        };
        let is_iq_request = matches!(stanza, StanzaType::IqGet | StanzaType::IqSet);
        let verdict = match role {
            PduRole::Request { invoke_id, set } => {
                if is_iq_request {
                    let expected = if set {
                        StanzaType::IqSet
                    } else {
                        StanzaType::IqGet
                    };
                    if *stanza != expected {
                        log::debug!(
                            "request {invoke_id} from {} in iq {stanza:?}, F-1204 says {expected:?}",
                            self.config.peer
                        );
                    }
                    self.remember(Asked::Request(invoke_id), id)
                } else {
                    Verdict::WrongStanza
                }
            }
            PduRole::CancelRequest { invoke_id } if is_iq_request => {
                self.remember(Asked::Cancel(invoke_id), id)
            }
            PduRole::ConcludeRequest if *stanza == StanzaType::IqSet => {
                self.remember(Asked::Conclude, id)
            }
            PduRole::Answer { .. } | PduRole::CancelAnswer { .. } | PduRole::ConcludeAnswer
                if *stanza == StanzaType::IqResult =>
            {
                Verdict::Deliver
            }
            PduRole::Message if *stanza == StanzaType::Message => {
                self.forget_rejected(&ber);
                Verdict::Deliver
            }
            _ => Verdict::WrongStanza,
        };
        match verdict {
            Verdict::Deliver => {}
            Verdict::WrongStanza => {
                self.wrong_stanza(stanza, &format!("{role:?}"));
                return;
            }
            Verdict::Full => return,
        }
        self.events.push_back(Pending::Data(ber));
    }

    /// A RejectPDU of one of our requests (confirmed-requestPDU reason, naming its invokeID)
    /// ends the request as an answer would: its iq awaits nothing any more.
    fn forget_rejected(&mut self, ber: &[u8]) {
        use crate::reject::{RejectPdu, RejectReason};
        if reject_original(ber).is_none() {
            return;
        }
        if let Ok(crate::pdu::MmsPdu::Reject(RejectPdu {
            original_invoke_id: Some(original),
            reason: RejectReason::ConfirmedRequest(_),
        })) = crate::pdu::MmsPdu::decode(ber)
        {
            self.our_iqs.retain(|_, asked| *asked != Some(original));
        }
    }

    /// How many of our iqs await the peer's answer (requests, cancels, the conclude, the
    /// release, the HandshakeReq).
    pub fn awaiting(&self) -> usize {
        self.our_iqs.len()
    }

    /// Keeps the id of a peer's iq for our answer. An iq without id cannot be answered (the
    /// stream layer refuses those first); when the table is full the iq is answered at once
    /// with `resource-constraint` and its request not served.
    fn remember(&mut self, asked: Asked, id: Option<String>) -> Verdict {
        let Some(id) = id else {
            return Verdict::WrongStanza;
        };
        if self.peer_iqs.len() >= MAX_PEER_IQS && !self.peer_iqs.contains_key(&asked) {
            log::warn!(
                "association {} with {}: {MAX_PEER_IQS} of the peer's iqs unanswered; iq {id} \
                 refused (resource-constraint)",
                self.asso_id,
                self.config.peer
            );
            self.out.push_back(Outbound {
                to: self.config.peer.clone(),
                stanza: StanzaType::IqError,
                id,
                payload: RESOURCE_CONSTRAINT.as_bytes().to_vec(),
            });
            return Verdict::Full;
        }
        // A second request with an invokeID still outstanding is the peer's error (the
        // endpoint rejects it): the first keeps its iq id for its answer.
        self.peer_iqs.entry(asked).or_insert(id);
        Verdict::Deliver
    }

    /// A PDU in a stanza F-1204 does not allow for it: the invalid-stanza-type event (F-1201),
    /// and the PDU is not delivered. The association goes on (a recoverable error, F-1205).
    fn wrong_stanza(&mut self, stanza: &StanzaType, what: &str) {
        log::info!(
            "{what} from {} (association {}) in a {stanza:?} stanza; not delivered",
            self.config.peer,
            self.asso_id
        );
        XmppViolation::InvalidStanzaType {
            kind: "MMS PDU",
            stanza: *stanza,
        }
        .record(&self.config.events, *stanza);
    }

    /// Our side cannot go on: ApplAbort to the peer, and the association fails.
    fn abort_with(&mut self, why: String) {
        log::info!(
            "association {} with {}: {why}; aborting",
            self.asso_id,
            self.config.peer
        );
        let abort = self.e2e.abort(None);
        let id = self.new_iq_id();
        self.push(StanzaType::Message, id, &abort);
        self.close_with(Pending::Failed(AssociationError::Protocol(
            "the peer's PDU is not an MMSpdu this association allows",
        )));
    }

    /// The next event (see [`acse::association::Association::poll_event`]).
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>, AssociationError> {
        let Some(p) = self.events.pop_front() else {
            return Ok(None);
        };
        Ok(Some(match p {
            Pending::Indication(i) => Event::AssociateIndication(i),
            Pending::Confirm(c) => Event::Associated(c),
            Pending::Refused(r) => Event::Refused(r),
            Pending::Data(d) => {
                self.current = d;
                Event::Data {
                    context_id: 3,
                    data: &self.current,
                }
            }
            Pending::ReleaseIndication => Event::ReleaseIndication {
                reason: None,
                user_data: None,
            },
            Pending::Released => Event::Released {
                reason: None,
                user_data: None,
            },
            Pending::Aborted(diagnostic) => Event::Aborted {
                source: Some(AbortSource::ServiceUser),
                diagnostic,
                user_data: None,
                provider_reason: None,
            },
            Pending::Disconnected => Event::Disconnected,
            Pending::TimedOut(d) => Event::TimedOut(d),
            Pending::Failed(e) => return Err(e),
        }))
    }

    /// The earliest deadline: establishment, release, the E2E machine's (rekey).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == State::Closed {
            return None;
        }
        acse::timer::earliest(
            acse::timer::earliest(self.establish_deadline, self.release_deadline),
            self.e2e.poll_timeout(),
        )
    }

    /// Runs the deadlines at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Closed {
            return;
        }
        if self.establish_deadline.is_some_and(|d| now >= d) {
            self.establish_deadline = None;
            let abort = self.e2e.abort(None);
            let id = self.new_iq_id();
            self.push(StanzaType::Message, id, &abort);
            self.close_with(Pending::TimedOut(Deadline::Establishment));
            return;
        }
        if self.release_deadline.is_some_and(|d| now >= d) {
            self.release_deadline = None;
            let abort = self.e2e.abort(None);
            let id = self.new_iq_id();
            self.push(StanzaType::Message, id, &abort);
            self.close_with(Pending::TimedOut(Deadline::Release));
            return;
        }
        if let Err(judged) = self.e2e.handle_timeout(now) {
            self.refused(judged);
        }
    }

    /// Our E2E checks refused the peer (or its certificate went bad): the reply the standard
    /// prescribes goes back, and the association fails.
    fn refused(&mut self, judged: Judged) {
        log::info!(
            "association {} with {}: end-to-end security refused: {judged}",
            self.asso_id,
            self.config.peer
        );
        self.send_reply(judged.reply);
        self.close_with(Pending::Failed(AssociationError::Security {
            provider: PROVIDER,
            source: SecurityError::Policy("end-to-end security refused the peer's SecPDU"),
        }));
    }

    fn expect(&self, states: &[State], service: &'static str) -> Result<(), AssociationError> {
        if states.contains(&self.state) {
            Ok(())
        } else {
            Err(AssociationError::State {
                service,
                state: self.state,
            })
        }
    }

    /// Server: accepts with the initiate-ResponsePDU `user_data` (BER) in a HandshakeAcc.
    pub fn accept_association(&mut self, user_data: &[u8]) -> Result<(), AssociationError> {
        self.expect(&[State::AwaitingResponse], "A-ASSOCIATE response")?;
        let xer = mms_xer(user_data).map_err(|e| local(format!("initiate-Response XER: {e}")))?;
        let secpdu = self.e2e.accept(&xer).map_err(security)?;
        self.asso_id = self.e2e.asso_id().unwrap_or_default().to_string();
        let id = self
            .peer_iqs
            .remove(&Asked::Handshake)
            .unwrap_or_else(|| self.new_iq_id());
        self.push(StanzaType::IqResult, id, &secpdu);
        self.establish_deadline = None;
        self.state = State::Associated;
        Ok(())
    }

    /// Server: refuses with `user_data` (an initiate-ErrorPDU, BER) in an ApplicationReject.
    pub fn reject(&mut self, user_data: Option<&[u8]>) -> Result<(), AssociationError> {
        self.expect(&[State::AwaitingResponse], "A-ASSOCIATE response")?;
        let xer = match user_data {
            Some(d) => Some(mms_xer(d).map_err(|e| local(format!("initiate-Error XER: {e}")))?),
            None => None,
        };
        let secpdu = self.e2e.reject(xer.as_deref()).map_err(security)?;
        let id = self
            .peer_iqs
            .remove(&Asked::Handshake)
            .unwrap_or_else(|| self.new_iq_id());
        self.push(StanzaType::IqResult, id, &secpdu);
        self.state = State::Closed;
        Ok(())
    }

    /// Sends one MMSpdu (BER) in a ClearTransfer or EncrTransfer on the stanza F-1204 names.
    pub fn send_data(&mut self, ber: &[u8]) -> Result<(), AssociationError> {
        self.expect(
            &[State::Associated, State::Releasing, State::ReleaseIndicated],
            "P-DATA",
        )?;
        let role = classify(ber).map_err(|e| local(e.to_string()))?;
        let xer = mms_xer(ber).map_err(|e| local(format!("XER: {e}")))?;
        let secpdu = self.e2e.protect(&xer).map_err(security)?;
        let answering = |asked: Asked, link: &mut XmppLink| -> (StanzaType, String) {
            match link.peer_iqs.remove(&asked) {
                Some(id) => (StanzaType::IqResult, id),
                // No iq to answer (the request came some other way): a message.
                None => (StanzaType::Message, link.new_iq_id()),
            }
        };
        let (stanza, id) = match role {
            PduRole::Request { set, invoke_id } => {
                let id = self.new_iq_id();
                self.expect_answer(&id, Some(invoke_id));
                let t = if set {
                    StanzaType::IqSet
                } else {
                    StanzaType::IqGet
                };
                (t, id)
            }
            PduRole::CancelRequest { .. } => {
                let id = self.new_iq_id();
                self.expect_answer(&id, None);
                (StanzaType::IqGet, id)
            }
            PduRole::ConcludeRequest => {
                let id = self.new_iq_id();
                self.expect_answer(&id, None);
                (StanzaType::IqSet, id)
            }
            PduRole::Answer { invoke_id } => answering(Asked::Request(invoke_id), self),
            PduRole::CancelAnswer { invoke_id } => answering(Asked::Cancel(invoke_id), self),
            PduRole::ConcludeAnswer => answering(Asked::Conclude, self),
            PduRole::Message => {
                if let Some(original) = reject_original(ber) {
                    // A RejectPDU answers the peer's request instead of a response; but one
                    // refusing a duplicate invokeID answers the duplicate, and the first
                    // request with that invokeID keeps its iq.
                    if !rejects_a_duplicate(ber) {
                        self.peer_iqs.remove(&Asked::Request(original));
                    }
                }
                (StanzaType::Message, self.new_iq_id())
            }
            PduRole::Initiate => {
                return Err(AssociationError::Protocol(
                    "an initiate PDU is carried by the handshake, not by P-DATA",
                ))
            }
        };
        self.push(stanza, id, &secpdu);
        Ok(())
    }

    /// Starts the release: a ReleaseReq on `iq type='set'`.
    pub fn release(&mut self) -> Result<(), AssociationError> {
        self.expect(&[State::Associated], "A-RELEASE request")?;
        let secpdu = self.e2e.release_request(None).map_err(security)?;
        let id = self.new_iq_id();
        self.expect_answer(&id, None);
        self.push(StanzaType::IqSet, id, &secpdu);
        self.state = State::Releasing;
        self.release_deadline = self.config.release.map(|d| self.config.clock.now() + d);
        Ok(())
    }

    /// Answers the peer's ReleaseReq with a ReleaseRsp (`iq type='result'`); the association
    /// is closed.
    pub fn respond_release(&mut self) -> Result<(), AssociationError> {
        self.expect(&[State::ReleaseIndicated], "A-RELEASE response")?;
        let secpdu = self.e2e.release_response(None).map_err(security)?;
        let id = self
            .peer_iqs
            .remove(&Asked::Release)
            .unwrap_or_else(|| self.new_iq_id());
        self.push(StanzaType::IqResult, id, &secpdu);
        self.state = State::Closed;
        Ok(())
    }

    /// Aborts: an ApplAbort in a message; the association is closed.
    pub fn abort(&mut self) -> Result<(), AssociationError> {
        if self.state == State::Closed {
            return Ok(());
        }
        let secpdu = self.e2e.abort(None);
        let id = self.new_iq_id();
        self.push(StanzaType::Message, id, &secpdu);
        self.state = State::Closed;
        self.peer_iqs.clear();
        self.our_iqs.clear();
        Ok(())
    }
}

/// The original invokeID of a RejectPDU (`rejectPDU [4] { originalInvokeID [0] IMPLICIT
/// Unsigned32 OPTIONAL, ... }`), if it names one.
pub(crate) fn reject_original(ber: &[u8]) -> Option<u32> {
    let mut r = copp::ber::Reader::new(ber);
    let top = r.read().ok()?;
    if top.tag.class != copp::ber::Class::Context || top.tag.number != 4 {
        return None;
    }
    let first = copp::ber::Reader::new(top.contents).read().ok()?;
    if first.tag.class != copp::ber::Class::Context || first.tag.number != 0 {
        return None;
    }
    let mut v: u64 = 0;
    if first.contents.is_empty() || first.contents.len() > 5 {
        return None;
    }
    for &b in first.contents {
        v = (v << 8) | u64::from(b);
    }
    u32::try_from(v).ok()
}

/// The kind of a SecPDU element we wrote (its local name: our XML has no prefixes, XS-13).
fn secpdu_kind(secpdu: &[u8]) -> Option<Kind> {
    let name = secpdu.strip_prefix(b"<")?;
    let end = name
        .iter()
        .position(|b| matches!(b, b' ' | b'>' | b'/'))
        .unwrap_or(name.len());
    Kind::from_xml_name(name.get(..end)?)
}

/// Whether the MMSpdu `ber` is a RejectPDU refusing a request for its duplicate invokeID
/// (confirmed-requestPDU invalid-invokeID, ISO 9506-2 §7.5.2).
fn rejects_a_duplicate(ber: &[u8]) -> bool {
    use crate::reject::{ConfirmedRequestProblem, RejectPdu, RejectReason};
    matches!(
        crate::pdu::MmsPdu::decode(ber),
        Ok(crate::pdu::MmsPdu::Reject(RejectPdu {
            reason: RejectReason::ConfirmedRequest(ConfirmedRequestProblem::InvalidInvokeId),
            ..
        }))
    )
}

fn security(source: SecurityError) -> AssociationError {
    AssociationError::Security {
        provider: PROVIDER,
        source,
    }
}

/// Our own PDU could not be put on the XMPP environment (no XER for it, not an MMSpdu).
fn local(detail: String) -> AssociationError {
    log::info!("PDU not sent over XMPP: {detail}");
    AssociationError::Protocol("the MMS PDU cannot be carried over XMPP (no XER encoding)")
}
