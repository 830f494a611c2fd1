//! Where security events go beyond the log line and the counters (IEC 62351-4 §4.6: security
//! violations are kept in a separate, tamper-evident log; IEC 62351-14 / IEC 62351-7: events are
//! reported to a collector):
//!
//! * [`ChainLog`]: an append-only local file in which every record carries a hash chain over
//!   all records before it (SHA-256, or HMAC-SHA256 under a key the operator keeps), so that a
//!   removed, reordered or altered record is found by [`verify`] (and by
//!   `mms security-log verify FILE`);
//! * [`Syslog`]: RFC 5424 messages over UDP, or TCP with octet-counting framing (RFC 6587), sent
//!   from a thread of its own through a bounded queue, so recording never waits on the network;
//!   what cannot be sent is counted ([`Syslog::dropped`]) and stays in the local log.
//!
//! Both implement [`cot::security_event::EventSink`]; add them to a configuration's events
//! handle with [`SecurityEvents::add_sink`](crate::security::SecurityEvents::add_sink). The
//! record format and the chain are described in `docs/security-log.md`.

mod chain;
mod syslog;
mod time;

pub use chain::{verify, ChainLog, Verified, VerifyError};
pub use syslog::{Syslog, SyslogTransport};
