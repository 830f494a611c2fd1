//! The blocking MMS client: a [`Connection`] run by a `mio` loop on a thread of its own, so that
//! any number of application threads can issue requests at once (pipelined up to the negotiated
//! outstanding limit, ISO 9506-2 §8.2.1), informationReports arrive while nobody is calling, and
//! confirmed requests from the server (dual-direction ICCP) are answered by a [`Handler`].

use acse::address::Address;
use acse::association::AeTitle;
use acse::security::AuthenticatedPeer;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use copp::ber::Writer;
use mio::{Events, Poll, Token, Waker};

use crate::client::connection::{
    Answer, ClientConfig, ClientError, ClientEvent, Connection, RequestId, TlsInfo, Unconfirmed,
};
use crate::endpoint::{CloseReason, SendError};
use crate::pdu::{ConfirmedServiceRequest, UnconfirmedService};
use crate::reject::{ConfirmedRequestProblem, RejectReason};
use crate::server::handler::{
    AssociationInfo, Handler, Negotiated, Reply, RequestContext, ResponseSink, ServiceResult,
};

const SOCKET: Token = Token(0);
const WAKE: Token = Token(1);
/// Unconfirmed PDUs kept for the application before new ones are dropped (with a log line).
const UNCONFIRMED_QUEUE: usize = 4096;

/// What a blocking client asks of whatever carries its association.
pub(crate) enum Cmd {
    Request {
        service: Vec<u8>,
        reply: SyncSender<Result<Answer, ClientError>>,
    },
    Unconfirmed(Vec<u8>),
    Respond {
        invoke_id: u32,
        result: ServiceResult,
    },
    Conclude(SyncSender<Result<(), ClientError>>),
    Abort,
}

/// Association ids the client side gives its handler ([`AssociationInfo::id`]): from 2^63 up,
/// apart from a server's, so one handler can serve both sides.
static NEXT_ASSOCIATION: AtomicU64 = AtomicU64::new(1 << 63);

/// What the I/O thread reports once the association is up.
type Established = (Negotiated, Option<AuthenticatedPeer>, Option<TlsInfo>);

/// Carries a blocking client's commands to its association: the client's own I/O thread
/// ([`ThreadRoute`]), or the server loop that accepted the association when the client is the
/// server's own requester on it (both roles on one association,
/// [`crate::server::ServerHandle::client`]).
pub(crate) trait Route: Send + Sync {
    /// Hands a command over; fails when the association is gone.
    fn send(&self, cmd: Cmd) -> Result<(), ClientError>;
    /// Waits until the association's I/O is over (after a conclude or an abort), where the
    /// route owns it.
    fn join(&self);
    /// The last clone of the client went away.
    fn dropped(&self);
}

