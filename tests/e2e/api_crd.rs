//! The whole life of a custom resource declared only with `#[derive(Resource)]`,
//! against the real API server (and its garbage collector).

use std::collections::BTreeMap;
use std::time::Duration;

use futures::TryStreamExt;
use k8s_client::api::{
    DEFAULT_RETRY, DeleteParams, JsonPatchOp, ListParams, Patch, PatchParams, PostParams,
    WatchParams, retry_on_conflict,
};
use k8s_client::dynamic::ApiResource;
use k8s_client::meta::{ObjectMeta, OwnerReference, WatchEvent, WatchEventType};
use k8s_client::{Api, Client, CustomResourceExt, Error, HasMetadata, Resource};
use k8s_testenv::Kind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::OnceCell;

use crate::env::{client, kubectl, namespace};

#[derive(Resource, Serialize, Deserialize, Clone, Debug, Default, JsonSchema)]
#[resource(
    group = "e2e.k8s-client.dev",
    version = "v1",
    kind = "Gadget",
    namespaced,
    shortnames("gd"),
    status = "GadgetStatus",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas"
    ),
    printcolumn(name = "Replicas", type = "integer", json_path = ".spec.replicas"),
    printcolumn(name = "Color", type = "string", json_path = ".spec.color")
)]
struct Gadget {
    metadata: ObjectMeta,
    spec: GadgetSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<GadgetStatus>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
struct GadgetSpec {
    replicas: i32,
    color: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
struct GadgetStatus {
    replicas: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phase: Option<String>,
}

fn gadget(name: &str, replicas: i32, color: &str) -> Gadget {
    Gadget {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: GadgetSpec {
            replicas,
            color: color.to_owned(),
            tags: Vec::new(),
        },
        status: None,
    }
}

/// Registers the CRD once per test run and waits until it is Established.
async fn gadgets(ns: &str) -> Api<Gadget> {
    static REGISTERED: OnceCell<()> = OnceCell::const_new();
    let c = client(Kind::Admin).await;
    REGISTERED
        .get_or_init(|| async {
            let crd = k8s_client::crd::install(&c, &Gadget::crd(), "e2e", Duration::from_secs(30))
                .await
                .unwrap();
            assert!(crd.is_established());
        })
        .await;
    Api::namespaced(c, ns)
}

#[tokio::test]
async fn crd_is_accepted_and_kubectl_shows_printer_columns() {
    let ns = namespace("crd-columns").await;
    let api = gadgets(&ns).await;
    api.create(&PostParams::default(), &gadget("g1", 3, "teal"))
        .await
        .unwrap();
    let table = kubectl(&["get", "gadgets", "-n", &ns]).await;
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "REPLICAS", "COLOR"], "{table}");
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .eq(["g1", "3", "teal"]),
        "{table}"
    );
    // The short name works in kubectl too.
    assert!(
        kubectl(&["get", "gd", "-n", &ns, "-o", "name"])
            .await
            .contains("gadget.e2e.k8s-client.dev/g1")
    );
}

#[tokio::test]
async fn create_get_list_replace_delete() {
    let ns = namespace("crd-crud").await;
    let api = gadgets(&ns).await;
    let created = api
        .create(&PostParams::default(), &gadget("a", 1, "red"))
        .await
        .unwrap();
    assert_eq!(created.namespace(), Some(ns.as_str()));
    assert!(created.metadata.uid.is_some());

    let got = api.get("a").await.unwrap();
    assert_eq!(got.spec, created.spec);
    assert!(api.get_opt("missing").await.unwrap().is_none());

    let mut changed = got.clone();
    changed.spec.color = "blue".to_owned();
    let replaced = api
        .replace("a", &PostParams::default(), &changed)
        .await
        .unwrap();
    assert_eq!(replaced.spec.color, "blue");
    assert_ne!(replaced.resource_version(), got.resource_version());
    assert_eq!(
        kubectl(&[
            "get",
            "gadget",
            "a",
            "-n",
            &ns,
            "-o",
            "jsonpath={.spec.color}"
        ])
        .await,
        "blue"
    );

    let names: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name().to_owned())
        .collect();
    assert_eq!(names, ["a"]);

    api.delete("a", &DeleteParams::default()).await.unwrap();
    assert!(api.get_opt("a").await.unwrap().is_none());
}

