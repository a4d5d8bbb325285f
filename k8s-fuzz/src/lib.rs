//! The bodies of k8s-client's fuzz targets, one function per parser of input
//! the library does not control: kubeconfig files, YAML manifests, list and
//! watch bodies from a server, timestamps, durations and quantities, and the
//! derive's `#[resource(...)]` attribute.
//!
//! Each target takes arbitrary bytes and checks properties of what the parser
//! made of them (a chunked decode equals the whole one, a value written back
//! reads back the same, a secret never reaches a message). It fails by
//! panicking, which is what a fuzzer reports as a crash. Two drivers run the
//! same functions:
//!
//! - `fuzz/` (cargo-fuzz on stable, no sanitizer): coverage-guided, for minutes or hours
//!   (`scripts/fuzz.sh`);
//! - `tests/targets.rs` (`cargo test`, stable): every seed in
//!   `fuzz/corpus/<target>/`, then a few thousand seeded mutations of them
//!   ([`mutate`]), so CI catches a regression in seconds.
//!
//! See `fuzz/README.md`.

// A fuzz target fails by panicking: that is what libfuzzer and the test report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod chunks;
pub mod dict;
mod go_duration;
pub mod mutate;
mod targets;

pub use targets::derive::derive;
pub use targets::kubeconfig::kubeconfig;
pub use targets::list::list;
pub use targets::scalars::scalars;
pub use targets::watch::watch;
pub use targets::yaml::yaml;

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every target, by the name of its cargo-fuzz binary, corpus and dictionary.
pub const TARGETS: &[(&str, Target)] = &[
    ("derive", derive),
    ("kubeconfig", kubeconfig),
    ("list", list),
    ("scalars", scalars),
    ("watch", watch),
    ("yaml", yaml),
];

// k8s-derive's modules, compiled into this ordinary library so the derive
// target can call its `expand` (a proc-macro crate exports only macros).
// They name each other as `crate::model` and so on, so they sit at the root.
#[path = "../../k8s-derive/src/check.rs"]
mod check;
#[path = "../../k8s-derive/src/crd.rs"]
mod crd;
#[path = "../../k8s-derive/src/expand.rs"]
mod expand;
#[path = "../../k8s-derive/src/model.rs"]
mod model;
#[path = "../../k8s-derive/src/names.rs"]
mod names;
#[path = "../../k8s-derive/src/parse.rs"]
mod parse;
#[path = "../../k8s-derive/src/resource.rs"]
mod resource;
