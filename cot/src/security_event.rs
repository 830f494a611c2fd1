//! Security events (IEC 62351-3 §5.6 and IEC 62351-4 §6.2.8, with the event model of
//! IEC 62351-14): the one recorder every security mechanism of the stack reports to.
//!
//! Each event has a stable code (a `&'static str` that the mechanism documents, e.g.
//! `tls.cert-revoked`), a [`Severity`] and a detail text for the operator. [`SecurityEvents::record`]
//! logs it with the `log` facade under [`SECURITY_LOG_TARGET`] as
//! `event=<code> severity=<severity> <detail>` (so a SIEM can pick the lines out by target and
//! parse them), and counts it, so the application can read the counters at any time
//! ([`SecurityEvents::count`], [`SecurityEvents::snapshot`]). Details must never contain secret
//! material (keys, passwords, plaintext of protected data).
//!
//! One recorder is shared (`Arc<SecurityEvents>`) by the TLS transport, the association
//! security providers and the runtimes; it is cheap to record from any thread.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

/// The `log` target of security events (docs/design.md principle 8).
pub const SECURITY_LOG_TARGET: &str = "osi_mms::security";

/// How serious an event is (the severities IEC 62351-14 uses for IEC 62351-4 events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// An attack or a security failure that needs attention now (e.g. a replay, a bad signature).
    Alarm,
    /// A failure that ended or refused a connection (e.g. an untrusted certificate).
    Error,
    /// Something weak or unusual that did not end anything (e.g. TLS 1.1 allowed by configuration).
    Warning,
    /// For the record (e.g. a completed renegotiation).
    Notice,
}

impl Severity {
    /// The lower-case name used in log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Alarm => "alarm",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How often one event code was recorded, for [`SecurityEvents::snapshot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCount {
    /// The event code.
    pub code: &'static str,
    /// The severity it was last recorded with.
    pub severity: Severity,
    /// How many times it was recorded.
    pub count: u64,
}

/// The recorder and counters of security events (see the module documentation).
#[derive(Debug, Default)]
pub struct SecurityEvents {
    counts: Mutex<BTreeMap<&'static str, (Severity, u64)>>,
}

impl SecurityEvents {
    /// An empty recorder.
    pub fn new() -> SecurityEvents {
        SecurityEvents::default()
    }

    /// Logs the event under [`SECURITY_LOG_TARGET`] (`warn!` for alarm, error and warning,
    /// `info!` for notice) and counts it.
    pub fn record(&self, code: &'static str, severity: Severity, detail: &dyn fmt::Display) {
        match severity {
            Severity::Alarm | Severity::Error | Severity::Warning => {
                log::warn!(target: SECURITY_LOG_TARGET, "event={code} severity={severity} {detail}")
            }
            Severity::Notice => {
                log::info!(target: SECURITY_LOG_TARGET, "event={code} severity={severity} {detail}")
            }
        }
        // A poisoned lock only means another thread panicked while counting: keep counting.
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let entry = counts.entry(code).or_insert((severity, 0));
        entry.0 = severity;
        entry.1 = entry.1.saturating_add(1);
    }

    /// How many times `code` was recorded.
    pub fn count(&self, code: &str) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(code).map(|(_, n)| *n).unwrap_or(0)
    }

    /// Every code recorded so far with its count, ordered by code.
    pub fn snapshot(&self) -> Vec<EventCount> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts
            .iter()
            .map(|(code, (severity, count))| EventCount {
                code,
                severity: *severity,
                count: *count,
            })
            .collect()
    }

    /// How many events were recorded in all.
    pub fn total(&self) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.values().map(|(_, n)| *n).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_code_and_in_total() {
        let ev = SecurityEvents::new();
        assert_eq!(ev.total(), 0);
        ev.record("x.one", Severity::Error, &"first");
        ev.record("x.one", Severity::Alarm, &"second");
        ev.record("x.two", Severity::Notice, &format_args!("n={}", 3));
        assert_eq!(ev.count("x.one"), 2);
        assert_eq!(ev.count("x.two"), 1);
        assert_eq!(ev.count("x.three"), 0);
        assert_eq!(ev.total(), 3);
        let snap = ev.snapshot();
        assert_eq!(
            snap,
            vec![
                EventCount {
                    code: "x.one",
                    severity: Severity::Alarm,
                    count: 2
                },
                EventCount {
                    code: "x.two",
                    severity: Severity::Notice,
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn shared_between_threads() {
        let ev = std::sync::Arc::new(SecurityEvents::new());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let ev = ev.clone();
                std::thread::spawn(move || {
                    for _ in 0..100 {
                        ev.record("t.count", Severity::Warning, &"");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("thread");
        }
        assert_eq!(ev.count("t.count"), 400);
    }
}
