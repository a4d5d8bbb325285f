//! Protobuf against the real API server: built-in kinds are created,
//! replaced, read, listed and watched over protobuf, and every answer
//! equals the JSON path's and what kubectl reads; Status errors arrive in
//! protobuf and are the same typed errors; a custom resource through the
//! same client falls back to JSON.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use futures::TryStreamExt;
use k8s_client::api::apps::v1::Deployment;
use k8s_client::api::core::v1::{ConfigMap, Pod, Service};
use k8s_client::api::{DeleteParams, ListParams, PostParams, WatchParams};
use k8s_client::meta::{ByteString, WatchEvent};
use k8s_client::rest::{Accept, RequestBuilder, Verb};
use k8s_client::{Api, NamespaceScope, Resource};
use k8s_testenv::Kind;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::env::{client, kubectl, namespace};

/// A typed object from JSON written the way a manifest is.
fn object<T: DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn as_json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

/// The object as kubectl reads it, decoded by the JSON path.
async fn kubectl_view<T: DeserializeOwned>(ns: &str, kind: &str, name: &str) -> T {
    let out = kubectl(&["-n", ns, "get", kind, name, "-o", "json"]).await;
    serde_json::from_str(&out).unwrap()
}

/// The protobuf and the JSON client for `T` in `ns`.
async fn apis<T: Resource<Scope = NamespaceScope>>(ns: &str) -> (Api<T>, Api<T>) {
    let c = client(Kind::Admin).await;
    let pb: Api<T> = Api::namespaced(c.clone(), ns);
    assert!(pb.uses_protobuf(), "{} should default to protobuf", T::KIND);
    let json = Api::namespaced(c, ns).json();
    assert!(!json.uses_protobuf());
    (pb, json)
}

