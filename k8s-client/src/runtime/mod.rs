//! What controllers are built from, after client-go's `tools/cache`,
//! `util/workqueue`, `tools/leaderelection` and `tools/events` (feature
//! `runtime`, on by default).

pub mod store;
