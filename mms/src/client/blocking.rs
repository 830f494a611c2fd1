//! The blocking MMS client: a [`Connection`] run by a `mio` loop on a thread of its own, so that
//! any number of application threads can issue requests at once (pipelined up to the negotiated
//! outstanding limit, ISO 9506-2 §8.2.1), informationReports arrive while nobody is calling, and
//! confirmed requests from the server (dual-direction ICCP) are answered by a [`Handler`].

use acse::security::AuthenticatedPeer;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
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

enum Cmd {
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

/// What the I/O thread reports once the association is up.
type Established = (Negotiated, Option<AuthenticatedPeer>, Option<TlsInfo>);

struct Inner {
    tx: Mutex<Sender<Cmd>>,
    waker: Arc<Waker>,
    negotiated: Negotiated,
    authenticated_peer: Option<AuthenticatedPeer>,
    tls_info: Option<TlsInfo>,
    peer: SocketAddr,
    thread: Mutex<Option<JoinHandle<()>>>,
    unconfirmed: Mutex<Option<Receiver<Unconfirmed>>>,
    closed: Arc<AtomicBool>,
}

impl Inner {
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
}

/// A blocking MMS client on one association. Cheap to clone; every clone talks over the same
/// association. Dropping the last clone aborts the association if it is still up; call
/// [`Client::conclude`] to end it properly.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
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
                tx: Mutex::new(tx),
                waker,
                negotiated,
                authenticated_peer,
                tls_info,
                peer,
                thread: Mutex::new(Some(thread)),
                unconfirmed: Mutex::new(Some(unconf_rx)),
                closed,
            }),
        })
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
        let t = self.inner.thread.lock().ok().and_then(|mut g| g.take());
        if let Some(t) = t {
            let _ = t.join();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
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
    closed: Arc<AtomicBool>,
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
            // Drive until quiet: answers a handler gave while events were handled must go out
            // now, not at the next wake-up.
            loop {
                self.conn.drive(Instant::now());
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
                let mut info = AssociationInfo::new(0, n);
                info.peer_addr = Some(self.peer);
                info.authenticated_peer = self.conn.authenticated_peer();
                info.tls = self.conn.tls_session().is_some();
                info.application_security = self.conn.application_security();
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
                if self.unconfirmed.try_send(u).is_err() {
                    log::warn!("unconfirmed PDU dropped: nobody is reading them");
                }
            }
            ClientEvent::Request(req) => self.peer_request(req),
            ClientEvent::Rejected(r) => log::info!("the server rejected a PDU: {r:?}"),
            ClientEvent::Closed(reason) => {
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
