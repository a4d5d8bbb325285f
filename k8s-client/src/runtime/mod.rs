//! What controllers are built from, after client-go's `tools/cache`,
//! `util/workqueue`, `tools/leaderelection` and `tools/events` (feature
//! `runtime`, on by default).
//!
//! - [`controller`]: informers feeding a work queue, and workers reconciling its keys.
//! - [`finalizer`]: cleanup before an object goes, with patches that test first.
//! - [`InformerFactory`]: one shared informer per resource for a whole program.
//! - [`events`]: Events for `kubectl events`, with series and spam protection.
//! - [`informer`]: one list and watch shared by many subscribers, with a cache.
//! - [`leader_election`]: one leader among candidates, on a Lease.
//! - [`store`]: the indexed cache informers keep, shared as `Arc<K>`.
//! - [`watcher`]: list, then watch, forever, by client-go's rules.
//! - [`workqueue`]: the rate-limited queue of keys that controllers' workers take from.

mod backoff;
pub mod controller;
pub mod events;
mod factory;
pub mod finalizer;
pub mod informer;
pub mod leader_election;
mod random;
pub mod store;
pub mod watcher;
pub mod workqueue;

pub use backoff::{BACKOFF_RESET, INITIAL_BACKOFF, MAX_BACKOFF};
pub use factory::InformerFactory;
