//! `Api<DynamicObject>` against the real control plane: every verb on a
//! custom resource and on a built-in, found by name through discovery, with
//! nothing lost on a round trip and kubectl seeing what we wrote.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_client::api::{
    DeleteParams, JsonPatchOp, ListParams, Patch, PatchParams, PostParams, WatchParams,
};
use k8s_client::discovery::Discovery;
use k8s_client::dynamic::{ApiResource, DynamicObject};
use k8s_client::meta::{ObjectMeta, WatchEvent};
use k8s_client::{Api, Client, HasMetadata, Resource};
use k8s_testenv::Kind;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::env::{client, kubectl, namespace};

const GROUP: &str = "dyn.e2e.k8s-client.dev";

/// Installs a namespaced CRD `PLURAL.dyn.e2e.k8s-client.dev` (status and scale
/// subresources, unknown fields preserved) through the dynamic API itself,
/// and waits until discovery serves it. Returns `PLURAL.GROUP`.
pub async fn install_crd(c: &Client, plural: &str, kind: &str) -> String {
    let crds = ApiResource::new(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    );
    let api: Api<DynamicObject> = Api::all_with(c.clone(), &crds);
    let name = format!("{plural}.{GROUP}");
    let singular = kind.to_lowercase();
    let crd: DynamicObject = serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": singular, "kind": kind,
                      "shortNames": [format!("{singular}x")], "categories": ["e2e-dyn"]},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                                 "properties": {"replicas": {"type": "integer"}}},
                        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                                   "properties": {"replicas": {"type": "integer"}}}
                    }
                }},
                "subresources": {
                    "status": {},
                    "scale": {"specReplicasPath": ".spec.replicas",
                              "statusReplicasPath": ".status.replicas"}
                }
            }]
        }
    }))
    .unwrap();
    api.patch(
        &name,
        &PatchParams::apply("e2e-dyn").force(),
        &Patch::Apply(&crd),
    )
    .await
    .unwrap();
    // Established, then visible in (uncached) discovery.
    for _ in 0..100 {
        let d = Discovery::new(c.clone());
        if d.rest_mapper().resolve(&name).await.is_ok() {
            return name;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("CRD {name} never appeared in discovery");
}

/// Resolves a name with a fresh discovery and returns the namespaced API.
async fn api_for(c: &Client, name: &str, ns: &str) -> (Api<DynamicObject>, ApiResource) {
    let ar = Discovery::new(c.clone())
        .rest_mapper()
        .resolve(name)
        .await
        .unwrap()
        .remove(0);
    (Api::namespaced_with(c.clone(), ns, &ar), ar)
}

/// The object as `kubectl get -o json` prints it, managed fields included.
async fn kubectl_json(resource: &str, name: &str, ns: &str) -> Value {
    let out = kubectl(&[
        "get",
        resource,
        name,
        "-n",
        ns,
        "-o",
        "json",
        "--show-managed-fields",
    ])
    .await;
    serde_json::from_str(&out).unwrap()
}

fn thing(name: &str, ar: &ApiResource, spec: Value) -> DynamicObject {
    DynamicObject::new(name, ar).data(json!({ "spec": spec }))
}

#[tokio::test]
async fn dynamic_crud_subresources_patches_and_watch_on_a_crd() {
    let c = client(Kind::Admin).await;
    let ns = namespace("dyn-crd").await;
    let crd = install_crd(&c, "dynthings", "DynThing").await;
    let (api, ar) = api_for(&c, "dynthingx", &ns).await; // the short name
    assert_eq!(ar.plural, "dynthings");
    assert!(ar.subresource("scale").is_some() && ar.subresource("status").is_some());
    assert!(ar.supports("deletecollection"));
    assert_eq!(format!("dynthings.{GROUP}"), crd);

    // Watch from the empty list's resourceVersion while the rest happens.
    let list = api.list(&ListParams::default()).await.unwrap();
    assert!(list.items.is_empty());
    let rv = list.metadata.resource_version.clone().unwrap();
    let events = api
        .watch(&WatchParams::default().timeout(30), &rv)
        .await
        .unwrap();

    // Create: unknown and nested fields survive, exactly.
    let spec = json!({"replicas": 1, "nested": {"list": [1, "two", {"three": null}], "empty": {}}, "big": 9007199254740991i64});
    let created = api
        .create(&PostParams::default(), &thing("a", &ar, spec.clone()))
        .await
        .unwrap();
    assert_eq!(created.data["spec"], spec);
    assert_eq!(created.types.as_ref().unwrap().kind, "DynThing");
    let fetched = api.get("a").await.unwrap();
    let reencoded: DynamicObject =
        serde_json::from_value(serde_json::to_value(&fetched).unwrap()).unwrap();
    assert_eq!(reencoded, fetched);
    // kubectl sees the very same object.
    assert_eq!(
        serde_json::to_value(&fetched).unwrap(),
        kubectl_json(&crd, "a", &ns).await
    );

    // Replace, then every patch kind a custom resource accepts.
    let mut changed = fetched.clone();
    changed.data["spec"]["color"] = json!("red");
    let replaced = api
        .replace("a", &PostParams::default(), &changed)
        .await
        .unwrap();
    assert_eq!(replaced.data["spec"]["color"], "red");
    let merged = api
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"color": "blue", "nested": null}})),
        )
        .await
        .unwrap();
    assert_eq!(merged.data["spec"]["color"], "blue");
    assert!(merged.data["spec"].get("nested").is_none());
    let jsoned = api
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::<Value>::Json(vec![JsonPatchOp::Replace {
                path: "/spec/replicas".into(),
                value: json!(2),
            }]),
        )
        .await
        .unwrap();
    assert_eq!(jsoned.data["spec"]["replicas"], 2);
    let applied = api
        .patch(
            "a",
            &PatchParams::apply("e2e-dyn").force(),
            &Patch::Apply(thing("a", &ar, json!({"replicas": 3, "owner": "ssa"}))),
        )
        .await
        .unwrap();
    assert_eq!(applied.data["spec"]["replicas"], 3);
    assert!(
        applied
            .metadata
            .managed_fields
            .iter()
            .flatten()
            .any(|m| m.manager.as_deref() == Some("e2e-dyn"))
    );
    let strategic = api
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"x": 1}})),
        )
        .await
        .unwrap_err();
    assert_eq!(strategic.code(), Some(415), "{strategic}");

    // Subresources: status and scale.
    let status = api
        .patch_status(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"replicas": 3, "phase": "Ready"}})),
        )
        .await
        .unwrap();
    assert_eq!(status.data["status"]["phase"], "Ready");
    assert_eq!(
        api.get_status("a").await.unwrap().data["status"]["replicas"],
        3
    );
    let mut scale = api.get_scale("a").await.unwrap();
    assert_eq!(scale.status.as_ref().map(|s| s.replicas), Some(3));
    scale.spec.replicas = Some(5);
    api.replace_scale("a", &PostParams::default(), &scale)
        .await
        .unwrap();
    assert_eq!(api.get("a").await.unwrap().data["spec"]["replicas"], 5);

    // delete_collection by label, then delete by name.
    for n in ["b", "c"] {
        let mut o = thing(n, &ar, json!({"replicas": 0}));
        o.metadata.labels = Some(BTreeMap::from([("batch".into(), "yes".into())]));
        api.create(&PostParams::default(), &o).await.unwrap();
    }
    api.delete_collection(
        &DeleteParams::default(),
        &ListParams::default().labels("batch=yes"),
    )
    .await
    .unwrap();
    let left: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|o| o.name().to_owned())
        .collect();
    assert_eq!(left, ["a"]);
    api.delete("a", &DeleteParams::default()).await.unwrap();

    // The watch saw it all, as DynamicObjects.
    let seen: Vec<(String, String)> = events
        .take_while(|e| {
            let done = matches!(e, Ok(WatchEvent::Deleted(o)) if o.name() == "a");
            async move { !done }
        })
        .map_ok(|e| match e {
            WatchEvent::Added(o) => ("ADDED".to_owned(), o.name().to_owned()),
            WatchEvent::Modified(o) => ("MODIFIED".to_owned(), o.name().to_owned()),
            WatchEvent::Deleted(o) => ("DELETED".to_owned(), o.name().to_owned()),
            WatchEvent::Bookmark(_) => ("BOOKMARK".to_owned(), String::new()),
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seen[0], ("ADDED".to_owned(), "a".to_owned()));
    assert!(seen.contains(&("ADDED".to_owned(), "b".to_owned())));
    assert!(seen.contains(&("DELETED".to_owned(), "c".to_owned())));
    assert!(
        seen.iter()
            .filter(|(t, n)| t == "MODIFIED" && n == "a")
            .count()
            >= 5
    );
}

