//! The non-blocking MMS client: one association over a `mio` TCP stream, driven by the
//! application's own event loop (ISO 9506-1 §5 client role, ISO 9506-2 §7 and §8).
//!
//! Register it with [`Connection::register`]; on every readiness event for its token, and when
//! [`Connection::poll_timeout`] passes, call [`Connection::drive`], then take
//! [`Connection::poll_event`] until `None`. Requests beyond the negotiated outstanding limit wait
//! in a queue inside the connection and go out as answers free their slots; each request has a
//! deadline (kept by the endpoint once the request is sent, by the queue before), after which
//! it is answered with [`ClientError::Timeout`] and its slot is freed.
//!
//! Both roles run on one association: confirmed requests from the server arrive as
//! [`ClientEvent::Request`] and are answered with [`Connection::respond`]; unconfirmed PDUs
//! (informationReports) arrive as [`ClientEvent::Unconfirmed`] and can be sent with
//! [`Connection::send_unconfirmed`].
//!
//! T-profile (IEC 62351-3, IEC 62351-4 §6): with [`ClientConfig::tls`] a [`TlsSession`] sits
//! between the socket and the endpoint (TPKT inside TLS, docs/facts.md F-203). The handshake comes
//! first (under the connect time-out); the security provider and the endpoint are made when it
//! completes, with [`TransportSecurity`] naming the server's certificate. Bytes move through a
//! [`Pump`], the transport driver every runtime shares; [`Connection::drive`] runs the
//! machines' timers (the endpoint's, the session's renegotiation / key update and CRL reload).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use acse::security::{Role as SecurityRole, SecurityEvents, SecurityFactory, TransportSecurity};
use copp::ber::Writer;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};

use acse::timer::earliest;
use cot::pump::{End, Input, Pump};
use cot::tls::{TlsClient, TlsSession, TlsVersion};

use crate::endpoint::{
    CloseReason, Endpoint, EndpointConfig, Failure, InitiateRefusal, MmsEvent, Phase, SendError,
};
use crate::pdu::{ConfirmedServiceRequest, MmsPdu, PduError, PduType, UnconfirmedService};
use crate::reject::{RejectPdu, RejectReason};
use crate::server::handler::{Negotiated, ServiceResult};
use crate::service_error::ServiceError;

#[cfg(feature = "xmpp")]
mod uplink_side;

/// How a client connects. Start from [`ClientConfig::default`] and change what differs with
/// the `with_*` calls or by assigning the public fields.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The association (selectors, AE-titles, TPDU size) and our initiate proposal (PDU size,
    /// outstanding requests, nesting level, CBBs, services). `localDetailCalling` is always sent.
    pub endpoint: EndpointConfig,
    /// Time allowed for TCP connect plus the initiate exchange.
    pub connect_timeout: Duration,
    /// Time allowed for each confirmed request.
    pub request_timeout: Duration,
    /// Time allowed for our conclude and the release after it; then we abort.
    pub release_timeout: Duration,
    /// The association-security mechanism (IEC 62351-4 A-security-profile, end-to-end security,
    /// ACSE password); `None`: a kernel-only association.
    pub security: Option<Arc<dyn SecurityFactory>>,
    /// Where security events are recorded and counted.
    pub events: Arc<SecurityEvents>,
    /// T-profile: connect over TLS with this context (build it with the same `events`).
    /// The server's port is then normally 3782 (IEC 62351-4 §6.3.2).
    pub tls: Option<Arc<TlsClient>>,
    /// The server's DNS name for SNI (RFC 6066), and the key of the resumption cache together
    /// with the address. `None`: no SNI.
    pub tls_server_name: Option<String>,
    /// TCP keep-alive on the socket (class 0 transport has no inactivity timer of its own);
    /// `None`: the OS default (off).
    pub keep_alive: Option<crate::net::KeepAlive>,
}

