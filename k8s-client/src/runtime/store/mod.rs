//! An indexed, thread-safe cache of objects, filled by a reflector
//! (client-go's `Indexer` / `ThreadSafeStore`).
//!
//! - A [`Writer`] owns the contents. It stores watch events one at a time
//!   ([`apply`](Writer::apply), [`delete`](Writer::delete)) and replaces
//!   everything at once after a relist ([`begin_replace`](Writer::begin_replace),
//!   then [`commit`](Writer::commit)), so readers never see an empty or
//!   half-filled store.
//! - A [`Store`] reads it: cheap to clone, usable from any thread, handing out
//!   `Arc<K>` so objects are never copied per reader.
//! - Objects are keyed `namespace/name` (`name` when cluster-scoped), see
//!   [`object_key`].
//! - Any number of named indexes map values to objects. The
//!   [`NAMESPACE_INDEX`] is always there; add others with
//!   [`Store::add_indexer`], before or after objects arrive.
//!
//! The store does no IO and never blocks on anything but its own short-held
//! lock, which is never held across an `.await`.
//!
//! ```
//! use std::sync::Arc;
//! use k8s_client::api::core::v1::Pod;
//! use k8s_client::meta::ObjectMeta;
//! use k8s_client::runtime::store::{NAMESPACE_INDEX, Writer};
//!
//! fn pod(namespace: &str, name: &str, node: &str) -> Pod {
//!     let mut pod = Pod {
//!         metadata: ObjectMeta {
//!             name: Some(name.into()),
//!             namespace: Some(namespace.into()),
//!             resource_version: Some("1".into()),
//!             ..Default::default()
//!         },
//!         ..Default::default()
//!     };
//!     pod.spec.get_or_insert_default().node_name = Some(node.into());
//!     pod
//! }
//!
//! let mut writer = Writer::<Pod>::new();
//! let store = writer.reader();
//! store.add_indexer("node", |pod: &Pod| {
//!     pod.spec.iter().filter_map(|s| s.node_name.clone()).collect()
//! })?;
//!
//! // A relist: pages are pushed as they arrive, then swapped in at once.
//! let mut relist = writer.begin_replace();
//! relist.extend([pod("web", "web-0", "node-a"), pod("web", "web-1", "node-b")]);
//! relist.push(pod("db", "db-0", "node-a"));
//! let replaced = writer.commit(relist);
//! assert_eq!(replaced.listed.len(), 3);
//! assert!(store.has_synced());
//!
//! // Then watch events, one at a time.
//! writer.apply(Arc::new(pod("web", "web-2", "node-a")));
//!
//! assert_eq!(store.get("web/web-0").unwrap().metadata.name.as_deref(), Some("web-0"));
//! assert_eq!(store.by_index("node", "node-a")?.len(), 3);
//! assert_eq!(store.by_index(NAMESPACE_INDEX, "web")?.len(), 3);
//! # Ok::<(), k8s_client::runtime::store::StoreError>(())
//! ```

mod error;
mod index;
mod key;
mod reader;
mod replace;
mod state;
mod transform;
mod writer;

#[cfg(all(test, feature = "core"))]
mod tests;

pub use error::StoreError;
pub use index::{IndexFn, NAMESPACE_INDEX, namespace_index};
pub use key::{key_of, object_key, split_key};
pub use reader::Store;
pub use replace::{Listed, ReplaceBuffer, Replaced, Tombstone};
pub use transform::{Transform, drop_managed_fields};
pub use writer::Writer;