#[tokio::test]
async fn all_patch_kinds() {
    let ns = namespace("crd-patch").await;
    let api = gadgets(&ns).await;
    api.create(&PostParams::default(), &gadget("p", 1, "red"))
        .await
        .unwrap();

    let merged = api
        .patch(
            "p",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"color": "green"}})),
        )
        .await
        .unwrap();
    assert_eq!(merged.spec.color, "green");

    let ops = Patch::<()>::Json(vec![
        JsonPatchOp::Test {
            path: "/spec/color".into(),
            value: json!("green"),
        },
        JsonPatchOp::Replace {
            path: "/spec/replicas".into(),
            value: json!(4),
        },
        JsonPatchOp::Add {
            path: "/spec/tags".into(),
            value: json!(["x"]),
        },
    ]);
    let json_patched = api.patch("p", &PatchParams::default(), &ops).await.unwrap();
    assert_eq!(
        (json_patched.spec.replicas, json_patched.spec.tags.clone()),
        (4, vec!["x".to_owned()])
    );

    // Custom resources have no strategic-merge schema: the server says so with 415.
    let err = api
        .patch(
            "p",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(415), "{err}");

    let apply = json!({"apiVersion": Gadget::API_VERSION, "kind": Gadget::KIND, "metadata": {"name": "p"}, "spec": {"replicas": 6, "color": "green"}});
    let applied = api
        .patch(
            "p",
            &PatchParams::apply("e2e-owner").force(),
            &Patch::Apply(&apply),
        )
        .await
        .unwrap();
    assert_eq!(applied.spec.replicas, 6);
    let managers = applied.metadata.managed_fields.unwrap_or_default();
    assert!(
        managers
            .iter()
            .any(|m| m.manager.as_deref() == Some("e2e-owner")
                && m.operation.as_deref() == Some("Apply"))
    );
}

#[tokio::test]
async fn strategic_merge_patch_on_a_built_in_merges_lists_by_key() {
    let ns = namespace("smp").await;
    let c = client(Kind::Admin).await;
    let services = Api::<serde_json::Value>::namespaced_with(
        c,
        &ns,
        &ApiResource::new("", "v1", "Service", "services", true),
    );
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
        "spec": {"ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}});
    services.create(&PostParams::default(), &svc).await.unwrap();
    // Strategic merge matches ports by `port`: only 443's name changes, 80 stays.
    let patch = Patch::Strategic(json!({"spec": {"ports": [{"port": 443, "name": "tls"}]}}));
    let patched = services
        .patch("s", &PatchParams::default(), &patch)
        .await
        .unwrap();
    let names: Vec<&str> = patched["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["http", "tls"]);
}

#[tokio::test]
async fn status_subresource_only_changes_status() {
    let ns = namespace("crd-status").await;
    let api = gadgets(&ns).await;
    api.create(&PostParams::default(), &gadget("s", 2, "red"))
        .await
        .unwrap();

    let status = Patch::Merge(
        json!({"status": {"replicas": 2, "phase": "Ready"}, "spec": {"color": "ignored"}}),
    );
    let after = api
        .patch_status("s", &PatchParams::default(), &status)
        .await
        .unwrap();
    assert_eq!(
        after.status.as_ref().unwrap().phase.as_deref(),
        Some("Ready")
    );
    assert_eq!(
        after.spec.color, "red",
        "status endpoint must not change spec"
    );

    // And the main endpoint ignores status.
    let mut g = api.get("s").await.unwrap();
    g.status = Some(GadgetStatus {
        replicas: 9,
        phase: Some("Bogus".into()),
    });
    let replaced = api.replace("s", &PostParams::default(), &g).await.unwrap();
    assert_eq!(replaced.status.unwrap().phase.as_deref(), Some("Ready"));

    let mut g = api.get_status("s").await.unwrap();
    g.status = Some(GadgetStatus {
        replicas: 1,
        phase: Some("Degraded".into()),
    });
    let replaced = api
        .replace_status("s", &PostParams::default(), &g)
        .await
        .unwrap();
    assert_eq!(replaced.status.unwrap().phase.as_deref(), Some("Degraded"));
}

#[tokio::test]
async fn scale_subresource() {
    let ns = namespace("crd-scale").await;
    let api = gadgets(&ns).await;
    api.create(&PostParams::default(), &gadget("sc", 2, "red"))
        .await
        .unwrap();
    let scale = api.get_scale("sc").await.unwrap();
    assert_eq!(scale.spec.replicas, Some(2));
    let scale = api
        .patch_scale(
            "sc",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    assert_eq!(scale.spec.replicas, Some(5));
    let mut scale = api.get_scale("sc").await.unwrap();
    scale.spec.replicas = Some(7);
    api.replace_scale("sc", &PostParams::default(), &scale)
        .await
        .unwrap();
    assert_eq!(api.get("sc").await.unwrap().spec.replicas, 7);
    assert_eq!(
        kubectl(&[
            "get",
            "gadget",
            "sc",
            "-n",
            &ns,
            "-o",
            "jsonpath={.spec.replicas}"
        ])
        .await,
        "7"
    );
}

#[tokio::test]
async fn watch_sees_every_event_in_order() {
    let ns = namespace("crd-watch").await;
    let api = gadgets(&ns).await;
    let rv = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut events = api
        .watch(&WatchParams::default().timeout(60), &rv)
        .await
        .unwrap();

    api.create(&PostParams::default(), &gadget("w", 1, "red"))
        .await
        .unwrap();
    api.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 2}})),
    )
    .await
    .unwrap();
    api.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 3}})),
    )
    .await
    .unwrap();
    api.delete("w", &DeleteParams::default()).await.unwrap();

    let mut seen = Vec::new();
    while seen.len() < 4 {
        let ev = tokio::time::timeout(Duration::from_secs(20), events.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match &ev {
            WatchEvent::Bookmark(_) => continue,
            WatchEvent::Added(g) | WatchEvent::Modified(g) | WatchEvent::Deleted(g) => {
                seen.push((ev.event_type(), g.spec.replicas))
            }
        }
    }
    use WatchEventType::*;
    assert_eq!(
        seen,
        [(Added, 1), (Modified, 2), (Modified, 3), (Deleted, 3)]
    );
}

