//! The bounded replay memory of the security mechanisms (IEC 62351-4 §11.2.3 for the
//! A-security-profile's signed time, §13 for the end-to-end handshake): a value seen once is
//! refused while it could still be accepted, and the memory never grows past its capacity.
//! When it is full of live entries it refuses new values rather than forgetting one (fail
//! closed, docs/facts.md U-05). Each mechanism chooses its key and how long an entry lives.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::SystemTime;

/// Why [`ReplayMemory::check_and_insert`] refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayRefusal {
    /// The value was seen before and its entry is still live: a replay.
    #[error("value already seen while it could still be accepted (replay)")]
    Replayed,
    /// The memory holds this many live entries: refused rather than forgetting one.
    #[error("replay memory full ({0} live entries): refused")]
    Full(usize),
}

/// Values seen, each live until its expiry (inclusive). Not synchronised: a mechanism that
/// shares one between associations keeps it behind a mutex.
#[derive(Debug)]
pub struct ReplayMemory<K> {
    capacity: usize,
    live: HashMap<K, SystemTime>,
    /// (expiry, key) in insertion order; an entry whose key was since re-inserted with
    /// another expiry is stale and only dropped.
    order: VecDeque<(SystemTime, K)>,
}

impl<K: Hash + Eq + Clone> ReplayMemory<K> {
    /// A memory of at most `capacity` live entries.
    pub fn new(capacity: usize) -> ReplayMemory<K> {
        ReplayMemory {
            capacity,
            live: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// How many entries are held (live, or expired and not yet forgotten).
    pub fn len(&self) -> usize {
        self.live.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Forgets the queue entry `(expiry, key)` if it is the key's current one.
    fn forget(live: &mut HashMap<K, SystemTime>, expiry: SystemTime, key: &K) {
        if live.get(key) == Some(&expiry) {
            live.remove(key);
        }
    }

    /// Forgets what expired before `now`: from the front of the queue, or (`thorough`) the
    /// whole queue, since expiries are not monotonic in insertion order.
    fn purge(&mut self, now: SystemTime, thorough: bool) {
        while let Some((expiry, _)) = self.order.front() {
            if *expiry >= now {
                break;
            }
            if let Some((expiry, key)) = self.order.pop_front() {
                Self::forget(&mut self.live, expiry, &key);
            }
        }
        if thorough {
            let live = &mut self.live;
            self.order.retain(|(expiry, key)| {
                if *expiry < now {
                    Self::forget(live, *expiry, key);
                    false
                } else {
                    // A stale entry of a re-inserted key goes too.
                    live.get(key) == Some(expiry)
                }
            });
        }
    }

    /// Checks `key` at `now` and remembers it until `expires`: `Ok` when it is new (or its
    /// earlier entry has expired), [`ReplayRefusal::Replayed`] while an entry for it is live,
    /// [`ReplayRefusal::Full`] when there is no room for it.
    pub fn check_and_insert(
        &mut self,
        key: K,
        expires: SystemTime,
        now: SystemTime,
    ) -> Result<(), ReplayRefusal> {
        self.purge(now, false);
        let known = match self.live.get(&key) {
            Some(expiry) if *expiry >= now => return Err(ReplayRefusal::Replayed),
            Some(_) => true,
            None => false,
        };
        if !known && self.live.len() >= self.capacity {
            self.purge(now, true);
            if self.live.len() >= self.capacity {
                return Err(ReplayRefusal::Full(self.capacity));
            }
        }
        // The queue holds at most the live entries plus stale ones; keep it bounded too.
        if self.order.len() >= self.capacity.saturating_mul(2).max(16) {
            self.purge(now, true);
        }
        self.live.insert(key.clone(), expires);
        self.order.push_back((expires, key));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn replay_while_live_forgotten_after() {
        let mut m = ReplayMemory::new(4);
        m.check_and_insert("a", t(100), t(0)).unwrap();
        assert_eq!(
            m.check_and_insert("a", t(100), t(50)),
            Err(ReplayRefusal::Replayed)
        );
        assert_eq!(
            m.check_and_insert("a", t(100), t(100)),
            Err(ReplayRefusal::Replayed)
        );
        m.check_and_insert("a", t(200), t(101)).unwrap();
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn full_fails_closed_then_recovers() {
        let mut m = ReplayMemory::new(2);
        m.check_and_insert(1, t(160), t(100)).unwrap();
        m.check_and_insert(2, t(190), t(130)).unwrap();
        assert_eq!(
            m.check_and_insert(3, t(191), t(131)),
            Err(ReplayRefusal::Full(2))
        );
        m.check_and_insert(3, t(221), t(161)).unwrap();
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn out_of_order_expiries_are_found_when_full() {
        let mut m = ReplayMemory::new(2);
        m.check_and_insert(1, t(260), t(150)).unwrap();
        m.check_and_insert(2, t(160), t(150)).unwrap();
        m.check_and_insert(3, t(230), t(170)).unwrap();
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn reinserting_an_expired_key_keeps_the_queue_bounded() {
        let mut m = ReplayMemory::new(2);
        // A long-lived entry at the front, and one key re-inserted after each expiry.
        m.check_and_insert(0, t(1_000_000), t(0)).unwrap();
        for i in 0..10_000u64 {
            m.check_and_insert(1, t(i * 10 + 5), t(i * 10)).unwrap();
        }
        assert_eq!(m.len(), 2);
        assert!(m.order.len() <= 16, "queue of {}", m.order.len());
    }
}