crate::setters!(ClientConfig {
    /// the association and the initiate proposal.
    endpoint: EndpointConfig => with_endpoint,
    /// the time allowed for TCP connect plus the initiate exchange.
    connect_timeout: Duration => with_connect_timeout,
    /// the time allowed for each confirmed request.
    request_timeout: Duration => with_request_timeout,
    /// the time allowed for our conclude and the release after it.
    release_timeout: Duration => with_release_timeout,
    /// the association-security mechanism (see also `with_a_profile` / `with_e2e` of
    /// `mms::security`).
    security: Option<Arc<dyn SecurityFactory>> => with_security,
    /// where security events are recorded and counted.
    events: Arc<SecurityEvents> => with_events,
    /// the TLS context (see also `with_tls` of `mms::security`).
    tls: Option<Arc<TlsClient>> => with_tls_client,
    /// the server name for SNI and the resumption cache.
    tls_server_name: Option<String> => with_tls_server_name,
    /// TCP keep-alive.
    keep_alive: Option<crate::net::KeepAlive> => with_keep_alive,
});

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("release_timeout", &self.release_timeout)
            .field("security", &self.security.as_ref().map(|s| s.name()))
            .field("tls", &self.tls.is_some())
            .field("tls_server_name", &self.tls_server_name)
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        let mut endpoint = EndpointConfig::default();
        // The client proposes the same as libIEC61850 clients: every server accepts it.
        endpoint.initiate.init_request_detail.services_supported =
            crate::initiate::ServicesSupported::libiec61850_like();
        ClientConfig {
            endpoint,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            release_timeout: Duration::from_secs(10),
            security: None,
            events: Arc::new(SecurityEvents::new()),
            tls: None,
            tls_server_name: None,
            keep_alive: Some(crate::net::KeepAlive::default()),
        }
    }
}

/// Why a request or the association failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a Confirmed-ErrorPDU (ISO 9506-2 §7.4).
    #[error("service error: {0:?}")]
    Service(ServiceError<'static>),
    /// The server rejected the request (ISO 9506-2 §7.5); the association stays up.
    #[error("rejected: {0:?}")]
    Rejected(RejectReason),
    /// No answer within the request time-out.
    #[error("no answer within the time-out")]
    Timeout,
    /// The association was refused at initiate (ISO 9506-2 §8.2, ISO 8650-1 §7.1): by the
    /// server (the layer and the diagnostic it sent, and its initiate-ErrorPDU if any), or by
    /// our security provider (which of its checks failed).
    #[error("{0}")]
    Refused(Box<InitiateRefusal>),
    /// The association ended before the answer came.
    #[error("association closed: {0}")]
    Closed(CloseReason),
    /// The request could not be sent (too large for the negotiated PDU size, the outstanding
    /// limit, the wrong phase, or the association below failed).
    #[error("not sent: {0}")]
    NotSent(#[source] SendError),
    /// The answer arrived but was out of place (another PDU type or service than asked for)
    /// or could not be decoded.
    #[error("unexpected answer: {0}")]
    Unexpected(#[source] Unexpected),
    /// A socket error (shared, so that one failure can answer every request it ends).
    #[error("i/o: {0}")]
    Io(#[source] Arc<io::Error>),
}

impl PartialEq for ClientError {
    /// Equal variants with equal data; two i/o errors are equal when they are the same error or
    /// have the same kind and message.
    fn eq(&self, other: &Self) -> bool {
        use ClientError as E;
        match (self, other) {
            (E::Service(a), E::Service(b)) => a == b,
            (E::Rejected(a), E::Rejected(b)) => a == b,
            (E::Timeout, E::Timeout) => true,
            (E::Refused(a), E::Refused(b)) => a == b,
            (E::Closed(a), E::Closed(b)) => a == b,
            (E::NotSent(a), E::NotSent(b)) => a == b,
            (E::Unexpected(a), E::Unexpected(b)) => a == b,
            (E::Io(a), E::Io(b)) => same_io_error(a, b),
            _ => false,
        }
    }
}

/// The same i/o error, or one of the same kind and message.
pub(crate) fn same_io_error(a: &Arc<io::Error>, b: &Arc<io::Error>) -> bool {
    Arc::ptr_eq(a, b) || (a.kind() == b.kind() && a.to_string() == b.to_string())
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(Arc::new(e))
    }
}

/// What was out of place in an answer (ISO 9506-2 §7.2: a Confirmed-ResponsePDU answers with
/// the service of its request).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unexpected {
    /// An MMSpdu of another type than the one expected.
    #[error("expected a {expected:?} PDU, the peer sent a {found:?} PDU")]
    Pdu {
        /// The PDU type expected.
        expected: PduType,
        /// The PDU type that came.
        found: PduType,
    },
    /// The response is of another service than the request.
    #[error("a {request} request was answered by the service with tag [{found}]")]
    Service {
        /// The service asked for.
        request: &'static str,
        /// The ConfirmedServiceResponse alternative that came (its context tag, the service
        /// number of ISO 9506-2).
        found: u32,
    },
    /// The PDU did not decode.
    #[error(transparent)]
    Decode(PduError),
    /// A Read or Write answered with another number of results than variables asked for
    /// (ISO 9506-2 §14.6.2, §14.7.2).
    #[error("{asked} variables asked for, {answered} results answered")]
    ResultCount {
        /// Variables asked for.
        asked: usize,
        /// Results answered.
        answered: usize,
    },
}

impl Unexpected {
    /// The error for `pdu` decoded (or not) where a PDU of type `expected` was kept.
    fn of(expected: PduType, pdu: Result<MmsPdu<'_>, PduError>) -> ClientError {
        ClientError::Unexpected(match pdu {
            Ok(other) => Unexpected::Pdu {
                expected,
                found: other.pdu_type(),
            },
            Err(e) => Unexpected::Decode(e),
        })
    }
}

/// An answer to a confirmed request: the encoded Confirmed-ResponsePDU, decoded on demand
/// (zero-copy: the decoded response borrows these octets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pdu: Vec<u8>,
}