#[tokio::test]
async fn dynamic_crud_patches_and_watch_on_a_builtin() {
    let c = client(Kind::Admin).await;
    let ns = namespace("dyn-cm").await;
    let (api, ar) = api_for(&c, "cm", &ns).await;
    assert_eq!(
        (ar.api_version().as_str(), ar.kind.as_str()),
        ("v1", "ConfigMap")
    );
    let mut events = api
        .watch(&WatchParams::default().timeout(30), "0")
        .await
        .unwrap();

    let cm = DynamicObject::new("settings", &ar).data(json!({
        "data": {"color": "blue"},
        "binaryData": {"blob": "AAEC"}
    }));
    api.create(&PostParams::default(), &cm).await.unwrap();
    let strategic = api
        .patch(
            "settings",
            &PatchParams::default(),
            &Patch::Strategic(json!({"data": {"size": "L"}})),
        )
        .await
        .unwrap();
    assert_eq!(
        strategic.data["data"],
        json!({"color": "blue", "size": "L"})
    );
    let applied = api
        .patch(
            "settings",
            &PatchParams::apply("e2e-dyn"),
            &Patch::Apply(
                DynamicObject::new("settings", &ar).data(json!({"data": {"owned": "yes"}})),
            ),
        )
        .await
        .unwrap();
    assert_eq!(applied.data["data"]["owned"], "yes");
    assert_eq!(
        serde_json::to_value(&applied).unwrap(),
        kubectl_json("configmap", "settings", &ns).await
    );
    api.delete("settings", &DeleteParams::default())
        .await
        .unwrap();

    let mut types = Vec::new();
    while let Some(event) = events.try_next().await.unwrap() {
        match event {
            WatchEvent::Added(o) if o.name() == "settings" => types.push("ADDED"),
            WatchEvent::Modified(o) if o.name() == "settings" => types.push("MODIFIED"),
            WatchEvent::Deleted(o) if o.name() == "settings" => {
                types.push("DELETED");
                break;
            }
            _ => {}
        }
    }
    assert_eq!(types, ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]);
}

