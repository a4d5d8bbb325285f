//! [`Writer`]: the one handle that changes a store.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use tokio::sync::watch;

use crate::HasMetadata;

use super::Store;
use super::index::Indexes;
use super::key::object_key;
use super::replace::{ReplaceBuffer, Replaced};
use super::state::{Shared, State};

/// The sole owner of a store's contents: the reflector feeds it watch events
/// and relists, and hands [`Store`] readers to everyone else.
///
/// A `Writer` is not `Clone`, so two reflectors cannot fight over one cache.
///
/// ```compile_fail,E0599
/// use k8s_client::api::core::v1::Pod;
/// use k8s_client::runtime::store::Writer;
///
/// let writer = Writer::<Pod>::new();
/// let second = writer.clone(); // error: `Writer<Pod>` is not `Clone`
/// ```
pub struct Writer<K> {
    shared: Arc<Shared<K>>,
    ready: watch::Sender<bool>,
}

impl<K: HasMetadata + 'static> Writer<K> {
    /// An empty, not yet synced store with the [`NAMESPACE_INDEX`](super::NAMESPACE_INDEX).
    pub fn new() -> Self {
        let state = State {
            items: HashMap::new(),
            indexes: Indexes::with_namespace_index(),
        };
        Writer {
            shared: Arc::new(Shared::new(state)),
            ready: watch::Sender::new(false),
        }
    }
}

impl<K: HasMetadata + 'static> Default for Writer<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> fmt::Debug for Writer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer")
            .field("store", &self.reader())
            .finish()
    }
}

impl<K> Writer<K> {
    /// A reader of this store; clone it freely.
    pub fn reader(&self) -> Store<K> {
        Store {
            shared: Arc::clone(&self.shared),
            ready: self.ready.subscribe(),
        }
    }
}

impl<K: HasMetadata> Writer<K> {
    /// Stores `obj` under its key (an add or an update) and returns the
    /// object it replaces, if any.
    pub fn apply(&mut self, obj: Arc<K>) -> Option<Arc<K>> {
        let key = object_key(&*obj);
        let mut state = self.shared.write();
        let state = &mut *state;
        // Keep the stored key's allocation, which the indexes share.
        let key: Arc<str> = match state.items.get_key_value(key.as_str()) {
            Some((stored, _)) => Arc::clone(stored),
            None => key.into(),
        };
        let old = state.items.insert(Arc::clone(&key), Arc::clone(&obj));
        state.indexes.update(&key, old.as_deref(), Some(&obj));
        old
    }

    /// Removes the object with the same key as `obj` and returns it, if it
    /// was stored.
    pub fn delete(&mut self, obj: &K) -> Option<Arc<K>> {
        self.delete_key(&object_key(obj))
    }

    /// Removes the object stored under `key` and returns it, if any.
    pub fn delete_key(&mut self, key: &str) -> Option<Arc<K>> {
        let mut state = self.shared.write();
        let state = &mut *state;
        let (key, old) = state.items.remove_entry(key)?;
        state.indexes.update(&key, Some(&old), None);
        Some(old)
    }

    /// Starts a relist: objects pushed into the returned buffer replace the
    /// whole contents at [`commit`](Self::commit). Until then readers keep
    /// seeing the current contents.
    pub fn begin_replace(&self) -> ReplaceBuffer<K> {
        ReplaceBuffer::new(Arc::clone(&self.shared))
    }

    /// Replaces the contents with the relisted objects in `buffer`, in one
    /// step: a reader sees either everything before or everything after,
    /// never an empty or half-filled store (client-go's `Replace`).
    ///
    /// Indexes were built in the buffer as objects arrived, so the swap
    /// under the write lock moves pointers only. An index added after
    /// [`begin_replace`](Self::begin_replace) is built here, before the swap.
    ///
    /// The first commit marks the store synced and wakes
    /// [`wait_until_ready`](Store::wait_until_ready). The returned
    /// [`Replaced`] says what changed, for the informer's events.
    pub fn commit(&mut self, buffer: ReplaceBuffer<K>) -> Replaced<K> {
        let replaced = buffer.swap_into(&self.shared);
        self.ready
            .send_if_modified(|synced| !std::mem::replace(synced, true));
        replaced
    }
}
