//! The replay memory of the A-profile (IEC 62351-4 §11.2.3/§11.2.4: a `time` value already
//! received within the window is refused; docs/facts.md F-913, U-05).
//!
//! Key: SHA-256 over (SHA-256 of the peer certificate ‖ the `time` contents octets) — the pair
//! of U-05 in 32 octets. An entry lives until its signed time plus the window: after that the
//! time check refuses the value anyway, so the memory is exactly the window. The cache is
//! bounded; when it is full of live entries a new value is refused (fail closed).

use std::time::{Duration, SystemTime};

use acse::replay::{ReplayMemory, ReplayRefusal};

use openssl::hash::{hash, MessageDigest};

/// A replay-cache key (32 octets, see the module documentation).
pub type ReplayKey = [u8; 32];

/// Why the replay cache refused a value (IEC 62351-4 §11.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The same (certificate, time) was accepted within the window.
    #[error("value already received within the window (replay)")]
    Replayed,
    /// The cache holds `capacity` live entries: refused rather than forgetting one.
    #[error("replay cache full ({0} live entries): refused")]
    Full(usize),
    /// The key could not be computed (hash failure).
    #[error("could not hash the value")]
    Hash,
}

/// The key of (certificate, time): SHA-256(SHA-256(certificate) ‖ time).
pub fn key(certificate: &[u8], time: &[u8]) -> Result<ReplayKey, ReplayError> {
    let c = hash(MessageDigest::sha256(), certificate).map_err(|_| ReplayError::Hash)?;
    let mut buf = Vec::with_capacity(c.len() + time.len());
    buf.extend_from_slice(&c);
    buf.extend_from_slice(time);
    let k = hash(MessageDigest::sha256(), &buf).map_err(|_| ReplayError::Hash)?;
    let mut out = [0u8; 32];
    if k.len() != 32 {
        return Err(ReplayError::Hash);
    }
    out.copy_from_slice(&k);
    Ok(out)
}

/// The A-profile's replay memory (docs/facts.md U-05): [`acse::replay::ReplayMemory`] keyed by
/// [`key`], each entry live until its signed time plus the window. Not synchronised: the
/// factory shares it behind a mutex.
#[derive(Debug)]
pub struct ReplayCache {
    window: Duration,
    memory: ReplayMemory<ReplayKey>,
}

impl ReplayCache {
    /// A cache holding at most `capacity` live entries, each for `window` after its signed time.
    pub fn new(capacity: usize, window: Duration) -> ReplayCache {
        ReplayCache {
            window,
            memory: ReplayMemory::new(capacity),
        }
    }

    /// How many entries are held (live or not yet purged).
    pub fn len(&self) -> usize {
        self.memory.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.memory.is_empty()
    }

    /// Checks `key` (signed at `signed`) at `now` and remembers it: `Ok` the first time,
    /// [`ReplayError::Replayed`] again within the window, [`ReplayError::Full`] when no room.
    pub fn check_and_insert(
        &mut self,
        key: ReplayKey,
        signed: SystemTime,
        now: SystemTime,
    ) -> Result<(), ReplayError> {
        // Live until signed + window (after that the time check refuses the value anyway), and
        // never less than now.
        let expiry = signed.checked_add(self.window).unwrap_or(signed).max(now);
        self.memory
            .check_and_insert(key, expiry, now)
            .map_err(|r| match r {
                ReplayRefusal::Full(n) => ReplayError::Full(n),
                _ => ReplayError::Replayed,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn replay_within_window_and_forgotten_after() {
        let mut c = ReplayCache::new(8, Duration::from_secs(600));
        let k = key(b"cert", b"20260929141405Z").unwrap();
        c.check_and_insert(k, t(1000), t(1000)).unwrap();
        assert_eq!(
            c.check_and_insert(k, t(1000), t(1500)),
            Err(ReplayError::Replayed)
        );
        assert_eq!(
            c.check_and_insert(k, t(1000), t(1600)),
            Err(ReplayError::Replayed)
        );
        // After signed + window, forgotten (the time check refuses it by then anyway).
        c.check_and_insert(k, t(1000), t(1601)).unwrap();
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn keys_differ_by_certificate_and_time() {
        let a = key(b"cert", b"20260929141405Z").unwrap();
        assert_ne!(a, key(b"cert2", b"20260929141405Z").unwrap());
        assert_ne!(a, key(b"cert", b"20260929141406Z").unwrap());
        assert_eq!(a, key(b"cert", b"20260929141405Z").unwrap());
    }

    #[test]
    fn full_cache_fails_closed_then_recovers() {
        let mut c = ReplayCache::new(2, Duration::from_secs(60));
        c.check_and_insert([1; 32], t(100), t(100)).unwrap();
        c.check_and_insert([2; 32], t(130), t(130)).unwrap();
        assert_eq!(
            c.check_and_insert([3; 32], t(130), t(131)),
            Err(ReplayError::Full(2))
        );
        // The first entry expires at 160; the second (front not expired first) at 190.
        c.check_and_insert([3; 32], t(130), t(161)).unwrap();
        assert_eq!(c.len(), 2);
        assert!(!c.is_empty());
    }

    #[test]
    fn out_of_order_expiries_are_purged_when_full() {
        let mut c = ReplayCache::new(2, Duration::from_secs(60));
        // Front entry lives long, second is short-lived.
        c.check_and_insert([1; 32], t(200), t(150)).unwrap(); // expires 260
        c.check_and_insert([2; 32], t(100), t(150)).unwrap(); // expires 160
        c.check_and_insert([3; 32], t(170), t(170)).unwrap();
        assert_eq!(c.len(), 2);
    }
}
