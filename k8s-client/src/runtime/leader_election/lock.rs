//! Reading and writing the Lease: the elector's only IO.

use futures::future::BoxFuture;

use crate::api::PostParams;
use crate::api::coordination::v1::Lease;
use crate::meta::ObjectMeta;
use crate::{Api, Client, Result};

/// Get, create and update of one Lease. An update carries the
/// resourceVersion of the Lease it was made from, so the server refuses it
/// (Conflict) if anyone wrote the Lease in between.
pub(super) trait Lock: Send + Sync {
    /// The Lease, or `None` if there is none.
    fn get(&self) -> BoxFuture<'_, Result<Option<Lease>>>;
    /// Creates the Lease.
    fn create(&self, lease: Lease) -> BoxFuture<'_, Result<Lease>>;
    /// Replaces the Lease, if its resourceVersion is still current.
    fn update(&self, lease: Lease) -> BoxFuture<'_, Result<Lease>>;
}

/// The Lease `namespace/name` on the API server.
pub(super) struct LeaseLock {
    api: Api<Lease>,
    name: String,
}

impl LeaseLock {
    pub(super) fn new(client: Client, namespace: &str, name: &str) -> Self {
        LeaseLock {
            api: Api::namespaced(client, namespace),
            name: name.to_owned(),
        }
    }
}

impl Lock for LeaseLock {
    fn get(&self) -> BoxFuture<'_, Result<Option<Lease>>> {
        Box::pin(self.api.get_opt(&self.name))
    }

    fn create(&self, lease: Lease) -> BoxFuture<'_, Result<Lease>> {
        Box::pin(async move { self.api.create(&PostParams::default(), &lease).await })
    }

    fn update(&self, lease: Lease) -> BoxFuture<'_, Result<Lease>> {
        Box::pin(async move {
            self.api
                .replace(&self.name, &PostParams::default(), &lease)
                .await
        })
    }
}

/// A new Lease `name` with `spec`.
pub(super) fn new_lease(name: &str, spec: crate::api::coordination::v1::LeaseSpec) -> Lease {
    Lease {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(Box::new(spec)),
    }
}

/// `lease` (its metadata and resourceVersion kept) with `spec`.
pub(super) fn with_spec(lease: &Lease, spec: crate::api::coordination::v1::LeaseSpec) -> Lease {
    Lease {
        metadata: lease.metadata.clone(),
        spec: Some(Box::new(spec)),
    }
}
