//! A CRD as a manifest file holds it: with its `apiVersion` and `kind`.

use serde::Serialize;

use super::CustomResourceDefinition;
use crate::Resource;

/// Serializes a CRD with the `apiVersion` and `kind` its type knows.
#[derive(Serialize)]
struct Manifest<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    #[serde(flatten)]
    crd: &'a CustomResourceDefinition,
}

impl CustomResourceDefinition {
    /// The CRD as `kubectl apply -f` takes it: its fields, and the
    /// `apiVersion` and `kind` that the type carries rather than each value
    /// (`Api` writes them into request bodies itself).
    ///
    /// ```
    /// use k8s_client::{CustomResourceExt, Resource, meta::ObjectMeta};
    ///
    /// #[derive(Resource)]
    /// #[resource(group = "example.com", version = "v1", schema = "preserve-unknown-fields")]
    /// struct Widget { metadata: ObjectMeta }
    ///
    /// let json = serde_json::to_value(Widget::crd().manifest())?;
    /// assert_eq!(json["apiVersion"], "apiextensions.k8s.io/v1");
    /// assert_eq!(json["kind"], "CustomResourceDefinition");
    /// assert_eq!(json["spec"]["names"]["plural"], "widgets");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn manifest(&self) -> impl Serialize + '_ {
        Manifest {
            api_version: Self::API_VERSION,
            kind: Self::KIND,
            crd: self,
        }
    }
}
