//! The server's XMPP uplink (feature `xmpp`): loop 0 logs in to the configured XMPP server as a
//! client and serves the associations peers open through it (IEC 62351-4 §16,
//! IEC 61850-8-2). Each such association is a connection of the loop without a socket of its
//! own (`Conn::stream` is `None`): its stanzas come from the uplink's routing and go back
//! through [`EventLoop::flush`], and everything else (the handler, the policy, the timers,
//! [`super::ServerHandle`]'s commands) is what a TCP association gets.
//!
//! When the stream is lost, every association on it is lost too (F-1206) and the loop
//! reconnects with back-off.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Instant;

use acse::security::Role as SecurityRole;
use cot::pump::{End, Input, Pump};
use mio::net::TcpStream;
use mio::{Interest, Token};

use super::{Conn, ConnKind, EventLoop, Stats, EVENTS_PER_TURN, FIRST_CONNECTION};
use crate::endpoint::Endpoint;
use crate::xmpp::link::LinkConfig;
use crate::xmpp::uplink::{Uplink, UplinkEvent};
use crate::xmpp::{bare_jid, XmppSettings};

/// The uplink socket's token (just below the connections, above every listener).
pub(super) const XMPP_TOKEN: Token = Token(FIRST_CONNECTION - 1);

/// Reads of the uplink socket per turn, at most (its stanzas serve many associations; other
/// connections get their turn between).
const UPLINK_READS: usize = 8;

/// The loop's XMPP side.
pub(super) struct XmppSide {
    settings: XmppSettings,
    uplink: Option<Uplink>,
    socket: Option<TcpStream>,
    pump: Pump,
    /// When to connect again (the stream lost, or never made).
    reconnect_at: Option<Instant>,
    backoff: cot::xmpp::Backoff,
    /// The associations on the uplink, by token.
    tokens: HashSet<Token>,
}

impl XmppSide {
    pub(super) fn new(settings: XmppSettings) -> XmppSide {
        let (min, max) = settings.reconnect;
        XmppSide {
            settings,
            uplink: None,
            socket: None,
            pump: Pump::plain(),
            reconnect_at: Some(Instant::now()),
            backoff: cot::xmpp::Backoff::new(min, max),
            tokens: HashSet::new(),
        }
    }

    /// When the loop must call [`EventLoop::xmpp_timers`].
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        acse::timer::earliest(
            self.reconnect_at,
            self.uplink.as_ref().and_then(Uplink::poll_timeout),
        )
    }
}

impl EventLoop {
    /// Connects the uplink socket and starts the stream; on failure, tries again later.
    fn xmpp_connect(&mut self, now: Instant) {
        let Some(side) = self.xmpp.as_mut() else {
            return;
        };
        side.reconnect_at = None;
        let addr = side.settings.server;
        let started = TcpStream::connect(addr).and_then(|mut s| {
            self.poll.registry().register(
                &mut s,
                XMPP_TOKEN,
                Interest::READABLE | Interest::WRITABLE,
            )?;
            Ok(s)
        });
        match started {
            Ok(socket) => {
                // The stream's and the XMPP environment's events are the server's
                // (`ServerConfig::events`, where its associations record), not the E2E
                // factory's (which may be another Arc).
                let uplink = Uplink::new(side.settings.stream.clone(), &self.config.events, now);
                log::info!("XMPP: connecting to {addr}");
                side.socket = Some(socket);
                side.uplink = Some(uplink);
                side.pump = Pump::plain();
            }
            Err(e) => {
                let wait = side.backoff.next_delay();
                log::warn!("XMPP: cannot connect to {addr} ({e}); again in {wait:?}");
                side.reconnect_at = Some(now + wait);
            }
        }
    }

    /// The uplink socket is ready: read what it has, act on the stanzas, write what is due.
    pub(super) fn xmpp_ready(&mut self) {
        for _ in 0..UPLINK_READS {
            let Some(side) = self.xmpp.as_mut() else {
                return;
            };
            let (Some(socket), Some(uplink)) = (side.socket.as_mut(), side.uplink.as_mut()) else {
                return;
            };
            let input = side.pump.read(socket, Some(uplink));
            let more = match input {
                Input::Blocked => false,
                Input::Ended(end) => {
                    if !matches!(end, End::Closed) {
                        log::info!("XMPP: connection failed: {end}");
                    }
                    uplink.connection_lost();
                    false
                }
                _ => true,
            };
            self.xmpp_process();
            if !more {
                break;
            }
        }
        self.xmpp_write();
    }

    /// Writes what the uplink has to send.
    fn xmpp_write(&mut self) {
        let Some(side) = self.xmpp.as_mut() else {
            return;
        };
        let (Some(socket), Some(uplink)) = (side.socket.as_mut(), side.uplink.as_mut()) else {
            return;
        };
        if let Err(end) = side.pump.flush(socket, Some(uplink)) {
            log::info!("XMPP: write failed: {end}");
            uplink.connection_lost();
        }
    }

