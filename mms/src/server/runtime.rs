//! The server runtime: `mio` event loops that serve many associations each (no thread per
//! connection), driving one sans-IO [`Endpoint`] per TCP connection and a shared [`Handler`].
//!
//! Fairness: a connection gets a bounded share of each turn of its loop (a few reads, at most
//! `EVENTS_PER_TURN` events served); what it has left waits for the next turn, after every
//! other ready connection. A peer that pipelines requests without end therefore delays other
//! associations by one share, not by everything it sent; and one that does not read its
//! answers is neither read nor served once [`ServerConfig::max_backlog`] octets wait for it.
//! An idle connection holds no receive buffer: the machines free it whenever the pump finds
//! the socket dry ([`cot::pump::Machine::recv_release`]).
//!
//! Each loop owns its connections; other threads reach a loop through a channel and a
//! `mio::Waker` (deferred answers from [`crate::server::Responder`]s, informationReports from
//! [`ServerHandle::send_unconfirmed`], shutdown). A peer that stalls (half a TPKT, or never
//! reading our answers) only holds its own connection: reads are non-blocking, a peer's backlog
//! is bounded by [`ServerConfig::max_backlog`], and time-outs close it.
//!
//! T-profile (IEC 62351-3, IEC 62351-4 §6): connections accepted on [`ServerConfig::tls_listen`]
//! run a [`TlsSession`](cot::tls::TlsSession) between the socket and the endpoint (TPKT inside the TLS record
//! stream, docs/facts.md F-203). The TLS handshake comes first, under the connect time-out; only
//! then is the security provider made (with [`TransportSecurity`] naming the TLS peer's
//! certificate) and the endpoint created. A TLS failure sends the alert OpenSSL produced and
//! closes the connection; a normal close sends close_notify.
//!
//! Both roles on one association: [`ServerHandle::client`] gives a blocking
//! [`Client`] whose requests go to the partner of an association the server accepted, through
//! the loop that serves it (the partner's answers, its unconfirmed PDUs and the end of the
//! association are routed back; `requester.rs` holds that state).
//!
//! Bytes move through one [`Pump`] per connection (plain or TLS), the transport driver every
//! runtime of the workspace shares. Timers live in the machines (`poll_timeout` /
//! `handle_timeout` of the endpoint, its association and the TLS session): the loop keeps a
//! heap of each connection's earliest deadline and sleeps until the first; only the TLS
//! handshake and the refusal of a connection over the limit, which run before any machine
//! exists, keep a deadline of the loop's own.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use acse::security::{Role as SecurityRole, TransportSecurity};
use acse::timer::earliest;
use cot::pump::{End, Input, Machine, Pump};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use crate::client::blocking::{Cmd, Route, RoutedAssociation};
use crate::client::connection::owned_service_error;
use crate::client::{Answer, Client, ClientError};
use crate::endpoint::{CloseReason, Endpoint, MmsEvent, Phase, SendError};
use crate::initiate::ServiceKind;
use crate::pdu::{write_unconfirmed_pdu, UnconfirmedService};
use crate::reject::{ConfirmedRequestProblem, RejectReason};
use crate::server::config::{ServerConfig, Stats, StatsSnapshot};
use crate::server::handler::{
    AssociationInfo, Handler, Negotiated, Reply, RequestContext, ResponseSink, ServiceResult,
};
use crate::server::requester::{AnswerTx, PeerSide};
use crate::service_error::{ErrorClass, ServiceError, ServiceProblem};

const WAKER: Token = Token(0);
const FIRST_LISTENER: usize = 1;
const FIRST_CONNECTION: usize = 1024;
/// Connections being refused over the association limit, at most, per loop; beyond it a new
/// connection is closed at once.
const MAX_REFUSING: usize = 64;
/// Reads per connection per turn of the loop, at most, before other connections get theirs.
const READ_ROUNDS: usize = 4;
/// Events (requests, mostly) served per connection per turn of the loop, at most: a peer that
/// pipelines requests without end gets this much of the loop before every other connection has
/// had its turn (fairness; a bystander waits for at most one such share per busy peer).
const EVENTS_PER_TURN: usize = 16;

#[cfg(feature = "xmpp")]
mod uplink_side;

/// A message to one event loop from another thread.
enum Command {
    /// A deferred answer.
    Complete {
        association: u64,
        invoke_id: u32,
        result: ServiceResult,
    },
    /// An encoded unconfirmed PDU for one association, or for every association of the loop.
    Unconfirmed {
        association: Option<u64>,
        pdu: Arc<[u8]>,
    },
    /// Abort one association.
    Abort(u64),
    /// Our confirmed request (an encoded service) to the partner of one association.
    PeerRequest {
        association: u64,
        service: Vec<u8>,
        reply: AnswerTx,
    },
    /// A client attaches to one association (its unconfirmed PDUs, its end).
    Attach {
        association: u64,
        unconfirmed: SyncSender<crate::client::Unconfirmed>,
        closed: Arc<std::sync::atomic::AtomicBool>,
        /// Told whether the association was found, once the attachment is in place.
        done: SyncSender<bool>,
    },
    /// Our conclude-Request to the partner of one association.
    PeerConclude {
        association: u64,
        done: SyncSender<Result<(), ClientError>>,
    },
    /// Stop: abort every association and end the loop.
    Shutdown,
}

struct LoopRemote {
    tx: Mutex<Sender<Command>>,
    waker: Waker,
}

impl LoopRemote {
    fn send(&self, c: Command) -> bool {
        let sent = match self.tx.lock() {
            Ok(tx) => tx.send(c).is_ok(),
            Err(_) => false,
        };
        sent && self.waker.wake().is_ok()
    }
}

/// What every loop and every handle shares.
struct Shared {
    loops: Vec<LoopRemote>,
    /// Association id → (loop index, info), for targeted commands and listings.
    registry: Mutex<HashMap<u64, (usize, Arc<AssociationInfo>)>>,
    active: AtomicUsize,
    next_id: AtomicU64,
    stats: Stats,
    stopping: AtomicBool,
}

/// A server bound to its listen addresses, ready to [`Server::run`] or [`Server::spawn`].
pub struct Server {
    config: ServerConfig,
    handler: Arc<dyn Handler>,
    /// The bound addresses, `listen` then `tls_listen` (never empty: `bind` refuses that).
    addrs: Vec<SocketAddr>,
    listeners: Vec<std::net::TcpListener>,
    /// Whether each listener serves TLS.
    listener_tls: Vec<bool>,
    polls: Vec<(Poll, Receiver<Command>)>,
    shared: Arc<Shared>,
}

/// A handle on a running (or about to run) server, usable from any thread: send
/// informationReports, list associations, read statistics, shut down.
#[derive(Clone)]
pub struct ServerHandle {
    shared: Arc<Shared>,
    addrs: Vec<SocketAddr>,
}

