//! One subscriber's queue: changes wait here until it reads them, so a slow
//! subscriber holds up no one else.
//!
//! A subscriber that keeps up reads every change, in order. Once more than
//! [`FOLD_ABOVE`] changes wait, a change of an object that already has one
//! waiting is folded into it (as client-go's DeltaFIFO folds deltas per
//! key): an update into the pending add or update, a deletion into a pending
//! update, an add and its deletion into nothing. So however slow the
//! subscriber, its queue never grows much past the number of objects, and
//! what it reads is still the latest state of each object.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use super::notification::{Merged, Notification};

/// How many changes may wait before changes of one object are folded
/// together (client-go's listener buffer starts at this size).
pub const FOLD_ABOVE: usize = 1024;

struct Queue<K> {
    /// Pending changes; `None` where two cancelled out.
    entries: VecDeque<Option<(Arc<str>, Notification<K>)>>,
    /// The sequence number of `entries[0]`.
    base: u64,
    /// The sequence number of each object's latest pending change.
    latest: HashMap<Arc<str>, u64>,
    /// Once read up to here, the subscriber has seen the informer's synced state.
    synced_at: Option<u64>,
    closed: bool,
}

impl<K> Queue<K> {
    fn tail(&self) -> u64 {
        self.base + self.entries.len() as u64
    }

    fn push(&mut self, key: Arc<str>, change: Notification<K>, fold_above: usize) {
        let mut change = change;
        if self.entries.len() >= fold_above
            && let Some(&seq) = self.latest.get(&key)
            && let Some(slot) = self.entries.get_mut((seq - self.base) as usize)
            && let Some((_, pending)) = slot.take()
        {
            match pending.merge(change) {
                Merged::Into(merged) => {
                    *slot = Some((key, merged));
                    return;
                }
                Merged::Cancelled => {
                    self.latest.remove(&key);
                    return;
                }
                Merged::Apart(first, next) => {
                    *slot = Some((Arc::clone(&key), first));
                    change = next;
                }
            }
        }
        self.latest.insert(Arc::clone(&key), self.tail());
        self.entries.push_back(Some((key, change)));
    }

    fn pop(&mut self) -> Option<Notification<K>> {
        while let Some(front) = self.entries.pop_front() {
            let seq = self.base;
            self.base += 1;
            if let Some((key, change)) = front {
                if self.latest.get(&key) == Some(&seq) {
                    self.latest.remove(&key);
                }
                return Some(change);
            }
        }
        None
    }
}

/// The half of a subscription the informer holds.
pub(super) struct Subscriber<K> {
    queue: Mutex<Queue<K>>,
    fold_above: usize,
    ready: Notify,
    /// Whether periodic resyncs reach this subscriber.
    pub(super) resync: bool,
}

impl<K> Subscriber<K> {
    pub(super) fn new(resync: bool) -> Arc<Self> {
        Self::folding_above(resync, FOLD_ABOVE)
    }

    fn folding_above(resync: bool, fold_above: usize) -> Arc<Self> {
        Arc::new(Subscriber {
            fold_above,
            queue: Mutex::new(Queue {
                entries: VecDeque::new(),
                base: 0,
                latest: HashMap::new(),
                synced_at: None,
                closed: false,
            }),
            ready: Notify::new(),
            resync,
        })
    }

    fn queue(&self) -> MutexGuard<'_, Queue<K>> {
        match self.queue.lock() {
            Ok(q) => q,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(super) fn push(&self, key: Arc<str>, change: Notification<K>) {
        self.queue().push(key, change, self.fold_above);
        self.ready.notify_one();
    }

    /// The informer has synced: once everything queued so far is read, so
    /// has this subscriber (if it had not already).
    pub(super) fn mark_synced(&self) {
        let mut q = self.queue();
        if q.synced_at.is_none() {
            q.synced_at = Some(q.tail());
        }
        drop(q);
        self.ready.notify_one();
    }

    pub(super) fn close(&self) {
        self.queue().closed = true;
        self.ready.notify_one();
    }

    /// How many changes wait.
    pub(super) fn pending(&self) -> usize {
        self.queue().entries.len()
    }
}

/// A subscriber's end: the informer's changes, in order, from the cache's
/// contents at the time of subscribing on.
///
/// Read it with [`recv`](Subscription::recv), or as a `Stream` with
/// [`into_stream`](Subscription::into_stream). Dropping it unsubscribes.
pub struct Subscription<K> {
    shared: Arc<Subscriber<K>>,
}

impl<K> Subscription<K> {
    pub(super) fn new(shared: Arc<Subscriber<K>>) -> Self {
        Subscription { shared }
    }

    /// The next change; `None` once the informer has shut down and every
    /// change before that has been read.
    pub async fn recv(&mut self) -> Option<Notification<K>> {
        loop {
            {
                let mut q = self.shared.queue();
                if let Some(change) = q.pop() {
                    return Some(change);
                }
                if q.closed {
                    return None;
                }
            }
            self.shared.ready.notified().await;
        }
    }

