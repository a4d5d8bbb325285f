//! Benchmarks of k8s-client against its peers. Each is a binary in `src/bin/`
//! that measures both sides in one run and prints their ratio.

pub mod alloc;
pub mod canned_server;
pub mod pod_server;
pub mod pods;
pub mod process;
pub mod widget;
