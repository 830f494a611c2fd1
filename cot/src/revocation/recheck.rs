//! [`PeerRecheck`]: the periodic re-check of an authenticated peer's certificate during a long
//! association (IEC 62351-3 §5.6.4.4; used by the A-profile and end-to-end providers, the
//! T-profile has its own timer in its session): a short first re-check, then one every
//! `recheck_period`, and at once when the checker learnt something new. An expired or revoked
//! certificate ends the association; revocation information that cannot be had is reported
//! once and never ends it.

use std::time::{Duration, Instant};

use openssl::x509::X509;

use super::{asn1_now, subject, RevocationChecker, RevocationStatus};

/// What one re-check found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecheckOutcome {
    /// Nothing to do (not due, or still good, or unavailable and already reported).
    Nothing,
    /// The certificate is revoked: end the association.
    Revoked(String),
    /// The certificate's validity ended (or has not begun): end the association.
    Expired(String),
    /// Revocation information cannot be had (first report since it was last available): the
    /// event code of [`super::events`] and why. The association goes on.
    Unavailable(&'static str, String),
}

/// The re-check state of one association's peer (see the module documentation).
#[derive(Debug)]
pub struct PeerRecheck {
    checker: RevocationChecker,
    chain: Vec<X509>,
    next: Instant,
    /// When it was armed or last ran (a time already past for every caller).
    last: Instant,
    period: Duration,
    generation: u64,
    last_unavailable: Option<&'static str>,
}

impl PeerRecheck {
    /// Starts re-checking `chain` (the peer's end-entity certificate first, then what is known
    /// of its path) from `now`; the first re-check is `first_recheck` later.
    pub fn new(checker: RevocationChecker, chain: Vec<X509>, now: Instant) -> PeerRecheck {
        let cfg = checker.config();
        let first = cfg.first_recheck.min(cfg.recheck_period);
        let period = cfg.recheck_period;
        let generation = checker.generation();
        PeerRecheck {
            checker,
            chain,
            next: now + first,
            last: now,
            period,
            generation,
            last_unavailable: None,
        }
    }

    /// When [`PeerRecheck::run`] is next due: at once (the last run's time, already past)
    /// when the checker's data changed since.
    pub fn deadline(&self) -> Instant {
        if self.checker.generation() != self.generation {
            return self.last;
        }
        self.next
    }

    /// Re-checks if due at `now` (or if the checker's data changed).
    pub fn run(&mut self, now: Instant) -> RecheckOutcome {
        let generation = self.checker.generation();
        if now < self.next && generation == self.generation {
            return RecheckOutcome::Nothing;
        }
        self.generation = generation;
        self.next = now + self.period;
        self.last = now;
        let Some(leaf) = self.chain.first() else {
            return RecheckOutcome::Nothing;
        };
        let wall = (self.checker.config().clock)();
        if let Some(t) = asn1_now(wall) {
            if leaf.not_after() < t || leaf.not_before() > t {
                return RecheckOutcome::Expired(format!(
                    "certificate of {} is outside its validity ({} .. {})",
                    subject(leaf),
                    leaf.not_before(),
                    leaf.not_after()
                ));
            }
        }
        match self.checker.check_chain(&self.chain, false) {
            s @ RevocationStatus::Revoked { .. } => {
                RecheckOutcome::Revoked(format!("certificate of {} is {s}", subject(leaf)))
            }
            RevocationStatus::Good { .. } => {
                self.last_unavailable = None;
                RecheckOutcome::Nothing
            }
            other => {
                let code = other.event_code().unwrap_or(super::events::NO_CRL);
                if self.last_unavailable == Some(code) {
                    return RecheckOutcome::Nothing;
                }
                self.last_unavailable = Some(code);
                RecheckOutcome::Unavailable(code, format!("{}: {other}", subject(leaf)))
            }
        }
    }
}