/// Creates `obj` over protobuf, then checks get and list over protobuf equal
/// get and list over JSON and kubectl's view.
async fn round_trip<T>(ns: &str, kind: &str, obj: T) -> T
where
    T: Resource<Scope = NamespaceScope>
        + Serialize
        + DeserializeOwned
        + Clone
        + Debug
        + Send
        + k8s_client::HasMetadata,
{
    let (pb, json) = apis::<T>(ns).await;
    let created = pb.create(&PostParams::default(), &obj).await.unwrap();
    let name = created.metadata().name.clone().unwrap();
    // Controllers may change the object between reads: compare three views
    // taken at the same resourceVersion.
    let mut got_pb = None;
    for _ in 0..20 {
        let from_pb = pb.get(&name).await.unwrap();
        let from_json = json.get(&name).await.unwrap();
        let seen: T = kubectl_view(ns, kind, &name).await;
        let rv = |o: &T| o.metadata().resource_version.clone();
        if rv(&from_pb) != rv(&from_json) || rv(&from_pb) != rv(&seen) {
            tokio::time::sleep(Duration::from_millis(300)).await;
            continue;
        }
        assert_eq!(as_json(&from_pb), as_json(&from_json), "{kind} get");
        if rv(&created) == rv(&from_pb) {
            assert_eq!(as_json(&created), as_json(&from_json), "{kind} create");
        }
        // kubectl leaves managedFields out.
        let mut ours = as_json(&from_pb);
        ours["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        assert_eq!(ours, as_json(&seen), "{kind} vs kubectl");
        got_pb = Some(from_pb);
        break;
    }
    let got_pb = got_pb.expect("three reads at one resourceVersion");

    let list_pb = pb.list(&ListParams::default()).await.unwrap();
    let list_json = json.list(&ListParams::default()).await.unwrap();
    assert_eq!(list_pb.kind, list_json.kind);
    assert_eq!(list_pb.api_version, list_json.api_version);
    assert_eq!(
        as_json(&list_pb.items),
        as_json(&list_json.items),
        "{kind} list"
    );
    assert!(!list_pb.items.is_empty());
    got_pb
}

#[tokio::test]
async fn protobuf_configmap_with_binary_data_round_trips_and_replaces() {
    let ns = namespace("pb-cm").await;
    let cm: ConfigMap = object(json!({
        "metadata": {"name": "cm", "labels": {"app": "pb"}},
        "data": {"a": "1", "empty": ""},
        "binaryData": {"bin": "AAEC/w=="},
    }));
    let mut got = round_trip(&ns, "configmap", cm).await;
    assert_eq!(
        got.binary_data.as_ref().unwrap()["bin"],
        ByteString(vec![0, 1, 2, 255])
    );
    assert_eq!(got.data.as_ref().unwrap()["empty"], "");

    // Replace over protobuf; kubectl sees the change.
    let (pb, json) = apis::<ConfigMap>(&ns).await;
    got.data.as_mut().unwrap().insert("b".into(), "2".into());
    let replaced = pb
        .replace("cm", &PostParams::default(), &got)
        .await
        .unwrap();
    assert_eq!(replaced.data.as_ref().unwrap()["b"], "2");
    let out = kubectl(&[
        "-n",
        &ns,
        "get",
        "configmap",
        "cm",
        "-o",
        "jsonpath={.data.b}",
    ])
    .await;
    assert_eq!(out, "2");
    assert_eq!(as_json(&replaced), as_json(&json.get("cm").await.unwrap()));
}

#[tokio::test]
async fn protobuf_service_with_int_or_string_target_ports() {
    let ns = namespace("pb-svc").await;
    let svc: Service = object(json!({
        "metadata": {"name": "svc"},
        "spec": {
            "selector": {"app": "pb"},
            "ports": [
                {"name": "http", "port": 80, "targetPort": "web"},
                {"name": "metrics", "port": 9090, "targetPort": 9091},
            ],
        },
    }));
    let got = round_trip(&ns, "service", svc).await;
    let ports = got.spec.unwrap().ports.unwrap();
    assert_eq!(as_json(&ports[0].target_port), json!("web"));
    assert_eq!(as_json(&ports[1].target_port), json!(9091));
}

#[tokio::test]
async fn protobuf_pod_with_probes_and_resources() {
    let ns = namespace("pb-pod").await;
    let pod: Pod = object(json!({
        "metadata": {"name": "p", "annotations": {"note": "x"}},
        "spec": {
            "containers": [{
                "name": "c",
                "image": "nginx",
                "ports": [{"containerPort": 8080, "name": "web"}],
                "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}, "requests": {"cpu": "0.1"}},
                "readinessProbe": {"httpGet": {"path": "/", "port": "web"}, "periodSeconds": 3},
                "livenessProbe": {"tcpSocket": {"port": 8080}, "initialDelaySeconds": 0},
                "env": [{"name": "A", "value": ""}, {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
            }],
            "volumes": [{"name": "v", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "absent", "optional": true}}],
            "terminationGracePeriodSeconds": 0,
        },
    }));
    let got = round_trip(&ns, "pod", pod).await;
    let spec = got.spec.unwrap();
    let c = &spec.containers[0];
    let limits = c.resources.as_ref().unwrap().limits.as_ref().unwrap();
    assert_eq!(limits["cpu"].as_str(), "500m");
    assert_eq!(spec.termination_grace_period_seconds, Some(0));
    assert!(spec.volumes.unwrap()[0].empty_dir.is_some());
}

#[tokio::test]
async fn protobuf_deployment_round_trips() {
    let ns = namespace("pb-deploy").await;
    let d: Deployment = object(json!({
        "metadata": {"name": "d"},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "d"}},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": "d"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }));
    let got = round_trip(&ns, "deployment", d).await;
    // A pointer field set to zero stays Some(0), as JSON has it.
    assert_eq!(got.spec.unwrap().replicas, Some(0));
}

#[tokio::test]
async fn protobuf_is_what_the_server_sends_for_the_accept_header_api_uses() {
    let ns = namespace("pb-wire").await;
    kubectl(&["-n", &ns, "create", "configmap", "w", "--from-literal=a=b"]).await;
    let c = client(Kind::Admin).await;
    let req = RequestBuilder::new(Verb::Get)
        .group_version("", "v1")
        .namespace(&ns)
        .resource("configmaps")
        .name("w")
        .accept(Accept::Protobuf);
    let body = c.send_bytes(req).await.unwrap();
    assert!(
        body.starts_with(b"k8s\0"),
        "{:?}",
        &body[..body.len().min(16)]
    );
    let cm: ConfigMap = k8s_client::protobuf::decode_object(&body).unwrap();
    assert_eq!(cm.data.unwrap()["a"], "b");
}

#[tokio::test]
async fn protobuf_watch_sees_added_modified_deleted_and_a_gone_version() {
    let ns = namespace("pb-watch").await;
    let (pb, json) = apis::<ConfigMap>(&ns).await;
    let start = pb.list(&ListParams::default()).await.unwrap();
    let rv = start.metadata.resource_version.clone().unwrap();
    let mut events = pb
        .watch(&WatchParams::default().timeout(30), &rv)
        .await
        .unwrap();
    let cm: ConfigMap = object(json!({"metadata": {"name": "w"}, "data": {"a": "1"}}));
    let mut created = pb.create(&PostParams::default(), &cm).await.unwrap();
    created.data = Some(BTreeMap::from([("a".to_owned(), "2".to_owned())]));
    pb.replace("w", &PostParams::default(), &created)
        .await
        .unwrap();
    pb.delete("w", &DeleteParams::default()).await.unwrap();

    let mut seen = Vec::new();
    while seen.len() < 3 {
        let ev = tokio::time::timeout(Duration::from_secs(20), events.try_next())
            .await
            .expect("watch event in time")
            .unwrap()
            .expect("stream still open");
        match ev {
            WatchEvent::Added(c) => seen.push(("ADDED", c.data.unwrap()["a"].clone())),
            WatchEvent::Modified(c) => seen.push(("MODIFIED", c.data.unwrap()["a"].clone())),
            WatchEvent::Deleted(c) => seen.push(("DELETED", c.data.unwrap()["a"].clone())),
            WatchEvent::Bookmark(_) => {}
        }
    }
    assert_eq!(
        seen,
        [
            ("ADDED", "1".to_owned()),
            ("MODIFIED", "2".to_owned()),
            ("DELETED", "2".to_owned())
        ]
    );

    // A watch from the first version: whatever the server answers (Gone
    // once etcd has moved past it), protobuf and JSON agree.
    let mut outcomes = Vec::new();
    for api in [&pb, &json] {
        let outcome = match api.watch(&WatchParams::default().timeout(2), "1").await {
            Ok(mut events) => events.try_next().await.map(|e| e.is_some()),
            Err(e) => Err(e),
        };
        outcomes.push(outcome.map_err(|e| (e.code(), e.is_gone())));
    }
    assert_eq!(outcomes[0], outcomes[1]);
}

#[tokio::test]
async fn protobuf_status_errors_are_the_same_typed_errors() {
    let ns = namespace("pb-errors").await;
    let (pb, json) = apis::<ConfigMap>(&ns).await;
    let e_pb = pb.get("absent").await.unwrap_err();
    let e_json = json.get("absent").await.unwrap_err();
    assert!(e_pb.is_not_found(), "{e_pb}");
    assert_eq!(e_pb.status().unwrap(), e_json.status().unwrap());

    // 403: a user with no rights, over protobuf.
    let denied: Api<ConfigMap> = Api::namespaced(client(Kind::Limited).await, &ns);
    assert!(denied.uses_protobuf());
    let e = denied.list(&ListParams::default()).await.unwrap_err();
    assert!(e.is_forbidden(), "{e}");
    assert_eq!(e.status().unwrap().reason(), "Forbidden");
    assert_eq!(e.status().unwrap().kind, "Status");
}

#[tokio::test]
async fn a_client_built_without_protobuf_speaks_json() {
    let config = crate::env::config(Kind::Admin).await;
    let c = k8s_client::Client::try_from(config).unwrap();
    assert!(c.uses_protobuf());
    let mut config = crate::env::config(Kind::Admin).await;
    config.protobuf = false;
    let c = k8s_client::Client::try_from(config).unwrap();
    assert!(!c.uses_protobuf());
    let pods: Api<Pod> = Api::default_namespaced(c);
    assert!(!pods.uses_protobuf());
    pods.list(&ListParams::default()).await.unwrap();
}

#[derive(
    k8s_client::Resource, Serialize, serde::Deserialize, Clone, Debug, Default, schemars::JsonSchema,
)]
#[resource(
    group = "pb.k8s-client.dev",
    version = "v1",
    kind = "Gizmo",
    namespaced
)]
struct Gizmo {
    metadata: k8s_client::meta::ObjectMeta,
    spec: GizmoSpec,
}

