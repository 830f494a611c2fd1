//! Security events to a syslog collector: RFC 5424 messages over UDP (RFC 5426), or over TCP
//! with octet-counting framing (RFC 6587 §3.4.1), from a sender thread fed through a bounded
//! queue (docs/security-log.md).
//!
//! ```text
//! <PRI>1 TIMESTAMP HOSTNAME osi-mms PROCID MSGID [osiMms@32473 code="…" id="…" severity="…" seq="…" chain="…"] detail
//! ```
//!
//! PRI uses facility 10 (security/authorization); the severity maps alarm → alert (1), error →
//! err (3), warning → warning (4), notice → notice (5). MSGID is the IEC 62351-14 identifier
//! when the code has one, else the code. The SD-ID is ours, under the documentation enterprise
//! number of RFC 5612 (32473), since no registered one exists for these events. `seq` and
//! `chain` (the local [`super::ChainLog`]'s head after this event, when one is attached) let the
//! collector's copy anchor the local log against truncation.

use std::fmt;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cot::security_event::{Event, EventSink, Severity};

use super::chain::ChainLog;
use super::time::rfc3339;

/// How many messages wait for the sender thread at most; beyond, events are dropped (and
/// counted).
const QUEUE: usize = 1024;
/// How long a TCP connect or write may take.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// How long to wait before trying a collector that could not be reached again.
const RETRY: Duration = Duration::from_secs(1);
/// Facility 10: security/authorization messages (RFC 5424 §6.2.1).
const FACILITY: u8 = 10;

/// How messages reach the collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyslogTransport {
    /// One datagram per message (RFC 5426).
    Udp,
    /// A TCP stream, octet-counting framing (RFC 6587).
    Tcp,
}

/// The syslog sink (see the module documentation).
pub struct Syslog {
    tx: SyncSender<Vec<u8>>,
    counters: Arc<Counters>,
    hostname: String,
    chain: Option<Arc<ChainLog>>,
}

#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    dropped: AtomicU64,
}

impl fmt::Debug for Syslog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Syslog")
            .field("sent", &self.sent())
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

impl Syslog {
    /// Starts the sender thread for a collector at `addr`. `hostname` goes into every message
    /// (`None`: the RFC 5424 nil value `-`). Nothing is connected yet: an unreachable collector
    /// only shows in [`Syslog::dropped`].
    pub fn start(
        transport: SyslogTransport,
        addr: SocketAddr,
        hostname: Option<String>,
    ) -> io::Result<Syslog> {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        std::thread::Builder::new()
            .name("mms-syslog".into())
            .spawn(move || sender(transport, addr, rx, &c))?;
        Ok(Syslog {
            tx,
            counters,
            hostname: hostname
                .filter(|h| !h.is_empty())
                .map(|h| printable(&h, 255))
                .unwrap_or_else(|| "-".into()),
            chain: None,
        })
    }

    /// Puts the local log's sequence number and chain value into every message (add the
    /// [`ChainLog`] to the events handle before this sink so the head includes the event).
    pub fn with_chain(mut self, chain: Arc<ChainLog>) -> Syslog {
        self.chain = Some(chain);
        self
    }

    /// Messages handed to the collector's socket.
    pub fn sent(&self) -> u64 {
        self.counters.sent.load(Ordering::Relaxed)
    }

    /// Events that did not reach the collector (queue full, collector unreachable).
    pub fn dropped(&self) -> u64 {
        self.counters.dropped.load(Ordering::Relaxed)
    }

    /// The RFC 5424 message of `event`.
    fn message(&self, event: &Event<'_>) -> Vec<u8> {
        let severity = match event.severity {
            Severity::Alarm => 1,
            Severity::Error => 3,
            Severity::Warning => 4,
            Severity::Notice => 5,
        };
        let pri = FACILITY * 8 + severity;
        let msgid = printable(event.iec62351_14.unwrap_or(event.code), 32);
        let mut sd = format!(
            "[osiMms@32473 code=\"{}\" severity=\"{}\"",
            param(event.code),
            event.severity
        );
        if let Some(id) = event.iec62351_14 {
            sd.push_str(&format!(" id=\"{}\"", param(id)));
        }
        if let Some(c) = &self.chain {
            let (seq, chain) = c.head();
            sd.push_str(&format!(" seq=\"{seq}\" chain=\"{chain}\""));
        }
        sd.push(']');
        format!(
            "<{pri}>1 {} {} osi-mms {} {msgid} {sd} {}",
            rfc3339(event.time),
            self.hostname,
            std::process::id(),
            event.detail.replace(['\n', '\r'], " ")
        )
        .into_bytes()
    }
}