    /// The next change if one is waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<Notification<K>> {
        self.shared.queue().pop()
    }

    /// Whether this subscriber has read everything up to the informer's
    /// synced state (client-go's `registration.HasSynced`).
    pub fn has_synced(&self) -> bool {
        let q = self.shared.queue();
        q.synced_at.is_some_and(|at| q.base >= at)
    }

    /// How many changes wait to be read.
    pub fn pending(&self) -> usize {
        self.shared.pending()
    }

    /// The changes as a stream.
    pub fn into_stream(self) -> impl futures::Stream<Item = Notification<K>> + Send + 'static
    where
        K: Send + Sync + 'static,
    {
        futures::stream::unfold(self, |mut s| async move {
            let change = s.recv().await?;
            Some((change, s))
        })
    }
}

impl<K> Drop for Subscription<K> {
    fn drop(&mut self) {
        self.shared.close();
    }
}

impl<K> std::fmt::Debug for Subscription<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("pending", &self.pending())
            .field("has_synced", &self.has_synced())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(v: u32) -> Notification<u32> {
        Notification::Added {
            object: Arc::new(v),
            initial: false,
        }
    }
    fn updated(old: u32, new: u32) -> Notification<u32> {
        Notification::Updated {
            old: Arc::new(old),
            new: Arc::new(new),
        }
    }
    fn deleted(v: u32) -> Notification<u32> {
        Notification::Deleted {
            object: Arc::new(v),
            final_state_unknown: false,
        }
    }
    fn describe(n: Notification<u32>) -> String {
        match n {
            Notification::Added { object, .. } => format!("+{object}"),
            Notification::Updated { old, new } => format!("{old}>{new}"),
            Notification::Deleted { object, .. } => format!("-{object}"),
        }
    }

    fn drain(s: &Arc<Subscriber<u32>>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(n) = s.queue().pop() {
            out.push(describe(n));
        }
        out
    }

    #[test]
    fn a_subscriber_that_keeps_up_reads_every_change() {
        let s = Subscriber::new(false);
        let a: Arc<str> = "a".into();
        s.push(a.clone(), added(1));
        s.push(a.clone(), updated(1, 2));
        s.push(a.clone(), deleted(2));
        assert_eq!(drain(&s), ["+1", "1>2", "-2"]);
    }

    #[test]
    fn changes_of_an_unread_object_fold_into_one() {
        let s = Subscriber::folding_above(false, 0);
        let (a, b): (Arc<str>, Arc<str>) = ("ns/a".into(), "ns/b".into());
        s.push(a.clone(), added(1));
        s.push(b.clone(), updated(10, 11));
        s.push(a.clone(), updated(1, 2));
        s.push(b.clone(), updated(11, 12));
        assert_eq!(drain(&s), ["+2", "10>12"]);
        // Read in between: nothing to fold.
        s.push(a.clone(), updated(2, 3));
        assert_eq!(drain(&s), ["2>3"]);
        s.push(a.clone(), updated(3, 4));
        assert_eq!(drain(&s), ["3>4"]);
    }

    #[test]
    fn an_unread_add_and_delete_cancel_and_a_recreate_stays_apart() {
        let s = Subscriber::folding_above(false, 0);
        let a: Arc<str> = "a".into();
        s.push(a.clone(), added(1));
        s.push(a.clone(), deleted(1));
        assert!(drain(&s).is_empty());
        s.push(a.clone(), updated(1, 2));
        s.push(a.clone(), deleted(2));
        s.push(a.clone(), added(7));
        s.push(a.clone(), updated(7, 8));
        assert_eq!(drain(&s), ["-2", "+8"]);
    }

    #[test]
    fn the_queue_stays_near_one_entry_per_object() {
        let s = Subscriber::new(false);
        let keys: Vec<Arc<str>> = (0..100).map(|i| format!("k{i}").into()).collect();
        for k in &keys {
            s.push(k.clone(), added(0));
        }
        for round in 0..1000 {
            for k in &keys {
                s.push(k.clone(), updated(round, round + 1));
            }
        }
        assert_eq!(s.pending(), FOLD_ABOVE);
        assert_eq!(drain(&s).len(), FOLD_ABOVE);
    }

    #[tokio::test]
    async fn synced_once_everything_before_the_sync_is_read() {
        let shared = Subscriber::new(false);
        let mut sub = Subscription::new(shared.clone());
        shared.push("a".into(), added(1));
        shared.push("b".into(), added(2));
        shared.mark_synced();
        shared.push("c".into(), added(3));
        assert!(!sub.has_synced());
        sub.recv().await.unwrap();
        assert!(!sub.has_synced());
        sub.recv().await.unwrap();
        assert!(sub.has_synced());
        shared.close();
        assert!(sub.recv().await.is_some());
        assert!(sub.recv().await.is_none());
    }
}
