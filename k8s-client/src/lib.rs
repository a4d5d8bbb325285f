//! A Kubernetes client for Rust with client-go's semantics.
//!
//! - [`Api<K>`](Api): typed CRUD, patch, watch and subresources for any [`Resource`].
//! - [`Resource`] is derived with `#[derive(Resource)]` on your own types.
//! - [`config`] loads kubeconfig files and in-cluster settings into a [`Config`].
//! - [`meta`] holds the shared `meta.k8s.io/v1` types.

pub mod api;
mod client;
pub mod config;
pub mod dynamic;
mod error;
pub mod meta;
mod resource;
pub mod rest;

// The derive is re-exported here once k8s-derive provides it.
// pub use k8s_derive::Resource;
pub use api::Api;
pub use client::{Client, ClientBuilder, DEFAULT_MAX_RETRIES, RetryPolicy, WarningHandler};
pub use config::{Config, ConfigError, DEFAULT_BURST, DEFAULT_QPS};
pub use error::{ApiError, Error, Result};
pub use resource::{ClusterScope, DynamicScope, HasMetadata, NamespaceScope, Resource, Scope};

#[doc(hidden)]
pub mod __private {
    //! Re-exports used by code that `#[derive(Resource)]` generates. Not a public API.
    pub use serde_json;
}
