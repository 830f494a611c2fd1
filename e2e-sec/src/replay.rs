//! The handshake replay cache (F-1142 "duplicate (time, assoID) → replay"; ASSUMPTIONS.md
//! U-05): key = (assoID, time, SHA-256 of the certificate), kept while the time stamp could
//! still pass the time window; bounded, and fail-closed when full.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use acse::replay::{ReplayMemory, ReplayRefusal};

/// What [`ReplayCache::check_and_insert`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayVerdict {
    /// First time seen: recorded.
    Fresh,
    /// Seen before: a replay.
    Replay,
    /// The cache is full of live entries: refuse (fail closed).
    Full,
}

/// (assoID, time in ms, SHA-256 of the certificate).
type Key = (String, i64, [u8; 32]);

/// The handshake's replay cache: [`acse::replay::ReplayMemory`] shared by the factory's
/// associations.
#[derive(Debug)]
pub struct ReplayCache {
    memory: Mutex<ReplayMemory<Key>>,
}

/// Milliseconds since 1970 as a time (before 1970: the epoch).
fn at(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl ReplayCache {
    /// A cache holding at most `capacity` live entries.
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            memory: Mutex::new(ReplayMemory::new(capacity)),
        }
    }

    /// Records (assoID, time, certificate hash) unless seen; the entry lives until
    /// `expires_ms` (`now_ms` is the current time).
    pub fn check_and_insert(
        &self,
        asso_id: &str,
        time_ms: i64,
        cert_hash: [u8; 32],
        now_ms: i64,
        expires_ms: i64,
    ) -> ReplayVerdict {
        let Ok(mut m) = self.memory.lock() else {
            return ReplayVerdict::Full;
        };
        let key = (asso_id.to_owned(), time_ms, cert_hash);
        match m.check_and_insert(key, at(expires_ms), at(now_ms)) {
            Ok(()) => ReplayVerdict::Fresh,
            Err(ReplayRefusal::Full(_)) => ReplayVerdict::Full,
            Err(_) => ReplayVerdict::Replay,
        }
    }

    /// Live and expired entries currently held.
    pub fn len(&self) -> usize {
        self.memory.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_expiry_and_fail_closed() {
        let c = ReplayCache::new(2);
        assert_eq!(
            c.check_and_insert("1", 10, [0; 32], 0, 100),
            ReplayVerdict::Fresh
        );
        assert_eq!(
            c.check_and_insert("1", 10, [0; 32], 50, 150),
            ReplayVerdict::Replay
        );
        assert_eq!(
            c.check_and_insert("2", 10, [0; 32], 50, 150),
            ReplayVerdict::Fresh
        );
        // Full of live entries: fail closed.
        assert_eq!(
            c.check_and_insert("3", 10, [0; 32], 60, 160),
            ReplayVerdict::Full
        );
        // Once the first expired, there is room again.
        assert_eq!(
            c.check_and_insert("3", 10, [0; 32], 120, 220),
            ReplayVerdict::Fresh
        );
        assert_eq!(c.len(), 2);
    }
}