#[tokio::test]
async fn watch_from_an_expired_version_is_a_typed_gone() {
    let ns = namespace("crd-gone").await;
    let api = gadgets(&ns).await;
    // Make the version history move on, then watch from the very beginning.
    for i in 0..3 {
        api.create(&PostParams::default(), &gadget(&format!("g{i}"), 1, "red"))
            .await
            .unwrap();
    }
    let outcome = match api.watch(&WatchParams::default().timeout(5), "1").await {
        Ok(mut events) => events.try_next().await.map(|_| ()),
        Err(e) => Err(e),
    };
    let err = outcome.expect_err("a watch from resourceVersion 1 must be refused");
    assert!(err.is_gone(), "{err}");
}

#[tokio::test]
async fn stale_resource_version_conflicts_and_retry_on_conflict_recovers() {
    let ns = namespace("crd-conflict").await;
    let api = gadgets(&ns).await;
    let original = api
        .create(&PostParams::default(), &gadget("c", 1, "red"))
        .await
        .unwrap();
    api.patch(
        "c",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 2}})),
    )
    .await
    .unwrap();

    let mut stale = original.clone();
    stale.spec.color = "stale".into();
    let err = api
        .replace("c", &PostParams::default(), &stale)
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");

    let updated = retry_on_conflict(DEFAULT_RETRY, || async {
        let mut g = api.get("c").await?;
        g.spec.color = "fresh".into();
        api.replace("c", &PostParams::default(), &g).await
    })
    .await
    .unwrap();
    assert_eq!(
        (updated.spec.color.as_str(), updated.spec.replicas),
        ("fresh", 2)
    );
}

#[tokio::test]
async fn server_side_apply_conflict_needs_force() {
    let ns = namespace("crd-ssa").await;
    let api = gadgets(&ns).await;
    let body = |replicas: i32| json!({"apiVersion": Gadget::API_VERSION, "kind": Gadget::KIND, "metadata": {"name": "o"}, "spec": {"replicas": replicas, "color": "red"}});
    api.patch("o", &PatchParams::apply("alice"), &Patch::Apply(body(1)))
        .await
        .unwrap();

    let err = api
        .patch("o", &PatchParams::apply("bob"), &Patch::Apply(body(2)))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert!(err.status().unwrap().message().contains("alice"), "{err}");

    let forced = api
        .patch(
            "o",
            &PatchParams::apply("bob").force(),
            &Patch::Apply(body(2)),
        )
        .await
        .unwrap();
    assert_eq!(forced.spec.replicas, 2);
}

