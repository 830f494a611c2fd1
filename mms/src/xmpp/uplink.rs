//! One XMPP client stream carrying many MMS associations, sans-IO: the stream machine
//! (`cot::xmpp`) plus the routing of stanzas to associations by (peer JID, assoID) (F-1206),
//! the ENV_4 envelope checks (F-1201) and the stanza errors F-1205 prescribes for what no
//! association can take.
//!
//! The socket belongs to the runtime (the server's event loop, the client's connection); it
//! moves octets with `cot::pump::Pump` through this type's [`cot::pump::Machine`] interface.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use acse::security::SecurityEvents;

use acse::security::Severity;
use cot::xmpp::{IqType, Stanza, StanzaKind, XmppConfig, XmppEvent, XmppStream};
use e2e_sec::pdu::Kind;
use e2e_sec::xmpp::{StanzaType, XmppViolation};

use super::link::{Inbound, Outbound};

/// The size of the receive buffer octets are read into before they go to the stream machine.
const RECV_CHUNK: usize = 16 * 1024;

/// Most associations routed on one stream (each is a bounded amount of state).
pub const MAX_ROUTES: usize = 100_000;

/// What the uplink reports to its runtime.
#[derive(Debug)]
pub enum UplinkEvent {
    /// The stream is up: bound to this full JID.
    Online(String),
    /// A stanza for the association the runtime knows by `handle`.
    Deliver {
        /// The association.
        handle: u64,
        /// The stanza.
        inbound: Inbound,
    },
    /// A HandshakeReq from a peer on an assoID with no association: the runtime makes a
    /// responder ([`super::link::XmppLink::accept`]) and [`Uplink::add_route`]s it.
    Handshake {
        /// The peer's full JID.
        peer: String,
        /// The client's part of the assoID, from the envelope.
        asso_id: String,
        /// The stanza.
        inbound: Inbound,
    },
    /// An iq error came back for one of an association's iqs (the peer unreachable, or its
    /// XMPP layer refused the stanza).
    IqError {
        /// The association.
        handle: u64,
        /// The iq's id.
        id: String,
        /// The stanza error's condition.
        condition: String,
    },
    /// The peer went away (unavailable presence, F-1206): these associations are lost.
    PeerGone(Vec<u64>),
    /// The stream ended; every association on it is lost (F-1206). The runtime reconnects.
    Closed(String),
}

/// A route: who an association talks to, under which assoID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RouteKey {
    peer: String,
    asso_id: String,
}

impl RouteKey {
    /// The same peer with the initiator's part of the assoID (all of it before a `:`).
    fn first(&self) -> RouteKey {
        let first = self
            .asso_id
            .split_once(':')
            .map_or(self.asso_id.as_str(), |(a, _)| a);
        RouteKey {
            peer: self.peer.clone(),
            asso_id: first.to_string(),
        }
    }
}

/// A stanza error the router decided on (F-1205), for the stream to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StanzaErrorOut {
    /// Whom it goes to (the sender of the refused stanza).
    pub to: String,
    /// The id of the refused iq.
    pub id: String,
    /// The error type (`modify`, `cancel`).
    pub error_type: &'static str,
    /// The defined condition (`bad-request`, `item-not-found`).
    pub condition: &'static str,
}

/// The routing of one stream's stanzas to associations, without the stream: the tables
/// (peer JID, assoID) → handle, handle → route, iq id prefix → handle, and what routing
/// decided (events for the runtime, stanza errors to send). [`Uplink`] runs one; it is public
/// so that it can be driven with parsed stanzas alone (tests, fuzzing).
#[derive(Debug)]
pub struct Router {
    routes: HashMap<RouteKey, u64>,
    /// handle → (key, iq id prefix).
    by_handle: HashMap<u64, (RouteKey, String)>,
    prefixes: HashMap<String, u64>,
    /// (peer JID, the initiator's part of the assoID) → handle: where the SecPDUs that end the
    /// handshake go, as they may not carry the assoID the route has (see `route`). F-1206
    /// makes each part locally unique per JID pair, so the part names one live association.
    /// All of a router's associations have one role (a server's stream only accepts, a
    /// client's stream carries its one association), so the parts here all come from one
    /// generator.
    firsts: HashMap<RouteKey, u64>,
    events: VecDeque<UplinkEvent>,
    errors: VecDeque<StanzaErrorOut>,
    /// Where the XMPP-environment events (F-1201) are recorded.
    security_events: Arc<SecurityEvents>,
}

