//! [`Backoff`]: reconnect delays for the runtime that owns the socket: exponential growth from
//! `min` to `max` with "equal jitter" (each delay uniformly random in the upper half of the
//! exponential step, so clients that lost the same server do not come back in step), reset to
//! `min` after a successful connection. Randomness from `openssl::rand`.

use std::time::Duration;

/// Exponential back-off with jitter (see the module documentation).
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    /// Delays from `min` up to `max` (`max` below `min` is raised to `min`).
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max: max.max(min),
            attempt: 0,
        }
    }

    /// The step without jitter for the next attempt: `min · 2^attempt`, at most `max`.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(31)).unwrap_or(u32::MAX);
        self.min.saturating_mul(factor).min(self.max)
    }

    /// The delay before the next connection attempt, in `[ceiling/2, ceiling]`; each call
    /// doubles the next ceiling (up to `max`).
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        let mut r = [0u8; 8];
        let frac = match openssl::rand::rand_bytes(&mut r) {
            Ok(()) => (u64::from_le_bytes(r) >> 11) as f64 / (1u64 << 53) as f64,
            Err(_) => 1.0,
        };
        (half + (ceiling - half).mul_f64(frac)).max(self.min.min(ceiling))
    }

    /// A connection succeeded (the stream went online): start again from `min`.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// How many delays were handed out since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}
