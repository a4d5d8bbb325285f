//! The operator's logic: a `Website` custom resource, declared in Rust, whose
//! objects each get a ConfigMap (the content) and a Deployment (the servers)
//! owned by them. Shared by `examples/operator/main.rs` and the end-to-end
//! test that drives it (`tests/e2e/operator.rs`).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use k8s_client::api::apps::v1::Deployment;
use k8s_client::api::core::v1::ConfigMap;
use k8s_client::api::{Patch, PatchParams};
use k8s_client::meta::{ObjectMeta, OwnerReference};
use k8s_client::runtime::InformerFactory;
use k8s_client::runtime::controller::{Action, Controller, OnError, predicate};
use k8s_client::runtime::events::{EventSpec, Recorder, Reporter, object_reference};
use k8s_client::runtime::finalizer::{FinalizerError, FinalizerEvent, finalizer};
use k8s_client::runtime::leader_election::{LeaderElectionConfig, LeaderElector};
use k8s_client::{Api, Client, HasMetadata, Resource};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The field manager of everything the operator writes.
pub(crate) const MANAGER: &str = "website-operator";
/// The finalizer that holds a Website's deletion until the operator has seen it.
pub(crate) const FINALIZER: &str = "websites.example.com/cleanup";

/// A website: some content, served by `replicas` servers.
// Two printer columns of one type repeat `type = "integer"`, which clippy
// takes for a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(Resource, Serialize, Deserialize, Clone, Debug, Default, JsonSchema)]
#[resource(
    group = "example.com",
    version = "v1",
    kind = "Website",
    namespaced,
    shortnames("web"),
    status = "WebsiteStatus",
    printcolumn(name = "Replicas", type = "integer", json_path = ".spec.replicas"),
    printcolumn(name = "Ready", type = "integer", json_path = ".status.readyReplicas")
)]
pub(crate) struct Website {
    /// The object's metadata.
    pub(crate) metadata: ObjectMeta,
    /// What the website should be.
    pub(crate) spec: WebsiteSpec,
    /// What the operator last saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<WebsiteStatus>,
}

/// What a website should be.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebsiteSpec {
    /// The page to serve.
    pub(crate) content: String,
    /// How many servers.
    pub(crate) replicas: i32,
}

/// What the operator last saw.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebsiteStatus {
    /// The ConfigMap holding the content.
    #[serde(default)]
    pub(crate) config_map: String,
    /// Servers ready, as the Deployment reports them.
    #[serde(default)]
    pub(crate) ready_replicas: i32,
    /// The generation of the spec this status is about.
    #[serde(default)]
    pub(crate) observed_generation: i64,
}

/// The reporting controller of the operator's Events.
pub(crate) const REPORTER: &str = "example.com/website-operator";

/// What every reconcile shares.
pub(crate) struct Context {
    /// The client everything is written through.
    pub(crate) client: Client,
    /// Where the operator's Events go (`kubectl events`).
    pub(crate) recorder: Recorder,
}