impl EventSink for Syslog {
    fn deliver(&self, event: &Event<'_>) {
        match self.tx.try_send(self.message(event)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Printable US-ASCII without spaces, at most `max` characters (RFC 5424 header fields).
fn printable(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .take(max)
        .collect()
}

/// An SD-PARAM value with `"`, `\` and `]` escaped (RFC 5424 §6.3.3).
fn param(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The sender thread: until every [`Syslog`] handle is gone.
fn sender(transport: SyslogTransport, addr: SocketAddr, rx: Receiver<Vec<u8>>, c: &Counters) {
    let mut udp: Option<UdpSocket> = None;
    let mut tcp: Option<TcpStream> = None;
    let mut next_try = Instant::now();
    while let Ok(msg) = rx.recv() {
        let ok = match transport {
            SyslogTransport::Udp => {
                if udp.is_none() {
                    let bind: SocketAddr = if addr.is_ipv4() {
                        SocketAddr::from(([0, 0, 0, 0], 0))
                    } else {
                        SocketAddr::from(([0u16; 8], 0))
                    };
                    udp = UdpSocket::bind(bind).ok();
                }
                udp.as_ref()
                    .is_some_and(|s| s.send_to(&msg, addr).is_ok_and(|n| n == msg.len()))
            }
            SyslogTransport::Tcp => {
                if tcp.is_none() && Instant::now() >= next_try {
                    match TcpStream::connect_timeout(&addr, IO_TIMEOUT) {
                        Ok(s) => {
                            let _ = s.set_write_timeout(Some(IO_TIMEOUT));
                            let _ = s.set_nodelay(true);
                            tcp = Some(s);
                        }
                        Err(e) => {
                            log::warn!("syslog collector {addr} unreachable: {e}");
                            next_try = Instant::now() + RETRY;
                        }
                    }
                }
                match tcp.as_mut() {
                    Some(s) => {
                        let mut framed = format!("{} ", msg.len()).into_bytes();
                        framed.extend_from_slice(&msg);
                        match s.write_all(&framed) {
                            Ok(()) => true,
                            Err(e) => {
                                log::warn!("syslog collector {addr}: {e}");
                                tcp = None;
                                next_try = Instant::now() + RETRY;
                                false
                            }
                        }
                    }
                    None => false,
                }
            }
        };
        if ok {
            c.sent.fetch_add(1, Ordering::Relaxed);
        } else {
            c.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn a_message_follows_rfc_5424() {
        let s = Syslog::start(
            SyslogTransport::Udp,
            SocketAddr::from(([127, 0, 0, 1], 9)),
            Some("host a".into()),
        )
        .expect("start");
        let m = s.message(&Event {
            code: "tls.cert-revoked",
            iec62351_14: Some("IEC62351-3:2.4"),
            severity: Severity::Alarm,
            detail: "peer \"x\"\nrevoked",
            time: UNIX_EPOCH,
        });
        let text = String::from_utf8(m).expect("utf8");
        let want = format!(
            "<81>1 1970-01-01T00:00:00.000Z host_a osi-mms {} IEC62351-3:2.4 [osiMms@32473 code=\"tls.cert-revoked\" severity=\"alarm\" id=\"IEC62351-3:2.4\"] peer \"x\" revoked",
            std::process::id()
        );
        assert_eq!(text, want);
    }

    #[test]
    fn parameter_values_are_escaped() {
        assert_eq!(param(r#"a"b\c]d"#), r#"a\"b\\c\]d"#);
        assert_eq!(printable("a b\u{e9}", 3), "a_b");
    }
}
