//! Our outstanding confirmed requests (ISO 9506-2 §7.2) and their deadlines.
//!
//! Every request sent with a time-out gets its deadline from the endpoint's clock; with one
//! time-out for all, deadlines come in sending order, so a queue keeps them sorted and its
//! front is the earliest. Answered requests leave the queue lazily: the front is always a
//! live request (so `next_deadline` is exact), and the queue is compacted when stale entries
//! outnumber the live ones, so it never holds more than about twice the outstanding limit.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

#[derive(Debug, Default)]
pub(super) struct Requests {
    /// invokeID → its deadline, if it has one.
    live: HashMap<u32, Option<Instant>>,
    /// (deadline, invokeID) in sending order.
    by_deadline: VecDeque<(Instant, u32)>,
}

impl Requests {
    pub(super) fn len(&self) -> usize {
        self.live.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    pub(super) fn contains(&self, id: u32) -> bool {
        self.live.contains_key(&id)
    }

    /// Request `id` went out, to be answered by `deadline`.
    pub(super) fn insert(&mut self, id: u32, deadline: Option<Instant>) {
        self.live.insert(id, deadline);
        if let Some(d) = deadline {
            // A clock that went backwards (an injected one) must not unsort the queue.
            let d = self.by_deadline.back().map_or(d, |&(last, _)| d.max(last));
            self.by_deadline.push_back((d, id));
            if let Some(v) = self.live.get_mut(&id) {
                *v = Some(d);
            }
        }
    }

    /// Request `id` is over (answered, rejected, cancelled, abandoned): true if it was live.
    pub(super) fn remove(&mut self, id: u32) -> bool {
        if self.live.remove(&id).is_none() {
            return false;
        }
        self.trim();
        true
    }

    /// The earliest deadline of a live request.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.by_deadline.front().map(|&(d, _)| d)
    }

    /// Removes and returns the requests whose deadline is at or before `now`, oldest first.
    pub(super) fn expire(&mut self, now: Instant) -> Vec<u32> {
        let mut gone = Vec::new();
        while let Some(&(d, id)) = self.by_deadline.front() {
            if d > now {
                break;
            }
            self.by_deadline.pop_front();
            if self.live.get(&id) == Some(&Some(d)) {
                self.live.remove(&id);
                gone.push(id);
            }
        }
        self.trim();
        gone
    }

    /// Drops stale entries from the front, and compacts when they pile up behind it.
    fn trim(&mut self) {
        while let Some(&(d, id)) = self.by_deadline.front() {
            if self.live.get(&id) == Some(&Some(d)) {
                break;
            }
            self.by_deadline.pop_front();
        }
        if self.by_deadline.len() > 2 * self.live.len() + 64 {
            let live = &self.live;
            self.by_deadline
                .retain(|&(d, id)| live.get(&id) == Some(&Some(d)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_front_is_the_earliest_live_deadline() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut r = Requests::default();
        r.insert(1, Some(t0 + s));
        r.insert(2, Some(t0 + 2 * s));
        r.insert(3, None);
        r.insert(4, Some(t0 + 3 * s));
        assert_eq!(r.next_deadline(), Some(t0 + s));
        assert!(r.remove(1));
        assert!(!r.remove(1));
        assert_eq!(r.next_deadline(), Some(t0 + 2 * s));
        assert!(r.remove(4));
        assert_eq!(r.next_deadline(), Some(t0 + 2 * s));
        assert_eq!(r.expire(t0 + 5 * s), vec![2]);
        assert!(r.contains(3), "a request without a deadline never expires");
        assert_eq!(r.next_deadline(), None);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn answered_requests_do_not_pile_up_behind_a_slow_one() {
        let t0 = Instant::now();
        let mut r = Requests::default();
        r.insert(0, Some(t0));
        for id in 1..100_000u32 {
            r.insert(id, Some(t0 + Duration::from_millis(u64::from(id))));
            assert!(r.remove(id));
        }
        assert!(
            r.by_deadline.len() <= 2 * r.len() + 65,
            "{}",
            r.by_deadline.len()
        );
        assert_eq!(r.expire(t0), vec![0]);
        assert!(r.is_empty());
    }
}