impl Router {
    /// An empty router recording its security events in `events`.
    pub fn new(events: Arc<SecurityEvents>) -> Router {
        Router {
            routes: HashMap::new(),
            by_handle: HashMap::new(),
            prefixes: HashMap::new(),
            firsts: HashMap::new(),
            events: VecDeque::new(),
            errors: VecDeque::new(),
            security_events: events,
        }
    }

    /// How many associations are routed.
    pub fn routes(&self) -> usize {
        self.by_handle.len()
    }

    /// The sizes of the four tables (routes, handles, prefixes, initiator parts): equal when
    /// consistent.
    pub fn table_sizes(&self) -> (usize, usize, usize, usize) {
        (
            self.routes.len(),
            self.by_handle.len(),
            self.prefixes.len(),
            self.firsts.len(),
        )
    }

    /// The peers of the routed associations (each once).
    pub fn peers(&self) -> Vec<String> {
        let set: HashSet<&str> = self
            .by_handle
            .values()
            .map(|(k, _)| k.peer.as_str())
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// Routes stanzas from `peer` under `asso_id` (and the server's errors for iq ids
    /// beginning with `prefix`) to `handle`. False when the table is full, or the route, the
    /// handle or the prefix is taken.
    pub fn add_route(&mut self, peer: &str, asso_id: &str, prefix: &str, handle: u64) -> bool {
        if self.by_handle.len() >= MAX_ROUTES
            || self.by_handle.contains_key(&handle)
            || self.prefixes.contains_key(prefix)
        {
            return false;
        }
        let key = RouteKey {
            peer: peer.to_string(),
            asso_id: asso_id.to_string(),
        };
        let first = key.first();
        if self.routes.contains_key(&key) || self.firsts.contains_key(&first) {
            return false;
        }
        self.firsts.insert(first, handle);
        self.routes.insert(key.clone(), handle);
        self.prefixes.insert(prefix.to_string(), handle);
        self.by_handle.insert(handle, (key, prefix.to_string()));
        true
    }

    /// Whether `asso_id` is free for `peer`: no association has it, nor its initiator's part.
    pub fn is_free(&self, peer: &str, asso_id: &str) -> bool {
        let key = RouteKey {
            peer: peer.to_string(),
            asso_id: asso_id.to_string(),
        };
        !self.routes.contains_key(&key) && !self.firsts.contains_key(&key.first())
    }

    /// The association's assoID changed (the handshake completed it, `client:server`). False
    /// (and nothing changed) when the handle is unknown or another association of the same
    /// peer already has that assoID.
    pub fn rename_route(&mut self, handle: u64, asso_id: &str) -> bool {
        let Some((key, _)) = self.by_handle.get_mut(&handle) else {
            return false;
        };
        if key.asso_id == asso_id {
            return true;
        }
        let new_key = RouteKey {
            peer: key.peer.clone(),
            asso_id: asso_id.to_string(),
        };
        let (old_first, new_first) = (key.first(), new_key.first());
        if self.routes.contains_key(&new_key)
            || (new_first != old_first && self.firsts.contains_key(&new_first))
        {
            return false;
        }
        self.routes.remove(key);
        self.firsts.remove(&old_first);
        *key = new_key.clone();
        self.routes.insert(new_key, handle);
        self.firsts.insert(new_first, handle);
        true
    }

    /// The association is gone.
    pub fn remove_route(&mut self, handle: u64) {
        if let Some((key, prefix)) = self.by_handle.remove(&handle) {
            self.firsts.remove(&key.first());
            self.routes.remove(&key);
            self.prefixes.remove(&prefix);
        }
    }

    /// The next routing decision for the runtime.
    pub fn poll_event(&mut self) -> Option<UplinkEvent> {
        self.events.pop_front()
    }

    /// The next stanza error to send.
    pub fn poll_error(&mut self) -> Option<StanzaErrorOut> {
        self.errors.pop_front()
    }

    /// Routes one received stanza: to its association, to the runtime as a new handshake, or
    /// refused with the error F-1205 prescribes (queued for [`Router::poll_error`]).
    pub fn route(&mut self, s: Stanza) {
        let from = s.from.clone().unwrap_or_default();
        let stanza_type = match &s.kind {
            StanzaKind::Presence(t) => {
                if t.as_deref() == Some("unavailable") {
                    let mut gone: Vec<u64> = self
                        .by_handle
                        .iter()
                        .filter(|(_, (k, _))| k.peer == from || super::bare_jid(&k.peer) == from)
                        .map(|(h, _)| *h)
                        .collect();
                    gone.sort_unstable();
                    if !gone.is_empty() {
                        self.events.push_back(UplinkEvent::PeerGone(gone));
                    }
                }
                return;
            }
            StanzaKind::Iq(IqType::Get) => StanzaType::IqGet,
            StanzaKind::Iq(IqType::Set) => StanzaType::IqSet,
            StanzaKind::Iq(IqType::Result) => StanzaType::IqResult,
            StanzaKind::Iq(IqType::Error) => {
                let id = s.id.clone().unwrap_or_default();
                let handle = id
                    .rsplit_once('-')
                    .and_then(|(prefix, _)| self.prefixes.get(prefix).copied());
                let condition = s.error.as_ref().map_or_else(
                    || "undefined-condition".to_string(),
                    |e| e.condition.clone(),
                );
                // Only the association's peer or its server (answering for it with the peer's
                // JID or its own domain as the sender) can end it with an iq error: anybody
                // else who guessed an id is ignored.
                let from_peer = handle.is_some_and(|h| {
                    self.by_handle.get(&h).is_some_and(|(k, _)| {
                        let peer = super::bare_jid(&k.peer);
                        let domain = peer.split_once('@').map_or(peer, |(_, d)| d);
                        super::bare_jid(&from) == peer || from == domain
                    })
                });
                match handle {
                    Some(handle) if from_peer => self.events.push_back(UplinkEvent::IqError {
                        handle,
                        id,
                        condition,
                    }),
                    Some(_) => {
                        log::info!("iq error {id} from {from}, not the association's peer: ignored")
                    }
                    None => log::debug!("iq error {id} from {from} for no association"),
                }
                return;
            }
            StanzaKind::Message(t) if t == "error" => {
                log::debug!("message error from {from}");
                return;
            }
            StanzaKind::Message(_) => StanzaType::Message,
        };
        let is_iq_request = matches!(stanza_type, StanzaType::IqGet | StanzaType::IqSet);
        let Some(payload) = s.payload else {
            // F-1201: iq missing / message missing its environment element.
            XmppViolation::Malformed("a stanza without an environment element")
                .record(&self.security_events, stanza_type);
            if is_iq_request {
                self.stanza_error(&from, s.id.as_deref(), "modify", "bad-request");
            }
            return;
        };
        let envelope = match e2e_sec::xmpp::open_envelope(&payload.bytes) {
            Ok(e) => e,
            Err(violation) => {
                log::info!("{stanza_type:?} from {from}: {violation}");
                violation.record(&self.security_events, stanza_type);
                if is_iq_request {
                    self.stanza_error(&from, s.id.as_deref(), "modify", "bad-request");
                }
                return;
            }
        };
        if let Err(violation) = e2e_sec::xmpp::check_stanza(envelope.kind, stanza_type) {
            log::info!("{stanza_type:?} from {from}: {violation}");
            violation.record(&self.security_events, stanza_type);
            if is_iq_request {
                self.stanza_error(&from, s.id.as_deref(), "modify", "bad-request");
            }
            return;
        }
        let kind = envelope.kind;
        let asso_id = envelope.asso_id.to_string();
        let inbound = Inbound {
            stanza: stanza_type,
            id: s.id.clone(),
            kind,
            secpdu: envelope.secpdu.to_vec(),
        };
        let key = RouteKey {
            peer: from.clone(),
            asso_id: asso_id.clone(),
        };
        if let Some(&handle) = self.routes.get(&key) {
            self.events
                .push_back(UplinkEvent::Deliver { handle, inbound });
            return;
        }
        // The SecPDUs that end the handshake name the association before both ends agreed on
        // its assoID: the answer to our HandshakeReq carries the completed one (`ours:theirs`)
        // while our route still has `ours`; an initiator that refused our HandshakeAcc never
        // took our part, so its HandshakeSecAbort carries only its own. Both find the route by
        // the initiator's part.
        if matches!(
            kind,
            Kind::HandshakeAcc
                | Kind::ApplicationReject
                | Kind::HandshakeSecReject
                | Kind::HandshakeSecAbort
        ) {
            if let Some(&handle) = self.firsts.get(&key.first()) {
                self.events
                    .push_back(UplinkEvent::Deliver { handle, inbound });
                return;
            }
        }
        if kind == Kind::HandshakeReq {
            self.events.push_back(UplinkEvent::Handshake {
                peer: from,
                asso_id,
                inbound,
            });
            return;
        }
        // An unknown assoID (F-1205): item-not-found for an iq request, a security event.
        self.security_events.record(
            super::UNKNOWN_ASSOCIATION,
            Severity::Error,
            &format_args!("{kind:?} from {from} for unknown association {asso_id}"),
        );
        if is_iq_request {
            self.stanza_error(&from, s.id.as_deref(), "cancel", "item-not-found");
        }
    }

    fn stanza_error(
        &mut self,
        to: &str,
        id: Option<&str>,
        error_type: &'static str,
        condition: &'static str,
    ) {
        let Some(id) = id else {
            return;
        };
        self.errors.push_back(StanzaErrorOut {
            to: to.to_string(),
            id: id.to_string(),
            error_type,
            condition,
        });
    }
}

/// One XMPP stream and the associations on it.
pub struct Uplink {
    stream: XmppStream,
    recv: Vec<u8>,
    router: Router,
    online: Option<String>,
    /// Peers we sent directed presence to (so their server tells us when they go, RFC 6121
    /// §4.6): sent once per peer.
    presence_sent: HashSet<String>,
}

impl std::fmt::Debug for Uplink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uplink")
            .field("online", &self.online)
            .field("routes", &self.router.routes())
            .finish()
    }
}

