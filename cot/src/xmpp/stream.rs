//! [`XmppStream`]: the RFC 6120 client-to-server stream as a sans-IO state machine.
//!
//! Negotiation (RFC 6120 §4–§7, §9.1): stream header → features → STARTTLS (§5.4.2, required:
//! a server that does not offer it is refused) → TLS handshake through a
//! [`crate::tls::TlsSession`] (every later octet goes through it) → server certificate checked
//! for the XMPP domain as a DNS subjectAltName (§13.7.2.1, RFC 6125 §6.4) → stream restart
//! (§5.4.3.3) → SASL (§6.4, the best offered mechanism the configuration allows) → stream
//! restart (§6.4.6) → resource binding (§7) → session establishment only where the server marks
//! it mandatory (RFC 3921 §3, RFC 6121 Appendix E) → [`XmppEvent::Online`].
//!
//! Then received `iq`/`message`/`presence` stanzas become [`XmppEvent::Stanza`], except XEP-0199
//! pings addressed to us (answered here) and the answers to our own pings. An `iq` of type
//! get/set that lacks an id or does not have exactly one child element is answered with a
//! `<bad-request/>` stanza error (RFC 6120 §8.2.3); an `iq` result/error without id is
//! dropped; either is reported as [`XmppEvent::Refused`]. An unknown top-level element is a
//! `<unsupported-stanza-type/>` stream error (§4.9.3.20).
//!
//! Liveness (XEP-0199 §4.2): `feed` takes no clock, so it only marks that data arrived; the
//! timer looks at the mark. After `ping_interval` without data (measured at timer granularity:
//! at most twice the interval) a ping goes to the server; if no data at all arrives within
//! `ping_timeout`, the stream ends with [`CloseReason::PingTimeout`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use openssl::x509::X509;

use super::config::XmppConfig;
use super::jid::Jid;
use super::parser::{Element, Frame, StreamParser, NS_STREAMS};
use super::sasl::{self, Mechanism, ScramClient, ScramHash};
use super::stanza::{self, IqType, Stanza, StanzaKind, StanzaProblem, NS_CLIENT};
use crate::security_event::SecurityEvents;
use crate::tls::{TlsClient, TlsError, TlsSession};

/// The STARTTLS namespace (RFC 6120 §5.4.2).
pub const NS_TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
/// The SASL namespace (RFC 6120 §6.4).
pub const NS_SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
/// The resource binding namespace (RFC 6120 §7).
pub const NS_BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
/// The legacy session namespace (RFC 3921 §3).
pub const NS_SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
/// The stream error namespace (RFC 6120 §4.9.3).
pub const NS_STREAM_ERRORS: &str = "urn:ietf:params:xml:ns:xmpp-streams";
/// The XMPP Ping namespace (XEP-0199).
pub const NS_PING: &str = "urn:xmpp:ping";

/// Why the stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The server sent a stream error (RFC 6120 §4.9).
    StreamErrorReceived {
        /// The defined condition (element name in `urn:ietf:params:xml:ns:xmpp-streams`).
        condition: String,
        /// The optional `<text/>`.
        text: Option<String>,
    },
    /// We sent a stream error (malformed or restricted XML, a limit, an unexpected element).
    StreamErrorSent {
        /// The condition we sent (RFC 6120 §4.9.3).
        condition: String,
        /// What we found.
        detail: String,
    },
    /// SASL failed (RFC 6120 §6.5): the server's `<failure/>` condition, or ours
    /// (`server-signature-mismatch`, `malformed-challenge`, `no-common-mechanism`).
    AuthFailed {
        /// The condition.
        condition: String,
        /// The server's `<text/>` or our detail.
        text: Option<String>,
    },
    /// TLS failed (handshake, certificate refused, alert).
    Tls(TlsError),
    /// The server's certificate does not name the XMPP domain (RFC 6120 §13.7.2.1,
    /// RFC 6125 §6.4.4: DNS subjectAltName only).
    CertificateName {
        /// The domain we expected.
        expected: String,
        /// The DNS names the certificate carries.
        found: Vec<String>,
    },
    /// The server does not offer STARTTLS (we require TLS, RFC 6120 §5.3.1).
    TlsNotOffered,
    /// Resource binding or session establishment failed (RFC 6120 §7.6.2).
    BindFailed(String),
    /// The server closed the stream (`</stream:stream>`, RFC 6120 §4.4).
    ServerClosed,
    /// We closed the stream ([`XmppStream::close`]) and the server closed its side or the
    /// connection ended.
    LocalClose,
    /// The connection ended without a closing stream tag (`mid_element`: inside an element).
    Disconnected {
        /// The connection ended inside an element.
        mid_element: bool,
    },
    /// Our XEP-0199 ping got no answer (and no other data came) within the ping timeout.
    PingTimeout,
    /// The negotiation did not reach `Online` within the establishment timeout.
    EstablishmentTimeout,
}

