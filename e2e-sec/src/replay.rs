//! The handshake replay cache (F-1142 "duplicate (time, assoID) → replay"; ASSUMPTIONS.md
//! U-05): key = (assoID, time, SHA-256 of the certificate), kept while the time stamp could
//! still pass the time window; bounded, and fail-closed when full.

use std::collections::HashMap;
use std::sync::Mutex;

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

/// A bounded, shared replay cache.
#[derive(Debug)]
pub struct ReplayCache {
    capacity: usize,
    entries: Mutex<HashMap<Key, i64>>,
}

impl ReplayCache {
    /// A cache holding at most `capacity` live entries.
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Records (assoID, time, certificate hash) unless seen; entries expire at `expires_ms`
    /// and are pruned when the cache would otherwise be full (`now_ms` is the current time).
    pub fn check_and_insert(
        &self,
        asso_id: &str,
        time_ms: i64,
        cert_hash: [u8; 32],
        now_ms: i64,
        expires_ms: i64,
    ) -> ReplayVerdict {
        let Ok(mut m) = self.entries.lock() else {
            return ReplayVerdict::Full;
        };
        let key = (asso_id.to_owned(), time_ms, cert_hash);
        if let Some(exp) = m.get(&key) {
            if *exp > now_ms {
                return ReplayVerdict::Replay;
            }
        }
        if m.len() >= self.capacity {
            m.retain(|_, exp| *exp > now_ms);
            if m.len() >= self.capacity {
                return ReplayVerdict::Full;
            }
        }
        m.insert(key, expires_ms);
        ReplayVerdict::Fresh
    }

    /// Live and expired entries currently held.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
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
