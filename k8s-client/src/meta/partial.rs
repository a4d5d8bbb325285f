use serde::{Deserialize, Serialize};

use super::ObjectMeta;
use crate::HasMetadata;

/// An object's metadata without the rest of it (`meta.k8s.io/v1`
/// `PartialObjectMetadata`): what a metadata-only request returns.
///
/// Get one through [`Api::metadata`](crate::Api::metadata): its get, list
/// and watch ask the server for metadata alone, which is a fraction of a
/// full object's size on the wire and in memory.
///
/// ```
/// use k8s_client::meta::PartialObjectMetadata;
/// let pom: PartialObjectMetadata = serde_json::from_str(
///     r#"{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
///         "metadata":{"name":"web-0","namespace":"prod","labels":{"app":"web"}}}"#,
/// )?;
/// assert_eq!(pom.metadata.name.as_deref(), Some("web-0"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadata {
    /// `meta.k8s.io/v1` as the server sends it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `PartialObjectMetadata` as the server sends it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The object's metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
}

impl HasMetadata for PartialObjectMetadata {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}