/// What the stream reports to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmppEvent {
    /// The stream is negotiated and the resource bound (RFC 6120 §7.6.1): our full JID.
    Online {
        /// The full JID the server bound.
        jid: Jid,
    },
    /// A stanza received (RFC 6120 §8).
    Stanza(Stanza),
    /// An `iq` the stream refused as malformed (no id, no valid type, or a request without
    /// exactly one child, RFC 6120 §8.2.3): a request was answered with `<bad-request/>`
    /// already, a result or error dropped. Reported so that the application can count it.
    Refused {
        /// Who sent it (`from`, if it had one).
        from: Option<String>,
        /// Its `type` attribute, if it had one.
        iq_type: Option<String>,
        /// What was wrong.
        why: &'static str,
    },
    /// The stream ended; nothing more happens (send what [`XmppStream::transmit`] holds, then
    /// close the socket).
    Closed(CloseReason),
}

/// Why a send was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmppError {
    /// The stream is not online yet.
    #[error("the XMPP stream is not online")]
    NotOnline,
    /// The stream has ended.
    #[error("the XMPP stream is closed")]
    Closed,
    /// An argument is not usable (e.g. a payload that is not one element).
    #[error("invalid argument: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Plain,
    Secured,
    Authenticated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Header,
    Features,
    Proceed,
    Handshake,
    Auth,
    Bind,
    Session,
    Online,
    Closing,
    Closed,
}

/// The client stream (see the module documentation).
pub struct XmppStream {
    config: XmppConfig,
    tls_client: Option<TlsClient>,
    tls: Option<TlsSession>,
    parser: StreamParser,
    phase: Phase,
    st: St,
    out: Vec<u8>,
    out_pos: usize,
    events: VecDeque<XmppEvent>,
    now: Instant,
    deadline: Option<Instant>,
    next_ping: Option<Instant>,
    ping_deadline: Option<Instant>,
    ping_id: Option<String>,
    pings_answered: u64,
    received: bool,
    mechanism: Option<Mechanism>,
    scram: Option<ScramClient>,
    scram_verified: bool,
    session_needed: bool,
    jid: Option<Jid>,
    next_id: u64,
}

impl std::fmt::Debug for XmppStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmppStream")
            .field("jid", &self.config.jid)
            .field("state", &self.st)
            .field("bound", &self.jid)
            .finish_non_exhaustive()
    }
}

fn b64(data: &[u8]) -> String {
    if data.is_empty() {
        "=".to_string()
    } else {
        openssl::base64::encode_block(data)
    }
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    let t: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if t.is_empty() || t == "=" {
        return Some(Vec::new());
    }
    openssl::base64::decode_block(&t).ok()
}

impl XmppStream {
    /// A client stream for `config`, started at `now`: the stream header is ready in
    /// [`XmppStream::transmit`] (RFC 6120 §4.2). Connect the socket, then feed what it receives.
    pub fn new(config: XmppConfig, now: Instant) -> XmppStream {
        Self::with_events(config, now, Arc::new(SecurityEvents::new()))
    }

    /// As [`XmppStream::new`], with the TLS session's security events recorded in `events`.
    pub fn with_events(
        config: XmppConfig,
        now: Instant,
        events: Arc<SecurityEvents>,
    ) -> XmppStream {
        let mut tls_cfg = config.tls.clone();
        if tls_cfg.certificate.is_none() {
            tls_cfg.client_identity_optional = true;
        }
        let tls_client = TlsClient::new(&tls_cfg, events);
        let mut s = Self::base(config, now);
        match tls_client {
            Ok(c) => {
                s.tls_client = Some(c);
                s.send_header();
            }
            Err(e) => s.finish(CloseReason::Tls(TlsError::new(
                crate::tls::events::HANDSHAKE_FAILED,
                format!("TLS configuration: {e}"),
            ))),
        }
        s
    }

    fn base(config: XmppConfig, now: Instant) -> XmppStream {
        let deadline = now + config.establishment_timeout;
        XmppStream {
            parser: StreamParser::new(config.limits.clone()),
            config,
            tls_client: None,
            tls: None,
            phase: Phase::Plain,
            st: St::Header,
            out: Vec::new(),
            out_pos: 0,
            events: VecDeque::new(),
            now,
            deadline: Some(deadline),
            next_ping: None,
            ping_deadline: None,
            ping_id: None,
            pings_answered: 0,
            received: false,
            mechanism: None,
            scram: None,
            scram_verified: false,
            session_needed: false,
            jid: None,
            next_id: 0,
        }
    }

