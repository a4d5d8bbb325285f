//! The queue's bookkeeping, with no locking, waiting or clock of its own:
//! client-go's `queue`, `dirty` and `processing` sets plus the delayed keys.
//!
//! Every operation first moves the delayed keys that are ready at `now` into
//! the queue, in ready order. Delayed keys therefore need no timer task: no
//! one can observe the queue between a key's ready time and the next
//! operation, and that operation promotes it before doing anything else.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::time::Duration;

use tokio::time::Instant;

use super::waiting::Waiting;

#[derive(Debug)]
pub(super) struct State<T> {
    /// Keys ready for a worker, in order. Each is dirty and not processing.
    queue: VecDeque<T>,
    /// Keys that need processing, with the time each became dirty (for the
    /// queue latency). A key may be dirty while processing: it is queued
    /// again when its worker is done.
    dirty: HashMap<T, Instant>,
    /// Keys a worker holds.
    processing: HashSet<T>,
    waiting: Waiting<T>,
    shutting_down: bool,
    /// Set by a drain that still waits; cleared by a plain shutdown.
    draining: bool,
}

impl<T> Default for State<T> {
    fn default() -> Self {
        State {
            queue: VecDeque::new(),
            dirty: HashMap::new(),
            processing: HashSet::new(),
            waiting: Waiting::default(),
            shutting_down: false,
            draining: false,
        }
    }
}

/// What an operation did that the waiting workers and the metrics must hear of.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Changes {
    /// Keys pushed onto the queue (each may wake a worker).
    pub(super) queued: usize,
    /// Keys that became dirty (client-go's `adds` and `depth`).
    pub(super) added: usize,
    /// Delayed adds taken (client-go's `retries`).
    pub(super) retries: usize,
    /// The earliest delayed time moved earlier: sleeping workers must look again.
    pub(super) earlier_deadline: bool,
}

/// What a worker asking for a key gets.
#[derive(Debug, PartialEq)]
pub(super) enum Take<T> {
    /// A key to process, and how long it was dirty before this.
    Key(T, Duration),
    /// Nothing yet; look again at this time (a delayed key), or when woken.
    Wait(Option<Instant>),
    /// Shut down and empty.
    Closed,
}

impl<T: Eq + Hash + Clone> State<T> {
    /// client-go's `Add`.
    pub(super) fn add(&mut self, key: T, now: Instant, changes: &mut Changes) {
        self.promote(now, changes);
        self.mark_dirty(key, now, changes);
    }

    /// client-go's `AddAfter`: a key ready at `now` or before is added at once.
    pub(super) fn add_after(
        &mut self,
        key: T,
        ready_at: Instant,
        now: Instant,
        changes: &mut Changes,
    ) {
        self.promote(now, changes);
        if self.shutting_down {
            return;
        }
        changes.retries += 1;
        if ready_at <= now {
            self.mark_dirty(key, now, changes);
        } else if self.waiting.insert(key, ready_at) {
            changes.earlier_deadline = true;
        }
    }

    /// client-go's `Get`, without the blocking.
    pub(super) fn take(&mut self, now: Instant, changes: &mut Changes) -> Take<T> {
        self.promote(now, changes);
        match self.queue.pop_front() {
            Some(key) => {
                let dirty_since = self.dirty.remove(&key).unwrap_or(now);
                self.processing.insert(key.clone());
                Take::Key(key, now.saturating_duration_since(dirty_since))
            }
            None if self.shutting_down => Take::Closed,
            None => Take::Wait(self.waiting.next_ready_at()),
        }
    }

    /// client-go's `Done`. Returns whether no key is processing any more.
    pub(super) fn done(&mut self, key: &T, now: Instant, changes: &mut Changes) -> bool {
        self.promote(now, changes);
        self.processing.remove(key);
        if self.dirty.contains_key(key) {
            self.queue.push_back(key.clone());
            changes.queued += 1;
        }
        self.processing.is_empty()
    }

    /// Ready keys (client-go's `Len`): neither delayed nor processing ones.
    pub(super) fn len(&mut self, now: Instant, changes: &mut Changes) -> usize {
        self.promote(now, changes);
        self.queue.len()
    }

    /// Stops taking keys; delayed keys are dropped, as client-go's waiting
    /// loop ends. `drain` says whether a caller will wait for the workers.
    pub(super) fn shut_down(&mut self, drain: bool) {
        self.shutting_down = true;
        self.draining = drain;
        self.waiting.clear();
    }

    pub(super) fn is_shutting_down(&self) -> bool {
        self.shutting_down
    }

    /// Whether a drain may stop waiting: nothing is processing, or a plain
    /// shutdown since told it to stop.
    pub(super) fn drain_finished(&self) -> bool {
        self.processing.is_empty() || !self.draining
    }

