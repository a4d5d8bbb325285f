//! What controllers are built from, after client-go's `tools/cache`,
//! `util/workqueue`, `tools/leaderelection` and `tools/events` (feature
//! `runtime`, on by default).
//!
//! - [`store`]: the indexed cache informers keep, shared as `Arc<K>`.
//! - [`workqueue`]: the rate-limited queue of keys that controllers' workers take from.

pub mod store;
pub mod workqueue;
