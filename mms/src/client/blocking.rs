//! The blocking MMS client: any number of application threads can issue requests at once
//! (pipelined up to the negotiated outstanding limit, ISO 9506-2 §8.2.1), informationReports
//! arrive while nobody is calling, and confirmed requests from the server (dual-direction ICCP)
//! are answered by a [`Handler`]. A caller waiting for an answer does the socket work itself
//! when nobody else is (leader/follower); a thread of the client's own reads while nobody
//! calls.

use acse::address::Address;
use acse::association::AeTitle;
use acse::security::AuthenticatedPeer;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use copp::ber::Writer;
use mio::{Poll, Waker};

use crate::client::connection::{
    Answer, ClientConfig, ClientError, Connection, RequestId, TlsInfo, Unconfirmed,
};
use crate::client::direct::{self, Parts, Shared};
use crate::endpoint::{CloseReason, SendError};
use crate::pdu::{ConfirmedServiceRequest, UnconfirmedService};
#[cfg(doc)]
use crate::server::handler::AssociationInfo;
use crate::server::handler::{Handler, Negotiated};

/// Unconfirmed PDUs kept for the application before new ones are dropped (with a log line).
const UNCONFIRMED_QUEUE: usize = 4096;

/// What a blocking client asks of whatever carries its association.
pub(crate) enum Cmd {
    Request {
        service: Vec<u8>,
        reply: SyncSender<Result<Answer, ClientError>>,
    },
    Unconfirmed(Vec<u8>),
    Conclude(SyncSender<Result<(), ClientError>>),
    Abort,
}

/// Association ids the client side gives its handler ([`AssociationInfo::id`]): from 2^63 up,
/// apart from a server's, so one handler can serve both sides.
static NEXT_ASSOCIATION: AtomicU64 = AtomicU64::new(1 << 63);

/// What the I/O thread reports once the association is up.
pub(crate) type Established = (Negotiated, Option<AuthenticatedPeer>, Option<TlsInfo>);

/// Carries a blocking client's commands to an association someone else runs: the server loop
/// that accepted the association when the client is the server's own requester on it (both
/// roles on one association, [`crate::server::ServerHandle::client`]).
pub(crate) trait Route: Send + Sync {
    /// Hands a command over; fails when the association is gone.
    fn send(&self, cmd: Cmd) -> Result<(), ClientError>;
    /// Waits until the association's I/O is over (after a conclude or an abort), where the
    /// route owns it.
    fn join(&self);
    /// The last clone of the client went away.
    fn dropped(&self);
}

/// Who carries a client's association.
enum Carrier {
    /// The client's own: shared by its callers and its I/O thread.
    Own {
        shared: Arc<Shared>,
        thread: Mutex<Option<JoinHandle<()>>>,
    },
    /// Someone else's (a server loop).
    Routed(Box<dyn Route>),
}

impl Carrier {
    /// Waits for the I/O thread, where there is one.
    fn join(&self) {
        match self {
            Carrier::Own { thread, .. } => {
                let t = thread.lock().ok().and_then(|mut g| g.take());
                if let Some(t) = t {
                    let _ = t.join();
                }
            }
            Carrier::Routed(r) => r.join(),
        }
    }
}

struct Inner {
    carrier: Carrier,
    negotiated: Negotiated,
    authenticated_peer: Option<AuthenticatedPeer>,
    tls_info: Option<TlsInfo>,
    peer: SocketAddr,
    unconfirmed: Mutex<Option<Receiver<Unconfirmed>>>,
    closed: Arc<AtomicBool>,
    handler_association: Option<u64>,
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

/// A request on its way: [`Pending::wait`] for its answer. Dropping it unanswered gives the
/// answer up (it is discarded when it comes).
#[derive(Debug)]
pub struct Pending {
    way: Way,
}

/// Where a [`Pending`]'s answer comes from.
enum Way {
    /// Picked up from the client's own association (leading if nobody does).
    Own(Arc<Shared>, RequestId),
    /// A channel from a server loop.
    Routed(Receiver<Result<Answer, ClientError>>),
    /// Already waited for.
    Done,
}

impl std::fmt::Debug for Way {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Way::Own(_, id) => write!(f, "Own({id:?})"),
            Way::Routed(_) => f.write_str("Routed"),
            Way::Done => f.write_str("Done"),
        }
    }
}