/// The route of a client that owns its connection: a channel and a waker into its I/O thread.
struct ThreadRoute {
    tx: Mutex<Sender<Cmd>>,
    waker: Arc<Waker>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Route for ThreadRoute {
    fn send(&self, cmd: Cmd) -> Result<(), ClientError> {
        let ok = match self.tx.lock() {
            Ok(tx) => tx.send(cmd).is_ok(),
            Err(_) => false,
        };
        if ok && self.waker.wake().is_ok() {
            Ok(())
        } else {
            Err(ClientError::Closed(CloseReason::Disconnected))
        }
    }

    fn join(&self) {
        let t = self.thread.lock().ok().and_then(|mut g| g.take());
        if let Some(t) = t {
            let _ = t.join();
        }
    }

    /// Aborts the association if it is still up and waits for the I/O thread.
    fn dropped(&self) {
        if let Ok(mut t) = self.thread.lock() {
            if let Some(t) = t.take() {
                if let Ok(tx) = self.tx.lock() {
                    let _ = tx.send(Cmd::Abort);
                }
                let _ = self.waker.wake();
                let _ = t.join();
            }
        }
    }
}

struct Inner {
    route: Box<dyn Route>,
    negotiated: Negotiated,
    authenticated_peer: Option<AuthenticatedPeer>,
    tls_info: Option<TlsInfo>,
    peer: SocketAddr,
    unconfirmed: Mutex<Option<Receiver<Unconfirmed>>>,
    closed: Arc<AtomicBool>,
    handler_association: Option<u64>,
}

impl Inner {
    fn send(&self, cmd: Cmd) -> Result<(), ClientError> {
        self.route.send(cmd)
    }
}

/// What [`Client::over_route`] needs to know of an association carried by someone else.
pub(crate) struct RoutedAssociation {
    pub negotiated: Negotiated,
    pub authenticated_peer: Option<AuthenticatedPeer>,
    pub peer: SocketAddr,
    pub unconfirmed: Receiver<Unconfirmed>,
    pub closed: Arc<AtomicBool>,
}

/// A blocking MMS client on one association. Cheap to clone; every clone talks over the same
/// association. Dropping the last clone aborts the association if it is still up; call
/// [`Client::conclude`] to end it properly.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// A [`Client`] that does not keep the association alive (the TASE.2 server's way out to
/// associations a client opened).
#[derive(Clone)]
#[cfg_attr(not(all(feature = "tase2", feature = "model")), allow(dead_code))]
pub(crate) struct WeakClient(std::sync::Weak<Inner>);

#[cfg_attr(not(all(feature = "tase2", feature = "model")), allow(dead_code))]
impl WeakClient {
    /// The client, while some clone of it lives.
    pub(crate) fn upgrade(&self) -> Option<Client> {
        self.0.upgrade().map(|inner| Client { inner })
    }
}

/// A request on its way: [`Pending::wait`] for its answer.
#[derive(Debug)]
pub struct Pending {
    rx: Receiver<Result<Answer, ClientError>>,
}

impl Pending {
    /// Waits for the answer (the request time-out bounds the wait).
    pub fn wait(self) -> Result<Answer, ClientError> {
        self.rx
            .recv()
            .unwrap_or(Err(ClientError::Closed(CloseReason::Disconnected)))
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("peer", &self.inner.peer)
            .field("negotiated", &self.inner.negotiated)
            .finish()
    }
}

/// A [`ResponseSink`] into the client's I/O thread (deferred answers of the handler).
struct ClientSink {
    tx: Sender<Cmd>,
    waker: Arc<Waker>,
}

impl ResponseSink for ClientSink {
    fn complete(&self, _association: u64, invoke_id: u32, result: ServiceResult) {
        if self.tx.send(Cmd::Respond { invoke_id, result }).is_ok() {
            let _ = self.waker.wake();
        }
    }
}

impl Client {
    /// Connects and completes the initiate exchange (ISO 9506-2 §8.2), or fails with why.
    pub fn connect(addr: impl ToSocketAddrs, config: ClientConfig) -> Result<Client, ClientError> {
        Client::connect_with(addr, config, None)
    }

    /// As [`Client::connect`], with a [`Handler`] answering confirmed requests the server sends
    /// on this association (both roles, as ICCP dual-direction bilateral agreements need).
    /// Without one, such requests are rejected with unrecognized-service.
    ///
    /// The handler sees the partner as a server would see a caller: its
    /// [`AssociationInfo::calling`] is the AE-title we called (the partner), `called` our own,
    /// so per-partner tables (ICCP bilateral tables) key on the partner in both directions. It
    /// hears the partner's unconfirmed PDUs too (e.g. acknowledgements of reports it sent),
    /// besides [`Client::unconfirmed`].
    pub fn connect_with(
        addr: impl ToSocketAddrs,
        config: ClientConfig,
        handler: Option<Arc<dyn Handler>>,
    ) -> Result<Client, ClientError> {
        let peer = addr.to_socket_addrs()?.next().ok_or_else(|| {
            ClientError::from(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the address resolved to nothing",
            ))
        })?;
        let connect_timeout = config.connect_timeout;
        // The handler's view: the partner (the AE we call) is the peer, as on a server.
        let partner = ae_title(&config.endpoint.association.remote);
        let ourselves = ae_title(&config.endpoint.association.local);
        let association_id = NEXT_ASSOCIATION.fetch_add(1, Ordering::Relaxed);
        let stream = std::net::TcpStream::connect_timeout(&peer, connect_timeout)?;
        stream.set_nonblocking(true)?;
        let mut conn = Connection::from_stream(mio::net::TcpStream::from_std(stream), config)?;
        let poll = Poll::new()?;
        conn.register(poll.registry(), SOCKET)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
        let (tx, rx) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let (unconf_tx, unconf_rx) = mpsc::sync_channel(UNCONFIRMED_QUEUE);
        let closed = Arc::new(AtomicBool::new(false));
        let io = IoThread {
            poll,
            conn,
            rx,
            sink: Arc::new(ClientSink {
                tx: tx.clone(),
                waker: waker.clone(),
            }),
            handler,
            peer,
            replies: std::collections::HashMap::new(),
            conclude: None,
            unconfirmed: unconf_tx,
            ready: Some(ready_tx),
            info: None,
            association_id,
            partner,
            ourselves,
            closed: closed.clone(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("mms-client-{peer}"))
            .spawn(move || io.run())?;
        let (negotiated, authenticated_peer, tls_info) =
            match ready_rx.recv_timeout(connect_timeout + Duration::from_secs(1)) {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    let _ = thread.join();
                    return Err(e);
                }
                Err(_) => return Err(ClientError::Timeout),
            };
        Ok(Client {
            inner: Arc::new(Inner {
                route: Box::new(ThreadRoute {
                    tx: Mutex::new(tx),
                    waker,
                    thread: Mutex::new(Some(thread)),
                }),
                negotiated,
                authenticated_peer,
                tls_info,
                peer,
                unconfirmed: Mutex::new(Some(unconf_rx)),
                closed,
                handler_association: Some(association_id),
            }),
        })
    }

