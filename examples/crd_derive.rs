//! The whole custom-resource story, end to end, against the cluster your
//! kubeconfig names: derive a `Widget` in two versions, install the merged
//! CRD and wait until it is served, then create, list, patch, scale, update
//! the status of and delete a widget through `Api<Widget>`.
//!
//! ```text
//! cargo run --example crd_derive              # against the current context
//! cargo run --example crd_derive -- --print   # only print the CRD (for kubectl apply -f -)
//! cargo run --example crd_derive -- --keep    # leave the CRD installed afterwards
//! ```
//!
//! Two versions of `Widget` (one Rust type each) are merged into one CRD,
//! with `v1` as the stored version.

use std::collections::BTreeMap;

use std::time::Duration;

use k8s_client::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use k8s_client::crd::{self, CustomResourceDefinition, MergeError, merge_crds};
use k8s_client::meta::{IntOrString, ObjectMeta, Quantity, Time};
use k8s_client::{Api, Client, CustomResourceExt, HasMetadata, Resource};

/// Who owns the CRD's fields on the server.
const FIELD_MANAGER: &str = "crd-derive-example";
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

/// The CRD for both versions, `v1` stored.
fn widget_crd() -> Result<CustomResourceDefinition, MergeError> {
    merge_crds(vec![v1beta1::Widget::crd(), Widget::crd()], "v1")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let crd = widget_crd()?;
    if args.iter().any(|a| a == "--print") {
        println!("{}", serde_json::to_string_pretty(&crd.manifest())?);
        return Ok(());
    }
    let client = Client::try_default().await?;

    let installed = crd::install(&client, &crd, FIELD_MANAGER, Duration::from_secs(60)).await?;
    println!(
        "installed {} (versions {}), Established",
        Widget::crd_name(),
        installed
            .spec
            .versions
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let widgets: Api<Widget> = Api::default_namespaced(client.clone());
    let ns = widgets.namespace().unwrap_or("default").to_owned();
    let widget = Widget {
        metadata: ObjectMeta {
            name: Some("tour-widget".into()),
            labels: Some(BTreeMap::from([("app".into(), "tour".into())])),
            ..ObjectMeta::default()
        },
        spec: WidgetSpec {
            replicas: 1,
            port: IntOrString::String("http".into()),
            memory: Some(Quantity::from("64Mi")),
            labels: BTreeMap::new(),
            source: Source::Image {
                name: "nginx:1.27".into(),
            },
        },
        status: None,
    };
    let created = widgets.create(&PostParams::default(), &widget).await?;
    println!(
        "created widget {ns}/{} (uid {})",
        created.name(),
        created.metadata.uid.as_deref().unwrap_or("?")
    );

    let listed = widgets
        .list(&ListParams::default().labels("app=tour"))
        .await?;
    println!("listed {} widget(s) with app=tour", listed.items.len());

    let patch = serde_json::json!({ "spec": { "replicas": 2 } });
    let patched = widgets
        .patch(
            "tour-widget",
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await?;
    println!("merge-patched: spec.replicas = {}", patched.spec.replicas);

    let scale_patch = serde_json::json!({ "spec": { "replicas": 3 } });
    let scale = widgets
        .patch_scale(
            "tour-widget",
            &PatchParams::default(),
            &Patch::Merge(&scale_patch),
        )
        .await?;
    println!(
        "scaled through the scale subresource: {:?}",
        scale.spec.replicas
    );

    let status = serde_json::json!({ "status": { "replicas": 3, "selector": "app=tour" } });
    let with_status = widgets
        .patch_status(
            "tour-widget",
            &PatchParams::default(),
            &Patch::Merge(&status),
        )
        .await?;
    println!(
        "status subresource: {:?}",
        with_status.status.as_ref().map(|s| s.replicas)
    );

    widgets
        .delete("tour-widget", &DeleteParams::default())
        .await?;
    println!("deleted widget {ns}/tour-widget");

    if !args.iter().any(|a| a == "--keep") {
        let crds: Api<CustomResourceDefinition> = Api::all(client);
        crds.delete(&Widget::crd_name(), &DeleteParams::default())
            .await?;
        println!("deleted {}", Widget::crd_name());
    }
    Ok(())
}