/// Why a reconcile failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReconcileError {
    /// A request to the API server failed.
    #[error(transparent)]
    Api(#[from] k8s_client::Error),
    /// The finalizer could not be added or removed.
    #[error(transparent)]
    Finalizer(#[from] Box<FinalizerError<k8s_client::Error>>),
}

fn owner_reference(site: &Website) -> OwnerReference {
    OwnerReference {
        api_version: Website::API_VERSION.to_owned(),
        kind: Website::KIND.to_owned(),
        name: site.name().to_owned(),
        uid: site.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Makes the children match the website, then reports what they show.
async fn apply(site: Arc<Website>, ctx: &Context) -> Result<Action, k8s_client::Error> {
    let ns = site.namespace().unwrap_or("default");
    let name = site.name();
    let owner = owner_reference(&site);
    let labels = BTreeMap::from([("app.kubernetes.io/instance".to_owned(), name.to_owned())]);
    let pp = PatchParams::apply(MANAGER).force();

    let content = format!("{name}-content");
    let cm = json!({
        "metadata": {"name": content, "labels": labels, "ownerReferences": [owner]},
        "data": {"index.html": site.spec.content},
    });
    Api::<ConfigMap>::namespaced(ctx.client.clone(), ns)
        .patch(&content, &pp, &Patch::Apply(&cm))
        .await?;

    let deployment = json!({
        "metadata": {"name": name, "labels": labels, "ownerReferences": [owner]},
        "spec": {
            "replicas": site.spec.replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{
                    "name": "web",
                    "image": "busybox",
                    "command": ["sh", "-c", "sleep 3600"],
                }]},
            },
        },
    });
    let deployed = Api::<Deployment>::namespaced(ctx.client.clone(), ns)
        .patch(name, &pp, &Patch::Apply(&deployment))
        .await?;

    let ready = deployed
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let status = WebsiteStatus {
        config_map: content,
        ready_replicas: ready,
        observed_generation: site.metadata.generation.unwrap_or_default(),
    };
    if site.status.as_ref() != Some(&status) {
        let note = format!(
            "{} and {ready}/{} servers ready",
            status.config_map, site.spec.replicas
        );
        // A malformed event is the operator's bug, not a reason to fail the reconcile.
        if let Err(e) = ctx.recorder.publish(
            &EventSpec::normal("Reconciled", "Apply").note(&note),
            &object_reference(&*site),
        ) {
            tracing::warn!(error = %e, "cannot record an event");
        }
        Api::<Website>::namespaced(ctx.client.clone(), ns)
            .patch_status(
                name,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": status})),
            )
            .await?;
    }
    Ok(Action::requeue_after(Duration::from_secs(300)))
}

/// One reconcile: under the finalizer, apply a live website; for one being
/// deleted, let the garbage collector remove the children it owns.
pub(crate) async fn reconcile(
    site: Arc<Website>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let api: Api<Website> =
        Api::namespaced(ctx.client.clone(), site.namespace().unwrap_or("default"));
    let ctx2 = Arc::clone(&ctx);
    finalizer(&api, FINALIZER, site, |event| async move {
        match event {
            FinalizerEvent::Apply(site) => apply(site, &ctx2).await,
            FinalizerEvent::Cleanup(site) => {
                tracing::info!(
                    website = site.name(),
                    "website deleted; its children go with it"
                );
                Ok(Action::done())
            }
        }
    })
    .await
    .map_err(|e| ReconcileError::Finalizer(Box::new(e)))
}

/// Failures are retried with the key's growing backoff.
pub(crate) fn error_policy(
    _site: Arc<Website>,
    error: &ReconcileError,
    _ctx: Arc<Context>,
) -> OnError {
    tracing::warn!(%error, "reconcile failed; backing off");
    OnError::Backoff
}

/// Runs the operator in `namespace` (all namespaces if `None`) until
/// `shutdown` completes; with `election`, only while it holds that Lease.
pub(crate) async fn run(
    client: Client,
    namespace: Option<&str>,
    election: Option<LeaderElectionConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), k8s_client::Error> {
    let mut factory = InformerFactory::new(client.clone()).drop_managed_fields();
    if let Some(ns) = namespace {
        factory = factory.namespace(ns);
    }
    let recorder = Recorder::new(client.clone(), Reporter::new(REPORTER))?;
    let ctx = Arc::new(Context {
        client,
        recorder: recorder.clone(),
    });
    let mut controller = Controller::new(factory.informer::<Website>());
    if let Some(election) = election {
        controller = controller.leader_election(LeaderElector::new(ctx.client.clone(), election)?);
    }
    let result = controller
        .owns(factory.informer::<ConfigMap>())
        .owns(factory.informer::<Deployment>())
        .with_predicate(|old: &Website, new: &Website| {
            predicate::generation_changed(old, new) || predicate::finalizers_changed(old, new)
        })
        .max_concurrent_reconciles(4)
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, ctx)
        .await;
    factory.shutdown().await;
    // What is still queued or counted reaches the server before we go.
    recorder.flush().await;
    result
}