    /// Tests only: a stream that behaves as if STARTTLS had completed, in plaintext, so a
    /// scripted server can drive SASL, binding and stanzas.
    #[cfg(test)]
    pub(crate) fn new_after_tls_for_test(config: XmppConfig, now: Instant) -> XmppStream {
        let mut s = Self::base(config, now);
        s.phase = Phase::Secured;
        s.send_header();
        s
    }

    /// The full JID bound, once online.
    pub fn jid(&self) -> Option<&Jid> {
        self.jid.as_ref()
    }

    /// Whether the stream is online (resource bound, RFC 6120 §7).
    pub fn is_online(&self) -> bool {
        self.st == St::Online
    }

    /// Whether the stream has ended.
    pub fn is_closed(&self) -> bool {
        self.st == St::Closed
    }

    /// The SASL mechanism used (once chosen).
    pub fn mechanism(&self) -> Option<Mechanism> {
        self.mechanism
    }

    /// How many of our XEP-0199 pings the server answered.
    pub fn pings_answered(&self) -> u64 {
        self.pings_answered
    }

    /// The TLS session, once STARTTLS began.
    pub fn tls_session(&self) -> Option<&TlsSession> {
        self.tls.as_ref()
    }

    fn fresh_id(&mut self, what: &str) -> String {
        self.next_id += 1;
        format!("{what}-{}", self.next_id)
    }

    // ---- output ----

    fn send_raw(&mut self, data: &[u8]) {
        if self.st == St::Closed {
            return;
        }
        match &mut self.tls {
            Some(tls) => {
                if let Err(e) = tls.write_plain(data) {
                    self.flush_tls();
                    self.finish(CloseReason::Tls(e));
                    return;
                }
                self.flush_tls();
            }
            None => self.out.extend_from_slice(data),
        }
    }

    fn flush_tls(&mut self) {
        if let Some(tls) = &mut self.tls {
            let c = tls.take_tls();
            self.out.extend_from_slice(&c);
        }
    }

    fn send_header(&mut self) {
        let mut h = Vec::new();
        h.extend_from_slice(b"<?xml version='1.0'?><stream:stream");
        stanza::attr(&mut h, "to", Some(self.config.jid.domain()));
        if self.phase != Phase::Plain {
            // RFC 6120 §4.7.1: `from` only once the stream is protected.
            let bare = self.config.jid.to_string();
            stanza::attr(&mut h, "from", Some(&bare));
        }
        h.extend_from_slice(
            b" version='1.0' xml:lang='en' xmlns='jabber:client' \
              xmlns:stream='http://etherx.jabber.org/streams'>",
        );
        self.send_raw(&h);
    }

    /// The octets to send on the socket now.
    pub fn transmit(&self) -> &[u8] {
        self.out.get(self.out_pos..).unwrap_or_default()
    }

    /// `n` octets of [`XmppStream::transmit`] were written to the socket.
    pub fn advance_transmit(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
    }

    /// The next event, `None` when there is none.
    pub fn poll_event(&mut self) -> Option<XmppEvent> {
        self.events.pop_front()
    }

    fn finish(&mut self, reason: CloseReason) {
        if self.st == St::Closed {
            return;
        }
        if let Some(tls) = &mut self.tls {
            if tls.is_established() {
                tls.close_notify();
            }
        }
        self.flush_tls();
        self.st = St::Closed;
        self.deadline = None;
        self.next_ping = None;
        self.ping_deadline = None;
        self.scram = None;
        self.events.push_back(XmppEvent::Closed(reason));
    }

    fn close_with(&mut self, reason: CloseReason) {
        self.send_raw(b"</stream:stream>");
        self.finish(reason);
    }

    fn stream_error(&mut self, condition: &str, detail: String) {
        let e = format!(
            "<stream:error><{} xmlns='{NS_STREAM_ERRORS}'/></stream:error></stream:stream>",
            stanza::escape(condition)
        );
        self.send_raw(e.as_bytes());
        self.finish(CloseReason::StreamErrorSent {
            condition: condition.to_string(),
            detail,
        });
    }

    // ---- input ----

    /// Feeds octets received from the socket (RFC 6120 §4: one XML stream in each direction).
    pub fn feed(&mut self, data: &[u8]) {
        if self.st == St::Closed {
            return;
        }
        self.received = true;
        self.feed_inner(data);
    }