impl Uplink {
    /// Starts a client stream (the runtime connects the socket to the XMPP server).
    /// `events` receives the TLS events of the stream and the XMPP-environment events.
    pub fn new(config: XmppConfig, events: &Arc<SecurityEvents>, now: Instant) -> Uplink {
        Uplink {
            stream: XmppStream::with_events(config, now, events.clone()),
            recv: vec![0; RECV_CHUNK],
            router: Router::new(events.clone()),
            online: None,
            presence_sent: HashSet::new(),
        }
    }

    /// The full JID the stream is bound to, once online.
    pub fn jid(&self) -> Option<&str> {
        self.online.as_deref()
    }

    /// The bare form of our JID, once online.
    pub fn bare_jid(&self) -> Option<&str> {
        self.online
            .as_deref()
            .map(|j| j.split_once('/').map_or(j, |(bare, _)| bare))
    }

    /// How many associations are routed.
    pub fn routes(&self) -> usize {
        self.router.routes()
    }

    /// Routes stanzas from `peer` under `asso_id` (and the server's errors for iq ids
    /// beginning with `prefix`) to `handle`. False when the table is full, or the route, the
    /// handle or the prefix is taken ([`Router::add_route`]).
    pub fn add_route(&mut self, peer: &str, asso_id: &str, prefix: &str, handle: u64) -> bool {
        if !self.router.add_route(peer, asso_id, prefix, handle) {
            return false;
        }
        if self.online.is_some() && self.presence_sent.insert(peer.to_string()) {
            // Directed presence: the peer's server tells us when the peer goes (F-1206).
            let _ = self.stream.send_presence(Some(peer), None);
        }
        true
    }

