//! What a store holds, and the lock around it.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::index::Indexes;

/// The cached objects by key, and the indexes over them.
///
/// Keys are `Arc<str>` so that the map and every index share one copy.
pub(super) struct State<K> {
    pub(super) items: HashMap<Arc<str>, Arc<K>>,
    pub(super) indexes: Indexes<K>,
}

/// The state shared by a [`Writer`](super::Writer) and its readers.
pub(super) struct Shared<K> {
    state: RwLock<State<K>>,
}

impl<K> Shared<K> {
    pub(super) fn new(state: State<K>) -> Self {
        Shared {
            state: RwLock::new(state),
        }
    }

    // A panic under the lock can only come from a user's index function; the
    // store stays usable (that object's index entries may be incomplete)
    // rather than failing every later call.
    pub(super) fn read(&self) -> RwLockReadGuard<'_, State<K>> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn write(&self) -> RwLockWriteGuard<'_, State<K>> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}