    /// A client whose association someone else carries (the server runtime, for the server's
    /// own requests on an association it accepted).
    pub(crate) fn over_route(route: Box<dyn Route>, a: RoutedAssociation) -> Client {
        Client {
            inner: Arc::new(Inner {
                route,
                negotiated: a.negotiated,
                authenticated_peer: a.authenticated_peer,
                tls_info: None,
                peer: a.peer,
                unconfirmed: Mutex::new(Some(a.unconfirmed)),
                closed: a.closed,
                handler_association: None,
            }),
        }
    }

    /// What the initiate exchange negotiated.
    pub fn negotiated(&self) -> &Negotiated {
        &self.inner.negotiated
    }

    /// The server identity the security provider authenticated (IEC 62351-4
    /// A-security-profile or end-to-end security), if any.
    pub fn authenticated_peer(&self) -> Option<&AuthenticatedPeer> {
        self.inner.authenticated_peer.as_ref()
    }

    /// What the TLS handshake negotiated (T-profile: version, suite, resumption, the
    /// server's certificate), when the client connected over TLS ([`ClientConfig::tls`]).
    pub fn tls_info(&self) -> Option<&TlsInfo> {
        self.inner.tls_info.as_ref()
    }

    /// The [`AssociationInfo::id`] the handler given to [`Client::connect_with`] sees for this
    /// association (unique in the process, apart from the ids of a server's associations);
    /// `None` for a client made by [`crate::server::ServerHandle::client`].
    pub fn handler_association(&self) -> Option<u64> {
        self.inner.handler_association
    }

    /// A reference that does not keep the association up.
    #[cfg_attr(not(all(feature = "tase2", feature = "model")), allow(dead_code))]
    pub(crate) fn downgrade(&self) -> WeakClient {
        WeakClient(Arc::downgrade(&self.inner))
    }

    /// The server's address.
    pub fn peer(&self) -> SocketAddr {
        self.inner.peer
    }

    /// True once the association has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    /// Sends a confirmed request and returns at once; [`Pending::wait`] gives the answer.
    /// Requests beyond the negotiated outstanding limit wait in the client until a slot frees.
    pub fn send(&self, service: &ConfirmedServiceRequest<'_>) -> Result<Pending, ClientError> {
        let mut w = Writer::with_capacity(256);
        service.encode(&mut w);
        let (reply, rx) = mpsc::sync_channel(1);
        self.inner.send(Cmd::Request {
            service: w.into_vec(),
            reply,
        })?;
        Ok(Pending { rx })
    }

    /// Sends a confirmed request and waits for its answer. A Confirmed-ErrorPDU or RejectPDU
    /// comes back as [`ClientError::Service`] / [`ClientError::Rejected`]; the association
    /// stays up.
    pub fn request(&self, service: &ConfirmedServiceRequest<'_>) -> Result<Answer, ClientError> {
        self.send(service)?.wait()
    }

    /// Sends an unconfirmed PDU (ISO 9506-2 §7.3), e.g. an informationReport acknowledging an
    /// ICCP critical transfer report.
    pub fn send_unconfirmed(&self, service: &UnconfirmedService<'_>) -> Result<(), ClientError> {
        let mut w = Writer::with_capacity(256);
        crate::pdu::write_unconfirmed_pdu(&mut w, service);
        let pdu = w.into_vec();
        if pdu.len() > self.inner.negotiated.max_pdu_size {
            return Err(ClientError::NotSent(SendError::PduTooLarge {
                size: pdu.len(),
                max: self.inner.negotiated.max_pdu_size,
            }));
        }
        self.inner.send(Cmd::Unconfirmed(pdu))
    }

    /// The unconfirmed PDUs (informationReports) the server sends, in order. Can be taken once;
    /// later calls return `None`. If nobody takes them, the newest are dropped beyond 4096.
    pub fn unconfirmed(&self) -> Option<Receiver<Unconfirmed>> {
        self.inner
            .unconfirmed
            .lock()
            .ok()
            .and_then(|mut g| g.take())
    }

