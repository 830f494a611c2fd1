//! Server configuration and statistics.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use acse::security::{SecurityEvents, SecurityFactory};

use crate::server::policy::{PeerPolicy, PeerTable};

use crate::endpoint::EndpointConfig;

/// The default [`ServerConfig::idle_timeout`]: 10 minutes without anything received.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// The default [`ServerConfig::frame_timeout`]: 30 s for one TPKT packet to arrive in full
/// (65 535 octets at 20 kbit/s).
pub const DEFAULT_FRAME_TIMEOUT: Duration = Duration::from_secs(30);

/// How a [`crate::server::Server`] runs. Start from [`ServerConfig::default`] (or
/// [`ServerConfig::listening`]) and change what differs with the `with_*` calls or by assigning
/// the public fields.
#[derive(Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Where to listen (RFC 1006 uses TCP port 102).
    pub listen: Vec<SocketAddr>,
    /// Per association: selectors, AE-title checks, TPDU size (the OSI layers), and our initiate
    /// limits: `local_detail_calling` is the largest MMS PDU we accept and send,
    /// the outstanding-request and nesting values the most we grant (ISO 9506-2 §8.2.1).
    pub endpoint: EndpointConfig,
    /// The most associations served at once, over all event loops. A connection beyond it is
    /// refused at the transport level: its COTP CR is answered with a DR (reason 1, congestion
    /// at TSAP, ISO 8073 §13.5.3) and the connection closed.
    pub max_associations: usize,
    /// Event loops (threads); each serves its share of the associations.
    pub threads: usize,
    /// Time allowed from TCP accept to a completed initiate exchange.
    pub connect_timeout: Duration,
    /// An association from which nothing was received for this long is aborted (ACSE
    /// A-ABORT). Default [`DEFAULT_IDLE_TIMEOUT`] (10 minutes); `None` turns it off. A client
    /// that only listens (to reports, say) must send something (an Identify or Status request)
    /// more often than this, or the server be configured with a longer time-out.
    pub idle_timeout: Option<Duration>,
    /// A TPKT packet (RFC 1006) whose first octet arrived must arrive in full within this time,
    /// however its octets trickle in; otherwise the association is aborted (a peer sending one
    /// octet a second into a packet that claims 65 535 octets cannot hold its connection).
    /// Default [`DEFAULT_FRAME_TIMEOUT`] (30 s); `None` turns it off.
    pub frame_timeout: Option<Duration>,
    /// The most octets queued for one peer that is not reading; beyond it the server stops
    /// reading (and serving) that peer's requests until the backlog drains (back-pressure, no
    /// unbounded memory). Default 256 KiB.
    pub max_backlog: usize,
    /// The association-security mechanism (IEC 62351-4 A-security-profile, end-to-end security,
    /// ACSE password): one provider per association, made when the connection is accepted.
    /// `None`: kernel-only associations.
    pub security: Option<Arc<dyn SecurityFactory>>,
    /// Where security events are recorded and counted (shared with the security mechanisms).
    pub events: Arc<SecurityEvents>,
    /// The T-profile (IEC 62351-3, IEC 62351-4 §6): the TLS context for the `tls_listen`
    /// addresses, built once (build it with the same `events` so TLS events are counted there).
    pub tls: Option<Arc<cot::tls::TlsServer>>,
    /// Addresses served with TLS (IEC 62351-4 §6.3.2: port 3782). `listen` stays plain
    /// RFC 1006 (port 102); the two coexist on separate ports, and either may be empty.
    pub tls_listen: Vec<SocketAddr>,
    /// TCP keep-alive on every accepted socket (class 0 transport has no inactivity timer of
    /// its own, so a peer that vanished is found this way); `None`: the OS default (off).
    pub keep_alive: Option<crate::net::KeepAlive>,
    /// Per-peer security policy (IEC 62351-4 §5.1): each partner, recognised by its calling
    /// AE-title (or address, or certificate), and the transport and application security it
    /// must use. A partner not in a non-empty table is refused (calling-AP-title-not-recognized),
    /// one below its entry too (authentication-required), each with its security event.
    /// `None` or an empty table: everybody is admitted.
    pub peer_policy: Option<Arc<PeerTable<PeerPolicy>>>,
    /// The XMPP environment (IEC 62351-4 §16, IEC 61850-8-2): the server also logs in to an
    /// XMPP server as a client and serves the associations its peers open through it, with
    /// end-to-end security. `listen` and `tls_listen` may then be empty.
    #[cfg(feature = "xmpp")]
    pub xmpp: Option<crate::xmpp::XmppSettings>,
}

