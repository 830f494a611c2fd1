//! The association a blocking [`Client`](super::Client) owns, shared by the threads that call it
//! and by one I/O thread of its own, leader/follower style.
//!
//! Whoever waits for something the socket will bring (an answer, the end of a conclude) does the
//! socket work itself when nobody else is: it takes the *lead* (the `mio` poll), waits for
//! readiness, reads, and hands every answer it finds to its owner. A caller doing one request
//! at a time therefore writes its request, waits in `epoll_wait` and reads its answer on its own
//! thread: no channel, no waker, no thread switch (issue figures: 7 system calls and two
//! futex hand-offs per read through an I/O thread, 3 system calls this way).
//!
//! The I/O thread leads only while the association is quiet (no request waiting, none started
//! since it last looked): it is what reads informationReports and the partner's requests when
//! nobody calls, and what runs the time-outs. While callers are busy it sleeps on a condition
//! variable, looking every [`PARK`] whether they are done; a caller that finds it leading wakes
//! it (the `mio` waker) so that it steps aside.
//!
//! Handlers and user callbacks never run under the connection's lock, so a handler may call the
//! client (send, acknowledge, conclude) from inside a callback.

use std::collections::{HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, TryLockError, Weak};
use std::time::{Duration, Instant};

use acse::association::AeTitle;
use mio::{Events, Poll, Token, Waker};

use crate::client::connection::{
    Answer, ClientError, ClientEvent, Connection, PeerRequest, RequestId, Unconfirmed,
};
use crate::endpoint::CloseReason;
use crate::reject::{ConfirmedRequestProblem, RejectReason};
use crate::server::handler::{
    AssociationInfo, Handler, Reply, RequestContext, ResponseSink, ServiceResult,
};

use super::blocking::Established;

/// The socket's token in the poll.
pub(crate) const SOCKET: Token = Token(0);
/// The waker's token in the poll.
pub(crate) const WAKE: Token = Token(1);
/// How often the parked I/O thread looks whether the callers are done.
const PARK: Duration = Duration::from_millis(5);
/// A follower re-checks at least this often (a safety net; every leader turn notifies).
const FOLLOW: Duration = Duration::from_millis(50);

/// The poll and its event buffer: held by whichever thread waits on the socket.
pub(crate) struct Lead {
    poll: Poll,
    events: Events,
}

/// What the connection's lock guards.
struct Core {
    conn: Connection,
    /// The caller of a conclude, told when the association has ended.
    conclude: Option<SyncSender<Result<(), ClientError>>>,
    /// `Client::connect` waiting for the initiate exchange.
    ready: Option<SyncSender<Result<Established, ClientError>>>,
}

/// Answers and the bookkeeping of who waits for what.
#[derive(Default)]
struct State {
    /// Requests whose [`Pending`](super::Pending) is alive.
    waiting: HashSet<RequestId>,
    /// Answers not yet picked up.
    results: HashMap<RequestId, Result<Answer, ClientError>>,
    /// Callers between sending a request and picking its answer up (plus a conclude).
    active: usize,
    /// Bumped each time a caller starts: the I/O thread leads only when it has not moved.
    epoch: u64,
    /// The I/O thread holds (or is about to take) the lead.
    io_leading: bool,
    /// Bumped after every leader turn: followers wait for it to move.
    generation: u64,
    /// Threads waiting on [`Shared::turned`].
    followers: usize,
    /// Why the association ended, once it has.
    closed: Option<ClientError>,
    /// The client was dropped: the I/O thread ends.
    shutdown: bool,
}

/// Events collected under the connection's lock, handled after it is released.
enum Deferred {
    Established(Box<AssociationInfo>),
    Unconfirmed(Unconfirmed),
    Request(PeerRequest),
    Closed {
        reason: CloseReason,
        error: ClientError,
    },
}

