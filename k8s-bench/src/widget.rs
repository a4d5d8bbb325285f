//! The custom resource of the controller benchmark, and the one reconcile
//! every side implements: a `Widget` gets a ConfigMap it owns, then
//! `status.ready`.
//!
//! The peers declare the same JSON shape with their own types; the names
//! and the reconcile's requests are the same on every side.

use serde::{Deserialize, Serialize};

use k8s_client::Resource;
use k8s_client::meta::ObjectMeta;

/// The API group of [`Widget`].
pub const GROUP: &str = "bench.k8s-client.dev";
/// The version of [`Widget`].
pub const VERSION: &str = "v1";
/// The field manager of what the benchmark writes.
pub const MANAGER: &str = "k8s-bench";

/// A widget: a value that a ConfigMap should hold.
#[derive(Resource, Serialize, Deserialize, Clone, Debug, Default)]
#[resource(
    group = "bench.k8s-client.dev",
    version = "v1",
    kind = "Widget",
    namespaced,
    status = "WidgetStatus",
    schema = "preserve-unknown-fields"
)]
pub struct Widget {
    /// The object's metadata.
    pub metadata: ObjectMeta,
    /// What the widget should be.
    pub spec: WidgetSpec,
    /// What the controller did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WidgetStatus>,
}

/// What a widget should be.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct WidgetSpec {
    /// What its ConfigMap holds.
    pub value: String,
}

/// What the controller did.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WidgetStatus {
    /// The ConfigMap exists.
    #[serde(default)]
    pub ready: bool,
    /// Its name.
    #[serde(default)]
    pub config_map: String,
}

/// The name of a widget's ConfigMap.
pub fn config_map_name(widget: &str) -> String {
    format!("{widget}-data")
}

/// The status patch (a merge patch of the status subresource).
pub fn status_patch(name: &str) -> serde_json::Value {
    serde_json::json!({"status": {"ready": true, "configMap": config_map_name(name)}})
}