    /// Whether `asso_id` is free for `peer`.
    pub fn is_free(&self, peer: &str, asso_id: &str) -> bool {
        self.router.is_free(peer, asso_id)
    }

    /// The association's assoID changed (the handshake completed it, `client:server`); false
    /// when another association of the peer has it ([`Router::rename_route`]).
    pub fn rename_route(&mut self, handle: u64, asso_id: &str) -> bool {
        self.router.rename_route(handle, asso_id)
    }

    /// The association is gone.
    pub fn remove_route(&mut self, handle: u64) {
        self.router.remove_route(handle);
    }

    /// Sends one association's stanza.
    pub fn send(&mut self, out: &Outbound) {
        let r = match out.stanza {
            StanzaType::IqGet => self
                .stream
                .send_iq(&out.to, IqType::Get, &out.id, &out.payload),
            StanzaType::IqSet => self
                .stream
                .send_iq(&out.to, IqType::Set, &out.id, &out.payload),
            StanzaType::IqResult => {
                self.stream
                    .send_iq(&out.to, IqType::Result, &out.id, &out.payload)
            }
            StanzaType::IqError => {
                self.stream
                    .send_iq(&out.to, IqType::Error, &out.id, &out.payload)
            }
            StanzaType::Message => self.stream.send_message(&out.to, "normal", &out.payload),
        };
        if let Err(e) = r {
            log::debug!("stanza to {} not sent: {e}", out.to);
        }
    }