    /// Concludes (ISO 9506-2 §8.3) and releases the association, waiting for both to finish.
    /// Returns `Ok` once the peer accepted the conclude, even if it then aborts rather than
    /// answering the ACSE release (a hat-drivers habit).
    pub fn conclude(&self) -> Result<(), ClientError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.inner.send(Cmd::Conclude(tx))?;
        let r = rx
            .recv()
            .unwrap_or(Err(ClientError::Closed(CloseReason::Disconnected)));
        self.join();
        r
    }

    /// Aborts the association (ACSE A-ABORT).
    pub fn abort(&self) {
        let _ = self.inner.send(Cmd::Abort);
        self.join();
    }

    fn join(&self) {
        self.inner.route.join();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.route.dropped();
    }
}

struct IoThread {
    poll: Poll,
    conn: Connection,
    rx: Receiver<Cmd>,
    /// Where the handler's deferred answers go (into this thread, through `rx`).
    sink: Arc<dyn ResponseSink>,
    handler: Option<Arc<dyn Handler>>,
    peer: SocketAddr,
    replies: std::collections::HashMap<RequestId, SyncSender<Result<Answer, ClientError>>>,
    conclude: Option<SyncSender<Result<(), ClientError>>>,
    unconfirmed: SyncSender<Unconfirmed>,
    ready: Option<SyncSender<Result<Established, ClientError>>>,
    info: Option<AssociationInfo>,
    /// The id the handler sees ([`Client::handler_association`]).
    association_id: u64,
    /// The AE-title we called and our own: the handler sees them as `calling` and `called`.
    partner: AeTitle,
    ourselves: AeTitle,
    closed: Arc<AtomicBool>,
}

/// The AE-title part of an address.
fn ae_title(a: &Address) -> AeTitle {
    AeTitle {
        ap_title: a.ap_title.clone(),
        ae_qualifier: a.ae_qualifier,
        ap_invocation_id: a.ap_invocation_id,
        ae_invocation_id: a.ae_invocation_id,
    }
}

