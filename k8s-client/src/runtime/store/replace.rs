//! Atomic relists: a buffer filled page by page, swapped in at once.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::HasMetadata;

use super::index::{IndexFn, Indexes};
use super::key::object_key;
use super::state::{Shared, State};

/// The next contents of a store, filled while a relist arrives and swapped in
/// by [`Writer::commit`](super::Writer::commit).
///
/// Made by [`Writer::begin_replace`](super::Writer::begin_replace). Push the
/// listed objects as their pages arrive ([`push`](Self::push), or `extend`
/// with a page); indexes are built as they come, so the commit itself only
/// swaps pointers.
///
/// Memory stays near one copy of the store: an object whose uid and
/// resourceVersion match the stored one is the same object, so the buffer
/// keeps the stored `Arc` and drops the pushed copy at once. Only objects
/// that changed are held twice until the commit.
pub struct ReplaceBuffer<K> {
    store: Arc<Shared<K>>,
    items: HashMap<Arc<str>, Arc<K>>,
    /// Keys in the order they were first pushed (the list's order).
    order: Vec<Arc<str>>,
    indexes: Indexes<K>,
}

impl<K> ReplaceBuffer<K> {
    pub(super) fn new(store: Arc<Shared<K>>) -> Self {
        let (capacity, indexes) = {
            let state = store.read();
            (state.items.len(), state.indexes.empty_like())
        };
        ReplaceBuffer {
            store,
            items: HashMap::with_capacity(capacity),
            order: Vec::with_capacity(capacity),
            indexes,
        }
    }

    /// How many distinct objects have been pushed.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing has been pushed yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Moves this buffer into `store` in one step and reports what changed.
    pub(super) fn swap_into(mut self, store: &Shared<K>) -> Replaced<K> {
        // Build any index added since the buffer began outside the lock...
        let wanted: Vec<(String, IndexFn<K>)> = store
            .read()
            .indexes
            .functions()
            .map(|(name, func)| (name.to_owned(), Arc::clone(func)))
            .collect();
        let wanted = wanted.iter().map(|(name, func)| (name.as_str(), func));
        self.indexes.conform_to(wanted, &self.items);
        let listed: Vec<(Arc<str>, Arc<K>)> = self
            .order
            .iter()
            .filter_map(|key| self.items.get_key_value(key))
            .map(|(key, obj)| (Arc::clone(key), Arc::clone(obj)))
            .collect();
        let ReplaceBuffer {
            items, mut indexes, ..
        } = self;
        let old = {
            let mut state = store.write();
            // ...and one added in the moment since, under it (rare).
            indexes.conform_to(state.indexes.functions(), &items);
            std::mem::replace(&mut *state, State { items, indexes })
        };
        // The old contents are ours alone now: diff and drop them unlocked.
        Replaced::between(old.items, listed)
    }
}

impl<K: HasMetadata> ReplaceBuffer<K> {
    /// Adds one listed object (after any transform).
    pub fn push(&mut self, obj: K) {
        let key = object_key(&obj);
        let stored = self
            .store
            .read()
            .items
            .get_key_value(key.as_str())
            .map(|(key, stored)| (Arc::clone(key), Arc::clone(stored)));
        let (key, obj) = match stored {
            // The pushed copy is dropped here; the store's one is kept.
            Some((key, stored)) if same_version(&*stored, &obj) => (key, stored),
            Some((key, _)) => (key, Arc::new(obj)),
            None => (Arc::from(key), Arc::new(obj)),
        };
        let old = self.items.insert(Arc::clone(&key), Arc::clone(&obj));
        self.indexes.update(&key, old.as_deref(), Some(&obj));
        if old.is_none() {
            self.order.push(key);
        }
    }
}

impl<K: HasMetadata> Extend<K> for ReplaceBuffer<K> {
    fn extend<I: IntoIterator<Item = K>>(&mut self, page: I) {
        for obj in page {
            self.push(obj);
        }
    }
}

impl<K> fmt::Debug for ReplaceBuffer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplaceBuffer")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// Whether `a` and `b` are the same write of the same object: equal uid and
/// resourceVersion. ResourceVersions are opaque, so only equality counts.
fn same_version<K: HasMetadata>(a: &K, b: &K) -> bool {
    let (a, b) = (a.metadata(), b.metadata());
    a.resource_version.is_some() && a.resource_version == b.resource_version && a.uid == b.uid
}

/// What a [`commit`](super::Writer::commit) changed: what the informer turns
/// into events for its subscribers.
#[derive(Debug)]
#[non_exhaustive]
pub struct Replaced<K> {
    /// Every listed object, in the order pushed, with what was stored under
    /// its key before: an add when there was nothing, else an update (or a
    /// resync, see [`Listed::is_unchanged`]).
    pub listed: Vec<Listed<K>>,
    /// Objects that were stored but are not in the list: deleted while the
    /// watch was down. Sorted by key.
    pub deleted: Vec<Tombstone<K>>,
}

impl<K> Replaced<K> {
    fn between(mut old: HashMap<Arc<str>, Arc<K>>, listed: Vec<(Arc<str>, Arc<K>)>) -> Self {
        let listed = listed
            .into_iter()
            .map(|(key, object)| {
                let previous = old.remove(&key);
                Listed {
                    key,
                    object,
                    previous,
                }
            })
            .collect();
        let mut deleted: Vec<_> = old
            .into_iter()
            .map(|(key, last_known)| Tombstone { key, last_known })
            .collect();
        deleted.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        Replaced { listed, deleted }
    }
}

/// One object of a relist, with the value it replaced.
#[derive(Debug)]
#[non_exhaustive]
pub struct Listed<K> {
    /// Its key.
    pub key: Arc<str>,
    /// The object now stored.
    pub object: Arc<K>,
    /// What was stored under the key before the relist, if anything.
    pub previous: Option<Arc<K>>,
}

impl<K: HasMetadata> Listed<K> {
    /// Whether the object is the one already stored (same uid and
    /// resourceVersion; then `previous` and `object` are one `Arc`). client-go
    /// delivers such an update as a resync, only to handlers that asked for
    /// resyncs.
    pub fn is_unchanged(&self) -> bool {
        self.previous
            .as_deref()
            .is_some_and(|previous| same_version(previous, &self.object))
    }
}

/// An object that disappeared while the watch was down, with the last state
/// the store had of it: what client-go calls `DeletedFinalStateUnknown`.
///
/// The real final state is unknown, since the deletion itself was never
/// seen; `last_known` may be older than it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Tombstone<K> {
    /// Its key.
    pub key: Arc<str>,
    /// The last state the store had.
    pub last_known: Arc<K>,
}

impl<K> Clone for Tombstone<K> {
    fn clone(&self) -> Self {
        Tombstone {
            key: Arc::clone(&self.key),
            last_known: Arc::clone(&self.last_known),
        }
    }
}