/// A typed ConfigMap, to convert to and from `DynamicObject`.
#[derive(Resource, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[resource(group = "", version = "v1", kind = "ConfigMap", namespaced)]
struct ConfigMap {
    metadata: ObjectMeta,
    #[serde(default)]
    data: BTreeMap<String, String>,
}

#[tokio::test]
async fn dynamic_and_typed_convert_both_ways() {
    let c = client(Kind::Admin).await;
    let ns = namespace("dyn-typed").await;
    let (api, _) = api_for(&c, "configmaps", &ns).await;
    let typed = ConfigMap {
        metadata: ObjectMeta {
            name: Some("typed".into()),
            ..ObjectMeta::default()
        },
        data: BTreeMap::from([("k".into(), "v".into())]),
    };
    let dynamic = DynamicObject::from_typed(&typed).unwrap();
    assert_eq!(dynamic.types.as_ref().unwrap().api_version, "v1");
    let created = api.create(&PostParams::default(), &dynamic).await.unwrap();
    let back: ConfigMap = created.clone().try_into_typed().unwrap();
    assert_eq!(back.data, typed.data);
    assert_eq!(back.metadata.namespace.as_deref(), Some(ns.as_str()));
    // The typed API reads what the dynamic one wrote.
    let via_typed = Api::<ConfigMap>::namespaced(c.clone(), &ns)
        .get("typed")
        .await
        .unwrap();
    assert_eq!(via_typed, back);

    // A field that does not fit names its path.
    let mut bad = created;
    bad.data["data"]["k"] = json!(7);
    let e = bad.try_into_typed::<ConfigMap>().unwrap_err();
    let text = e.to_string();
    assert!(text.contains("data.k"), "{text}");
    assert!(text.contains("ConfigMap"), "{text}");
}