impl Answer {
    /// An answer from its encoded MMSpdu.
    pub(crate) fn from_pdu(pdu: Vec<u8>) -> Answer {
        Answer { pdu }
    }

    /// The encoded MMSpdu.
    pub fn bytes(&self) -> &[u8] {
        &self.pdu
    }

    /// The decoded confirmed response (ISO 9506-2 §7.2).
    pub fn response(&self) -> Result<crate::pdu::ConfirmedServiceResponse<'_>, ClientError> {
        match MmsPdu::decode(&self.pdu) {
            Ok(MmsPdu::ConfirmedResponse(r)) => Ok(r.service),
            other => Err(Unexpected::of(PduType::ConfirmedResponse, other)),
        }
    }
}

/// A request's handle: what [`Connection::request`] returns and [`ClientEvent::Answer`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// An unconfirmed PDU from the peer (informationReport...), kept encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconfirmed {
    pdu: Vec<u8>,
}

impl Unconfirmed {
    /// An unconfirmed PDU from its encoded MMSpdu.
    pub(crate) fn from_pdu(pdu: Vec<u8>) -> Unconfirmed {
        Unconfirmed { pdu }
    }

    /// The encoded MMSpdu.
    pub fn bytes(&self) -> &[u8] {
        &self.pdu
    }

    /// The decoded unconfirmed service (ISO 9506-2 §7.3).
    pub fn service(&self) -> Result<UnconfirmedService<'_>, ClientError> {
        match MmsPdu::decode(&self.pdu) {
            Ok(MmsPdu::Unconfirmed(u)) => Ok(u.service),
            other => Err(Unexpected::of(PduType::Unconfirmed, other)),
        }
    }
}

/// A confirmed request from the server (both roles on one association), kept encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRequest {
    /// Its invokeID: answer with [`Connection::respond`].
    pub invoke_id: u32,
    pdu: Vec<u8>,
}

impl PeerRequest {
    /// The decoded request.
    pub fn service(&self) -> Result<ConfirmedServiceRequest<'_>, ClientError> {
        match MmsPdu::decode(&self.pdu) {
            Ok(MmsPdu::ConfirmedRequest(r)) => Ok(r.service),
            other => Err(Unexpected::of(PduType::ConfirmedRequest, other)),
        }
    }
}

/// What [`Connection::poll_event`] reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The association is up.
    Established(Negotiated),
    /// A request was answered (or failed).
    Answer(RequestId, Result<Answer, ClientError>),
    /// An unconfirmed PDU from the server.
    Unconfirmed(Unconfirmed),
    /// A confirmed request from the server.
    Request(PeerRequest),
    /// The peer rejected a PDU that was not one of our requests (logged; informational).
    Rejected(RejectPdu),
    /// The association ended; every request still open was answered with
    /// [`ClientError::Closed`].
    Closed(CloseReason),
}

/// What the TLS handshake of a connection negotiated (IEC 62351-3 T-profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// The TLS version.
    pub version: Option<TlsVersion>,
    /// The cipher suite (OpenSSL name).
    pub cipher: Option<String>,
    /// Whether a cached session was resumed.
    pub resumed: bool,
    /// The server's end-entity certificate, DER.
    pub peer_certificate: Option<Vec<u8>>,
}

/// One client association, non-blocking.
pub struct Connection {
    stream: TcpStream,
    /// Moves bytes between the socket and the endpoint (through the T-profile session when
    /// there is one).
    pump: Pump,
    /// TLS: the endpoint is a placeholder until the handshake completes.
    endpoint_pending: bool,
    endpoint: Endpoint,
    config: ClientConfig,
    /// TLS: the connect time-out's deadline while the handshake runs (the endpoint, made
    /// after it, gets what is left).
    handshake_deadline: Option<Instant>,
    /// invokeID → request (the endpoint keeps the deadline).
    inflight: HashMap<u32, RequestId>,
    /// Requests waiting for a free slot: (id, encoded service, deadline).
    waiting: VecDeque<(RequestId, Vec<u8>, Instant)>,
    next_request: u64,
    events: VecDeque<ClientEvent>,
    peer_eof: bool,
    /// Input may be waiting in the socket: a readiness event has not been read to its end
    /// (would-block or a short read), or the endpoint's buffer filled before the socket was
    /// drained.
    unread: bool,
    closed_reported: bool,
    refusal: Option<ClientError>,
    /// The XMPP environment: the stream to the XMPP server this connection's socket carries.
    #[cfg(feature = "xmpp")]
    xmpp: Option<Box<uplink_side::ClientUplink>>,
    /// Our conclude was accepted (ISO 9506-2 §8.3): however the association then ends (some
    /// peers abort instead of answering the release), the MMS side ended properly.
    concluded: bool,
    scratch: Writer,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("phase", &self.endpoint.phase())
            .field("inflight", &self.inflight.len())
            .field("waiting", &self.waiting.len())
            .finish()
    }
}

