//! The example operator (`examples/operator`), end to end against the real
//! control plane: its garbage collector removes what the operator's objects
//! own, and kubectl sees what the operator wrote.

#[path = "../../examples/operator/website.rs"]
mod website;

use std::time::Duration;

use k8s_client::api::apps::v1::Deployment;
use k8s_client::api::core::v1::ConfigMap;
use k8s_client::api::{DeleteParams, Patch, PatchParams, PostParams};
use k8s_client::meta::ObjectMeta;
use k8s_client::{Api, Client, CustomResourceExt, HasMetadata, crd};
use k8s_testenv::Kind;
use serde_json::json;
use tokio::sync::{OnceCell, oneshot};
use website::{FINALIZER, Website, WebsiteSpec};

use crate::env::{client, kubectl, namespace};

async fn installed() -> Client {
    static INSTALLED: OnceCell<()> = OnceCell::const_new();
    let c = client(Kind::Admin).await;
    INSTALLED
        .get_or_init(|| async {
            crd::install(&c, &Website::crd(), "e2e", Duration::from_secs(60))
                .await
                .unwrap();
        })
        .await;
    c
}

/// The operator, running until the returned sender is used or dropped.
fn start_operator(client: Client, ns: &str) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let ns = ns.to_owned();
    let task = tokio::spawn(async move {
        website::run(client, Some(&ns), None, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (stop, task)
}

async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn owned_by(obj: &impl HasMetadata, site: &Website) -> bool {
    obj.metadata().owner_references.iter().flatten().any(|o| {
        o.controller == Some(true)
            && o.kind == "Website"
            && o.uid == site.metadata.uid.clone().unwrap_or_default()
    })
}

#[tokio::test]
async fn the_operator_owns_its_children_and_its_finalizer_holds_deletion_while_it_is_down() {
    let client = installed().await;
    let ns = namespace("operator").await;
    let sites: Api<Website> = Api::namespaced(client.clone(), &ns);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let (stop, task) = start_operator(client.clone(), &ns);

    let site = Website {
        metadata: ObjectMeta {
            name: Some("blog".to_owned()),
            ..ObjectMeta::default()
        },
        spec: WebsiteSpec {
            content: "hello".to_owned(),
            replicas: 1,
        },
        status: None,
    };
    let site = sites.create(&PostParams::default(), &site).await.unwrap();

    // Create: children with controller ownerReferences, the finalizer, status.
    let cm = eventually("the content ConfigMap", || async {
        cms.get_opt("blog-content").await.unwrap()
    })
    .await;
    assert!(owned_by(&cm, &site));
    assert_eq!(cm.data.as_ref().unwrap()["index.html"], "hello");
    let deployment = eventually("the Deployment", || async {
        deployments.get_opt("blog").await.unwrap()
    })
    .await;
    assert!(owned_by(&deployment, &site));
    let with_status = eventually("the status", || async {
        let s = sites.get("blog").await.unwrap();
        s.status
            .as_ref()
            .is_some_and(|st| st.config_map == "blog-content")
            .then_some(s)
    })
    .await;
    assert!(
        with_status
            .metadata
            .finalizers
            .iter()
            .flatten()
            .any(|f| f == FINALIZER)
    );
    // kubectl sees what the operator wrote.
    let theirs = kubectl(&[
        "get",
        "website",
        "blog",
        "-n",
        &ns,
        "-o",
        "jsonpath={.status.configMap}",
    ])
    .await;
    assert_eq!(theirs, "blog-content");

    // The operator's Events show in `kubectl events`.
    eventually("the Reconciled event", || async {
        let events = kubectl(&["events", "-n", &ns, "--for", "website/blog"]).await;
        events.contains("Reconciled").then_some(())
    })
    .await;

    // Change the spec: the children follow.
    sites
        .patch(
            "blog",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"content": "bye", "replicas": 2}})),
        )
        .await
        .unwrap();
    eventually("the new content and replicas", || async {
        let cm = cms.get("blog-content").await.unwrap();
        let d = deployments.get("blog").await.unwrap();
        let replicas = d.spec.as_ref().and_then(|s| s.replicas);
        (cm.data.as_ref().unwrap()["index.html"] == "bye" && replicas == Some(2)).then_some(())
    })
    .await;

    // Delete a child: it comes back.
    let old_uid = cms.get("blog-content").await.unwrap().metadata.uid;
    cms.delete("blog-content", &DeleteParams::default())
        .await
        .unwrap();
    eventually("the ConfigMap recreated", || async {
        cms.get_opt("blog-content")
            .await
            .unwrap()
            .filter(|cm| cm.metadata.uid != old_uid)
            .map(|_| ())
    })
    .await;

    // With the operator stopped, the finalizer holds the deletion.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .unwrap()
        .unwrap();
    sites
        .delete("blog", &DeleteParams::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held = sites.get("blog").await.unwrap();
    assert!(held.metadata.deletion_timestamp.is_some());
    assert!(cms.get_opt("blog-content").await.unwrap().is_some());

    // Back up: the deletion completes, and the garbage collector removes the children.
    let (stop, task) = start_operator(client.clone(), &ns);
    eventually("the website gone", || async {
        sites.get_opt("blog").await.unwrap().is_none().then_some(())
    })
    .await;
    eventually("the children collected", || async {
        let cm = cms.get_opt("blog-content").await.unwrap();
        let d = deployments.get_opt("blog").await.unwrap();
        (cm.is_none() && d.is_none()).then_some(())
    })
    .await;
    stop.send(()).unwrap();
    task.await.unwrap();
}
