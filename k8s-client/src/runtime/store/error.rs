//! The store's error type.

/// What can go wrong when reading or indexing a [`Store`](super::Store).
///
/// Index functions return `Vec<String>` and cannot fail, so unlike client-go
/// nothing in the store panics on a bad object: every failure is one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A lookup named an index the store does not have.
    #[error("the store has no index named {name:?}")]
    UnknownIndex {
        /// The index asked for.
        name: String,
    },
    /// [`add_indexer`](super::Store::add_indexer) was given a name that is
    /// already taken (the built-in [`NAMESPACE_INDEX`](super::NAMESPACE_INDEX)
    /// included); the existing index is kept.
    #[error("the store already has an index named {name:?}")]
    IndexerConflict {
        /// The name that is taken.
        name: String,
    },
    /// A key was neither `namespace/name` nor `name`.
    #[error("invalid store key {key:?}: expected \"namespace/name\" or \"name\"")]
    InvalidKey {
        /// The key as given.
        key: String,
    },
    /// The [`Writer`](super::Writer) was dropped before its first
    /// [`commit`](super::Writer::commit), so the store will never be ready.
    #[error("the store's writer was dropped before the first complete list")]
    WriterDropped,
}