/// A server running on background threads ([`Server::spawn`]).
pub struct RunningServer {
    handle: ServerHandle,
    first_addr: SocketAddr,
    threads: Vec<JoinHandle<io::Result<()>>>,
}

impl Server {
    /// Binds the listen addresses of `config` and prepares its event loops.
    pub fn bind(config: ServerConfig, handler: Arc<dyn Handler>) -> io::Result<Server> {
        #[cfg(feature = "xmpp")]
        let xmpp = config.xmpp.is_some();
        #[cfg(not(feature = "xmpp"))]
        let xmpp = false;
        if config.listen.is_empty() && config.tls_listen.is_empty() && !xmpp {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no listen address configured",
            ));
        }
        if !config.tls_listen.is_empty() && config.tls.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "tls_listen needs a TLS configuration (ServerConfig::tls)",
            ));
        }
        let mut listeners = Vec::new();
        let mut addrs = Vec::new();
        let mut listener_tls = Vec::new();
        let all = config
            .listen
            .iter()
            .map(|a| (a, false))
            .chain(config.tls_listen.iter().map(|a| (a, true)));
        for (addr, tls) in all {
            let l = std::net::TcpListener::bind(addr)?;
            l.set_nonblocking(true)?;
            addrs.push(l.local_addr()?);
            listeners.push(l);
            listener_tls.push(tls);
        }
        let threads = config.threads.max(1);
        let mut polls = Vec::new();
        let mut loops = Vec::new();
        for _ in 0..threads {
            let poll = Poll::new()?;
            let waker = Waker::new(poll.registry(), WAKER)?;
            let (tx, rx) = mpsc::channel();
            loops.push(LoopRemote {
                tx: Mutex::new(tx),
                waker,
            });
            polls.push((poll, rx));
        }
        Ok(Server {
            config,
            handler,
            addrs,
            listeners,
            listener_tls,
            polls,
            shared: Arc::new(Shared {
                loops,
                registry: Mutex::new(HashMap::new()),
                active: AtomicUsize::new(0),
                next_id: AtomicU64::new(1),
                stats: Stats::default(),
                stopping: AtomicBool::new(false),
            }),
        })
    }

    /// The addresses actually bound (useful with port 0): `listen` then `tls_listen`.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.addrs.clone()
    }

    /// The first bound address (the unspecified address for a server reached only through
    /// XMPP).
    fn first_addr(&self) -> io::Result<SocketAddr> {
        Ok(self
            .addrs
            .first()
            .copied()
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0))))
    }

    /// A handle for other threads.
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            shared: self.shared.clone(),
            addrs: self.local_addrs(),
        }
    }

    /// Runs every event loop on background threads and returns at once.
    pub fn spawn(self) -> io::Result<RunningServer> {
        let handle = self.handle();
        let first_addr = self.first_addr()?;
        let mut threads = Vec::new();
        for (index, lp) in self.into_loops()?.into_iter().enumerate() {
            threads.push(
                std::thread::Builder::new()
                    .name(format!("mms-server-{index}"))
                    .spawn(move || lp.run())?,
            );
        }
        Ok(RunningServer {
            handle,
            first_addr,
            threads,
        })
    }

    /// Runs the server on this thread (and `threads - 1` more) until [`ServerHandle::shutdown`].
    pub fn run(self) -> io::Result<()> {
        let mut loops = self.into_loops()?.into_iter();
        let first = loops
            .next()
            .ok_or_else(|| io::Error::other("no event loop"))?;
        let mut threads = Vec::new();
        for (index, lp) in loops.enumerate() {
            threads.push(
                std::thread::Builder::new()
                    .name(format!("mms-server-{}", index + 1))
                    .spawn(move || lp.run())?,
            );
        }
        let r = first.run();
        for t in threads {
            match t.join() {
                Ok(Err(e)) => log::error!("server loop failed: {e}"),
                Err(_) => log::error!("server loop panicked"),
                Ok(Ok(())) => {}
            }
        }
        r
    }

    fn into_loops(self) -> io::Result<Vec<EventLoop>> {
        let mut out = Vec::new();
        for (index, (poll, rx)) in self.polls.into_iter().enumerate() {
            let mut listeners = Vec::new();
            for (i, l) in self.listeners.iter().enumerate() {
                let mut ml = TcpListener::from_std(l.try_clone()?);
                poll.registry()
                    .register(&mut ml, Token(FIRST_LISTENER + i), Interest::READABLE)?;
                listeners.push(ml);
            }
            out.push(EventLoop {
                index,
                poll,
                rx,
                listeners,
                listener_tls: self.listener_tls.clone(),
                conns: HashMap::new(),
                by_association: HashMap::new(),
                next_token: FIRST_CONNECTION,
                refusing: 0,
                config: self.config.clone(),
                handler: self.handler.clone(),
                shared: self.shared.clone(),
                ready: Vec::new(),
                sink: Arc::new(LoopSink {
                    shared: self.shared.clone(),
                    index,
                }),
                timers: BinaryHeap::new(),
                #[cfg(feature = "xmpp")]
                xmpp: match (&self.config.xmpp, index) {
                    (Some(settings), 0) => Some(uplink_side::XmppSide::new(settings.clone())),
                    _ => None,
                },
            });
        }
        Ok(out)
    }
}