    fn feed_inner(&mut self, data: &[u8]) {
        match &mut self.tls {
            Some(tls) => {
                let r = tls.feed_tls(data);
                self.flush_tls();
                if let Err(e) = r {
                    self.finish(CloseReason::Tls(e));
                    return;
                }
                self.after_tls_input();
            }
            None => self.parser.feed(data),
        }
        self.process();
    }

    fn after_tls_input(&mut self) {
        let Some(tls) = &mut self.tls else { return };
        if self.st == St::Handshake && tls.is_established() {
            if let Err(reason) = self.check_server_name() {
                self.finish(reason);
                return;
            }
            self.phase = Phase::Secured;
            self.st = St::Header;
            self.parser = StreamParser::new(self.config.limits.clone());
            self.send_header();
        }
        let Some(tls) = &mut self.tls else { return };
        let mut buf = [0u8; 8192];
        while let Ok(n) = tls.read_plain(&mut buf) {
            if n == 0 {
                break;
            }
            self.parser.feed(buf.get(..n).unwrap_or_default());
        }
    }

    /// RFC 6120 §13.7.2.1 / RFC 6125 §6.4: a DNS subjectAltName equal to the domain (or a
    /// wildcard `*.` matching its leftmost label); the common name is not used.
    fn check_server_name(&self) -> Result<(), CloseReason> {
        let expected = self.config.server_name.to_ascii_lowercase();
        let der = self.tls.as_ref().and_then(|t| t.peer_certificate_der());
        let names: Vec<String> = der
            .and_then(|d| X509::from_der(&d).ok())
            .and_then(|c| c.subject_alt_names())
            .map(|sans| {
                sans.iter()
                    .filter_map(|g| g.dnsname().map(str::to_ascii_lowercase))
                    .collect()
            })
            .unwrap_or_default();
        let matches = |n: &String| {
            if *n == expected {
                return true;
            }
            match (n.strip_prefix("*."), expected.split_once('.')) {
                (Some(rest), Some((_, tail))) => rest == tail && !rest.is_empty(),
                _ => false,
            }
        };
        if names.iter().any(matches) {
            Ok(())
        } else {
            Err(CloseReason::CertificateName {
                expected,
                found: names,
            })
        }
    }

    fn process(&mut self) {
        while self.st != St::Closed {
            match self.parser.next_frame() {
                Ok(None) => break,
                Ok(Some(frame)) => self.on_frame(frame),
                Err(e) => self.stream_error(e.condition, e.detail),
            }
        }
        if self.st != St::Closed {
            if let Some(tls) = &self.tls {
                if tls.peer_closed() {
                    self.handle_eof();
                }
            }
        }
    }

    /// The socket was closed by the peer (read returned 0) or broke: the stream ends with
    /// [`CloseReason::Disconnected`] (or [`CloseReason::LocalClose`] after
    /// [`XmppStream::close`]).
    pub fn handle_eof(&mut self) {
        if self.st == St::Closed {
            return;
        }
        let mid = self.parser.in_element();
        if self.st == St::Closing {
            self.finish(CloseReason::LocalClose);
        } else {
            self.finish(CloseReason::Disconnected { mid_element: mid });
        }
    }

    /// Same as [`XmppStream::handle_eof`] (the connection was lost).
    pub fn connection_lost(&mut self) {
        self.handle_eof();
    }