impl Connection {
    /// Starts connecting to `addr` (non-blocking); the association comes up inside
    /// [`Connection::drive`] and is reported as [`ClientEvent::Established`].
    pub fn connect(addr: SocketAddr, config: ClientConfig) -> io::Result<Connection> {
        let stream = TcpStream::connect(addr)?;
        Connection::build(stream, Some(addr), config)
    }

    /// Uses an already connected (or connecting) stream. Fails only when the configured
    /// security mechanism cannot make a provider (e.g. an unusable credential).
    pub fn from_stream(stream: TcpStream, config: ClientConfig) -> io::Result<Connection> {
        let peer = stream.peer_addr().ok();
        Connection::build(stream, peer, config)
    }

    /// The configured mechanism's provider for this association, or why there is none.
    fn provider(
        config: &ClientConfig,
        transport: &TransportSecurity,
    ) -> Result<Option<Box<dyn acse::security::AssociationSecurity>>, Failure> {
        match &config.security {
            None => Ok(None),
            Some(factory) => factory
                .provider(SecurityRole::Initiator, transport)
                .map(Some)
                .map_err(|source| Failure::SecurityUnavailable {
                    provider: factory.name(),
                    source,
                }),
        }
    }

    fn build(
        stream: TcpStream,
        peer: Option<SocketAddr>,
        config: ClientConfig,
    ) -> io::Result<Connection> {
        let _ = stream.set_nodelay(true);
        if let Some(k) = &config.keep_alive {
            if let Err(e) = k.apply(&stream) {
                log::debug!("keep-alive not set: {e}");
            }
        }
        let (pump, endpoint) = match &config.tls {
            Some(ctx) => {
                let key = match (&config.tls_server_name, peer) {
                    (Some(n), Some(a)) => Some(format!("{n}@{a}")),
                    (Some(n), None) => Some(n.clone()),
                    (None, Some(a)) => Some(a.to_string()),
                    (None, None) => None,
                };
                let mut session = ctx
                    .session(config.tls_server_name.as_deref(), key.as_deref())
                    .map_err(|e| io::Error::other(tls_failure(e)))?;
                if let Some(a) = peer {
                    session.set_label(a.to_string());
                }
                // Placeholder: the real endpoint (and provider) come after the handshake.
                (
                    Pump::tls(session),
                    Endpoint::connect(EndpointConfig::default(), None),
                )
            }
            None => {
                let provider = Connection::provider(&config, &TransportSecurity::plain())
                    .map_err(io::Error::other)?;
                (
                    Pump::plain(),
                    Endpoint::connect(endpoint_config(&config, None), provider),
                )
            }
        };
        Ok(Connection {
            stream,
            endpoint_pending: pump.is_tls(),
            handshake_deadline: pump
                .is_tls()
                .then(|| Instant::now() + config.connect_timeout),
            pump,
            endpoint,
            config,
            inflight: HashMap::new(),
            waiting: VecDeque::new(),
            next_request: 1,
            events: VecDeque::new(),
            peer_eof: false,
            unread: true,
            closed_reported: false,
            refusal: None,
            #[cfg(feature = "xmpp")]
            xmpp: None,
            concluded: false,
            scratch: Writer::with_capacity(512),
        })
    }

    /// The peer identity the security provider authenticated (IEC 62351-4 A-security-profile
    /// or end-to-end security), once the association is up.
    pub fn authenticated_peer(&self) -> Option<acse::security::AuthenticatedPeer> {
        self.endpoint.authenticated_peer()
    }

    /// The application-layer security the provider established (IEC 62351-4 §5.1 levels).
    pub fn application_security(&self) -> acse::security::ApplicationSecurity {
        self.endpoint.application_security()
    }