impl ServerHandle {
    /// The addresses the server listens on.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The server's counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot()
    }

    /// How many associations are up or being set up.
    pub fn active(&self) -> usize {
        self.shared.active.load(Ordering::Relaxed)
    }

    /// The associations that completed their initiate exchange.
    pub fn associations(&self) -> Vec<Arc<AssociationInfo>> {
        match self.shared.registry.lock() {
            Ok(r) => r.values().map(|(_, i)| i.clone()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Sends an unconfirmed PDU (an informationReport, ISO 9506-2 §14.6) to association
    /// `association`, or to every association when `None`. Callable from any thread; the PDU is
    /// encoded once. Associations whose negotiated PDU size it exceeds do not get it (logged).
    /// Returns the number of associations it was queued for.
    pub fn send_unconfirmed(
        &self,
        association: Option<u64>,
        service: &UnconfirmedService<'_>,
    ) -> usize {
        let mut w = copp::ber::Writer::with_capacity(256);
        write_unconfirmed_pdu(&mut w, service);
        let pdu: Arc<[u8]> = w.into_vec().into();
        let targets: Vec<usize> = match association {
            Some(id) => match self.shared.registry.lock() {
                Ok(r) => r.get(&id).map(|(l, _)| *l).into_iter().collect(),
                Err(_) => Vec::new(),
            },
            None => (0..self.shared.loops.len()).collect(),
        };
        let n = match association {
            Some(_) => targets.len(),
            None => self
                .shared
                .registry
                .lock()
                .map(|r| r.len())
                .unwrap_or_default(),
        };
        for l in targets {
            if let Some(remote) = self.shared.loops.get(l) {
                remote.send(Command::Unconfirmed {
                    association,
                    pdu: pdu.clone(),
                });
            }
        }
        n
    }

    /// Aborts one association (ACSE A-ABORT).
    pub fn abort(&self, association: u64) -> bool {
        let l = match self.shared.registry.lock() {
            Ok(r) => r.get(&association).map(|(l, _)| *l),
            Err(_) => None,
        };
        match l.and_then(|l| self.shared.loops.get(l)) {
            Some(remote) => remote.send(Command::Abort(association)),
            None => false,
        }
    }

    /// A blocking [`Client`] on association `association`, which the server accepted: its
    /// requests go to the calling partner, the way the partner's requests come to the
    /// [`Handler`] (both roles on one association, as ICCP / TASE.2 bilateral links use it:
    /// `mms::tase2::Client::over(handle.client(id)?, &config)` reads the partner's VCC).
    ///
    /// Requests are pipelined up to the outstanding limit the partner granted the called side
    /// at initiate (`proposedMaxServOutstandingCalled`, ISO 9506-2 §8.2.1); more wait, up to
    /// 1024, for a slot. Each is bounded by the server's
    /// [`EndpointConfig::request_timeout`](crate::endpoint::EndpointConfig::request_timeout)
    /// (10 s by default) and answered with [`ClientError::Timeout`] after it. The partner's
    /// unconfirmed PDUs (reports to us) go both to the [`Handler`] and, from the moment this
    /// returns, to the client's [`Client::unconfirmed`] (a client made later takes them over).
    /// [`Client::conclude`] concludes the association (ISO 9506-2 §8.3); dropping the client
    /// leaves it up, [`Client::abort`] aborts it.
    ///
    /// Fails with [`ClientError::Closed`] when no such association is up.
    pub fn client(&self, association: u64) -> Result<Client, ClientError> {
        let gone = || ClientError::Closed(CloseReason::Disconnected);
        let (l, info) = match self.shared.registry.lock() {
            Ok(r) => r.get(&association).cloned().ok_or_else(gone)?,
            Err(_) => return Err(gone()),
        };
        let (tx, rx) = mpsc::sync_channel(UNCONFIRMED_QUEUE);
        let closed = Arc::new(AtomicBool::new(false));
        let remote = self.shared.loops.get(l).ok_or_else(gone)?;
        let (done, attached) = mpsc::sync_channel(1);
        if !remote.send(Command::Attach {
            association,
            unconfirmed: tx,
            closed: closed.clone(),
            done,
        }) {
            return Err(gone());
        }
        // Attached before we return: whatever the partner sends from now on is the client's.
        if attached.recv_timeout(ATTACH_WAIT) != Ok(true) {
            return Err(gone());
        }
        let route = ServerRoute {
            handle: self.clone(),
            association,
            loop_index: l,
        };
        Ok(Client::over_route(
            Box::new(route),
            RoutedAssociation {
                negotiated: info.negotiated,
                authenticated_peer: info.authenticated_peer.clone(),
                peer: info
                    .peer_addr
                    .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0))),
                unconfirmed: rx,
                closed,
            },
        ))
    }

    /// Stops every loop: associations are aborted and the loops return.
    pub fn shutdown(&self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        for l in &self.shared.loops {
            l.send(Command::Shutdown);
        }
    }
}

impl RunningServer {
    /// The handle.
    pub fn handle(&self) -> &ServerHandle {
        &self.handle
    }

    /// The first listen address (convenient with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.first_addr
    }

    /// Shuts down and waits for the loops to end.
    pub fn stop(self) -> io::Result<()> {
        self.handle.shutdown();
        let mut result = Ok(());
        for t in self.threads {
            match t.join() {
                Ok(Err(e)) => result = Err(e),
                Err(_) => result = Err(io::Error::other("server loop panicked")),
                Ok(Ok(())) => {}
            }
        }
        result
    }
}

/// Unconfirmed PDUs kept for a client attached to an association before new ones are dropped
/// (with a log line).
const UNCONFIRMED_QUEUE: usize = 4096;
/// How long [`ServerHandle::client`] waits for the loop to attach the client.
const ATTACH_WAIT: Duration = Duration::from_secs(5);

/// The route of a [`Client`] on an association the server accepted: its commands become
/// loop commands for that association.
struct ServerRoute {
    handle: ServerHandle,
    association: u64,
    loop_index: usize,
}

impl Route for ServerRoute {
    fn send(&self, cmd: Cmd) -> Result<(), ClientError> {
        let association = self.association;
        let command = match cmd {
            Cmd::Request { service, reply } => Command::PeerRequest {
                association,
                service,
                reply,
            },
            Cmd::Unconfirmed(pdu) => Command::Unconfirmed {
                association: Some(association),
                pdu: pdu.into(),
            },
            Cmd::Conclude(done) => Command::PeerConclude { association, done },
            Cmd::Abort => Command::Abort(association),
        };
        match self.handle.shared.loops.get(self.loop_index) {
            Some(remote) if remote.send(command) => Ok(()),
            _ => Err(ClientError::Closed(CloseReason::Disconnected)),
        }
    }

    /// The server owns the connection: nothing to wait for.
    fn join(&self) {}

    /// Dropping the client leaves the association to the server.
    fn dropped(&self) {}
}

/// A [`ResponseSink`] into a loop.
struct LoopSink {
    shared: Arc<Shared>,
    index: usize,
}

impl ResponseSink for LoopSink {
    fn complete(&self, association: u64, invoke_id: u32, result: ServiceResult) {
        if let Some(remote) = self.shared.loops.get(self.index) {
            remote.send(Command::Complete {
                association,
                invoke_id,
                result,
            });
        }
    }
}

/// What a connection is.
enum ConnKind {
    /// An association (being set up or up).
    Mms(Box<Endpoint>),
    /// Over the association limit: answering the COTP CR with a DR.
    Refusing(Box<cot::connection::Connection>),
    /// TLS handshake in progress: the endpoint is made once the peer is authenticated.
    TlsHandshake,
}