    fn on_frame(&mut self, frame: Frame) {
        match frame {
            Frame::Header(h) => self.on_header(&h),
            Frame::End => {
                if self.st == St::Closing {
                    self.finish(CloseReason::LocalClose);
                } else {
                    self.close_with(CloseReason::ServerClosed);
                }
            }
            Frame::Element { bytes, root } => {
                if root.is("error", NS_STREAMS) {
                    let condition = root
                        .children
                        .iter()
                        .find(|c| c.ns == NS_STREAM_ERRORS && c.name != "text")
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| "undefined-condition".into());
                    let text = root.child("text", NS_STREAM_ERRORS).map(|t| t.text.clone());
                    self.close_with(CloseReason::StreamErrorReceived { condition, text });
                    return;
                }
                match self.st {
                    St::Features if root.is("features", NS_STREAMS) => self.on_features(&root),
                    St::Proceed if root.is("proceed", NS_TLS) => self.on_proceed(),
                    St::Proceed if root.is("failure", NS_TLS) => {
                        self.close_with(CloseReason::Tls(TlsError::new(
                            crate::tls::events::HANDSHAKE_FAILED,
                            "the server refused STARTTLS",
                        )))
                    }
                    St::Auth if root.ns == NS_SASL => self.on_sasl(&root),
                    St::Bind | St::Session if root.is("iq", NS_CLIENT) => self.on_bind_iq(&root),
                    // a message or presence before binding completed is not ours yet: dropped
                    St::Bind | St::Session if root.ns == NS_CLIENT => {}
                    St::Online | St::Closing => self.on_stanza(&root, &bytes),
                    _ => self.stream_error(
                        "unsupported-stanza-type",
                        format!(
                            "unexpected <{}/> ({}) in state {:?}",
                            root.name, root.ns, self.st
                        ),
                    ),
                }
            }
        }
    }

    fn on_header(&mut self, h: &Element) {
        if self.st != St::Header {
            return self.stream_error("not-well-formed", "second stream header".into());
        }
        if !h.is("stream", NS_STREAMS) {
            return self.stream_error("invalid-namespace", "not a stream element".into());
        }
        if h.attr("xmlns") != Some(NS_CLIENT) {
            return self.stream_error(
                "invalid-namespace",
                "default namespace not jabber:client".into(),
            );
        }
        let major = h
            .attr("version")
            .and_then(|v| v.split('.').next())
            .and_then(|m| m.parse::<u32>().ok());
        if major != Some(1) {
            return self.stream_error("unsupported-version", "stream version is not 1.x".into());
        }
        self.st = St::Features;
    }

    fn on_features(&mut self, f: &Element) {
        match self.phase {
            Phase::Plain => {
                if f.child("starttls", NS_TLS).is_some() {
                    self.send_raw(format!("<starttls xmlns='{NS_TLS}'/>").as_bytes());
                    self.st = St::Proceed;
                } else {
                    self.close_with(CloseReason::TlsNotOffered);
                }
            }
            Phase::Secured => {
                let offered: Vec<String> = f
                    .child("mechanisms", NS_SASL)
                    .map(|m| {
                        m.children
                            .iter()
                            .filter(|c| c.is("mechanism", NS_SASL))
                            .map(|c| c.text.trim().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                let has_cert = self.config.tls.certificate.is_some();
                let has_pw = self.config.password.is_some();
                let choice = self.config.mechanisms.iter().copied().find(|m| {
                    offered.iter().any(|o| o == m.name())
                        && match m {
                            Mechanism::External => has_cert,
                            _ => has_pw,
                        }
                });
                match choice {
                    Some(m) => self.start_auth(m),
                    None => self.close_with(CloseReason::AuthFailed {
                        condition: "no-common-mechanism".into(),
                        text: Some(format!("server offers {offered:?}")),
                    }),
                }
            }
            Phase::Authenticated => {
                if f.child("bind", NS_BIND).is_none() {
                    return self.close_with(CloseReason::BindFailed(
                        "the server offers no resource binding".into(),
                    ));
                }
                self.session_needed = f
                    .child("session", NS_SESSION)
                    .is_some_and(|s| s.child("optional", NS_SESSION).is_none());
                let payload = format!(
                    "<bind xmlns='{NS_BIND}'><resource>{}</resource></bind>",
                    stanza::escape(&self.config.resource)
                );
                let iq = stanza::element(
                    "iq",
                    &[("type", Some("set")), ("id", Some("bind"))],
                    payload.as_bytes(),
                );
                self.send_raw(&iq);
                self.st = St::Bind;
            }
        }
    }

    fn on_proceed(&mut self) {
        let rest = self.parser.take_rest();
        let session = match &self.tls_client {
            Some(c) => c.session(Some(&self.config.server_name), None),
            None => return self.finish(CloseReason::TlsNotOffered),
        };
        match session {
            Ok(t) => {
                self.tls = Some(t);
                self.st = St::Handshake;
                self.flush_tls();
                if !rest.is_empty() {
                    self.feed_inner(&rest);
                }
            }
            Err(e) => self.finish(CloseReason::Tls(e)),
        }
    }

    fn start_auth(&mut self, m: Mechanism) {
        self.mechanism = Some(m);
        let user = self.config.jid.local().unwrap_or("").to_string();
        let initial = match m {
            Mechanism::External => Vec::new(),
            Mechanism::Plain => match &self.config.password {
                Some(p) => sasl::plain_response(&user, p).expose().to_vec(),
                None => Vec::new(),
            },
            Mechanism::ScramSha1 | Mechanism::ScramSha256 => {
                let hash = if m == Mechanism::ScramSha1 {
                    ScramHash::Sha1
                } else {
                    ScramHash::Sha256
                };
                let nonce = match sasl::random_nonce() {
                    Ok(n) => n,
                    Err(e) => {
                        return self.close_with(CloseReason::AuthFailed {
                            condition: "temporary-auth-failure".into(),
                            text: Some(e.0),
                        })
                    }
                };
                let pw = self.config.password.clone().unwrap_or_default();
                let (c, first) = ScramClient::new(hash, &user, &pw, &nonce);
                self.scram = Some(c);
                self.scram_verified = false;
                first
            }
        };
        let mut initial = initial;
        let enc = b64(&initial);
        let auth = format!(
            "<auth xmlns='{NS_SASL}' mechanism='{}'>{enc}</auth>",
            m.name()
        );
        self.send_raw(auth.as_bytes());
        // The PLAIN response holds the password: overwrite our copies of it.
        for mut v in [enc.into_bytes(), auth.into_bytes()] {
            super::config::zero(&mut v);
        }
        super::config::zero(&mut initial);
        self.st = St::Auth;
    }

    fn sasl_fail(&mut self, condition: &str, text: String) {
        self.send_raw(format!("<abort xmlns='{NS_SASL}'/>").as_bytes());
        self.close_with(CloseReason::AuthFailed {
            condition: condition.into(),
            text: Some(text),
        });
    }

    fn on_sasl(&mut self, el: &Element) {
        match el.name.as_str() {
            "challenge" => {
                let Some(data) = unb64(&el.text) else {
                    return self.sasl_fail("malformed-challenge", "challenge not base64".into());
                };
                let Some(scram) = &mut self.scram else {
                    return self.sasl_fail("malformed-challenge", "unexpected challenge".into());
                };
                if self.scram_verified {
                    return self.sasl_fail("malformed-challenge", "challenge after final".into());
                }
                let reply = if data.starts_with(b"v=") || data.starts_with(b"e=") {
                    // server-final-message as a challenge (RFC 6120 §6.3.10): verify, answer empty
                    match scram.server_final(&data) {
                        Ok(()) => {
                            self.scram_verified = true;
                            Vec::new()
                        }
                        Err(e) => return self.sasl_fail("server-signature-mismatch", e.0),
                    }
                } else {
                    match scram.server_first(&data) {
                        Ok(r) => r,
                        Err(e) => return self.sasl_fail("malformed-challenge", e.0),
                    }
                };
                let r = format!("<response xmlns='{NS_SASL}'>{}</response>", b64(&reply));
                self.send_raw(r.as_bytes());
            }
            "success" => {
                if let Some(scram) = &self.scram {
                    if !self.scram_verified {
                        let Some(data) = unb64(&el.text) else {
                            return self.close_with(CloseReason::AuthFailed {
                                condition: "server-signature-mismatch".into(),
                                text: Some("success data not base64".into()),
                            });
                        };
                        if let Err(e) = scram.server_final(&data) {
                            return self.close_with(CloseReason::AuthFailed {
                                condition: "server-signature-mismatch".into(),
                                text: Some(e.0),
                            });
                        }
                    }
                }
                self.scram = None;
                self.phase = Phase::Authenticated;
                self.restart();
            }
            "failure" => {
                let condition = el
                    .children
                    .iter()
                    .find(|c| c.ns == NS_SASL && c.name != "text")
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| "not-authorized".into());
                let text = el.child("text", NS_SASL).map(|t| t.text.clone());
                self.close_with(CloseReason::AuthFailed { condition, text });
            }
            other => self.stream_error(
                "unsupported-stanza-type",
                format!("unexpected SASL element <{other}/>"),
            ),
        }
    }

    /// RFC 6120 §6.4.6: a new stream over the same connection, without closing the old one.
    fn restart(&mut self) {
        let rest = self.parser.take_rest();
        self.parser = StreamParser::new(self.config.limits.clone());
        self.st = St::Header;
        self.send_header();
        self.parser.feed(&rest);
    }

    fn on_bind_iq(&mut self, iq: &Element) {
        let id = iq.attr("id").unwrap_or("");
        let ty = iq.attr("type").unwrap_or("");
        match (self.st, id, ty) {
            (St::Bind, "bind", "result") => {
                let jid = iq
                    .child("bind", NS_BIND)
                    .and_then(|b| b.child("jid", NS_BIND))
                    .map(|j| j.text.trim().to_string());
                let jid = match jid.as_deref().map(Jid::parse) {
                    Some(Ok(j)) if !j.is_bare() => j,
                    _ => {
                        return self.close_with(CloseReason::BindFailed(
                            "bind result without a valid full JID".into(),
                        ))
                    }
                };
                self.jid = Some(jid);
                if self.session_needed {
                    let iq = stanza::element(
                        "iq",
                        &[("type", Some("set")), ("id", Some("session"))],
                        format!("<session xmlns='{NS_SESSION}'/>").as_bytes(),
                    );
                    self.send_raw(&iq);
                    self.st = St::Session;
                } else {
                    self.go_online();
                }
            }
            (St::Session, "session", "result") => self.go_online(),
            (_, "bind" | "session", "error") => {
                let cond = iq
                    .child("error", NS_CLIENT)
                    .and_then(|e| e.children.first())
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                self.close_with(CloseReason::BindFailed(format!("{id} refused: {cond}")));
            }
            _ => {}
        }
    }

    fn go_online(&mut self) {
        self.st = St::Online;
        self.deadline = None;
        self.next_ping = Some(self.now + self.config.ping_interval);
        if let Some(jid) = self.jid.clone() {
            self.events.push_back(XmppEvent::Online { jid });
        }
    }

    fn on_stanza(&mut self, root: &Element, bytes: &[u8]) {
        match Stanza::from_element(root, bytes) {
            Err(StanzaProblem::Unsupported) => self.stream_error(
                "unsupported-stanza-type",
                format!("<{}/> in namespace {:?}", root.name, root.ns),
            ),
            Err(StanzaProblem::BadRequest(why)) => {
                let ty = root.attr("type");
                self.events.push_back(XmppEvent::Refused {
                    from: root.attr("from").map(str::to_string),
                    iq_type: ty.map(str::to_string),
                    why,
                });
                if root.name == "iq" && !matches!(ty, Some("result" | "error")) {
                    log::debug!("xmpp: answering bad-request: {why}");
                    let err = stanza::error_child("modify", "bad-request", Some(why));
                    let reply = stanza::element(
                        "iq",
                        &[
                            ("type", Some("error")),
                            ("id", Some(root.attr("id").unwrap_or(""))),
                            ("to", root.attr("from")),
                        ],
                        &err,
                    );
                    self.send_raw(&reply);
                }
            }
            Ok(s) => {
                if let StanzaKind::Iq(t) = s.kind {
                    let ping = s
                        .payload
                        .as_ref()
                        .is_some_and(|p| p.name == "ping" && p.ns == NS_PING);
                    if t == IqType::Get && ping {
                        let reply = stanza::element(
                            "iq",
                            &[
                                ("type", Some("result")),
                                ("id", s.id.as_deref()),
                                ("to", s.from.as_deref()),
                            ],
                            b"",
                        );
                        self.send_raw(&reply);
                        return;
                    }
                    if matches!(t, IqType::Result | IqType::Error)
                        && s.id.is_some()
                        && s.id == self.ping_id
                    {
                        self.ping_id = None;
                        self.ping_deadline = None;
                        self.pings_answered += 1;
                        return;
                    }
                }
                if self.st == St::Online {
                    self.events.push_back(XmppEvent::Stanza(s));
                }
            }
        }
    }

    // ---- sending ----

    fn check_online(&self) -> Result<(), XmppError> {
        match self.st {
            St::Online => Ok(()),
            St::Closed | St::Closing => Err(XmppError::Closed),
            _ => Err(XmppError::NotOnline),
        }
    }

    /// Sends `<iq type=.. id=.. to=..>payload</iq>` (RFC 6120 §8.2.3). `payload` is one
    /// complete element made by the caller (empty: none, e.g. for a result).
    pub fn send_iq(
        &mut self,
        to: &str,
        iq_type: IqType,
        id: &str,
        payload: &[u8],
    ) -> Result<(), XmppError> {
        self.check_online()?;
        let iq = stanza::element(
            "iq",
            &[
                ("type", Some(iq_type.as_str())),
                ("id", Some(id)),
                ("to", Some(to)),
            ],
            payload,
        );
        self.send_raw(&iq);
        Ok(())
    }

    /// Sends `<message type=.. to=..>payload</message>` (RFC 6120 §8.2.1, RFC 6121 §5).
    pub fn send_message(
        &mut self,
        to: &str,
        message_type: &str,
        payload: &[u8],
    ) -> Result<(), XmppError> {
        self.check_online()?;
        let m = stanza::element(
            "message",
            &[("type", Some(message_type)), ("to", Some(to))],
            payload,
        );
        self.send_raw(&m);
        Ok(())
    }

    /// Sends presence (RFC 6121 §4): `to` none for broadcast (initial presence, §4.2), a JID
    /// for directed presence (§4.6); `presence_type` none for available, else e.g.
    /// `unavailable`.
    pub fn send_presence(
        &mut self,
        to: Option<&str>,
        presence_type: Option<&str>,
    ) -> Result<(), XmppError> {
        self.check_online()?;
        let p = stanza::element("presence", &[("to", to), ("type", presence_type)], b"");
        self.send_raw(&p);
        Ok(())
    }

    /// Sends a stanza error (RFC 6120 §8.3) in answer to an `iq` (`StanzaKind::Iq(_)`) or a
    /// `message` (`StanzaKind::Message(_)`) with id `id`; `error_type` e.g. `cancel`,
    /// `condition` e.g. `service-unavailable`.
    pub fn send_stanza_error(
        &mut self,
        to: &str,
        id: &str,
        kind: &StanzaKind,
        error_type: &str,
        condition: &str,
        text: Option<&str>,
    ) -> Result<(), XmppError> {
        self.check_online()?;
        let tag = match kind {
            StanzaKind::Iq(_) => "iq",
            StanzaKind::Message(_) => "message",
            StanzaKind::Presence(_) => {
                return Err(XmppError::Invalid(
                    "no stanza errors for presence here".into(),
                ))
            }
        };
        let err = stanza::error_child(error_type, condition, text);
        let s = stanza::element(
            tag,
            &[("type", Some("error")), ("id", Some(id)), ("to", Some(to))],
            &err,
        );
        self.send_raw(&s);
        Ok(())
    }

    /// Sends a stream error (RFC 6120 §4.9) and closes the stream:
    /// [`XmppEvent::Closed`] with [`CloseReason::StreamErrorSent`] follows.
    pub fn send_stream_error(&mut self, condition: &str, text: Option<&str>) {
        if self.st == St::Closed {
            return;
        }
        let mut e = format!(
            "<stream:error><{} xmlns='{NS_STREAM_ERRORS}'/>",
            stanza::escape(condition)
        );
        if let Some(t) = text {
            e.push_str(&format!(
                "<text xmlns='{NS_STREAM_ERRORS}'>{}</text>",
                stanza::escape(t)
            ));
        }
        e.push_str("</stream:error></stream:stream>");
        self.send_raw(e.as_bytes());
        self.finish(CloseReason::StreamErrorSent {
            condition: condition.to_string(),
            detail: text.unwrap_or("").to_string(),
        });
    }

    /// Closes the stream (RFC 6120 §4.4): sends `</stream:stream>`; [`XmppEvent::Closed`]
    /// with [`CloseReason::LocalClose`] follows when the server closes its stream, the
    /// connection ends, or `ping_timeout` passes (measured from the last `handle_timeout`).
    pub fn close(&mut self) {
        match self.st {
            St::Closed | St::Closing => {}
            _ => {
                self.send_raw(b"</stream:stream>");
                if self.st != St::Closed {
                    self.st = St::Closing;
                    // wait at most a ping timeout for the server's closing tag
                    self.deadline = Some(self.now + self.config.ping_timeout);
                    self.next_ping = None;
                    self.ping_deadline = None;
                }
            }
        }
    }

    // ---- timers ----

    /// The next instant [`XmppStream::handle_timeout`] must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.st == St::Closed {
            return None;
        }
        [
            self.deadline,
            self.next_ping,
            self.ping_deadline,
            self.tls.as_ref().and_then(|t| t.poll_timeout()),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs the timers due at `now`: the establishment deadline, XEP-0199 pings and their
    /// timeout, the TLS session's timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        if self.st == St::Closed {
            return;
        }
        if let Some(tls) = &mut self.tls {
            let r = tls.handle_timeout(now);
            self.flush_tls();
            if let Err(e) = r {
                return self.finish(CloseReason::Tls(e));
            }
        }
        if self.deadline.is_some_and(|d| d <= now) {
            if self.st == St::Closing {
                // the server did not close its side in time: we are done anyway
                return self.finish(CloseReason::LocalClose);
            }
            self.send_raw(b"</stream:stream>");
            return self.finish(CloseReason::EstablishmentTimeout);
        }
        if self.st != St::Online {
            return;
        }
        if std::mem::take(&mut self.received) {
            self.ping_deadline = None;
            self.next_ping = Some(now + self.config.ping_interval);
        }
        if self.ping_deadline.is_some_and(|d| d <= now) {
            self.send_raw(b"</stream:stream>");
            return self.finish(CloseReason::PingTimeout);
        }
        if self.ping_deadline.is_none() && self.next_ping.is_some_and(|p| p <= now) {
            let id = self.fresh_id("ping");
            let iq = stanza::element(
                "iq",
                &[
                    ("type", Some("get")),
                    ("id", Some(&id)),
                    ("to", Some(self.config.jid.domain())),
                ],
                format!("<ping xmlns='{NS_PING}'/>").as_bytes(),
            );
            self.send_raw(&iq);
            self.ping_id = Some(id);
            self.ping_deadline = Some(now + self.config.ping_timeout);
            self.next_ping = Some(now + self.config.ping_interval);
        }
    }
}