impl Pending {
    /// Waits for the answer (the request time-out bounds the wait).
    pub fn wait(mut self) -> Result<Answer, ClientError> {
        match std::mem::replace(&mut self.way, Way::Done) {
            Way::Own(shared, id) => shared.wait(id),
            Way::Routed(rx) => rx
                .recv()
                .unwrap_or(Err(ClientError::Closed(CloseReason::Disconnected))),
            Way::Done => Err(ClientError::Closed(CloseReason::Disconnected)),
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Way::Own(shared, id) = &self.way {
            shared.abandon(*id);
        }
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
        let stream = std::net::TcpStream::connect_timeout(&peer, connect_timeout)?;
        stream.set_nonblocking(true)?;
        let partner = ae_title(&config.endpoint.association.remote);
        let ourselves = ae_title(&config.endpoint.association.local);
        let conn = Connection::from_stream(mio::net::TcpStream::from_std(stream), config)?;
        Client::start(conn, peer, connect_timeout, handler, partner, ourselves)
    }

    /// Connects through the XMPP environment (IEC 62351-4 §16, IEC 61850-8-2): logs in to the
    /// XMPP server of `settings` and opens an end-to-end protected association to `peer`, the
    /// server's full JID (`name@domain/IEC`); then everything works as over RFC 1006.
    #[cfg(feature = "xmpp")]
    pub fn connect_xmpp(
        settings: crate::xmpp::XmppSettings,
        peer: &str,
        config: ClientConfig,
    ) -> Result<Client, ClientError> {
        let addr = settings.server;
        let connect_timeout = config.connect_timeout;
        let partner = ae_title(&config.endpoint.association.remote);
        let ourselves = ae_title(&config.endpoint.association.local);
        let conn = Connection::connect_xmpp(settings, peer, config)?;
        Client::start(conn, addr, connect_timeout, None, partner, ourselves)
    }

    /// Runs `conn` on its I/O thread and waits for the association.
    fn start(
        mut conn: Connection,
        peer: SocketAddr,
        connect_timeout: Duration,
        handler: Option<Arc<dyn Handler>>,
        partner: AeTitle,
        ourselves: AeTitle,
    ) -> Result<Client, ClientError> {
        // The handler's view: the partner (the AE we call) is the peer, as on a server.
        let association_id = NEXT_ASSOCIATION.fetch_add(1, Ordering::Relaxed);
        let poll = Poll::new()?;
        conn.register(poll.registry(), direct::SOCKET)?;
        let waker = Waker::new(poll.registry(), direct::WAKE)?;
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let (unconf_tx, unconf_rx) = mpsc::sync_channel(UNCONFIRMED_QUEUE);
        let closed = Arc::new(AtomicBool::new(false));
        let shared = Shared::new(Parts {
            conn,
            poll,
            waker,
            handler,
            peer,
            association_id,
            partner,
            ourselves,
            unconfirmed: unconf_tx,
            ready: ready_tx,
            closed: closed.clone(),
        });
        let io = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("mms-client-{peer}"))
            .spawn(move || io.run_io())?;
        let (negotiated, authenticated_peer, tls_info) =
            match ready_rx.recv_timeout(connect_timeout + Duration::from_secs(1)) {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    shared.shut_down();
                    let _ = thread.join();
                    return Err(e);
                }
                Err(_) => {
                    shared.abort();
                    shared.shut_down();
                    let _ = thread.join();
                    return Err(ClientError::Timeout);
                }
            };
        Ok(Client {
            inner: Arc::new(Inner {
                carrier: Carrier::Own {
                    shared,
                    thread: Mutex::new(Some(thread)),
                },
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
                carrier: Carrier::Routed(route),
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
        let service = w.into_vec();
        match &self.inner.carrier {
            Carrier::Own { shared, .. } => {
                let id = shared.request(service)?;
                Ok(Pending {
                    way: Way::Own(shared.clone(), id),
                })
            }
            Carrier::Routed(route) => {
                let (reply, rx) = mpsc::sync_channel(1);
                route.send(Cmd::Request { service, reply })?;
                Ok(Pending {
                    way: Way::Routed(rx),
                })
            }
        }
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
        match &self.inner.carrier {
            Carrier::Own { shared, .. } => shared.send_unconfirmed(&pdu),
            Carrier::Routed(route) => route.send(Cmd::Unconfirmed(pdu)),
        }
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
        let r = match &self.inner.carrier {
            Carrier::Own { shared, .. } => shared.conclude(),
            Carrier::Routed(route) => {
                let (tx, rx) = mpsc::sync_channel(1);
                route.send(Cmd::Conclude(tx))?;
                rx.recv()
                    .unwrap_or(Err(ClientError::Closed(CloseReason::Disconnected)))
            }
        };
        self.inner.carrier.join();
        r
    }

    /// Aborts the association (ACSE A-ABORT).
    pub fn abort(&self) {
        match &self.inner.carrier {
            Carrier::Own { shared, .. } => shared.abort(),
            Carrier::Routed(route) => {
                let _ = route.send(Cmd::Abort);
            }
        }
        self.inner.carrier.join();
    }
}

impl Drop for Inner {
    /// Aborts the association if it is still up and waits for the I/O thread (the client's
    /// own); a routed association is left to whoever runs it.
    fn drop(&mut self) {
        match &self.carrier {
            Carrier::Own { shared, .. } => {
                shared.abort();
                shared.shut_down();
                self.carrier.join();
            }
            Carrier::Routed(route) => route.dropped(),
        }
    }
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