struct Conn {
    /// The TCP connection; `None` for an association of the XMPP environment, whose stanzas
    /// travel on the loop's XMPP uplink.
    stream: Option<TcpStream>,
    peer: Option<SocketAddr>,
    kind: ConnKind,
    id: u64,
    info: Option<Arc<AssociationInfo>>,
    /// Requests the peer cancelled: their late answers are dropped.
    cancelled: HashSet<u32>,
    /// Before the endpoint exists (TLS handshake, refusal over the limit): when to give up.
    deadline: Option<Instant>,
    peer_eof: bool,
    /// Input may be waiting (readiness seen and not yet read to would-block).
    want_read: bool,
    /// Events were left in the endpoint when this turn's share ran out: serve them next turn
    /// (before reading more).
    more_events: bool,
    /// Events this connection may still be served in the current turn.
    budget: usize,
    /// The connection is in the loop's `ready` list.
    in_ready: bool,
    /// Moves bytes between the socket and the machine (through the T-profile session on TLS
    /// listeners).
    pump: Pump,
    /// When this connection's entry in the loop's timer heap fires.
    scheduled: Option<Instant>,
    /// Our own requests to the partner and the client attached (both roles on one
    /// association); made on first use.
    peer_side: Option<Box<PeerSide>>,
    /// XMPP environment: the peer's full JID.
    xmpp_peer: Option<String>,
    /// XMPP environment: the association's route handle on the uplink.
    #[cfg(feature = "xmpp")]
    xmpp_route: Option<u64>,
}

/// The machine the pump feeds, once there is one.
fn machine_of(kind: &mut ConnKind) -> Option<&mut dyn Machine> {
    match kind {
        ConnKind::Mms(e) => Some(e.as_mut()),
        ConnKind::Refusing(c) => Some(c.as_mut()),
        ConnKind::TlsHandshake => None,
    }
}

impl Conn {
    /// The earliest deadline of the connection and its machines.
    fn poll_timeout(&self) -> Option<Instant> {
        let machine = match &self.kind {
            ConnKind::Mms(e) => e.poll_timeout(),
            _ => None,
        };
        earliest(self.deadline, earliest(machine, self.pump.poll_timeout()))
    }
}

struct EventLoop {
    index: usize,
    poll: Poll,
    rx: Receiver<Command>,
    listeners: Vec<TcpListener>,
    listener_tls: Vec<bool>,
    conns: HashMap<Token, Conn>,
    by_association: HashMap<u64, Token>,
    next_token: usize,
    refusing: usize,
    config: ServerConfig,
    handler: Arc<dyn Handler>,
    shared: Arc<Shared>,
    /// Connections with input left over after their read rounds.
    ready: Vec<Token>,
    /// Where deferred answers of this loop's requests go.
    sink: Arc<dyn ResponseSink>,
    /// (deadline, connection): each connection's earliest deadline, lazily updated (an entry
    /// whose instant differs from the connection's `scheduled` is stale and skipped).
    timers: BinaryHeap<Reverse<(Instant, Token)>>,
    /// The XMPP uplink (loop 0, when configured).
    #[cfg(feature = "xmpp")]
    xmpp: Option<uplink_side::XmppSide>,
}