crate::setters!(ServerConfig {
    /// the plain RFC 1006 addresses.
    listen: Vec<SocketAddr> => with_listen,
    /// the association and the initiate limits.
    endpoint: EndpointConfig => with_endpoint,
    /// the most associations served at once.
    max_associations: usize => with_max_associations,
    /// the number of event loops.
    threads: usize => with_threads,
    /// the time allowed from accept to a completed initiate exchange.
    connect_timeout: Duration => with_connect_timeout,
    /// the idle time-out (`None`: off).
    idle_timeout: Option<Duration> => with_idle_timeout,
    /// the frame-completion time-out (`None`: off).
    frame_timeout: Option<Duration> => with_frame_timeout,
    /// the most octets queued for one peer.
    max_backlog: usize => with_max_backlog,
    /// the association-security mechanism (see also `with_a_profile` / `with_e2e` of
    /// `mms::security`).
    security: Option<Arc<dyn SecurityFactory>> => with_security,
    /// where security events are recorded and counted.
    events: Arc<SecurityEvents> => with_events,
    /// the TLS context (see also `with_tls` of `mms::security`).
    tls: Option<Arc<cot::tls::TlsServer>> => with_tls_server,
    /// the TLS addresses.
    tls_listen: Vec<SocketAddr> => with_tls_listen,
    /// TCP keep-alive.
    keep_alive: Option<crate::net::KeepAlive> => with_keep_alive,
    /// the per-peer security policy.
    peer_policy: Option<Arc<PeerTable<PeerPolicy>>> => with_peer_policy,
});

impl ServerConfig {
    /// The defaults, listening on `addresses` (plain RFC 1006).
    pub fn listening(addresses: impl IntoIterator<Item = SocketAddr>) -> ServerConfig {
        ServerConfig::default().with_listen(addresses.into_iter().collect())
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("endpoint", &self.endpoint)
            .field("max_associations", &self.max_associations)
            .field("threads", &self.threads)
            .field("connect_timeout", &self.connect_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("frame_timeout", &self.frame_timeout)
            .field("max_backlog", &self.max_backlog)
            .field("security", &self.security.as_ref().map(|s| s.name()))
            .field("tls", &self.tls.is_some())
            .field("tls_listen", &self.tls_listen)
            .field("keep_alive", &self.keep_alive)
            .field("peer_policy", &self.peer_policy)
            .finish_non_exhaustive()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: vec![SocketAddr::from(([0, 0, 0, 0], 102))],
            // The server's own requests to a partner (both roles on one association,
            // `ServerHandle::client`) give up after 10 s, like the client's.
            endpoint: EndpointConfig {
                request_timeout: Some(Duration::from_secs(10)),
                ..EndpointConfig::default()
            },
            max_associations: 1000,
            threads: 1,
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            frame_timeout: Some(DEFAULT_FRAME_TIMEOUT),
            max_backlog: 256 << 10,
            keep_alive: Some(crate::net::KeepAlive::default()),
            security: None,
            events: Arc::new(SecurityEvents::new()),
            tls: None,
            tls_listen: Vec::new(),
            peer_policy: None,
            #[cfg(feature = "xmpp")]
            xmpp: None,
        }
    }
}

/// Counters a running server keeps; read them with [`crate::server::ServerHandle::stats`].
#[derive(Debug, Default)]
pub struct Stats {
    pub(crate) accepted: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) associated: AtomicU64,
    pub(crate) closed: AtomicU64,
    pub(crate) requests: AtomicU64,
    pub(crate) rejects_sent: AtomicU64,
    pub(crate) protocol_errors: AtomicU64,
    pub(crate) unconfirmed_sent: AtomicU64,
    pub(crate) tls_handshakes: AtomicU64,
    pub(crate) tls_failures: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsSnapshot {
    /// TCP connections accepted.
    pub accepted: u64,
    /// Connections refused (association limit, initiate refused).
    pub refused: u64,
    /// Associations that completed the initiate exchange.
    pub associated: u64,
    /// Connections closed.
    pub closed: u64,
    /// Confirmed requests received.
    pub requests: u64,
    /// RejectPDUs sent.
    pub rejects_sent: u64,
    /// PDUs from peers that could not be accepted (each answered as ISO 9506-2 §7.5 says).
    pub protocol_errors: u64,
    /// Unconfirmed PDUs (informationReports) sent.
    pub unconfirmed_sent: u64,
    /// TLS handshakes completed (IEC 62351-3; each failure is also a security event).
    pub tls_handshakes: u64,
    /// TLS connections that failed (refused handshake, renegotiation refused, revoked peer...).
    pub tls_failures: u64,
}

impl Stats {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The current values.
    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            accepted: g(&self.accepted),
            refused: g(&self.refused),
            associated: g(&self.associated),
            closed: g(&self.closed),
            requests: g(&self.requests),
            rejects_sent: g(&self.rejects_sent),
            protocol_errors: g(&self.protocol_errors),
            unconfirmed_sent: g(&self.unconfirmed_sent),
            tls_handshakes: g(&self.tls_handshakes),
            tls_failures: g(&self.tls_failures),
        }
    }
}
