//! [`Store`]: the shared, read-only view of the cache.

use std::fmt;
use std::sync::Arc;

use tokio::sync::watch;

use super::StoreError;
use super::key::key_of;
use super::state::Shared;

/// A thread-safe, cheaply cloned reader of the cache a [`Writer`](super::Writer) fills.
///
/// Objects are keyed `namespace/name` (`name` when cluster-scoped, see
/// [`object_key`](super::object_key)) and handed out as `Arc<K>`: a reader
/// never copies an object. What it reads is a cache and may lag the server.
///
/// Every read takes the read lock for the length of the call only, so a
/// `Store` can be used from async code and from threads alike.
pub struct Store<K> {
    pub(super) shared: Arc<Shared<K>>,
    pub(super) ready: watch::Receiver<bool>,
}

impl<K> Clone for Store<K> {
    fn clone(&self) -> Self {
        Store {
            shared: Arc::clone(&self.shared),
            ready: self.ready.clone(),
        }
    }
}

impl<K> fmt::Debug for Store<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("len", &self.len())
            .field("has_synced", &self.has_synced())
            .finish()
    }
}

impl<K> Store<K> {
    /// The object stored under `key` (`namespace/name` or `name`).
    pub fn get(&self, key: &str) -> Option<Arc<K>> {
        self.shared.read().items.get(key).cloned()
    }

    /// The object `name` in `namespace`; pass `""` as the namespace for a
    /// cluster-scoped object.
    pub fn get_in(&self, namespace: &str, name: &str) -> Option<Arc<K>> {
        self.get(&key_of(namespace, name))
    }

    /// Every stored object, in no particular order.
    pub fn list(&self) -> Vec<Arc<K>> {
        self.shared.read().items.values().cloned().collect()
    }

    /// Every key, in no particular order.
    pub fn keys(&self) -> Vec<Arc<str>> {
        self.shared.read().items.keys().cloned().collect()
    }

    /// How many objects are stored.
    pub fn len(&self) -> usize {
        self.shared.read().items.len()
    }

    /// Whether the store holds no object.
    pub fn is_empty(&self) -> bool {
        self.shared.read().items.is_empty()
    }

    /// The objects whose values in the index `index` include `value`
    /// (client-go's `ByIndex`).
    pub fn by_index(&self, index: &str, value: &str) -> Result<Vec<Arc<K>>, StoreError> {
        let state = self.shared.read();
        let keys = state.indexes.keys(index, value)?.into_iter().flatten();
        Ok(keys
            .filter_map(|key| state.items.get(key).cloned())
            .collect())
    }

    /// The keys of the objects whose values in the index `index` include
    /// `value` (client-go's `IndexKeys`).
    pub fn index_keys(&self, index: &str, value: &str) -> Result<Vec<Arc<str>>, StoreError> {
        let state = self.shared.read();
        let keys = state.indexes.keys(index, value)?.into_iter().flatten();
        Ok(keys.cloned().collect())
    }

    /// Every value of the index `index` that at least one stored object has
    /// (client-go's `ListIndexFuncValues`).
    pub fn index_values(&self, index: &str) -> Result<Vec<String>, StoreError> {
        self.shared.read().indexes.values(index)
    }

    /// Adds the index `name`, computed by `func` (client-go's `AddIndexers`).
    ///
    /// It can be added at any time: the objects already stored are indexed
    /// before this returns, and every later change keeps it up to date,
    /// relists included. A name already in use, [`NAMESPACE_INDEX`](super::NAMESPACE_INDEX)
    /// included, is a [`StoreError::IndexerConflict`] and leaves the existing
    /// index as it was.
    ///
    /// Indexing the stored objects holds the write lock meanwhile, as in
    /// client-go: add indexes early when the store is large.
    pub fn add_indexer<F>(&self, name: impl Into<String>, func: F) -> Result<(), StoreError>
    where
        F: Fn(&K) -> Vec<String> + Send + Sync + 'static,
    {
        let mut state = self.shared.write();
        let state = &mut *state;
        state.indexes.add(name.into(), Arc::new(func), &state.items)
    }

    /// Whether the first complete list has been stored (the first
    /// [`commit`](super::Writer::commit)); it stays true from then on.
    pub fn has_synced(&self) -> bool {
        *self.ready.borrow()
    }

    /// Resolves once the first complete list has been stored, at once if it
    /// already has.
    ///
    /// Fails with [`StoreError::WriterDropped`] if the writer goes away
    /// before that, since the store would never become ready.
    pub async fn wait_until_ready(&self) -> Result<(), StoreError> {
        let mut ready = self.ready.clone();
        match ready.wait_for(|synced| *synced).await {
            Ok(_) => Ok(()),
            Err(_) => Err(StoreError::WriterDropped),
        }
    }
}