    /// Acts on every uplink event.
    fn xmpp_process(&mut self) {
        loop {
            let event = match self
                .xmpp
                .as_mut()
                .and_then(|s| s.uplink.as_mut())
                .and_then(Uplink::poll_event)
            {
                Some(e) => e,
                None => return,
            };
            match event {
                UplinkEvent::Online(jid) => {
                    log::info!("XMPP: online as {jid}");
                    if let Some(side) = self.xmpp.as_mut() {
                        side.backoff.reset();
                    }
                }
                UplinkEvent::Deliver { handle, inbound } => {
                    self.xmpp_with(handle, |e| e.handle_stanza(inbound));
                }
                UplinkEvent::IqError {
                    handle,
                    id,
                    condition,
                } => self.xmpp_with(handle, |e| e.iq_error(&id, &condition)),
                UplinkEvent::PeerGone(handles) => {
                    for h in handles {
                        self.xmpp_with(h, Endpoint::peer_lost);
                    }
                }
                UplinkEvent::Handshake {
                    peer,
                    asso_id,
                    inbound,
                } => self.xmpp_accept(peer, asso_id, inbound),
                UplinkEvent::Closed(reason) => {
                    self.xmpp_lost(&reason);
                    return;
                }
            }
        }
    }

    /// Runs `f` on the endpoint of the association with route handle `handle`, then serves it.
    fn xmpp_with(&mut self, handle: u64, f: impl FnOnce(&mut Endpoint)) {
        let token = Token(usize::try_from(handle).unwrap_or(usize::MAX));
        let Some(mut conn) = self.conns.remove(&token) else {
            return;
        };
        if let ConnKind::Mms(e) = &mut conn.kind {
            f(e);
        }
        conn.budget = EVENTS_PER_TURN;
        self.process(&mut conn);
        self.flush(&mut conn);
        self.finish(token, conn);
    }

