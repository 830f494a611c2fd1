//! The non-blocking client in the XMPP environment (feature `xmpp`): the connection's socket
//! goes to the XMPP server, the stream machine (`cot::xmpp`, through
//! [`crate::xmpp::uplink::Uplink`]) runs on it, and once the stream is online the endpoint is
//! made with an association of the XMPP environment to the server's JID: HandshakeReq,
//! protected transfers and release as stanzas (IEC 62351-4 §16, IEC 61850-8-2).

use std::io;
use std::time::Instant;

use acse::security::Role as SecurityRole;
use cot::pump::{End, Input, Pump};
use mio::net::TcpStream;

use super::{endpoint_config, ClientConfig, CloseReason, Connection, Failure};
use crate::endpoint::Endpoint;
use crate::xmpp::link::LinkConfig;
use crate::xmpp::uplink::{Uplink, UplinkEvent};
use crate::xmpp::{bare_jid, XmppSettings};

/// The route handle of the client's one association.
const HANDLE: u64 = 1;
/// Its iq id prefix.
const PREFIX: &str = "c1";

/// The XMPP side of a client connection.
pub(super) struct ClientUplink {
    uplink: Uplink,
    settings: XmppSettings,
    /// The server's full JID (`name@domain/IEC`).
    peer: String,
    /// The stream ended.
    ended: bool,
}

impl Connection {
    /// Starts an association in the XMPP environment: logs in to the XMPP server of
    /// `settings` as its account, then opens an end-to-end protected MMS association to
    /// `peer` (the server's full JID, `name@domain/IEC`, F-1206). Non-blocking like
    /// [`Connection::connect`]: [`super::ClientEvent::Established`] comes from
    /// [`Connection::drive`].
    pub fn connect_xmpp(
        settings: XmppSettings,
        peer: &str,
        config: ClientConfig,
    ) -> io::Result<Connection> {
        let stream = TcpStream::connect(settings.server)?;
        let now = Instant::now();
        let mut c = Connection::build(stream, Some(settings.server), config)?;
        // The stream's and the XMPP environment's events go where the association's go (the
        // connection's configured events), not to the E2E factory's (which may differ).
        let uplink = Uplink::new(settings.stream.clone(), &c.config.events, now);
        c.pump = Pump::plain();
        c.endpoint_pending = true;
        c.handshake_deadline = Some(now + c.config.connect_timeout);
        c.xmpp = Some(Box::new(ClientUplink {
            uplink,
            settings,
            peer: peer.to_string(),
            ended: false,
        }));
        Ok(c)
    }

    /// The XMPP environment: the peer's full JID, if this connection runs there.
    pub fn xmpp_peer(&self) -> Option<&str> {
        self.xmpp.as_ref().map(|x| x.peer.as_str())
    }

    /// Reads the socket into the stream machine and acts on what it reports.
    pub(super) fn xmpp_read(&mut self) {
        loop {
            let Some(x) = self.xmpp.as_mut() else {
                return;
            };
            match self.pump.read(&mut self.stream, Some(&mut x.uplink)) {
                Input::Blocked => {
                    self.unread = false;
                    self.xmpp_events();
                    return;
                }
                Input::Ended(end) => {
                    if !matches!(end, End::Closed) {
                        log::debug!("XMPP read failed: {end}");
                    }
                    x.uplink.connection_lost();
                    self.xmpp_events();
                    self.peer_eof = true;
                    return;
                }
                _ => self.xmpp_events(),
            }
        }
    }