/// One association shared by a client's callers and its I/O thread.
pub(crate) struct Shared {
    core: Mutex<Core>,
    lead: Mutex<Lead>,
    waker: Waker,
    state: Mutex<State>,
    /// Followers wait here for the next leader turn.
    turned: Condvar,
    /// The I/O thread sleeps here while callers lead.
    parked: Condvar,
    handler: Option<Arc<dyn Handler>>,
    /// Deferred answers of the handler come back through this.
    sink: OnceLock<Arc<dyn ResponseSink>>,
    /// What the handler sees of the association, from the initiate exchange on.
    info: OnceLock<AssociationInfo>,
    peer: SocketAddr,
    /// The id the handler sees, and the AE-titles it sees as calling (the partner) and called.
    association_id: u64,
    partner: AeTitle,
    ourselves: AeTitle,
    /// Where unconfirmed PDUs go; dropped when the association ends, which ends the
    /// application's receiver.
    unconfirmed: Mutex<Option<SyncSender<Unconfirmed>>>,
    closed: Arc<AtomicBool>,
}

/// What [`Shared::new`] needs.
pub(crate) struct Parts {
    pub conn: Connection,
    pub poll: Poll,
    pub waker: Waker,
    pub handler: Option<Arc<dyn Handler>>,
    pub peer: SocketAddr,
    pub association_id: u64,
    pub partner: AeTitle,
    pub ourselves: AeTitle,
    pub unconfirmed: SyncSender<Unconfirmed>,
    pub ready: SyncSender<Result<Established, ClientError>>,
    pub closed: Arc<AtomicBool>,
}

/// A lock that a panic elsewhere does not make unusable (no state here is left half-updated by
/// a panic: every update is a single assignment or collection operation).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The error for work on an association that has ended.
fn gone() -> ClientError {
    ClientError::Closed(CloseReason::Disconnected)
}

/// Deferred answers of the client's handler: straight onto the connection.
struct Sink(Weak<Shared>);

impl ResponseSink for Sink {
    fn complete(&self, _association: u64, invoke_id: u32, result: ServiceResult) {
        if let Some(s) = self.0.upgrade() {
            s.with_conn(|conn| {
                if let Err(e) = conn.respond(invoke_id, &result) {
                    log::info!("answer to the partner's request {invoke_id} not sent: {e}");
                }
            });
        }
    }
}

impl Shared {
    /// The shared association, its I/O thread not yet started.
    pub(crate) fn new(p: Parts) -> Arc<Shared> {
        let shared = Arc::new(Shared {
            core: Mutex::new(Core {
                conn: p.conn,
                conclude: None,
                ready: Some(p.ready),
            }),
            lead: Mutex::new(Lead {
                poll: p.poll,
                events: Events::with_capacity(64),
            }),
            waker: p.waker,
            state: Mutex::new(State::default()),
            turned: Condvar::new(),
            parked: Condvar::new(),
            handler: p.handler,
            sink: OnceLock::new(),
            info: OnceLock::new(),
            peer: p.peer,
            association_id: p.association_id,
            partner: p.partner,
            ourselves: p.ourselves,
            unconfirmed: Mutex::new(Some(p.unconfirmed)),
            closed: p.closed,
        });
        let sink: Arc<dyn ResponseSink> = Arc::new(Sink(Arc::downgrade(&shared)));
        let _ = shared.sink.set(sink);
        shared
    }