impl IoThread {
    fn run(mut self) {
        let mut events = Events::with_capacity(64);
        loop {
            // Sleep until the earliest deadline of the machines (or a command's wake-up).
            let timeout = self
                .conn
                .poll_timeout()
                .map(|d| d.saturating_duration_since(Instant::now()));
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    log::error!("client poll failed: {e}");
                    self.conn.abort();
                }
            }
            while let Ok(cmd) = self.rx.try_recv() {
                self.command(cmd);
            }
            // Read only when the socket said so (or input was left behind): a wake-up for a
            // command costs no read that would block.
            let mut readable = events.iter().any(|e| e.token() == SOCKET);
            // Drive until quiet: answers a handler gave while events were handled must go out
            // now, not at the next wake-up.
            loop {
                self.conn
                    .drive_ready(Instant::now(), std::mem::take(&mut readable));
                let mut handled = false;
                while let Some(ev) = self.conn.poll_event() {
                    handled = true;
                    if self.event(ev) {
                        self.closed.store(true, Ordering::SeqCst);
                        // Anyone still waiting learns the association is gone.
                        while let Ok(cmd) = self.rx.try_recv() {
                            self.refuse_command(cmd);
                        }
                        return;
                    }
                }
                if !handled {
                    break;
                }
            }
        }
    }

    fn command(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Request { service, reply } => {
                if self.conn.is_closed() {
                    let _ = reply.send(Err(ClientError::Closed(CloseReason::Disconnected)));
                    return;
                }
                let id = self.conn.request_encoded(service);
                self.replies.insert(id, reply);
            }
            Cmd::Unconfirmed(pdu) => {
                if let Err(e) = self.conn.send_encoded(&pdu) {
                    log::info!("unconfirmed PDU not sent: {e}");
                }
            }
            Cmd::Respond { invoke_id, result } => {
                if let Err(e) = self.conn.respond(invoke_id, &result) {
                    log::info!("answer to the server's request {invoke_id} not sent: {e}");
                }
            }
            Cmd::Conclude(done) => match self.conn.conclude() {
                Ok(()) => self.conclude = Some(done),
                Err(e) => {
                    let _ = done.send(Err(e));
                }
            },
            Cmd::Abort => self.conn.abort(),
        }
    }

    fn refuse_command(&mut self, cmd: Cmd) {
        let gone = || ClientError::Closed(CloseReason::Disconnected);
        match cmd {
            Cmd::Request { reply, .. } => {
                let _ = reply.send(Err(gone()));
            }
            Cmd::Conclude(done) => {
                let _ = done.send(Err(gone()));
            }
            _ => {}
        }
    }

    /// Handles one event; true when the association is over.
    fn event(&mut self, ev: ClientEvent) -> bool {
        match ev {
            ClientEvent::Established(n) => {
                let mut info = AssociationInfo::new(self.association_id, n);
                info.peer_addr = Some(self.peer);
                info.calling = self.partner.clone();
                info.called = self.ourselves.clone();
                info.authenticated_peer = self.conn.authenticated_peer();
                info.tls = self.conn.tls_session().is_some();
                info.application_security = self.conn.application_security();
                // The handler learns of the association as a server's would; a refusal cannot
                // undo an association we opened, so its requests are then served as the
                // handler decides (typically: access denied), and the refusal is logged.
                if let Some(handler) = &self.handler {
                    let admitted = handler.admit(&info).map_err(|r| r.reason().to_string());
                    let ready = admitted.and_then(|()| {
                        handler
                            .associated(&info)
                            .map_err(|e| format!("{:?}", e.error_class))
                    });
                    if let Err(why) = ready {
                        log::warn!("the local handler refused the partner {}: {why}", self.peer);
                    }
                }
                self.info = Some(info);
                if let Some(r) = self.ready.take() {
                    let _ = r.send(Ok((
                        n,
                        self.conn.authenticated_peer(),
                        self.conn.tls_info(),
                    )));
                }
            }
            ClientEvent::Answer(id, result) => {
                if let Some(reply) = self.replies.remove(&id) {
                    let _ = reply.send(result);
                }
            }
            ClientEvent::Unconfirmed(u) => {
                // The local handler hears them too: in the dual role, an ICCP partner's
                // Transfer_Report_ACK answers a report our handler's server side sent.
                if let (Some(handler), Some(info)) = (&self.handler, &self.info) {
                    if let Ok(service) = u.service() {
                        handler.unconfirmed(info, &service);
                    }
                }
                if self.unconfirmed.try_send(u).is_err() {
                    log::warn!("unconfirmed PDU dropped: nobody is reading them");
                }
            }
            ClientEvent::Request(req) => self.peer_request(req),
            ClientEvent::Rejected(r) => log::info!("the server rejected a PDU: {r:?}"),
            ClientEvent::Closed(reason) => {
                if let (Some(handler), Some(info)) = (&self.handler, &self.info) {
                    handler.closed(info);
                }
                let err = self
                    .conn
                    .refusal()
                    .cloned()
                    .unwrap_or(ClientError::Closed(reason.clone()));
                if let Some(r) = self.ready.take() {
                    let _ = r.send(Err(err.clone()));
                }
                for (_, reply) in self.replies.drain() {
                    let _ = reply.send(Err(err.clone()));
                }
                if let Some(done) = self.conclude.take() {
                    // The conclude-Response is what ends an MMS association properly; a peer
                    // that then aborts instead of answering the ACSE release (hat-drivers does)
                    // does not undo it.
                    let concluded = self.conn.concluded();
                    let _ = done.send(match reason {
                        CloseReason::Released => Ok(()),
                        _ if concluded => {
                            log::info!("conclude accepted; the peer then ended the association with {reason:?}");
                            Ok(())
                        }
                        other => Err(ClientError::Closed(other)),
                    });
                }
                return true;
            }
        }
        false
    }

    fn peer_request(&mut self, req: crate::client::connection::PeerRequest) {
        let invoke_id = req.invoke_id;
        let (Some(handler), Some(info)) = (self.handler.clone(), self.info.clone()) else {
            let _ = self.conn.reject(
                invoke_id,
                RejectReason::ConfirmedRequest(ConfirmedRequestProblem::UnrecognizedService),
            );
            return;
        };
        let service = match req.service() {
            Ok(s) => s,
            Err(e) => {
                log::info!("the server's request {invoke_id} did not decode: {e}");
                return;
            }
        };
        let mut ctx = RequestContext::new(&info, invoke_id, self.sink.clone());
        let reply = handler.confirmed(&mut ctx, &service);
        let responder = ctx.into_responder();
        match reply {
            Reply::Now(result) => {
                if let Some(r) = responder {
                    r.disarm();
                }
                let _ = self.conn.respond(invoke_id, &result);
            }
            Reply::Unsupported => {
                if let Some(r) = responder {
                    r.disarm();
                }
                let _ = self.conn.reject(
                    invoke_id,
                    RejectReason::ConfirmedRequest(ConfirmedRequestProblem::UnrecognizedService),
                );
            }
            Reply::Later => {
                // A responder still here answers service/other when dropped.
                drop(responder);
            }
        }
    }
}
