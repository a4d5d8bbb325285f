//! Derive a custom resource and print its CustomResourceDefinition as JSON.
//!
//! ```text
//! cargo run --example crd_derive | kubectl apply -f -
//! ```
//!
//! Two versions of `Widget` (one Rust type each) are merged into one CRD,
//! with `v1` as the stored version.

use std::collections::BTreeMap;

use k8s_client::crd::merge_crds;
use k8s_client::meta::{IntOrString, ObjectMeta, Quantity, Time};
use k8s_client::{CustomResourceExt, Resource};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A widget: a few replicas of something.
#[derive(Resource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[resource(
    group = "example.com",
    version = "v1",
    kind = "Widget",
    namespaced,
    shortnames("wd"),
    categories("all"),
    status = "WidgetStatus",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas",
        label_selector_path = ".status.selector"
    ),
    printcolumn(name = "Replicas", type = "integer", json_path = ".spec.replicas"),
    printcolumn(name = "Age", type = "date", json_path = ".metadata.creationTimestamp")
)]
pub struct Widget {
    metadata: ObjectMeta,
    spec: WidgetSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<WidgetStatus>,
}

/// What a widget should be.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSpec {
    /// How many replicas.
    replicas: i32,
    /// The port to serve on, by number or name.
    port: IntOrString,
    /// Memory per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    memory: Option<Quantity>,
    /// Extra labels for the replicas.
    #[serde(default)]
    labels: BTreeMap<String, String>,
    /// Where the content comes from.
    source: Source,
}

/// Where a widget's content comes from.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// A git repository.
    Git {
        /// The repository URL.
        url: String,
    },
    /// A container image.
    Image {
        /// The image reference.
        name: String,
    },
}

/// What a widget is.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WidgetStatus {
    /// Replicas running.
    replicas: i32,
    /// The label selector of the replicas, serialized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selector: Option<String>,
    /// When the widget was last ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_ready: Option<Time>,
}

mod v1beta1 {
    use super::*;

    /// The older shape of a widget.
    #[derive(Resource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[resource(
        group = "example.com",
        version = "v1beta1",
        kind = "Widget",
        namespaced,
        shortnames("wd"),
        categories("all")
    )]
    pub(crate) struct Widget {
        metadata: ObjectMeta,
        spec: Spec,
    }

    /// What an old widget should be.
    #[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
    pub(crate) struct Spec {
        /// How many replicas.
        count: i32,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crd = merge_crds(vec![v1beta1::Widget::crd(), Widget::crd()], "v1")?;
    assert_eq!(Widget::crd_name(), "widgets.example.com");
    assert_eq!(Widget::API_VERSION, "example.com/v1");
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &crd)?;
    std::io::Write::write_all(&mut out, b"\n")?;
    Ok(())
}