    /// The I/O thread: leads while the association is quiet, parks while callers lead, ends
    /// with the association or when the client is dropped.
    pub(crate) fn run_io(self: Arc<Self>) {
        // Leads from the start: the initiate exchange is its work.
        let mut seen = 0;
        loop {
            {
                let mut st = lock(&self.state);
                loop {
                    if st.shutdown || st.closed.is_some() {
                        st.io_leading = false;
                        return;
                    }
                    if st.active == 0 && st.epoch == seen {
                        break;
                    }
                    seen = st.epoch;
                    st.io_leading = false;
                    st = self
                        .parked
                        .wait_timeout(st, PARK)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0);
                }
                st.io_leading = true;
            }
            // A caller may hold the lead (it took it just before we looked): park again.
            let lead = match self.lead.try_lock() {
                Ok(l) => Some(l),
                Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            };
            if let Some(mut lead) = lead {
                self.turn(&mut lead);
                drop(lead);
                self.turned_over();
            } else {
                seen = u64::MAX;
            }
        }
    }

    /// One leader turn: waits for readiness (or the earliest deadline), then drives.
    fn turn(&self, lead: &mut Lead) {
        let timeout = lock(&self.core)
            .conn
            .poll_timeout()
            .map(|d| d.saturating_duration_since(Instant::now()));
        let Lead { poll, events } = lead;
        if let Err(e) = poll.poll(events, timeout) {
            if e.kind() != io::ErrorKind::Interrupted {
                log::error!("client poll failed: {e}");
                self.with_conn(|conn| conn.abort());
                return;
            }
        }
        let readable = events.iter().any(|e| e.token() == SOCKET);
        self.drive(readable);
    }

    /// After a leader turn: followers look again.
    fn turned_over(&self) {
        let mut st = lock(&self.state);
        st.generation = st.generation.wrapping_add(1);
        if st.followers > 0 {
            self.turned.notify_all();
        }
    }

    /// The leader drives the connection (reading if `readable`) and handles what it produced.
    fn drive(&self, readable: bool) {
        self.with_conn_ready(true, readable, |_| {});
    }

    /// Runs `f` on the connection, flushes what it queued, and handles the events.
    /// Not for the leader, which [`Shared::drive`]s.
    pub(crate) fn with_conn<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> R {
        self.with_conn_ready(false, false, f)
    }

    /// `leader`: the caller holds the lead; otherwise answers it finds may belong to someone
    /// asleep in the poll, and the leader is woken to hand them over.
    fn with_conn_ready<R>(
        &self,
        leader: bool,
        readable: bool,
        f: impl FnOnce(&mut Connection) -> R,
    ) -> R {
        let mut deferred = Vec::new();
        let mut answers = Vec::new();
        let r = {
            let mut core = lock(&self.core);
            let r = f(&mut core.conn);
            core.conn.drive_ready(Instant::now(), readable);
            self.collect(&mut core, &mut answers, &mut deferred);
            r
        };
        if !leader && !answers.is_empty() {
            let _ = self.waker.wake();
        }
        self.settle(answers, deferred);
        r
    }

    /// Takes the connection's events: answers for [`Shared::settle`], the rest deferred.
    fn collect(
        &self,
        core: &mut Core,
        answers: &mut Vec<(RequestId, Result<Answer, ClientError>)>,
        deferred: &mut Vec<Deferred>,
    ) {
        while let Some(ev) = core.conn.poll_event() {
            match ev {
                ClientEvent::Answer(id, r) => answers.push((id, r)),
                ClientEvent::Established(n) => {
                    let mut info = AssociationInfo::new(self.association_id, n);
                    info.peer_addr = Some(self.peer);
                    info.calling = self.partner.clone();
                    info.called = self.ourselves.clone();
                    info.authenticated_peer = core.conn.authenticated_peer();
                    info.tls = core.conn.tls_session().is_some();
                    info.application_security = core.conn.application_security();
                    if let Some(r) = core.ready.take() {
                        let _ = r.send(Ok((
                            n,
                            core.conn.authenticated_peer(),
                            core.conn.tls_info(),
                        )));
                    }
                    deferred.push(Deferred::Established(Box::new(info)));
                }
                ClientEvent::Unconfirmed(u) => deferred.push(Deferred::Unconfirmed(u)),
                ClientEvent::Request(req) => deferred.push(Deferred::Request(req)),
                ClientEvent::Rejected(r) => log::info!("the server rejected a PDU: {r:?}"),
                ClientEvent::Closed(reason) => {
                    let error = core
                        .conn
                        .refusal()
                        .cloned()
                        .unwrap_or(ClientError::Closed(reason.clone()));
                    if let Some(r) = core.ready.take() {
                        let _ = r.send(Err(error.clone()));
                    }
                    let concluded = core.conn.concluded();
                    if let Some(done) = core.conclude.take() {
                        // The conclude-Response is what ends an MMS association properly; a
                        // peer that then aborts instead of answering the ACSE release
                        // (hat-drivers does) does not undo it.
                        let _ = done.send(match &reason {
                            CloseReason::Released => Ok(()),
                            _ if concluded => {
                                log::info!("conclude accepted; the peer then ended the association with {reason:?}");
                                Ok(())
                            }
                            other => Err(ClientError::Closed(other.clone())),
                        });
                    }
                    deferred.push(Deferred::Closed { reason, error });
                }
            }
        }
    }

    /// Hands answers to their owners and runs the deferred events, with no lock held.
    fn settle(
        &self,
        answers: Vec<(RequestId, Result<Answer, ClientError>)>,
        deferred: Vec<Deferred>,
    ) {
        if !answers.is_empty() {
            let mut st = lock(&self.state);
            for (id, r) in answers {
                // An answer nobody waits for any more (its Pending was dropped) goes.
                if st.waiting.contains(&id) {
                    st.results.insert(id, r);
                }
            }
            if st.followers > 0 {
                self.turned.notify_all();
            }
        }
        for d in deferred {
            self.handle(d);
        }
    }

    fn handle(&self, d: Deferred) {
        match d {
            Deferred::Established(info) => {
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
                let _ = self.info.set(*info);
            }
            Deferred::Unconfirmed(u) => {
                // The local handler hears them too: in the dual role, an ICCP partner's
                // Transfer_Report_ACK answers a report our handler's server side sent.
                if let (Some(handler), Some(info)) = (&self.handler, self.info.get()) {
                    if let Ok(service) = u.service() {
                        handler.unconfirmed(info, &service);
                    }
                }
                if let Some(tx) = lock(&self.unconfirmed).as_ref() {
                    if tx.try_send(u).is_err() {
                        log::warn!("unconfirmed PDU dropped: nobody is reading them");
                    }
                }
            }
            Deferred::Request(req) => self.peer_request(req),
            Deferred::Closed { reason, error } => {
                if let (Some(handler), Some(info)) = (&self.handler, self.info.get()) {
                    handler.closed(info);
                }
                log::debug!("association with {} ended: {reason:?}", self.peer);
                // The client value may live on: the peer must still see the connection end.
                if let Err(e) = lock(&self.core).conn.shutdown() {
                    log::debug!("socket shutdown after the association ended: {e}");
                }
                self.closed.store(true, Ordering::SeqCst);
                lock(&self.unconfirmed).take();
                let mut st = lock(&self.state);
                // Anyone still waiting learns the association is gone.
                let open: Vec<RequestId> = st
                    .waiting
                    .iter()
                    .filter(|id| !st.results.contains_key(id))
                    .copied()
                    .collect();
                for id in open {
                    st.results.insert(id, Err(error.clone()));
                }
                st.closed = Some(error);
                self.turned.notify_all();
                self.parked.notify_all();
                drop(st);
                // Whoever leads wakes up and sees it.
                let _ = self.waker.wake();
            }
        }
    }

    /// A confirmed request of the partner, for the handler (rejected without one).
    fn peer_request(&self, req: PeerRequest) {
        let invoke_id = req.invoke_id;
        let (Some(handler), Some(info), Some(sink)) =
            (self.handler.clone(), self.info.get(), self.sink.get())
        else {
            self.with_conn(|conn| {
                let _ = conn.reject(
                    invoke_id,
                    RejectReason::ConfirmedRequest(ConfirmedRequestProblem::UnrecognizedService),
                );
            });
            return;
        };
        let service = match req.service() {
            Ok(s) => s,
            Err(e) => {
                log::info!("the partner's request {invoke_id} did not decode: {e}");
                return;
            }
        };
        let mut ctx = RequestContext::new(info, invoke_id, sink.clone());
        let reply = handler.confirmed(&mut ctx, &service);
        let responder = ctx.into_responder();
        match reply {
            Reply::Now(result) => {
                if let Some(r) = responder {
                    r.disarm();
                }
                self.with_conn(|conn| {
                    let _ = conn.respond(invoke_id, &result);
                });
            }
            Reply::Unsupported => {
                if let Some(r) = responder {
                    r.disarm();
                }
                self.with_conn(|conn| {
                    let _ = conn.reject(
                        invoke_id,
                        RejectReason::ConfirmedRequest(
                            ConfirmedRequestProblem::UnrecognizedService,
                        ),
                    );
                });
            }
            Reply::Later => {
                // A responder still here answers service/other when dropped.
                drop(responder);
            }
        }
    }

    /// A caller starts: the I/O thread steps aside (woken if it leads).
    fn start(&self) -> Result<(), ClientError> {
        let mut st = lock(&self.state);
        if st.closed.is_some() {
            return Err(gone());
        }
        st.active += 1;
        st.epoch = st.epoch.wrapping_add(1);
        let wake = st.io_leading;
        drop(st);
        if wake {
            let _ = self.waker.wake();
        }
        Ok(())
    }

    /// A caller is done.
    fn finish(&self) {
        let mut st = lock(&self.state);
        st.active = st.active.saturating_sub(1);
    }

    /// Sends a confirmed request whose service CHOICE is encoded; the answer is waited for
    /// with [`Shared::wait`].
    pub(crate) fn request(&self, service: Vec<u8>) -> Result<RequestId, ClientError> {
        self.start()?;
        let mut deferred = Vec::new();
        let mut answers = Vec::new();
        let id = {
            let mut core = lock(&self.core);
            if core.conn.is_closed() {
                drop(core);
                self.finish();
                return Err(gone());
            }
            let id = core.conn.request_encoded(service);
            // Registered before anyone can read its answer: that needs this lock.
            lock(&self.state).waiting.insert(id);
            core.conn.drive_ready(Instant::now(), false);
            self.collect(&mut core, &mut answers, &mut deferred);
            id
        };
        let others = answers.iter().any(|(a, _)| *a != id);
        self.settle(answers, deferred);
        if others {
            // Answers for requests whose owners may be asleep in the poll: wake the leader.
            let _ = self.waker.wake();
        }
        Ok(id)
    }

    /// Waits for the answer to `id`, leading when nobody else does.
    pub(crate) fn wait(&self, id: RequestId) -> Result<Answer, ClientError> {
        let r = self.wait_for(|st| st.results.remove(&id));
        let mut st = lock(&self.state);
        st.waiting.remove(&id);
        st.active = st.active.saturating_sub(1);
        r
    }

    /// Gives up on `id` (its Pending was dropped unanswered).
    pub(crate) fn abandon(&self, id: RequestId) {
        let mut st = lock(&self.state);
        if st.waiting.remove(&id) {
            st.results.remove(&id);
            st.active = st.active.saturating_sub(1);
        }
    }

    /// Leader/follower: until `done` gives a value, lead a turn if the lead is free, or wait
    /// for the current leader's turn to end.
    fn wait_for<T>(&self, mut done: impl FnMut(&mut State) -> Option<T>) -> T {
        loop {
            let generation = {
                let mut st = lock(&self.state);
                if let Some(v) = done(&mut st) {
                    return v;
                }
                st.generation
            };
            let lead = match self.lead.try_lock() {
                Ok(l) => Some(l),
                Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            };
            if let Some(mut lead) = lead {
                // Between our look and taking the lead, someone may have settled us.
                if let Some(v) = done(&mut lock(&self.state)) {
                    return v;
                }
                self.turn(&mut lead);
                drop(lead);
                self.turned_over();
                continue;
            }
            let mut st = lock(&self.state);
            if st.generation == generation {
                st.followers += 1;
                st = self
                    .turned
                    .wait_timeout(st, FOLLOW)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|p| p.into_inner().0);
                st.followers -= 1;
            }
        }
    }

    /// Concludes (ISO 9506-2 §8.3) and waits until the association has ended.
    pub(crate) fn conclude(&self) -> Result<(), ClientError> {
        self.start()?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let started = {
            let mut core = lock(&self.core);
            match core.conn.conclude() {
                Ok(()) => {
                    core.conclude = Some(tx);
                    Ok(())
                }
                Err(e) => Err(e),
            }
        };
        if let Err(e) = started {
            self.finish();
            return Err(e);
        }
        self.with_conn(|_| {});
        self.wait_for(|st| st.closed.as_ref().map(|_| ()));
        self.finish();
        rx.recv().unwrap_or_else(|_| Err(gone()))
    }

    /// Sends an already-encoded unconfirmed PDU.
    pub(crate) fn send_unconfirmed(&self, pdu: &[u8]) -> Result<(), ClientError> {
        if lock(&self.state).closed.is_some() {
            return Err(gone());
        }
        self.with_conn(|conn| {
            if let Err(e) = conn.send_encoded(pdu) {
                log::info!("unconfirmed PDU not sent: {e}");
            }
        });
        Ok(())
    }

    /// Aborts the association (ACSE A-ABORT).
    pub(crate) fn abort(&self) {
        if lock(&self.state).closed.is_none() {
            self.with_conn(|conn| conn.abort());
        }
    }

    /// The client went away: the I/O thread ends.
    pub(crate) fn shut_down(&self) {
        lock(&self.state).shutdown = true;
        self.parked.notify_all();
        let _ = self.waker.wake();
    }
}