#[tokio::test]
async fn pagination_over_several_pages() {
    let ns = namespace("crd-pages").await;
    let api = gadgets(&ns).await;
    for i in 0..7 {
        api.create(&PostParams::default(), &gadget(&format!("g{i}"), i, "red"))
            .await
            .unwrap();
    }
    let first = api.list(&ListParams::default().limit(3)).await.unwrap();
    assert_eq!(first.items.len(), 3);
    let token = first.metadata.continue_.clone().expect("a continue token");
    let second = api
        .list(&ListParams::default().limit(3).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 3);

    let all = api.list_all(&ListParams::default().limit(3)).await.unwrap();
    let mut names: Vec<String> = all.items.iter().map(|g| g.name().to_owned()).collect();
    names.sort();
    assert_eq!(names, (0..7).map(|i| format!("g{i}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_refused_list_is_the_servers_status() {
    // Lists are decoded while the body streams in; a refusal must still be
    // read as the server's Status, not fed to the list decoder.
    let ns = namespace("crd-badlist").await;
    let api = gadgets(&ns).await;
    let err = api
        .list(&ListParams::default().labels("team in ("))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(400), "{err}");
    assert_eq!(
        err.status().map(|s| s.reason()),
        Some("BadRequest"),
        "{err}"
    );
}

#[tokio::test]
async fn delete_collection_by_label() {
    let ns = namespace("crd-delcol").await;
    let api = gadgets(&ns).await;
    for (name, team) in [("a", "red"), ("b", "red"), ("c", "blue")] {
        let mut g = gadget(name, 1, "x");
        g.metadata.labels = Some(BTreeMap::from([("team".to_owned(), team.to_owned())]));
        api.create(&PostParams::default(), &g).await.unwrap();
    }
    api.delete_collection(
        &DeleteParams::default(),
        &ListParams::default().labels("team=red"),
    )
    .await
    .unwrap();
    let left: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name().to_owned())
        .collect();
    assert_eq!(left, ["c"]);
}

// The owner and its dependent are built-in kinds on purpose: the garbage
// collector learns about new resources (a CRD created moments ago) only on its
// 30-second discovery resync, which would make this test slow and flaky
// without testing anything of ours.
#[tokio::test]
async fn foreground_delete_returns_the_object_and_cascades_to_dependents() {
    let ns = namespace("gc").await;
    let c = client(Kind::Admin).await;
    let cms = Api::<serde_json::Value>::namespaced_with(
        c.clone(),
        &ns,
        &ApiResource::new("", "v1", "ConfigMap", "configmaps", true),
    );
    let secrets = Api::<serde_json::Value>::namespaced_with(
        c,
        &ns,
        &ApiResource::new("", "v1", "Secret", "secrets", true),
    );
    let owner = cms
        .create(
            &PostParams::default(),
            &json!({"metadata": {"name": "owner"}}),
        )
        .await
        .unwrap();
    let owner_ref = OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: "owner".into(),
        uid: owner["metadata"]["uid"].as_str().unwrap().into(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    };
    secrets
        .create(
            &PostParams::default(),
            &json!({"metadata": {"name": "owned", "ownerReferences": [owner_ref]}}),
        )
        .await
        .unwrap();

    // Foreground: the owner stays, marked for deletion, until its dependents are gone.
    let response = cms
        .delete("owner", &DeleteParams::foreground())
        .await
        .unwrap();
    let marked = response
        .object()
        .expect("a foreground delete returns the object being deleted");
    assert!(marked["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(
        marked["metadata"]["finalizers"],
        json!(["foregroundDeletion"])
    );

    for _ in 0..150 {
        let owner_gone = cms.get_opt("owner").await.unwrap().is_none();
        let dependent_gone = secrets.get_opt("owned").await.unwrap().is_none();
        if owner_gone && dependent_gone {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the garbage collector did not finish the foreground delete within 30 s");
}

#[tokio::test]
async fn object_that_does_not_match_the_type_names_object_and_field() {
    let ns = namespace("crd-mismatch").await;
    let api = gadgets(&ns).await;
    api.create(&PostParams::default(), &gadget("m", 1, "red"))
        .await
        .unwrap();

    // The same resource read through a type that expects replicas as a string.
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Wrong {
        metadata: ObjectMeta,
        spec: WrongSpec,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct WrongSpec {
        replicas: String,
    }
    impl HasMetadata for Wrong {
        fn metadata(&self) -> &ObjectMeta {
            &self.metadata
        }
        fn metadata_mut(&mut self) -> &mut ObjectMeta {
            &mut self.metadata
        }
    }
    let c: Client = api.client().clone();
    let wrong: Api<Wrong> = Api::namespaced_with(c, &ns, &ApiResource::of::<Gadget>());
    let err = wrong.get("m").await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("{ns}/m")), "{text}");
    assert!(text.contains("spec.replicas"), "{text}");
}

/// A bookmark's object has only apiVersion, kind and metadata: a type whose
/// `spec` is required could not hold it. The streaming list's end bookmark
/// is sent for certain, so it shows bookmarks decode apart from the type.
#[tokio::test]
async fn a_streaming_list_of_a_type_with_a_required_spec_ends_with_its_bookmark() {
    let ns = namespace("crd-bookmark").await;
    let api = gadgets(&ns).await;
    for name in ["one", "two"] {
        api.create(&PostParams::default(), &gadget(name, 1, "red"))
            .await
            .unwrap();
    }
    let wp = k8s_client::api::WatchParams::default()
        .initial_events()
        .timeout(30);
    let mut events = api.watch(&wp, "").await.unwrap();
    let mut added = Vec::new();
    let end = loop {
        match events
            .try_next()
            .await
            .unwrap()
            .expect("the stream ended early")
        {
            WatchEvent::Added(g) => added.push(g.metadata.name.unwrap()),
            WatchEvent::Bookmark(b) if b.is_initial_events_end() => break b,
            other => panic!("unexpected {other:?}"),
        }
    };
    added.sort();
    assert_eq!(added, ["one", "two"]);
    assert!(!end.resource_version.is_empty());
}
