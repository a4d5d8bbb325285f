//! Keys added with a delay, ordered by the time they become ready.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use tokio::time::Instant;

/// Delayed keys, earliest first; a key waits at most once, at its earliest
/// ready time (client-go's `waitForPriorityQueue` with its `insert` rule).
///
/// The sequence number breaks ties between equal ready times in arrival order.
#[derive(Debug)]
pub(super) struct Waiting<T> {
    by_time: BTreeMap<(Instant, u64), T>,
    by_key: HashMap<T, (Instant, u64)>,
    next_seq: u64,
}

impl<T> Default for Waiting<T> {
    fn default() -> Self {
        Waiting {
            by_time: BTreeMap::new(),
            by_key: HashMap::new(),
            next_seq: 0,
        }
    }
}

impl<T: Eq + Hash + Clone> Waiting<T> {
    /// Schedules `key` for `ready_at`, or moves it earlier if it already waits
    /// for a later time. Returns whether the earliest ready time moved earlier
    /// (so whoever sleeps until it must look again).
    pub(super) fn insert(&mut self, key: T, ready_at: Instant) -> bool {
        let earliest = self.next_ready_at();
        if let Some(&(current, seq)) = self.by_key.get(&key) {
            if current <= ready_at {
                return false;
            }
            self.by_time.remove(&(current, seq));
        }
        let slot = (ready_at, self.next_seq);
        self.next_seq += 1;
        self.by_time.insert(slot, key.clone());
        self.by_key.insert(key, slot);
        earliest.is_none_or(|earliest| ready_at < earliest)
    }

    /// When the first key becomes ready.
    pub(super) fn next_ready_at(&self) -> Option<Instant> {
        self.by_time.first_key_value().map(|(&(at, _), _)| at)
    }

    /// Removes and returns the first key if it is ready at `now`.
    pub(super) fn pop_ready(&mut self, now: Instant) -> Option<T> {
        let (&(at, _), _) = self.by_time.first_key_value()?;
        if at > now {
            return None;
        }
        let (_, key) = self.by_time.pop_first()?;
        self.by_key.remove(&key);
        Some(key)
    }

    pub(super) fn clear(&mut self) {
        self.by_time.clear();
        self.by_key.clear();
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.by_time.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn drain(w: &mut Waiting<&'static str>, now: Instant) -> Vec<&'static str> {
        std::iter::from_fn(|| w.pop_ready(now)).collect()
    }

    #[test]
    fn ready_in_time_order_then_arrival_order() {
        let t0 = Instant::now();
        let mut w = Waiting::default();
        w.insert("c", t0 + Duration::from_secs(3));
        w.insert("a", t0 + Duration::from_secs(1));
        w.insert("b1", t0 + Duration::from_secs(2));
        w.insert("b2", t0 + Duration::from_secs(2));
        assert_eq!(drain(&mut w, t0), Vec::<&str>::new());
        assert_eq!(
            drain(&mut w, t0 + Duration::from_secs(2)),
            ["a", "b1", "b2"]
        );
        assert_eq!(w.next_ready_at(), Some(t0 + Duration::from_secs(3)));
        assert_eq!(drain(&mut w, t0 + Duration::from_secs(9)), ["c"]);
        assert_eq!(w.next_ready_at(), None);
    }

    #[test]
    fn a_waiting_key_keeps_its_earliest_time() {
        let t0 = Instant::now();
        let mut w = Waiting::default();
        assert!(w.insert("k", t0 + Duration::from_secs(5)));
        assert!(
            !w.insert("k", t0 + Duration::from_secs(9)),
            "a later time changes nothing"
        );
        assert!(!w.insert("other", t0 + Duration::from_secs(6)));
        assert!(!w.insert("same time", t0 + Duration::from_secs(5)));
        assert!(
            w.insert("k", t0 + Duration::from_secs(1)),
            "an earlier time moves it up"
        );
        assert_eq!(w.len(), 3);
        assert_eq!(drain(&mut w, t0 + Duration::from_secs(1)), ["k"]);
        assert_eq!(drain(&mut w, t0 + Duration::from_secs(5)), ["same time"]);
        assert_eq!(drain(&mut w, t0 + Duration::from_secs(6)), ["other"]);
    }
}
