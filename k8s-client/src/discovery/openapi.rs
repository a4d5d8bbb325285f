//! The OpenAPI v3 index (`/openapi/v3`) and its per-group-version documents.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Discovery;
use crate::rest::Accept;
use crate::rest::decode_json;
use crate::{Error, Result};

/// The OpenAPI v3 index: one entry per group version, such as `apis/apps/v1`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenApiV3Index {
    /// Documents by path (`api/v1`, `apis/apps/v1`, …).
    #[serde(default)]
    pub paths: BTreeMap<String, OpenApiV3Path>,
}

/// Where one OpenAPI v3 document is served.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OpenApiV3Path {
    /// The URL path with a `hash` parameter that changes with the content,
    /// such as `/openapi/v3/apis/apps/v1?hash=…`; responses to it never change.
    #[serde(rename = "serverRelativeURL", default)]
    pub server_relative_url: String,
}

impl Discovery {
    /// The OpenAPI v3 index, cached in memory until
    /// [`invalidate`](Discovery::invalidate).
    pub async fn openapi_v3_index(&self) -> Result<Arc<OpenApiV3Index>> {
        if let Some(index) = self.inner.state().openapi_index.clone() {
            return Ok(index);
        }
        let f = self.get("/openapi/v3", Accept::Json).await?;
        let index: Arc<OpenApiV3Index> =
            Arc::new(decode_json(&f.body, &f.operation, "OpenAPI v3 index")?);
        self.inner.state().openapi_index = Some(index.clone());
        Ok(index)
    }

    /// The OpenAPI v3 document of one group version, named as in the index
    /// (`api/v1`, `apis/apps/v1`). It is fetched by its hashed URL, so with an
    /// HTTP cache a document seen before is read from disk without a request.
    /// A path the index does not list, even after refreshing it once, is an
    /// [`Error::NoMatch`].
    ///
    /// ```no_run
    /// # async fn run(d: k8s_client::discovery::Discovery) -> Result<(), k8s_client::Error> {
    /// let doc = d.openapi_v3_document("apis/apps/v1").await?;
    /// assert!(doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"].is_object());
    /// # Ok(()) }
    /// ```
    pub async fn openapi_v3_document(&self, path: &str) -> Result<serde_json::Value> {
        let path = path.trim_start_matches('/');
        let path = path.strip_prefix("openapi/v3/").unwrap_or(path);
        let mut index = self.openapi_v3_index().await?;
        if !index.paths.contains_key(path) {
            // The index may predate a new CRD or aggregated API: refresh once.
            self.inner.state().openapi_index = None;
            index = self.openapi_v3_index().await?;
        }
        let entry = index.paths.get(path).ok_or_else(|| Error::NoMatch {
            what: "an OpenAPI v3 document",
            name: path.to_owned(),
        })?;
        let url = if entry.server_relative_url.is_empty() {
            format!("/openapi/v3/{path}")
        } else {
            entry.server_relative_url.clone()
        };
        let f = self.get(&url, Accept::Json).await?;
        decode_json(&f.body, &f.operation, "OpenAPI v3 document")
    }
}