#[derive(Serialize, serde::Deserialize, Clone, Debug, Default, PartialEq, schemars::JsonSchema)]
struct GizmoSpec {
    size: i32,
}

#[tokio::test]
async fn a_custom_resource_through_the_same_client_falls_back_to_json() {
    use k8s_client::CustomResourceExt;
    use k8s_client::api::apiextensions::v1::CustomResourceDefinition;
    let ns = namespace("pb-crd").await;
    let c = client(Kind::Admin).await;
    let crd = k8s_client::crd::install(&c, &Gizmo::crd(), "e2e", Duration::from_secs(30))
        .await
        .unwrap();
    // The CRD itself is built-in: protobuf, equal to JSON.
    let crds: Api<CustomResourceDefinition> = Api::all(c.clone());
    assert!(crds.uses_protobuf());
    let name = crd.metadata.name.clone().unwrap();
    assert_eq!(
        as_json(&crds.get(&name).await.unwrap()),
        as_json(&crds.clone().json().get(&name).await.unwrap())
    );
    // The server answers a protobuf-first Accept for a custom resource in JSON.
    let gizmos: Api<Gizmo> = Api::namespaced(c.clone(), &ns);
    assert!(!gizmos.uses_protobuf());
    let g = Gizmo {
        metadata: k8s_client::meta::ObjectMeta {
            name: Some("g".into()),
            ..Default::default()
        },
        spec: GizmoSpec { size: 3 },
    };
    gizmos.create(&PostParams::default(), &g).await.unwrap();
    let req = RequestBuilder::new(Verb::Get)
        .group_version("pb.k8s-client.dev", "v1")
        .namespace(&ns)
        .resource("gizmos")
        .name("g")
        .accept(Accept::Protobuf);
    let body = c.send_bytes(req).await.unwrap();
    assert!(body.starts_with(b"{"), "a JSON answer");
    assert_eq!(gizmos.get("g").await.unwrap().spec.size, 3);
}
