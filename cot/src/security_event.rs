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
//!
//! Beyond the log line and the counters, the recorder hands every event to the [`EventSink`]s
//! added with [`SecurityEvents::add_sink`] (a tamper-evident local log, syslog; the `mms`
//! crate's `security::audit` has both). Each mechanism registers its catalogue of codes with
//! their IEC 62351-14 identifiers ([`SecurityEvents::register`]), so sinks can name every event
//! the way IEC 62351-14 does.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

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

/// One recorded event, as a sink receives it.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// The stable code (e.g. `tls.cert-revoked`).
    pub code: &'static str,
    /// The IEC 62351-14 identifier registered for the code (e.g. `IEC62351-3:2.4`), if any.
    pub iec62351_14: Option<&'static str>,
    /// The severity.
    pub severity: Severity,
    /// The operator's text (never secret material).
    pub detail: &'a str,
    /// When it was recorded (wall clock).
    pub time: SystemTime,
}

/// Where events go besides the log line and the counters. Called on the recording thread:
/// a sink must not block (queue and hand over to a thread of its own if its output can).
pub trait EventSink: Send + Sync {
    /// Takes one event.
    fn deliver(&self, event: &Event<'_>);
}

/// The recorder and counters of security events (see the module documentation).
#[derive(Default)]
pub struct SecurityEvents {
    counts: Mutex<BTreeMap<&'static str, (Severity, u64)>>,
    /// code → IEC 62351-14 identifier.
    ids: RwLock<BTreeMap<&'static str, &'static str>>,
    sinks: RwLock<Vec<Arc<dyn EventSink>>>,
}

impl fmt::Debug for SecurityEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityEvents")
            .field("total", &self.total())
            .field(
                "sinks",
                &self.sinks.read().unwrap_or_else(|e| e.into_inner()).len(),
            )
            .finish_non_exhaustive()
    }
}

impl SecurityEvents {
    /// An empty recorder.
    pub fn new() -> SecurityEvents {
        SecurityEvents::default()
    }

    /// Registers the IEC 62351-14 identifiers of a mechanism's codes (pairs of code and
    /// identifier); a code registered twice keeps the last identifier.
    pub fn register(&self, catalogue: &[(&'static str, &'static str)]) {
        let mut ids = self.ids.write().unwrap_or_else(|e| e.into_inner());
        for (code, id) in catalogue {
            ids.insert(code, id);
        }
    }

    /// The IEC 62351-14 identifier registered for `code`.
    pub fn iec62351_14_id(&self, code: &str) -> Option<&'static str> {
        self.ids
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(code)
            .copied()
    }

    /// Adds a sink: every event recorded from now on is handed to it.
    pub fn add_sink(&self, sink: Arc<dyn EventSink>) {
        self.sinks
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(sink);
    }

    /// Logs the event under [`SECURITY_LOG_TARGET`] (`warn!` for alarm, error and warning,
    /// `info!` for notice) with its IEC 62351-14 identifier when one is registered, counts it,
    /// and hands it to the sinks.
    pub fn record(&self, code: &'static str, severity: Severity, detail: &dyn fmt::Display) {
        let id = self.iec62351_14_id(code);
        let shown = id.unwrap_or("-");
        match severity {
            Severity::Alarm | Severity::Error | Severity::Warning => {
                log::warn!(target: SECURITY_LOG_TARGET, "event={code} id={shown} severity={severity} {detail}")
            }
            Severity::Notice => {
                log::info!(target: SECURITY_LOG_TARGET, "event={code} id={shown} severity={severity} {detail}")
            }
        }
        {
            let sinks = self.sinks.read().unwrap_or_else(|e| e.into_inner());
            if !sinks.is_empty() {
                let text = detail.to_string();
                let event = Event {
                    code,
                    iec62351_14: id,
                    severity,
                    detail: &text,
                    time: SystemTime::now(),
                };
                for sink in sinks.iter() {
                    sink.deliver(&event);
                }
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
    fn sinks_get_every_event_with_its_registered_identifier() {
        type Seen = (String, Option<String>, Severity, String);
        struct Collect(Mutex<Vec<Seen>>);
        impl EventSink for Collect {
            fn deliver(&self, e: &Event<'_>) {
                self.0.lock().expect("lock").push((
                    e.code.to_string(),
                    e.iec62351_14.map(str::to_string),
                    e.severity,
                    e.detail.to_string(),
                ));
            }
        }
        let ev = SecurityEvents::new();
        ev.record("x.before", Severity::Notice, &"no sink yet");
        let sink = Arc::new(Collect(Mutex::new(Vec::new())));
        ev.add_sink(sink.clone());
        ev.register(&[("x.known", "IEC62351-3:1.1")]);
        ev.record("x.known", Severity::Alarm, &format_args!("n={}", 1));
        ev.record("x.unknown", Severity::Warning, &"w");
        assert_eq!(ev.iec62351_14_id("x.known"), Some("IEC62351-3:1.1"));
        let got = sink.0.lock().expect("lock").clone();
        assert_eq!(
            got,
            vec![
                (
                    "x.known".to_string(),
                    Some("IEC62351-3:1.1".to_string()),
                    Severity::Alarm,
                    "n=1".to_string()
                ),
                (
                    "x.unknown".to_string(),
                    None,
                    Severity::Warning,
                    "w".to_string()
                ),
            ]
        );
        assert_eq!(ev.total(), 3);
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