    /// Acts on the uplink's events.
    pub(super) fn xmpp_events(&mut self) {
        while let Some(event) = self.xmpp.as_mut().and_then(|x| x.uplink.poll_event()) {
            match event {
                UplinkEvent::Online(jid) => self.xmpp_online(&jid),
                UplinkEvent::Deliver { inbound, .. } => {
                    self.endpoint.handle_stanza(inbound);
                }
                UplinkEvent::IqError { id, condition, .. } => {
                    self.endpoint.iq_error(&id, &condition);
                }
                UplinkEvent::PeerGone(_) => self.endpoint.peer_lost(),
                UplinkEvent::Handshake { peer, .. } => {
                    log::info!("XMPP: {peer} tried to open an association to a client; ignored");
                }
                UplinkEvent::Closed(reason) => {
                    log::info!("XMPP stream closed: {reason}");
                    if let Some(x) = self.xmpp.as_mut() {
                        x.ended = true;
                    }
                    if self.endpoint_pending {
                        self.peer_eof = true;
                        let failure = Failure::Xmpp(reason);
                        let err = crate::client::ClientError::Closed(CloseReason::Failed(
                            Box::new(failure.clone()),
                        ));
                        self.fail_all(&err);
                        if self.refusal.is_none() {
                            self.refusal = Some(err);
                        }
                        self.close_all(CloseReason::Failed(Box::new(failure)));
                        return;
                    }
                    self.endpoint.peer_lost();
                    self.peer_eof = true;
                }
            }
        }
        if !self.endpoint_pending {
            self.process();
        }
    }

    /// The stream is online: the association starts.
    fn xmpp_online(&mut self, jid: &str) {
        let Some(x) = self.xmpp.as_mut() else {
            return;
        };
        log::debug!(
            "XMPP: online as {jid}; opening an association to {}",
            x.peer
        );
        let e2e = x.settings.e2e.xmpp_association(
            SecurityRole::Initiator,
            bare_jid(jid),
            bare_jid(&x.peer),
        );
        let now = Instant::now();
        let left = self
            .handshake_deadline
            .take()
            .map(|d| d.saturating_duration_since(now));
        let config = endpoint_config(&self.config, left);
        let link = LinkConfig {
            peer: x.peer.clone(),
            id_prefix: PREFIX.to_string(),
            limits: crate::xer::XerLimits::default(),
            establish: config.association.timeouts.establish,
            release: config.association.timeouts.release,
            clock: config.association.timeouts.clock.clone(),
            events: self.config.events.clone(),
        };
        match Endpoint::connect_xmpp(config, link, e2e) {
            Ok(endpoint) => {
                let asso_id = endpoint
                    .xmpp_link()
                    .map(|l| l.asso_id().to_string())
                    .unwrap_or_default();
                x.uplink.add_route(&x.peer, &asso_id, PREFIX, HANDLE);
                self.endpoint = endpoint;
                self.endpoint_pending = false;
            }
            Err(e) => {
                log::info!("XMPP association not started: {e}");
                self.peer_eof = true;
                self.close_all(CloseReason::Failed(Box::new(Failure::Association(e))));
            }
        }
    }

    /// Moves the endpoint's stanzas into the stream and writes; closes the stream once the
    /// association is over.
    pub(super) fn xmpp_flush(&mut self) {
        let Some(x) = self.xmpp.as_mut() else {
            return;
        };
        if !self.endpoint_pending {
            while let Some(out) = self.endpoint.poll_stanza() {
                x.uplink.send(&out);
            }
            if let Some(link) = self.endpoint.xmpp_link() {
                x.uplink.rename_route(HANDLE, link.asso_id());
            }
            if self.endpoint.is_closed() && !x.ended {
                x.ended = true;
                x.uplink.close();
            }
        }
        if let Err(end) = self.pump.flush(&mut self.stream, Some(&mut x.uplink)) {
            log::debug!("XMPP write failed: {end}");
            self.peer_eof = true;
        }
    }

    /// The stream machine's next deadline (pings, establishment).
    pub(super) fn xmpp_timeout(&self) -> Option<Instant> {
        self.xmpp.as_ref().and_then(|x| x.uplink.poll_timeout())
    }

    /// Runs the stream machine's timers.
    pub(super) fn xmpp_timers(&mut self, now: Instant) {
        let Some(x) = self.xmpp.as_mut() else {
            return;
        };
        if x.uplink.poll_timeout().is_some_and(|t| now >= t) {
            x.uplink.handle_timeout(now);
            self.xmpp_events();
        }
    }
}