    /// Answers the peer's iq `id` with a stanza error (RFC 6120 §8.3): e.g. `wait` /
    /// `resource-constraint` when no association can be taken on.
    pub fn refuse_iq(&mut self, to: &str, id: &str, error_type: &str, condition: &str) {
        let kind = StanzaKind::Iq(IqType::Set);
        if let Err(e) = self
            .stream
            .send_stanza_error(to, id, &kind, error_type, condition, None)
        {
            log::debug!("stanza error to {to} not sent: {e}");
        }
    }

    /// Closes the stream (`</stream:stream>`).
    pub fn close(&mut self) {
        self.stream.close();
    }

    /// The socket was closed (or failed), possibly in the middle of a stanza.
    pub fn connection_lost(&mut self) {
        self.stream.connection_lost();
    }

    /// When [`Uplink::handle_timeout`] next needs to run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.stream.poll_timeout()
    }

    /// Runs the stream's timers (pings, establishment).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.stream.handle_timeout(now);
    }

    /// True once the stream has ended.
    pub fn is_closed(&self) -> bool {
        self.stream.is_closed()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<UplinkEvent> {
        loop {
            if let Some(e) = self.router.poll_event() {
                return Some(e);
            }
            match self.stream.poll_event()? {
                XmppEvent::Online { jid } => {
                    let jid = jid.to_string();
                    self.online = Some(jid.clone());
                    // Available presence to the server, then directed presence to the peers
                    // routes were made for before we were online.
                    let _ = self.stream.send_presence(None, None);
                    for p in self.router.peers() {
                        if self.presence_sent.insert(p.clone()) {
                            let _ = self.stream.send_presence(Some(&p), None);
                        }
                    }
                    return Some(UplinkEvent::Online(jid));
                }
                XmppEvent::Stanza(s) => {
                    self.router.route(s);
                    while let Some(e) = self.router.poll_error() {
                        let kind = StanzaKind::Iq(IqType::Get);
                        if let Err(err) = self.stream.send_stanza_error(
                            &e.to,
                            &e.id,
                            &kind,
                            e.error_type,
                            e.condition,
                            None,
                        ) {
                            log::debug!("stanza error to {} not sent: {err}", e.to);
                        }
                    }
                }
                XmppEvent::Closed(reason) => {
                    self.online = None;
                    self.presence_sent.clear();
                    return Some(UplinkEvent::Closed(format!("{reason:?}")));
                }
                XmppEvent::Refused { from, iq_type, why } => {
                    // Answered (or dropped) by the stream already; counted here like the
                    // other malformed stanzas (F-1201).
                    log::info!("malformed iq from {from:?}: {why}");
                    let stanza = match iq_type.as_deref() {
                        Some("set") => StanzaType::IqSet,
                        Some("result") => StanzaType::IqResult,
                        Some("error") => StanzaType::IqError,
                        _ => StanzaType::IqGet,
                    };
                    XmppViolation::Malformed(why).record(&self.router.security_events, stanza);
                }
                _ => {}
            }
        }
    }
}

/// The uplink's byte interface, for [`cot::pump::Pump`].
impl cot::pump::Machine for Uplink {
    fn recv_buffer(&mut self) -> &mut [u8] {
        if self.recv.len() < RECV_CHUNK {
            self.recv.resize(RECV_CHUNK, 0);
        }
        &mut self.recv
    }
    fn recv_commit(&mut self, n: usize) {
        let n = n.min(self.recv.len());
        let (data, _) = self.recv.split_at(n);
        self.stream.feed(data);
    }
    fn transmit(&self) -> &[u8] {
        self.stream.transmit()
    }
    fn advance_transmit(&mut self, n: usize) {
        self.stream.advance_transmit(n)
    }
    fn recv_release(&mut self) {
        if self.recv.capacity() > RECV_CHUNK {
            self.recv = vec![0; RECV_CHUNK];
        }
    }
}
