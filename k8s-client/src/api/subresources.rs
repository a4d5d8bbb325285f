//! Subresources: status and scale for any kind; logs, eviction and
//! ephemeral containers for Pods alone.

use bytes::Bytes;
use futures::stream::BoxStream;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[cfg(feature = "core")]
use super::core::v1::Pod;
use super::{Api, DeleteParams, LogParams, Patch, PatchParams, PostParams, Scale};
use crate::rest::{Verb, bytes, json};
use crate::{Error, Result};

impl<K: DeserializeOwned> Api<K> {
    /// Gets a subresource, decoded as `T`.
    pub async fn get_subresource<T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
    ) -> Result<T> {
        let req = self
            .request(Verb::Get, Some(name))
            .subresource(subresource)
            .build()?;
        self.call(&req, self.describe_subresource(subresource, name))
            .await
    }

    /// Patches a subresource.
    pub async fn patch_subresource<P: Serialize, T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<T> {
        self.patch_subresource_inner(Some(subresource), name, pp, patch)
            .await
    }

    /// Replaces a subresource with `body`, sent as it serializes.
    pub async fn replace_subresource<B: Serialize, T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
        pp: &PostParams,
        body: &B,
    ) -> Result<T> {
        let body = serde_json::to_vec(body).map_err(crate::Error::Encode)?;
        self.put_subresource(subresource, name, pp, body).await
    }

    /// Replaces a subresource whose body is the whole object (status,
    /// ephemeralcontainers), with `apiVersion` and `kind` filled in.
    async fn replace_object_subresource(
        &self,
        subresource: &str,
        name: &str,
        pp: &PostParams,
        obj: &K,
    ) -> Result<K>
    where
        K: Serialize,
    {
        let body = self.object_body(obj)?;
        self.put_subresource(subresource, name, pp, body).await
    }

    async fn put_subresource<T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
        pp: &PostParams,
        body: Vec<u8>,
    ) -> Result<T> {
        let req = pp
            .apply(self.request(Verb::Put, Some(name)).subresource(subresource))
            .body("application/json", body)
            .build()?;
        self.call(&req, self.describe_subresource(subresource, name))
            .await
    }

    /// Gets the object through its `status` subresource.
    pub async fn get_status(&self, name: &str) -> Result<K> {
        self.get_subresource("status", name).await
    }

    /// Patches the `status` subresource; only status changes take effect.
    pub async fn patch_status<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<K> {
        self.patch_subresource("status", name, pp, patch).await
    }

    /// Replaces the object through its `status` subresource; only status changes take effect.
    pub async fn replace_status(&self, name: &str, pp: &PostParams, obj: &K) -> Result<K>
    where
        K: Serialize,
    {
        self.replace_object_subresource("status", name, pp, obj)
            .await
    }

    /// Gets the `scale` subresource.
    pub async fn get_scale(&self, name: &str) -> Result<Scale> {
        self.get_subresource("scale", name).await
    }

    /// Patches the `scale` subresource.
    pub async fn patch_scale<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<Scale> {
        self.patch_subresource("scale", name, pp, patch).await
    }

    /// Replaces the `scale` subresource.
    pub async fn replace_scale(&self, name: &str, pp: &PostParams, scale: &Scale) -> Result<Scale> {
        self.replace_subresource("scale", name, pp, scale).await
    }
}

/// The verbs only a Pod has: logs, eviction, ephemeral containers (and, with
/// the `ws` feature, exec, attach and port-forward). They are not on other
/// kinds:
///
/// ```compile_fail
/// use k8s_client::{Api, Client, api::LogParams, api::core::v1::ConfigMap};
/// async fn logs(client: Client) -> k8s_client::Result<String> {
///     let cms: Api<ConfigMap> = Api::namespaced(client, "default");
///     cms.logs("settings", &LogParams::default()).await // a ConfigMap has no log
/// }
/// ```
///
/// while the same code for a Pod compiles:
///
/// ```no_run
/// use k8s_client::{Api, Client, api::LogParams, api::core::v1::Pod};
/// async fn logs(client: Client) -> k8s_client::Result<String> {
///     let pods: Api<Pod> = Api::namespaced(client, "default");
///     pods.logs("web-0", &LogParams::default()).await
/// }
/// ```
#[cfg(feature = "core")]
impl Api<Pod> {
    /// Replaces a pod's ephemeral containers (the `ephemeralcontainers` subresource).
    pub async fn replace_ephemeral_containers(
        &self,
        name: &str,
        pp: &PostParams,
        pod: &Pod,
    ) -> Result<Pod> {
        self.replace_object_subresource("ephemeralcontainers", name, pp, pod)
            .await
    }

    /// Patches a pod's ephemeral containers.
    pub async fn patch_ephemeral_containers<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<Pod> {
        self.patch_subresource("ephemeralcontainers", name, pp, patch)
            .await
    }

    /// A pod's log, read whole.
    pub async fn logs(&self, name: &str, lp: &LogParams) -> Result<String> {
        let req = lp
            .apply(self.request(Verb::Get, Some(name)).subresource("log"))
            .accept(crate::rest::Accept::Any)
            .build()?;
        let bytes = self.client.execute(&req, bytes()).await?;
        match std::str::from_utf8(&bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(e) => Err(Error::NotUtf8 {
                operation: req.operation(),
                what: "log",
                source: e,
            }),
        }
    }

    /// A pod's log as a stream of chunks; with `follow` it stays open for new output.
    pub async fn log_stream(
        &self,
        name: &str,
        lp: &LogParams,
    ) -> Result<BoxStream<'static, Result<Bytes>>> {
        let req = lp
            .apply(self.request(Verb::Get, Some(name)).subresource("log"))
            .accept(crate::rest::Accept::Any)
            .build()?;
        self.client.send_stream(req).await
    }

    /// Evicts a pod through the eviction API (`policy/v1` Eviction), which
    /// respects PodDisruptionBudgets: a 429 means the budget does not allow it now.
    pub async fn evict(&self, name: &str, dp: &DeleteParams) -> Result<crate::meta::Status> {
        let mut metadata = serde_json::json!({ "name": name });
        if let Some(ns) = &self.namespace {
            metadata["namespace"] = ns.as_str().into();
        }
        let body = serde_json::json!({
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": metadata,
            "deleteOptions": dp.body(),
        });
        let req = self
            .request(Verb::Post, Some(name))
            .subresource("eviction")
            .json_body(&body)
            .build()?;
        self.client
            .execute(&req, json(req.op(), "eviction Status"))
            .await
    }
}