    /// A HandshakeReq on a new assoID: a new association (within the server's limit).
    fn xmpp_accept(&mut self, peer: String, asso_id: String, inbound: crate::xmpp::link::Inbound) {
        let over = self
            .shared
            .active
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.config.max_associations).then_some(n + 1)
            })
            .is_err();
        if over {
            Stats::bump(&self.shared.stats.refused);
            log::warn!("association limit reached; XMPP handshake from {peer} refused");
            if let (Some(u), Some(id)) = (
                self.xmpp.as_mut().and_then(|s| s.uplink.as_mut()),
                inbound.id.as_deref(),
            ) {
                u.refuse_iq(&peer, id, "wait", "resource-constraint");
                self.xmpp_write();
            }
            return;
        }
        // A HandshakeReq reusing the part of one of the peer's live associations (F-1206 makes
        // each part locally unique for the JID pair): `conflict`, before any signature work.
        let mut conflict = false;
        if let Some(u) = self.xmpp.as_mut().and_then(|s| s.uplink.as_mut()) {
            if !u.is_free(&peer, &asso_id) {
                log::info!("XMPP: HandshakeReq from {peer} reuses live assoID part {asso_id}");
                if let Some(id) = inbound.id.as_deref() {
                    u.refuse_iq(&peer, id, "cancel", "conflict");
                }
                conflict = true;
            }
        }
        if conflict {
            self.xmpp_write();
            self.shared.active.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        let Some(side) = self.xmpp.as_mut() else {
            self.shared.active.fetch_sub(1, Ordering::SeqCst);
            return;
        };
        let Some(our_jid) = side
            .uplink
            .as_ref()
            .and_then(|u| u.bare_jid().map(str::to_string))
        else {
            self.shared.active.fetch_sub(1, Ordering::SeqCst);
            return;
        };
        Stats::bump(&self.shared.stats.accepted);
        let token = Token(self.next_token);
        self.next_token = self.next_token.wrapping_add(1).max(FIRST_CONNECTION);
        let handle = token.0 as u64;
        let prefix = format!("s{handle}");
        let e2e =
            side.settings
                .e2e
                .xmpp_association(SecurityRole::Responder, &our_jid, bare_jid(&peer));
        let mut endpoint_config = self.endpoint_config(None);
        endpoint_config.association.timeouts.idle = self.config.idle_timeout;
        let link = LinkConfig {
            peer: peer.clone(),
            id_prefix: prefix.clone(),
            limits: crate::xer::XerLimits::default(),
            establish: Some(self.config.connect_timeout),
            release: endpoint_config.association.timeouts.release,
            clock: endpoint_config.association.timeouts.clock.clone(),
            events: self.config.events.clone(),
        };
        let iq_id = inbound.id.clone();
        let endpoint = Endpoint::accept_xmpp(endpoint_config, link, e2e, inbound, &asso_id);
        let mut routed = false;
        if let Some(u) = self.xmpp.as_mut().and_then(|s| s.uplink.as_mut()) {
            routed = u.add_route(&peer, &asso_id, &prefix, handle);
            if !routed {
                // The routing table is full (a conflict was answered above): the HandshakeReq's
                // iq still gets its answer (RFC 6120 §8.2.3).
                log::info!("XMPP: association {asso_id} from {peer} not routed (table full)");
                if let Some(id) = iq_id.as_deref() {
                    u.refuse_iq(&peer, id, "wait", "resource-constraint");
                }
            }
        }
        if !routed {
            self.xmpp_write();
            self.shared.active.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        if let Some(side) = self.xmpp.as_mut() {
            side.tokens.insert(token);
        }
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        log::debug!("association {id}: XMPP handshake from {peer} ({asso_id})");
        let mut conn = Conn {
            stream: None,
            peer: None,
            kind: ConnKind::Mms(Box::new(endpoint)),
            id,
            info: None,
            cancelled: Default::default(),
            deadline: None,
            peer_eof: false,
            want_read: false,
            more_events: false,
            budget: EVENTS_PER_TURN,
            in_ready: false,
            pump: Pump::plain(),
            scheduled: None,
            peer_side: None,
            xmpp_peer: Some(peer),
            xmpp_route: Some(handle),
        };
        self.process(&mut conn);
        self.flush(&mut conn);
        self.finish(token, conn);
    }

    /// Moves an XMPP association's stanzas to the uplink and writes them.
    pub(super) fn xmpp_flush(&mut self, conn: &mut Conn) {
        let ConnKind::Mms(e) = &mut conn.kind else {
            return;
        };
        let Some(uplink) = self.xmpp.as_mut().and_then(|s| s.uplink.as_mut()) else {
            return;
        };
        let mut sent = false;
        while let Some(out) = e.poll_stanza() {
            uplink.send(&out);
            sent = true;
        }
        if let (Some(link), Some(handle)) = (e.xmpp_link(), conn.xmpp_route) {
            // The handshake completed the assoID: route the peer's next stanzas by it.
            uplink.rename_route(handle, link.asso_id());
        }
        if sent {
            self.xmpp_write();
        }
    }

    /// An XMPP association closed: its route goes.
    pub(super) fn xmpp_closed(&mut self, conn: &Conn) {
        if let (Some(side), Some(handle)) = (self.xmpp.as_mut(), conn.xmpp_route) {
            side.tokens
                .remove(&Token(usize::try_from(handle).unwrap_or(usize::MAX)));
            if let Some(u) = side.uplink.as_mut() {
                u.remove_route(handle);
            }
        }
    }

    /// The stream is gone: every association on it is lost (F-1206); reconnect later.
    fn xmpp_lost(&mut self, reason: &str) {
        let now = Instant::now();
        let Some(side) = self.xmpp.as_mut() else {
            return;
        };
        let wait = side.backoff.next_delay();
        log::warn!("XMPP: stream closed ({reason}); reconnecting in {wait:?}");
        if let Some(mut s) = side.socket.take() {
            let _ = self.poll.registry().deregister(&mut s);
        }
        side.uplink = None;
        side.reconnect_at = Some(now + wait);
        let tokens: Vec<Token> = side.tokens.drain().collect();
        for token in tokens {
            if let Some(mut conn) = self.conns.remove(&token) {
                if let ConnKind::Mms(e) = &mut conn.kind {
                    e.peer_lost();
                }
                conn.budget = EVENTS_PER_TURN;
                self.process(&mut conn);
                conn.peer_eof = true;
                self.finish(token, conn);
            }
        }
    }

    /// The uplink's timers: reconnecting, the stream's pings.
    pub(super) fn xmpp_timers(&mut self, now: Instant) {
        let Some(side) = self.xmpp.as_mut() else {
            return;
        };
        if side.reconnect_at.is_some_and(|t| now >= t) {
            self.xmpp_connect(now);
            self.xmpp_write();
            return;
        }
        if let Some(u) = side.uplink.as_mut() {
            if u.poll_timeout().is_some_and(|t| now >= t) {
                u.handle_timeout(now);
                self.xmpp_process();
                self.xmpp_write();
            }
        }
    }

    /// Shutdown: the stream is closed.
    pub(super) fn xmpp_shutdown(&mut self) {
        if let Some(side) = self.xmpp.as_mut() {
            side.reconnect_at = None;
            if let Some(u) = side.uplink.as_mut() {
                u.close();
            }
        }
        self.xmpp_write();
    }
}