    /// What the TLS handshake negotiated (T-profile), once it completed.
    pub fn tls_info(&self) -> Option<TlsInfo> {
        let t = self.pump.tls_session()?;
        if self.endpoint_pending {
            return None;
        }
        Some(TlsInfo {
            version: t.protocol_version(),
            cipher: t.cipher_name().map(str::to_string),
            resumed: t.session_reused(),
            peer_certificate: t.peer_certificate_der(),
        })
    }

    /// The TLS session, if the connection uses TLS.
    pub fn tls_session(&self) -> Option<&TlsSession> {
        self.pump.tls_session()
    }

    /// Registers the socket with a `mio` registry under `token` (readable and writable,
    /// edge-triggered: call [`Connection::drive`] on every event for the token).
    pub fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        registry.register(
            &mut self.stream,
            token,
            Interest::READABLE | Interest::WRITABLE,
        )
    }

    /// Removes the socket from the registry.
    pub fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        registry.deregister(&mut self.stream)
    }

    /// The initiate result, once established.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.endpoint.negotiated()
    }

    /// Shuts the socket down in both directions, so the peer sees the connection end even while
    /// this value is kept (dropping it does the same). Call after [`ClientEvent::Closed`]; on a
    /// live association it cuts the transport under it.
    pub fn shutdown(&mut self) -> io::Result<()> {
        match self.stream.shutdown(std::net::Shutdown::Both) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            r => r,
        }
    }

    /// True once the association has ended.
    pub fn is_closed(&self) -> bool {
        self.endpoint.is_closed() || self.peer_eof
    }

    /// True once the peer accepted our conclude (conclude-ResponsePDU received).
    pub fn concluded(&self) -> bool {
        self.concluded
    }

    /// Why the association was refused, if it was.
    pub fn refusal(&self) -> Option<&ClientError> {
        self.refusal.as_ref()
    }

    /// The phase of the association.
    pub fn phase(&self) -> Phase {
        self.endpoint.phase()
    }

    /// Requests sent and not yet answered, plus those waiting for a slot.
    pub fn pending(&self) -> usize {
        self.inflight.len() + self.waiting.len()
    }

    /// The earliest deadline (the endpoint's: establishment, requests, conclude; a queued
    /// request's; the TLS session's; the TLS handshake's): call [`Connection::drive`] by then.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let endpoint = if self.endpoint_pending {
            self.handshake_deadline
        } else {
            self.endpoint.poll_timeout()
        };
        let queued = self.waiting.front().map(|(_, _, d)| *d);
        let next = earliest(earliest(endpoint, queued), self.pump.poll_timeout());
        #[cfg(feature = "xmpp")]
        let next = earliest(next, self.xmpp_timeout());
        next
    }

    /// Queues a confirmed request (ISO 9506-2 §7.2); it goes out at once when a slot is free.
    pub fn request(&mut self, service: &ConfirmedServiceRequest<'_>) -> RequestId {
        // A free slot and nobody queued before us: straight into the transmit buffer, with no
        // copy of the request of its own.
        if self.waiting.is_empty() && self.endpoint.request_capacity() > 0 {
            let id = RequestId(self.next_request);
            self.next_request += 1;
            match self.endpoint.send_request(service) {
                Ok(invoke_id) => {
                    self.inflight.insert(invoke_id, id);
                }
                Err(e) => self
                    .events
                    .push_back(ClientEvent::Answer(id, Err(ClientError::NotSent(e)))),
            }
            return id;
        }
        self.scratch.clear();
        service.encode(&mut self.scratch);
        let bytes = self.scratch.as_slice().to_vec();
        self.request_encoded(bytes)
    }

    /// Queues a confirmed request whose service CHOICE is already encoded.
    pub fn request_encoded(&mut self, service: Vec<u8>) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        let deadline = Instant::now() + self.config.request_timeout;
        self.waiting.push_back((id, service, deadline));
        self.send_waiting();
        id
    }

    /// Answers a request from the server (both roles on one association).
    pub fn respond(&mut self, invoke_id: u32, result: &ServiceResult) -> Result<(), ClientError> {
        let r = match result {
            Ok(resp) => self.endpoint.send_response(invoke_id, resp),
            Err(e) => self.endpoint.send_error(invoke_id, e),
        };
        r.map_err(ClientError::NotSent)
    }

    /// Rejects a request from the server (e.g. unrecognized-service when there is no handler).
    pub fn reject(&mut self, invoke_id: u32, reason: RejectReason) -> Result<(), ClientError> {
        self.endpoint
            .send_reject(invoke_id, reason)
            .map_err(ClientError::NotSent)
    }

    /// Sends an unconfirmed PDU (an ICCP client acknowledges critical transfer reports with an
    /// informationReport).
    pub fn send_unconfirmed(
        &mut self,
        service: &UnconfirmedService<'_>,
    ) -> Result<(), ClientError> {
        self.endpoint
            .send_unconfirmed(service)
            .map_err(ClientError::NotSent)
    }

    /// Sends an already-encoded unconfirmed PDU (the whole MMSpdu).
    pub fn send_encoded(&mut self, pdu: &[u8]) -> Result<(), ClientError> {
        self.endpoint
            .send_encoded(pdu)
            .map_err(ClientError::NotSent)
    }

    /// Concludes (ISO 9506-2 §8.3) and releases the association; [`ClientEvent::Closed`]
    /// follows.
    pub fn conclude(&mut self) -> Result<(), ClientError> {
        self.endpoint.conclude().map_err(ClientError::NotSent)
    }

    /// Aborts the association at once.
    pub fn abort(&mut self) {
        let _ = self.endpoint.abort();
        self.flush();
        self.close_all(CloseReason::Aborted);
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Does the I/O: reads what the socket has, processes it, sends what is due, checks
    /// deadlines. Call on readiness events and at [`Connection::poll_timeout`].
    pub fn drive(&mut self, now: Instant) {
        self.drive_ready(now, true);
    }

    /// As [`Connection::drive`], saying whether the socket was reported readable since the
    /// last call. Without readiness, the socket is read only if the last read left input
    /// behind; a short read counts as having drained it (edge-triggered readiness reports the
    /// next arrival), so no read that can only return would-block is made.
    pub fn drive_ready(&mut self, now: Instant, readable: bool) {
        if readable {
            self.unread = true;
        }
        if !self.peer_eof && self.unread {
            self.read();
        }
        self.process();
        self.send_waiting();
        self.timeouts(now);
        if self.endpoint.is_closed() && self.endpoint.transmit().is_empty() {
            // close_notify once the release is sent (RFC 5246 §7.2.1).
            self.pump.close_notify();
        }
        self.flush();
        if self.peer_eof || self.endpoint.is_closed() {
            let reason = if self.endpoint.is_closed() {
                CloseReason::Released
            } else {
                CloseReason::Disconnected
            };
            if self.endpoint.transmit().is_empty() || self.peer_eof {
                self.close_all(reason);
            }
        }
    }

    /// Reads what the socket has, processing as it goes so the endpoint's buffer does not fill;
    /// makes the endpoint when the TLS handshake completes.
    fn read(&mut self) {
        #[cfg(feature = "xmpp")]
        if self.xmpp.is_some() {
            self.xmpp_read();
            return;
        }
        loop {
            // Plain TCP: a read that returns less than the room offered drained the socket.
            let room = (!self.endpoint_pending && !self.pump.is_tls())
                .then(|| self.endpoint.recv_buffer().len());
            let machine: Option<&mut dyn cot::pump::Machine> = if self.endpoint_pending {
                None
            } else {
                Some(&mut self.endpoint)
            };
            match self.pump.read(&mut self.stream, machine) {
                Input::Blocked => {
                    self.unread = false;
                    return;
                }
                Input::Delivered(n) if room.is_some_and(|r| n < r) => {
                    self.process();
                    self.unread = false;
                    // Dry: give idle receive memory back, as the pump does at would-block.
                    self.endpoint.recv_release();
                    return;
                }
                Input::Ended(End::Tls(e)) => {
                    self.tls_failed(e);
                    return;
                }
                Input::Ended(end) => {
                    if !matches!(end, End::Closed) {
                        log::debug!("client read failed: {end}");
                    }
                    self.peer_eof = true;
                    return;
                }
                Input::Full => {
                    self.process();
                    if self.endpoint.recv_buffer().is_empty() {
                        // The endpoint cannot take more until its events are drained by the
                        // caller; the rest is read at the next drive.
                        return;
                    }
                }
                Input::Progress => {
                    if self.endpoint_pending && self.pump.ready() {
                        if let Err(e) = self.tls_established() {
                            log::info!("{e}");
                            self.peer_eof = true;
                            self.close_all(CloseReason::Failed(Box::new(e)));
                            return;
                        }
                    }
                    // The handshake may have something to send.
                    self.flush();
                }
                // Delivered, and anything a newer pump reports: process and read on.
                _ => self.process(),
            }
        }
    }

    /// The handshake completed: the provider (with the server's certificate) and the endpoint.
    fn tls_established(&mut self) -> Result<(), Failure> {
        let Some(tls) = self.pump.tls_session() else {
            return Ok(());
        };
        log::debug!(
            "TLS {} {} established{}",
            tls.protocol_version()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            tls.cipher_name().unwrap_or("?"),
            if tls.session_reused() {
                " (resumed)"
            } else {
                ""
            }
        );
        let transport = TransportSecurity {
            tls: true,
            peer_certificate: tls.peer_certificate_der(),
        };
        let provider = Connection::provider(&self.config, &transport)?;
        // The handshake ran under the connect time-out; the endpoint gets what is left of it.
        let now = Instant::now();
        let left = self
            .handshake_deadline
            .take()
            .map(|d| d.saturating_duration_since(now));
        self.endpoint = Endpoint::connect(endpoint_config(&self.config, left), provider);
        self.endpoint_pending = false;
        // Arms the session's timers (renegotiation / key update, CRL reload).
        if let Err(End::Tls(e)) = self.pump.handle_timeout(now) {
            return Err(tls_failure(e));
        }
        Ok(())
    }

    fn tls_failed(&mut self, e: cot::tls::TlsError) {
        log::info!("TLS failed: {e}");
        // Send the alert OpenSSL produced, then end.
        self.flush();
        self.peer_eof = true;
        self.handshake_deadline = None;
        let reason = CloseReason::Failed(Box::new(tls_failure(e)));
        let err = ClientError::Closed(reason.clone());
        self.fail_all(&err);
        if self.refusal.is_none() {
            self.refusal = Some(err);
        }
        self.close_all(reason);
    }

    fn process(&mut self) {
        if self.endpoint_pending {
            return;
        }
        loop {
            let event = match self.endpoint.poll_event() {
                Ok(Some(e)) => e,
                Ok(None) => return,
                Err(e) => {
                    log::info!("association failed: {e}");
                    self.close_all(CloseReason::Failed(Box::new(Failure::Association(e))));
                    return;
                }
            };
            match event {
                MmsEvent::Established(n) => {
                    self.events.push_back(ClientEvent::Established(n));
                }
                MmsEvent::Refused(refusal) => {
                    log::info!("initiate refused: {refusal}");
                    let err = ClientError::Refused(refusal.clone());
                    self.fail_all(&err);
                    self.closed_reported = true;
                    self.events
                        .push_back(ClientEvent::Closed(CloseReason::Refused(refusal)));
                    self.refusal = Some(err);
                    return;
                }
                MmsEvent::Response { pdu, raw } => {
                    let id = pdu.invoke_id;
                    let pdu = raw.to_vec();
                    if let Some(rid) = self.inflight.remove(&id) {
                        self.events
                            .push_back(ClientEvent::Answer(rid, Ok(Answer { pdu })));
                    }
                }
                MmsEvent::Error(e) => {
                    if let Some(rid) = self.inflight.remove(&e.invoke_id) {
                        let err = ClientError::Service(owned_service_error(&e.service_error));
                        self.events.push_back(ClientEvent::Answer(rid, Err(err)));
                    }
                }
                MmsEvent::Rejected(r) => {
                    match r
                        .original_invoke_id
                        .and_then(|id| self.inflight.remove(&id))
                    {
                        Some(rid) => self.events.push_back(ClientEvent::Answer(
                            rid,
                            Err(ClientError::Rejected(r.reason)),
                        )),
                        None => self.events.push_back(ClientEvent::Rejected(r)),
                    }
                }
                MmsEvent::Unconfirmed { raw, .. } => {
                    self.events
                        .push_back(ClientEvent::Unconfirmed(Unconfirmed { pdu: raw.to_vec() }));
                }
                MmsEvent::Request { pdu, raw } => {
                    self.events.push_back(ClientEvent::Request(PeerRequest {
                        invoke_id: pdu.invoke_id,
                        pdu: raw.to_vec(),
                    }));
                }
                MmsEvent::CancelRequest(id) => {
                    let _ = self
                        .endpoint
                        .send_cancel_error(id, &ServiceError::cancel_not_possible());
                }
                MmsEvent::ProtocolError { error, reject } => {
                    log::info!(
                        "server sent a PDU we could not accept: {error}{}",
                        if reject.is_some() { " (rejected)" } else { "" }
                    );
                }
                MmsEvent::RequestTimedOut(id) => {
                    if let Some(rid) = self.inflight.remove(&id) {
                        self.events
                            .push_back(ClientEvent::Answer(rid, Err(ClientError::Timeout)));
                    }
                }
                MmsEvent::Closed(CloseReason::TimedOut(d)) => {
                    log::info!("association aborted: {d}");
                    if d == acse::timer::Deadline::Establishment {
                        self.fail_all(&ClientError::Timeout);
                    }
                    self.close_all(CloseReason::TimedOut(d));
                }
                MmsEvent::Closed(reason) => {
                    self.close_all(reason);
                }
                MmsEvent::Concluded => self.concluded = true,
                MmsEvent::ConcludeIndication => {}
                MmsEvent::ConcludeRefused(e) => {
                    log::info!("conclude refused: {:?}", e.error_class);
                }
                other => log::debug!("client: {other:?}"),
            }
        }
    }

    /// Moves waiting requests into free slots.
    fn send_waiting(&mut self) {
        if self.endpoint_pending || self.endpoint.phase() != Phase::Associated {
            return;
        }
        while self.endpoint.request_capacity() > 0 {
            let Some((rid, bytes, deadline)) = self.waiting.pop_front() else {
                return;
            };
            match self.endpoint.send_request_encoded(&bytes) {
                Ok(invoke_id) => {
                    // The endpoint's own deadline starts now; the time spent queued is the
                    // queue's.
                    let _ = deadline;
                    self.inflight.insert(invoke_id, rid);
                }
                Err(SendError::TooManyOutstanding(_)) => {
                    self.waiting.push_front((rid, bytes, deadline));
                    return;
                }
                Err(e) => {
                    self.events
                        .push_back(ClientEvent::Answer(rid, Err(ClientError::NotSent(e))));
                }
            }
        }
    }

    /// Runs the timers due at `now`: the TLS handshake's, the session's, the endpoint's (whose
    /// events `process` turns into answers and closure), the queue's.
    fn timeouts(&mut self, now: Instant) {
        #[cfg(feature = "xmpp")]
        self.xmpp_timers(now);
        if self.endpoint_pending {
            if self.handshake_deadline.is_some_and(|d| now >= d) {
                self.handshake_deadline = None;
                log::info!("TLS handshake not completed within the connect time-out");
                self.peer_eof = true;
                self.fail_all(&ClientError::Timeout);
                self.close_all(CloseReason::TimedOut(acse::timer::Deadline::Establishment));
            }
            return;
        }
        if let Err(end) = self.pump.handle_timeout(now) {
            match end {
                End::Tls(e) => self.tls_failed(e),
                other => log::debug!("TLS timers: {other}"),
            }
            return;
        }
        self.endpoint.handle_timeout(now);
        self.process();
        while self.waiting.front().is_some_and(|(_, _, d)| now >= *d) {
            if let Some((rid, _, _)) = self.waiting.pop_front() {
                self.events
                    .push_back(ClientEvent::Answer(rid, Err(ClientError::Timeout)));
            }
        }
        self.send_waiting();
    }

    /// Writes what the endpoint and the TLS session have to send.
    fn flush(&mut self) {
        #[cfg(feature = "xmpp")]
        if self.xmpp.is_some() {
            self.xmpp_flush();
            return;
        }
        let machine: Option<&mut dyn cot::pump::Machine> = if self.endpoint_pending {
            None
        } else {
            Some(&mut self.endpoint)
        };
        if let Err(end) = self.pump.flush(&mut self.stream, machine) {
            log::debug!("client write failed: {end}");
            self.peer_eof = true;
        }
    }

    fn fail_all(&mut self, err: &ClientError) {
        let mut all: Vec<RequestId> = self.inflight.drain().map(|(_, r)| r).collect();
        all.extend(self.waiting.drain(..).map(|(r, _, _)| r));
        all.sort();
        for rid in all {
            self.events
                .push_back(ClientEvent::Answer(rid, Err(err.clone())));
        }
    }

    fn close_all(&mut self, reason: CloseReason) {
        if self.closed_reported {
            return;
        }
        self.closed_reported = true;
        self.fail_all(&ClientError::Closed(reason.clone()));
        self.events.push_back(ClientEvent::Closed(reason));
    }
}

/// The endpoint configuration of a client association: the configured one with the client's
/// time-outs (`establish`: what is left of the connect time-out after a TLS handshake).
fn endpoint_config(config: &ClientConfig, establish: Option<Duration>) -> EndpointConfig {
    let mut c = config.endpoint.clone();
    c.request_timeout = Some(config.request_timeout);
    let t = &mut c.association.timeouts;
    t.establish = Some(establish.unwrap_or(config.connect_timeout));
    t.release = Some(config.release_timeout);
    c
}

/// A T-profile failure as a [`Failure`].
fn tls_failure(e: cot::tls::TlsError) -> Failure {
    Failure::Tls {
        code: e.code,
        detail: e.detail,
    }
}

/// An owned copy of a ServiceError (the service-specific information is dropped).
pub(crate) fn owned_service_error(e: &ServiceError<'_>) -> ServiceError<'static> {
    ServiceError {
        error_class: e.error_class,
        additional_code: e.additional_code,
        additional_description: e
            .additional_description
            .as_ref()
            .map(|d| std::borrow::Cow::Owned(d.to_string())),
        service_specific_info: None,
    }
}