impl EventLoop {
    fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut stopping = false;
        loop {
            let timeout = if self.ready.is_empty() {
                let next = self.timers.peek().map(|Reverse((t, _))| *t);
                #[cfg(feature = "xmpp")]
                let next = earliest(next, self.xmpp.as_ref().and_then(|x| x.poll_timeout()));
                next.map(|t| t.saturating_duration_since(Instant::now()))
            } else {
                Some(Duration::ZERO)
            };
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for ev in events.iter() {
                let token = ev.token();
                if token == WAKER {
                    continue;
                }
                #[cfg(feature = "xmpp")]
                if token == uplink_side::XMPP_TOKEN {
                    self.xmpp_ready();
                    continue;
                }
                if (FIRST_LISTENER..FIRST_CONNECTION).contains(&token.0) {
                    if !stopping {
                        self.accept(token.0 - FIRST_LISTENER);
                    }
                    continue;
                }
                self.service(token, ev.is_readable(), ev.is_writable());
            }
            for token in std::mem::take(&mut self.ready) {
                if let Some(c) = self.conns.get_mut(&token) {
                    c.in_ready = false;
                }
                self.service(token, false, false);
            }
            // Commands from other threads (waker or not: cheap to check).
            while let Ok(cmd) = self.rx.try_recv() {
                match cmd {
                    Command::Shutdown => stopping = true,
                    other => self.command(other),
                }
            }
            if stopping {
                #[cfg(feature = "xmpp")]
                self.xmpp_shutdown();
                self.abort_all();
                if self.conns.is_empty() {
                    return Ok(());
                }
            }
            self.run_timers(Instant::now());
            #[cfg(feature = "xmpp")]
            self.xmpp_timers(Instant::now());
        }
    }

    fn accept(&mut self, listener: usize) {
        loop {
            let accepted = match self.listeners.get(listener) {
                Some(l) => l.accept(),
                None => return,
            };
            let tls = self.listener_tls.get(listener).copied().unwrap_or(false);
            match accepted {
                Ok((stream, peer)) => self.add_connection(stream, peer, tls),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // EMFILE and friends: log and try again on the next readiness event.
                    log::warn!("accept failed: {e}");
                    return;
                }
            }
        }
    }

    fn add_connection(&mut self, mut stream: TcpStream, peer: SocketAddr, tls: bool) {
        Stats::bump(&self.shared.stats.accepted);
        let _ = stream.set_nodelay(true);
        if let Some(k) = &self.config.keep_alive {
            if let Err(e) = k.apply(&stream) {
                log::debug!("keep-alive not set on {peer}: {e}");
            }
        }
        let session = if tls {
            let made = match &self.config.tls {
                Some(t) => t.session(),
                None => return,
            };
            match made {
                Ok(mut s) => {
                    s.set_label(peer.to_string());
                    Some(s)
                }
                Err(e) => {
                    log::warn!("TLS session for {peer} not made ({e}); closed");
                    Stats::bump(&self.shared.stats.tls_failures);
                    return;
                }
            }
        } else {
            None
        };
        let over = self
            .shared
            .active
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.config.max_associations).then_some(n + 1)
            })
            .is_err();
        let kind = if over {
            Stats::bump(&self.shared.stats.refused);
            if self.refusing >= MAX_REFUSING {
                log::warn!("association limit reached; {peer} closed at once");
                return; // dropping the stream closes it
            }
            log::warn!("association limit reached; refusing {peer} with a COTP DR");
            self.refusing += 1;
            let cfg = {
                let mut cfg = cot::connection::Config::default();
                cfg.max_tpdu_size = 2048;
                cfg
            };
            ConnKind::Refusing(Box::new(cot::connection::Connection::accept(cfg)))
        } else if session.is_some() {
            // The provider and endpoint come after the TLS handshake (`tls_established`).
            ConnKind::TlsHandshake
        } else {
            let provider = match &self.config.security {
                None => None,
                Some(factory) => {
                    match factory.provider(SecurityRole::Responder, &TransportSecurity::plain()) {
                        Ok(p) => Some(p),
                        Err(e) => {
                            log::warn!(
                                "security provider {} unavailable ({e}); {peer} closed",
                                factory.name()
                            );
                            self.shared.active.fetch_sub(1, Ordering::SeqCst);
                            return;
                        }
                    }
                }
            };
            ConnKind::Mms(Box::new(Endpoint::accept(
                self.endpoint_config(None),
                provider,
            )))
        };
        let token = Token(self.next_token);
        self.next_token = self.next_token.wrapping_add(1).max(FIRST_CONNECTION);
        if let Err(e) = self.poll.registry().register(
            &mut stream,
            token,
            Interest::READABLE | Interest::WRITABLE,
        ) {
            log::warn!("cannot register {peer}: {e}");
            self.release_slot(&kind);
            return;
        }
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        log::debug!("connection {id} from {peer}");
        // The endpoint keeps its own establishment deadline; before it exists, the loop does.
        let deadline = match kind {
            ConnKind::Mms(_) => None,
            _ => Some(Instant::now() + self.config.connect_timeout),
        };
        let mut conn = Conn {
            stream: Some(stream),
            peer: Some(peer),
            kind,
            id,
            info: None,
            cancelled: HashSet::new(),
            deadline,
            peer_eof: false,
            want_read: true,
            more_events: false,
            budget: EVENTS_PER_TURN,
            in_ready: false,
            pump: match session {
                Some(s) => Pump::tls(s),
                None => Pump::plain(),
            },
            scheduled: None,
            peer_side: None,
            xmpp_peer: None,
            #[cfg(feature = "xmpp")]
            xmpp_route: None,
        };
        self.schedule(token, &mut conn);
        self.conns.insert(token, conn);
    }

    /// The endpoint configuration for a new association: the configured one, with the
    /// server's establishment and idle time-outs (`establish`: what is left of the connect
    /// time-out after a TLS handshake).
    fn endpoint_config(&self, establish: Option<Duration>) -> crate::endpoint::EndpointConfig {
        let mut c = self.config.endpoint.clone();
        let t = &mut c.association.timeouts;
        t.establish = Some(establish.unwrap_or(self.config.connect_timeout));
        t.idle = self.config.idle_timeout;
        t.frame = self.config.frame_timeout;
        c
    }

    /// Puts `conn`'s earliest deadline in the timer heap, unless an entry that fires no later
    /// is already there (that entry re-checks and re-schedules when it fires).
    fn schedule(&mut self, token: Token, conn: &mut Conn) {
        let Some(next) = conn.poll_timeout() else {
            return;
        };
        if conn.scheduled.is_some_and(|s| s <= next) {
            return;
        }
        conn.scheduled = Some(next);
        self.timers.push(Reverse((next, token)));
    }

    /// Fires every timer-heap entry that is due.
    fn run_timers(&mut self, now: Instant) {
        while let Some(&Reverse((at, token))) = self.timers.peek() {
            if at > now {
                return;
            }
            self.timers.pop();
            let Some(mut conn) = self.conns.remove(&token) else {
                continue;
            };
            if conn.scheduled != Some(at) {
                // Stale: a later entry (or none) stands for this connection.
                self.conns.insert(token, conn);
                continue;
            }
            conn.scheduled = None;
            self.fire(&mut conn, now);
            self.finish(token, conn);
        }
    }

    /// Runs `conn`'s timers at `now`: its own deadline, the TLS session's, the endpoint's.
    fn fire(&mut self, conn: &mut Conn, now: Instant) {
        if conn.deadline.is_some_and(|d| now >= d) {
            log::info!("connection {} timed out", conn.id);
            conn.deadline = None;
            conn.peer_eof = true;
            return;
        }
        if let Err(end) = conn.pump.handle_timeout(now) {
            log::info!("connection {}: TLS closed: {end}", conn.id);
            Stats::bump(&self.shared.stats.tls_failures);
            self.flush(conn);
            conn.peer_eof = true;
            return;
        }
        if let ConnKind::Mms(e) = &mut conn.kind {
            e.handle_timeout(now);
        }
        conn.budget = EVENTS_PER_TURN;
        self.process(conn);
        self.flush(conn);
    }

    /// Shutdown: every association aborted, every connection closed.
    fn abort_all(&mut self) {
        let tokens: Vec<Token> = self.conns.keys().copied().collect();
        for token in tokens {
            if let Some(mut conn) = self.conns.remove(&token) {
                log::info!("connection {} aborted: shutdown", conn.id);
                if let ConnKind::Mms(e) = &mut conn.kind {
                    let _ = e.abort();
                }
                self.flush(&mut conn);
                self.close(conn);
            }
        }
    }

    fn release_slot(&mut self, kind: &ConnKind) {
        match kind {
            ConnKind::Mms(_) | ConnKind::TlsHandshake => {
                self.shared.active.fetch_sub(1, Ordering::SeqCst);
            }
            ConnKind::Refusing(_) => self.refusing = self.refusing.saturating_sub(1),
        }
    }

    /// Reads, processes and writes one connection; closes it when done.
    fn service(&mut self, token: Token, readable: bool, writable: bool) {
        let Some(mut conn) = self.conns.remove(&token) else {
            return;
        };
        if readable {
            conn.want_read = true;
        }
        let _ = writable;
        // A bounded share per turn (fairness between connections): at most READ_ROUNDS reads
        // and EVENTS_PER_TURN events; what is left is revisited on the next turn of the loop
        // (`finish` puts the connection in `ready`), since edge-triggered readiness will not
        // repeat. Events already received are served before anything more is read.
        conn.budget = EVENTS_PER_TURN;
        for _ in 0..READ_ROUNDS {
            if backlogged(&conn, self.config.max_backlog) {
                self.flush(&mut conn);
                if backlogged(&conn, self.config.max_backlog) {
                    break;
                }
            }
            if conn.want_read && !conn.more_events {
                self.read_once(&mut conn);
            }
            self.process(&mut conn);
            self.flush(&mut conn);
            if (!conn.want_read && !conn.more_events) || conn.peer_eof || conn.budget == 0 {
                break;
            }
        }
        if !conn.want_read && !conn.more_events {
            // Dry after a short read: give idle receive memory back, as the pump does at
            // would-block.
            if let ConnKind::Mms(e) = &mut conn.kind {
                e.recv_release();
            }
        }
        self.finish(token, conn);
    }

    /// One read step into the machine. Clears `want_read` when the socket would block.
    fn read_once(&mut self, conn: &mut Conn) {
        // Plain TCP: a read that returns less than the room offered drained the socket, so no
        // read that could only return would-block follows (edge-triggered readiness reports the
        // next arrival).
        let room = match (&mut conn.kind, conn.pump.is_tls()) {
            (ConnKind::Mms(e), false) => Some(e.recv_buffer().len()),
            _ => None,
        };
        let Some(stream) = conn.stream.as_mut() else {
            conn.want_read = false;
            return;
        };
        let input = conn.pump.read(stream, machine_of(&mut conn.kind));
        match input {
            Input::Blocked => conn.want_read = false,
            Input::Delivered(n) if room.is_some_and(|r| n < r) => conn.want_read = false,
            Input::Ended(end) => {
                match &end {
                    End::Closed => {}
                    End::Tls(e) => {
                        log::info!("connection {}: TLS failed: {e}", conn.id);
                        Stats::bump(&self.shared.stats.tls_failures);
                        // Send the alert, then close.
                        self.flush(conn);
                    }
                    other => log::debug!("read from connection {} failed: {other}", conn.id),
                }
                conn.peer_eof = true;
                conn.want_read = false;
                return;
            }
            // Delivered (poll next), Full (polling frees room), TLS progress.
            _ => {}
        }
        if matches!(conn.kind, ConnKind::TlsHandshake) && conn.pump.ready() {
            if !self.tls_established(conn) {
                conn.want_read = false;
                return;
            }
            // Arms the session's timers (renegotiation / key update, CRL reload).
            if let Err(end) = conn.pump.handle_timeout(Instant::now()) {
                log::info!("connection {}: TLS closed: {end}", conn.id);
                conn.peer_eof = true;
                return;
            }
            // Plaintext that came with the handshake's last flight is read next round.
            conn.want_read = true;
        }
        if conn.pump.buffered() > 0 {
            conn.want_read = true;
        }
    }

    /// The TLS handshake completed: make the provider (with the TLS peer's certificate) and the
    /// endpoint. False when the connection must close.
    fn tls_established(&mut self, conn: &mut Conn) -> bool {
        let Some(tls) = conn.pump.tls_session() else {
            return false;
        };
        Stats::bump(&self.shared.stats.tls_handshakes);
        log::debug!(
            "connection {}: {} {} established{}",
            conn.id,
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
        let provider = match &self.config.security {
            None => None,
            Some(factory) => match factory.provider(SecurityRole::Responder, &transport) {
                Ok(p) => Some(p),
                Err(e) => {
                    log::warn!(
                        "security provider {} unavailable ({e}); connection {} closed",
                        factory.name(),
                        conn.id
                    );
                    conn.peer_eof = true;
                    return false;
                }
            },
        };
        // The handshake ran under the connect time-out; the endpoint gets what is left of it.
        let left = conn
            .deadline
            .take()
            .map(|d| d.saturating_duration_since(Instant::now()));
        conn.kind = ConnKind::Mms(Box::new(Endpoint::accept(
            self.endpoint_config(left),
            provider,
        )));
        true
    }

    /// Polls the endpoint dry and acts on every event.
    fn process(&mut self, conn: &mut Conn) {
        if let ConnKind::Refusing(c) = &mut conn.kind {
            loop {
                match c.poll_event() {
                    Ok(Some(cot::connection::Event::Connected(_))) => {
                        // ISO 8073 §13.5.3: reason 1, congestion at TSAP.
                        c.refuse(cot::tpdu::reason::CONGESTION_AT_TSAP);
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
            return;
        }
        let ConnKind::Mms(endpoint) = &mut conn.kind else {
            return;
        };
        loop {
            // This turn's share used up: the rest waits for the next turn (fairness).
            if conn.budget == 0 {
                conn.more_events = true;
                return;
            }
            let event = match endpoint.poll_event() {
                Ok(Some(e)) => e,
                Ok(None) => {
                    conn.more_events = false;
                    return;
                }
                Err(e) => {
                    log::info!("association {} failed: {e}", conn.id);
                    Stats::bump(&self.shared.stats.protocol_errors);
                    conn.more_events = false;
                    return;
                }
            };
            conn.budget -= 1;
            match event {
                MmsEvent::InitiateIndication {
                    request,
                    indication,
                } => {
                    // The runtime itself serves conclude and cancel, and sends informationReports.
                    let mut services = self.handler.services_supported();
                    for kind in [
                        ServiceKind::Conclude,
                        ServiceKind::Cancel,
                        ServiceKind::InformationReport,
                    ] {
                        services.set(kind, true);
                    }
                    let cbb = self.handler.parameter_cbb();
                    let (_, negotiated) = endpoint.negotiate(&request, services, cbb);
                    let mut info = AssociationInfo::new(conn.id, negotiated);
                    info.peer_addr = conn.peer;
                    info.calling = indication.calling.clone();
                    info.called = indication.called.clone();
                    info.authenticated_peer = endpoint.authenticated_peer();
                    info.tls = conn.pump.is_tls();
                    info.application_security = endpoint.application_security();
                    info.xmpp_peer = conn.xmpp_peer.clone();
                    let info = Arc::new(info);
                    // Access control first: the server's per-peer policy, then the handler's.
                    let admitted = match &self.config.peer_policy {
                        Some(table) => table.admit(&info),
                        None => Ok(()),
                    }
                    .and_then(|()| self.handler.admit(&info));
                    if let Err(refusal) = admitted {
                        let code = refusal.event().map_or(REFUSED_BY_APPLICATION, static_code);
                        self.config.events.record(
                            code,
                            acse::security::Severity::Error,
                            &format_args!("association {} refused: {}", conn.id, refusal.reason()),
                        );
                        Stats::bump(&self.shared.stats.refused);
                        if let Err(e) = endpoint.refuse_association(&refusal) {
                            log::info!("association refusal not sent: {e}");
                        }
                        continue;
                    }
                    match self.handler.associated(&info) {
                        Ok(()) => match endpoint.accept_initiate(&request, services, cbb) {
                            Ok(n) => {
                                debug_assert_eq!(n, negotiated);
                                Stats::bump(&self.shared.stats.associated);
                                self.register(conn.id, &info);
                                conn.info = Some(info);
                                conn.deadline = None;
                            }
                            Err(e) => log::info!("initiate accept failed: {e}"),
                        },
                        Err(err) => {
                            log::info!(
                                "association {} refused by the application: {:?}",
                                conn.id,
                                err.error_class
                            );
                            Stats::bump(&self.shared.stats.refused);
                            let _ = endpoint.refuse_initiate(&err);
                        }
                    }
                }
                MmsEvent::Request { pdu: req, .. } => {
                    Stats::bump(&self.shared.stats.requests);
                    let Some(info) = conn.info.clone() else {
                        continue;
                    };
                    let invoke_id = req.invoke_id;
                    if !req.list_of_modifier.is_empty() {
                        // Modifiers (ISO 9506-2 §7.2.1) are not served.
                        drop(req);
                        let _ = endpoint.send_reject(
                            invoke_id,
                            RejectReason::ConfirmedRequest(
                                ConfirmedRequestProblem::UnrecognizedModifier,
                            ),
                        );
                        Stats::bump(&self.shared.stats.rejects_sent);
                        continue;
                    }
                    let mut ctx = RequestContext::new(&info, invoke_id, self.sink.clone());
                    let reply = self.handler.confirmed(&mut ctx, &req.service);
                    drop(req);
                    let responder = ctx.into_responder();
                    match reply {
                        Reply::Now(result) => {
                            if let Some(r) = responder {
                                r.disarm();
                            }
                            answer(endpoint, invoke_id, &result);
                        }
                        Reply::Unsupported => {
                            if let Some(r) = responder {
                                r.disarm();
                            }
                            let _ = endpoint.send_reject(
                                invoke_id,
                                RejectReason::ConfirmedRequest(
                                    ConfirmedRequestProblem::UnrecognizedService,
                                ),
                            );
                            Stats::bump(&self.shared.stats.rejects_sent);
                        }
                        Reply::Later => {
                            if let Some(r) = responder {
                                // The handler promised to answer but kept no responder.
                                r.disarm();
                                answer(
                                    endpoint,
                                    invoke_id,
                                    &Err(ServiceError::new(ErrorClass::Service(
                                        ServiceProblem::Other(0),
                                    ))),
                                );
                            }
                        }
                    }
                }
                MmsEvent::Unconfirmed { pdu: u, raw } => {
                    if let Some(info) = &conn.info {
                        self.handler.unconfirmed(info, &u.service);
                    }
                    if let Some(side) = &mut conn.peer_side {
                        side.unconfirmed(raw);
                    }
                }
                // Answers to our own requests (both roles on one association).
                MmsEvent::Response { pdu, raw } => {
                    let id = pdu.invoke_id;
                    let answer = Ok(Answer::from_pdu(raw.to_vec()));
                    if let Some(side) = &mut conn.peer_side {
                        side.answer(id, answer);
                        side.send_waiting(endpoint);
                    }
                }
                MmsEvent::Error(e) => {
                    let err = ClientError::Service(owned_service_error(&e.service_error));
                    if let Some(side) = &mut conn.peer_side {
                        side.answer(e.invoke_id, Err(err));
                        side.send_waiting(endpoint);
                    }
                }
                MmsEvent::RequestTimedOut(id) => {
                    if let Some(side) = &mut conn.peer_side {
                        side.answer(id, Err(ClientError::Timeout));
                        side.send_waiting(endpoint);
                    }
                }
                MmsEvent::Concluded => {
                    if let Some(side) = &mut conn.peer_side {
                        side.concluded();
                    }
                }
                MmsEvent::ConcludeRefused(e) => {
                    log::info!("association {}: the partner refused our conclude", conn.id);
                    if let Some(side) = &mut conn.peer_side {
                        side.conclude_refused(ClientError::Service(owned_service_error(&e)));
                    }
                }
                MmsEvent::CancelRequest(id) => {
                    let cancelled = conn
                        .info
                        .as_ref()
                        .is_some_and(|info| self.handler.cancel(info, id));
                    if cancelled {
                        if endpoint.send_cancel_response(id).is_ok() {
                            // Bounded by the negotiated outstanding limit.
                            conn.cancelled.insert(id);
                        }
                    } else {
                        let _ =
                            endpoint.send_cancel_error(id, &ServiceError::cancel_not_possible());
                    }
                }
                MmsEvent::ProtocolError { error, reject } => {
                    Stats::bump(&self.shared.stats.protocol_errors);
                    if reject.is_some() {
                        Stats::bump(&self.shared.stats.rejects_sent);
                    }
                    log::info!(
                        "association {}: {error}{}",
                        conn.id,
                        if reject.is_some() { " (rejected)" } else { "" }
                    );
                    if endpoint.phase() == Phase::InitiateIndicated {
                        let _ = endpoint.refuse_initiate(&ServiceError::new(ErrorClass::Initiate(
                            crate::service_error::InitiateProblem::Other(0),
                        )));
                    }
                }
                MmsEvent::ConcludeIndication => {
                    log::debug!("association {} concluded by the peer", conn.id);
                }
                MmsEvent::Closed(reason) => {
                    match &reason {
                        CloseReason::TimedOut(d) => {
                            log::info!("connection {} timed out: {d}", conn.id)
                        }
                        _ => log::debug!("association {} closed: {reason:?}", conn.id),
                    }
                    if let Some(side) = &mut conn.peer_side {
                        side.ending(reason);
                    }
                }
                MmsEvent::Rejected(r) => {
                    let ours = r.original_invoke_id.filter(|id| {
                        conn.peer_side
                            .as_ref()
                            .is_some_and(|side| side.is_ours(*id))
                    });
                    match (ours, &mut conn.peer_side) {
                        (Some(id), Some(side)) => {
                            side.answer(id, Err(ClientError::Rejected(r.reason)));
                            side.send_waiting(endpoint);
                        }
                        _ => log::info!("association {}: the peer rejected a PDU: {r:?}", conn.id),
                    }
                }
                // The client-side events.
                other => log::debug!("association {}: {other:?}", conn.id),
            }
        }
    }

    fn register(&self, id: u64, info: &Arc<AssociationInfo>) {
        if let Ok(mut r) = self.shared.registry.lock() {
            r.insert(id, (self.index, info.clone()));
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Complete {
                association,
                invoke_id,
                result,
            } => {
                let Some(token) = self.by_association.get(&association).copied() else {
                    return; // the association is gone
                };
                let Some(mut conn) = self.conns.remove(&token) else {
                    return;
                };
                if !conn.cancelled.remove(&invoke_id) {
                    if let ConnKind::Mms(e) = &mut conn.kind {
                        answer(e, invoke_id, &result);
                    }
                }
                self.flush(&mut conn);
                self.finish(token, conn);
            }
            Command::Unconfirmed { association, pdu } => {
                let tokens: Vec<Token> = match association {
                    Some(a) => self.by_association.get(&a).copied().into_iter().collect(),
                    None => self.by_association.values().copied().collect(),
                };
                for token in tokens {
                    let Some(mut conn) = self.conns.remove(&token) else {
                        continue;
                    };
                    let room = !backlogged(&conn, self.config.max_backlog);
                    if let ConnKind::Mms(e) = &mut conn.kind {
                        let max = e.negotiated().map_or(0, |n: &Negotiated| n.max_pdu_size);
                        if pdu.len() > max {
                            log::warn!(
                                "unconfirmed PDU of {} octets exceeds association {}'s PDU size {max}; not sent",
                                pdu.len(),
                                conn.id
                            );
                        } else if room && e.send_encoded(&pdu).is_ok() {
                            Stats::bump(&self.shared.stats.unconfirmed_sent);
                        }
                    }
                    self.flush(&mut conn);
                    self.finish(token, conn);
                }
            }
            Command::Abort(association) => {
                if let Some(token) = self.by_association.get(&association).copied() {
                    if let Some(mut conn) = self.conns.remove(&token) {
                        if let ConnKind::Mms(e) = &mut conn.kind {
                            let _ = e.abort();
                        }
                        self.flush(&mut conn);
                        self.finish(token, conn);
                    }
                }
            }
            Command::PeerRequest {
                association,
                service,
                reply,
            } => {
                let Some((token, mut conn)) = self.take_association(association) else {
                    let _ = reply.send(Err(ClientError::Closed(CloseReason::Disconnected)));
                    return;
                };
                if let ConnKind::Mms(e) = &mut conn.kind {
                    conn.peer_side
                        .get_or_insert_with(Default::default)
                        .request(e, service, reply);
                }
                self.flush(&mut conn);
                self.finish(token, conn);
            }
            Command::Attach {
                association,
                unconfirmed,
                closed,
                done,
            } => match self.take_association(association) {
                Some((token, mut conn)) => {
                    conn.peer_side
                        .get_or_insert_with(Default::default)
                        .attach(unconfirmed, closed);
                    let _ = done.send(true);
                    self.finish(token, conn);
                }
                None => {
                    closed.store(true, Ordering::SeqCst);
                    let _ = done.send(false);
                }
            },
            Command::PeerConclude { association, done } => {
                let Some((token, mut conn)) = self.take_association(association) else {
                    let _ = done.send(Err(ClientError::Closed(CloseReason::Disconnected)));
                    return;
                };
                if let ConnKind::Mms(e) = &mut conn.kind {
                    match e.conclude() {
                        Ok(()) => conn
                            .peer_side
                            .get_or_insert_with(Default::default)
                            .concluding(done),
                        Err(err) => {
                            let _ = done.send(Err(ClientError::NotSent(err)));
                        }
                    }
                }
                self.flush(&mut conn);
                self.finish(token, conn);
            }
            Command::Shutdown => {}
        }
    }

    /// Takes the connection of association `association` out of the table (put it back with
    /// [`EventLoop::finish`]).
    fn take_association(&mut self, association: u64) -> Option<(Token, Conn)> {
        let token = self.by_association.get(&association).copied()?;
        let conn = self.conns.remove(&token)?;
        Some((token, conn))
    }

    /// Puts a connection back, or closes it if it is done.
    fn finish(&mut self, token: Token, mut conn: Conn) {
        if let Some(info) = &conn.info {
            self.by_association.insert(info.id, token);
        }
        let done = match &conn.kind {
            ConnKind::Mms(e) => e.is_closed(),
            ConnKind::Refusing(c) => c.state() == cot::connection::State::Closed,
            ConnKind::TlsHandshake => false,
        };
        let unsent = pending(&conn) > 0;
        if conn.peer_eof || (done && !unsent) {
            if done && unsent {
                self.flush(&mut conn);
            }
            self.close(conn);
        } else {
            // Input or events left over: another share on the next turn (unless the peer's
            // answers back up; its writable event resumes it).
            if (conn.want_read || conn.more_events)
                && !conn.in_ready
                && !backlogged(&conn, self.config.max_backlog)
            {
                conn.in_ready = true;
                self.ready.push(token);
            }
            self.schedule(token, &mut conn);
            self.conns.insert(token, conn);
        }
    }

    fn close(&mut self, mut conn: Conn) {
        if conn.pump.is_tls() {
            // close_notify (RFC 5246 §7.2.1), best effort.
            conn.pump.close_notify();
            self.flush(&mut conn);
        }
        match conn.stream.as_mut() {
            Some(stream) => {
                let _ = self.poll.registry().deregister(stream);
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
            #[cfg(feature = "xmpp")]
            None => self.xmpp_closed(&conn),
            #[cfg(not(feature = "xmpp"))]
            None => {}
        }
        self.release_slot(&conn.kind);
        Stats::bump(&self.shared.stats.closed);
        if let Some(side) = &mut conn.peer_side {
            side.close();
        }
        if let Some(info) = conn.info.take() {
            self.by_association.remove(&info.id);
            if let Ok(mut r) = self.shared.registry.lock() {
                r.remove(&info.id);
            }
            self.handler.closed(&info);
        }
        if let ConnKind::Mms(e) = &conn.kind {
            if !e.is_closed() {
                log::debug!("connection {} lost", conn.id);
            }
        }
    }

    /// Writes as much as the socket takes (through the TLS session when there is one).
    fn flush(&mut self, conn: &mut Conn) {
        let Some(stream) = conn.stream.as_mut() else {
            #[cfg(feature = "xmpp")]
            self.xmpp_flush(conn);
            return;
        };
        if let Err(end) = conn.pump.flush(stream, machine_of(&mut conn.kind)) {
            log::debug!("write to connection {} failed: {end}", conn.id);
            conn.peer_eof = true;
        }
    }
}

/// The security event of an association the application refused without naming one.
const REFUSED_BY_APPLICATION: &str = "policy.refused-by-application";

/// The recorder's code for a refusal's event code: the policy codes as they are, anything else
/// (a handler's own) under [`REFUSED_BY_APPLICATION`] (the refusal's reason keeps the text).
fn static_code(code: &str) -> &'static str {
    match code {
        crate::server::policy::UNKNOWN_PEER => crate::server::policy::UNKNOWN_PEER,
        crate::server::policy::BELOW_POLICY => crate::server::policy::BELOW_POLICY,
        _ => REFUSED_BY_APPLICATION,
    }
}

/// Sends the answer to request `invoke_id`.
fn answer(endpoint: &mut Endpoint, invoke_id: u32, result: &ServiceResult) {
    let r = match result {
        Ok(resp) => endpoint.send_response(invoke_id, resp),
        Err(err) => endpoint.send_error(invoke_id, err),
    };
    match r {
        Ok(()) => {}
        Err(SendError::PduTooLarge { size, max }) => {
            log::info!("response to {invoke_id} ({size} octets) exceeded the PDU size {max}")
        }
        Err(e) => log::debug!("answer to {invoke_id} not sent: {e}"),
    }
}

fn pending(conn: &Conn) -> usize {
    let machine: Option<&dyn Machine> = match &conn.kind {
        ConnKind::Mms(e) => Some(e.as_ref()),
        ConnKind::Refusing(c) => Some(c.as_ref()),
        ConnKind::TlsHandshake => None,
    };
    conn.pump.pending(machine)
}

fn backlogged(conn: &Conn, max: usize) -> bool {
    pending(conn) >= max
}