    fn promote(&mut self, now: Instant, changes: &mut Changes) {
        while let Some(key) = self.waiting.pop_ready(now) {
            self.mark_dirty(key, now, changes);
        }
    }

    fn mark_dirty(&mut self, key: T, now: Instant, changes: &mut Changes) {
        if self.shutting_down || self.dirty.contains_key(&key) {
            return;
        }
        changes.added += 1;
        if !self.processing.contains(&key) {
            self.queue.push_back(key.clone());
            changes.queued += 1;
        }
        self.dirty.insert(key, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(state: &mut State<&'static str>, now: Instant) -> Take<&'static str> {
        state.take(now, &mut Changes::default())
    }

    #[test]
    fn a_queued_key_is_merged() {
        let now = Instant::now();
        let mut state = State::default();
        let mut changes = Changes::default();
        state.add("a", now, &mut changes);
        state.add("b", now, &mut changes);
        state.add("a", now, &mut changes);
        assert_eq!(
            changes,
            Changes {
                queued: 2,
                added: 2,
                retries: 0,
                earlier_deadline: false
            }
        );
        assert_eq!(take(&mut state, now), Take::Key("a", Duration::ZERO));
        assert_eq!(take(&mut state, now), Take::Key("b", Duration::ZERO));
        assert_eq!(take(&mut state, now), Take::Wait(None));
    }

    #[test]
    fn a_key_added_while_processing_is_queued_on_done() {
        let now = Instant::now();
        let later = now + Duration::from_secs(2);
        let mut state = State::default();
        let mut changes = Changes::default();
        state.add("a", now, &mut changes);
        assert!(matches!(take(&mut state, now), Take::Key("a", _)));
        state.add("a", now, &mut changes);
        state.add("a", now, &mut changes);
        assert_eq!(
            take(&mut state, now),
            Take::Wait(None),
            "one worker per key"
        );
        let mut on_done = Changes::default();
        assert!(state.done(&"a", later, &mut on_done));
        assert_eq!(on_done.queued, 1);
        assert_eq!(
            take(&mut state, later),
            Take::Key("a", Duration::from_secs(2)),
            "dirty since the add"
        );
        assert!(state.done(&"a", later, &mut on_done));
        assert_eq!(
            take(&mut state, later),
            Take::Wait(None),
            "processed once more, not twice"
        );
    }

    #[test]
    fn delayed_keys_are_promoted_by_any_operation() {
        let t0 = Instant::now();
        let mut state = State::default();
        let mut changes = Changes::default();
        state.add_after("late", t0 + Duration::from_secs(2), t0, &mut changes);
        assert!(changes.earlier_deadline);
        state.add_after("early", t0 + Duration::from_secs(1), t0, &mut changes);
        assert_eq!((changes.queued, changes.retries), (0, 2));
        assert_eq!(
            take(&mut state, t0),
            Take::Wait(Some(t0 + Duration::from_secs(1)))
        );
        // Both are ready by the time of this plain add, and go ahead of it.
        state.add("now", t0 + Duration::from_secs(3), &mut changes);
        assert_eq!(changes.queued, 3);
        let order: Vec<_> =
            std::iter::from_fn(|| match take(&mut state, t0 + Duration::from_secs(3)) {
                Take::Key(k, _) => Some(k),
                _ => None,
            })
            .collect();
        assert_eq!(order, ["early", "late", "now"]);
    }

    #[test]
    fn shutdown_drops_delayed_keys_and_ignores_adds() {
        let t0 = Instant::now();
        let mut state = State::default();
        let mut changes = Changes::default();
        state.add("queued", t0, &mut changes);
        state.add_after("delayed", t0 + Duration::from_secs(1), t0, &mut changes);
        state.shut_down(false);
        state.add("new", t0, &mut changes);
        state.add_after("new", t0 + Duration::from_secs(1), t0, &mut changes);
        assert_eq!(
            changes.retries, 1,
            "only the delayed add before the shutdown counts"
        );
        let later = t0 + Duration::from_secs(5);
        assert!(matches!(take(&mut state, later), Take::Key("queued", _)));
        assert_eq!(take(&mut state, later), Take::Closed);
    }

    #[test]
    fn drain_waits_for_processing_unless_a_plain_shutdown_follows() {
        let now = Instant::now();
        let mut state = State::default();
        state.add("a", now, &mut Changes::default());
        assert!(matches!(take(&mut state, now), Take::Key("a", _)));
        state.shut_down(true);
        assert!(!state.drain_finished());
        state.shut_down(false);
        assert!(state.drain_finished());
        state.shut_down(true);
        assert!(state.done(&"a", now, &mut Changes::default()));
        assert!(state.drain_finished());
    }
}
