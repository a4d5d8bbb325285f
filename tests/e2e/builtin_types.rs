//! The generated built-in types against the real API server: every listable
//! kind lists and decodes; objects created through `Api<K>` come back with
//! the fields we set; what the server sends survives a decode/encode round
//! trip unchanged (checked against kubectl's JSON); the controllers act on a
//! Deployment created through the typed API.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::Duration;

use k8s_client::api::apps::v1::{Deployment, ReplicaSet};
use k8s_client::api::core::v1::{ConfigMap, Pod};
use k8s_client::api::{DeleteParams, ListParams, PostParams};
use k8s_client::dynamic::ApiResource;
use k8s_client::meta::{ByteString, ObjectMeta};
use k8s_client::{Api, Client, HasMetadata, Resource};
use k8s_testenv::Kind;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::env::{client, kubectl, namespace};

/// Lists every kind given, across all namespaces, and returns `plural[.group]`
/// of each (kubectl's `-o name` form of `api-resources`).
macro_rules! list_all {
    ($client:expr; $($ty:ty),* $(,)?) => {{
        let mut listed = BTreeSet::new();
        $(
            let api: Api<$ty> = Api::all_with($client.clone(), &ApiResource::of::<$ty>());
            let list = api
                .list(&ListParams::default())
                .await
                .unwrap_or_else(|e| panic!("list {}: {e}", <$ty as Resource>::PLURAL));
            // Decoding succeeded; also check that what decoded is an object.
            for item in &list.items {
                assert!(!item.name().is_empty(), "{} without a name", <$ty as Resource>::KIND);
            }
            listed.insert(match <$ty as Resource>::GROUP {
                "" => <$ty as Resource>::PLURAL.to_owned(),
                g => format!("{}.{g}", <$ty as Resource>::PLURAL),
            });
        )*
        listed
    }};
}

#[tokio::test]
async fn builtin_every_listable_kind_lists_and_decodes() {
    use k8s_client::api::*;
    let client = client(Kind::Admin).await;
    // Make sure a few lists are not empty.
    let ns = namespace("builtin-lists").await;
    kubectl(&["-n", &ns, "create", "configmap", "c1", "--from-literal=a=b"]).await;
    kubectl(&["-n", &ns, "create", "deployment", "d1", "--image=nginx"]).await;

    let listed = list_all!(client;
        core::v1::ComponentStatus, core::v1::ConfigMap, core::v1::Endpoints, core::v1::Event,
        core::v1::LimitRange, core::v1::Namespace, core::v1::Node,
        core::v1::PersistentVolumeClaim, core::v1::PersistentVolume, core::v1::Pod,
        core::v1::PodTemplate, core::v1::ReplicationController, core::v1::ResourceQuota,
        core::v1::Secret, core::v1::ServiceAccount, core::v1::Service,
        admissionregistration::v1::MutatingWebhookConfiguration,
        admissionregistration::v1::ValidatingAdmissionPolicy,
        admissionregistration::v1::ValidatingAdmissionPolicyBinding,
        admissionregistration::v1::ValidatingWebhookConfiguration,
        apiextensions::v1::CustomResourceDefinition, apiregistration::v1::APIService,
        apps::v1::ControllerRevision, apps::v1::DaemonSet, apps::v1::Deployment,
        apps::v1::ReplicaSet, apps::v1::StatefulSet,
        autoscaling::v1::HorizontalPodAutoscaler, autoscaling::v2::HorizontalPodAutoscaler,
        batch::v1::CronJob, batch::v1::Job, certificates::v1::CertificateSigningRequest,
        coordination::v1::Lease, discovery::v1::EndpointSlice, events::v1::Event,
        flowcontrol::v1::FlowSchema, flowcontrol::v1::PriorityLevelConfiguration,
        networking::v1::IngressClass, networking::v1::Ingress, networking::v1::IPAddress,
        networking::v1::NetworkPolicy, networking::v1::ServiceCIDR, node::v1::RuntimeClass,
        policy::v1::PodDisruptionBudget, rbac::v1::ClusterRoleBinding, rbac::v1::ClusterRole,
        rbac::v1::RoleBinding, rbac::v1::Role, resource::v1::DeviceClass,
        resource::v1::ResourceClaim, resource::v1::ResourceClaimTemplate,
        resource::v1::ResourceSlice, scheduling::v1::PriorityClass, storage::v1::CSIDriver,
        storage::v1::CSINode, storage::v1::CSIStorageCapacity, storage::v1::StorageClass,
        storage::v1::VolumeAttachment, storage::v1::VolumeAttributesClass,
    );

    // Nothing listable that the server serves is missing (other tests' CRDs aside).
    let builtin_groups: BTreeSet<&str> = listed
        .iter()
        .filter_map(|n| n.split_once('.').map(|(_, g)| g))
        .collect();
    let served: BTreeSet<String> = kubectl(&["api-resources", "--verbs=list", "-o", "name"])
        .await
        .lines()
        .filter(|n| {
            n.split_once('.')
                .is_none_or(|(_, g)| builtin_groups.contains(g))
        })
        .map(str::to_owned)
        .collect();
    let missing: Vec<_> = served.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "listable but not generated: {missing:?}"
    );
}

/// JSON from both sides in one form, so it compares field by field:
/// - nulls and empty lists are dropped: Go writes a nil list as `null`, and a
///   type with a required list decodes that as empty and writes `[]`;
/// - whole floats become integers: Go writes the float64 `1` as `1`, serde
///   as `1.0`; both are the same JSON number.
fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_nulls).collect()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => json!(f as i64),
            _ => Value::Number(n),
        },
        v => v,
    }
}

/// Every field set in `want` is in `got` with the same value (arrays element by element).
fn assert_subset(want: &Value, got: &Value, path: &str) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                let gv = g
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k}: set but not returned; got {got:#}"));
                assert_subset(wv, gv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            assert_eq!(w.len(), g.len(), "{path}: array length; got {got:#}");
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                assert_subset(wv, gv, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(want, got, "{path}"),
    }
}

/// Creates `body` (decoded into `K`) through `Api<K>`, gets it back and
/// checks: the fields set come back equal; the object kubectl sees decodes
/// into `K` and encodes back to exactly the server's JSON (less `apiVersion`,
/// `kind` and nulls). Returns the object as stored.
async fn round_trip<K>(client: &Client, ns: Option<&str>, body: Value) -> K
where
    K: Resource + Serialize + DeserializeOwned + Clone + Debug + PartialEq,
{
    let typed: K = serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("{}: test body does not decode: {e}", K::KIND));
    let sent = without_nulls(serde_json::to_value(&typed).unwrap());
    assert_subset(&without_nulls(body), &sent, K::KIND);

    let ar = ApiResource::of::<K>();
    let api: Api<K> = match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    let created = api
        .create(&PostParams::default(), &typed)
        .await
        .unwrap_or_else(|e| panic!("create {}: {e}", K::KIND));
    let got = api.get(created.name()).await.unwrap();
    assert_subset(
        &sent,
        &without_nulls(serde_json::to_value(&got).unwrap()),
        K::KIND,
    );

    let resource = match K::GROUP {
        "" => K::PLURAL.to_owned(),
        g => format!("{}.{g}", K::PLURAL),
    };
    let mut args = vec!["get", resource.as_str(), got.name(), "-o", "json"];
    if let Some(ns) = ns {
        args.extend(["-n", ns]);
    }
    let mut server: Value = serde_json::from_str(&kubectl(&args).await).unwrap();
    let decoded: K = serde_json::from_value(server.clone())
        .unwrap_or_else(|e| panic!("{}: kubectl's JSON does not decode: {e}", K::KIND));
    let obj = server.as_object_mut().unwrap();
    assert_eq!(obj.remove("apiVersion").unwrap(), K::API_VERSION);
    assert_eq!(obj.remove("kind").unwrap(), K::KIND);
    assert_eq!(
        without_nulls(serde_json::to_value(&decoded).unwrap()),
        without_nulls(server),
        "{}: re-encoding changed what the server sent",
        K::KIND
    );
    got
}

/// Deletes a cluster-scoped object a test created (best effort).
async fn cleanup<K: Resource + DeserializeOwned>(client: &Client, name: &str) {
    let api: Api<K> = Api::all_with(client.clone(), &ApiResource::of::<K>());
    let _ = api.delete(name, &DeleteParams::default()).await;
}

#[tokio::test]
async fn builtin_core_round_trips() {
    use k8s_client::api::core::v1::*;
    let client = client(Kind::Admin).await;
    let ns = namespace("builtin-core").await;
    let n = Some(ns.as_str());

    // Typed, with struct literals: what a user writes.
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("typed".into()),
            labels: Some([("app".to_owned(), "web".to_owned())].into()),
            ..Default::default()
        },
        data: Some([("key".to_owned(), "value".to_owned())].into()),
        binary_data: Some([("bin".to_owned(), ByteString(vec![0, 1, 2, 255]))].into()),
        ..Default::default()
    };
    let got: ConfigMap = round_trip(&client, n, serde_json::to_value(&cm).unwrap()).await;
    assert_eq!(got.data, cm.data);
    assert_eq!(got.binary_data, cm.binary_data);

    let secret: Secret = round_trip(
        &client,
        n,
        json!({"metadata": {"name": "s"}, "type": "Opaque", "data": {"password": "aHVudGVyMg=="}}),
    )
    .await;
    assert_eq!(secret.data.unwrap()["password"].0, b"hunter2");

    round_trip::<Service>(
        &client,
        n,
        json!({
            "metadata": {"name": "svc"},
            "spec": {"selector": {"app": "web"}, "ports": [
                {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                {"name": "metrics", "port": 9090, "targetPort": 9091, "protocol": "TCP"}]}
        }),
    )
    .await;
    round_trip::<ServiceAccount>(
        &client,
        n,
        json!({"metadata": {"name": "sa"}, "automountServiceAccountToken": false}),
    )
    .await;
    round_trip::<PersistentVolumeClaim>(&client, n, json!({
        "metadata": {"name": "pvc"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                 "storageClassName": "none"}
    }))
    .await;
    round_trip::<ResourceQuota>(
        &client,
        n,
        json!({
            "metadata": {"name": "rq"}, "spec": {"hard": {"pods": "10", "requests.cpu": "500m"}}
        }),
    )
    .await;
    round_trip::<LimitRange>(&client, n, json!({
        "metadata": {"name": "lr"},
        "spec": {"limits": [{"type": "Container", "default": {"memory": "256Mi"}, "max": {"cpu": "2"}}]}
    }))
    .await;

    let pv_name = format!("{ns}-pv");
    round_trip::<PersistentVolume>(
        &client,
        None,
        json!({
            "metadata": {"name": pv_name},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "hostPath": {"path": "/tmp/pv"}, "persistentVolumeReclaimPolicy": "Retain"}
        }),
    )
    .await;
    cleanup::<PersistentVolume>(&client, &pv_name).await;
}

#[tokio::test]
async fn builtin_workload_round_trips() {
    use k8s_client::api::apps::v1::{DaemonSet, StatefulSet};
    use k8s_client::api::autoscaling::v2::HorizontalPodAutoscaler;
    use k8s_client::api::batch::v1::{CronJob, Job};
    use k8s_client::api::policy::v1::PodDisruptionBudget;
    let client = client(Kind::Admin).await;
    let ns = namespace("builtin-work").await;
    let n = Some(ns.as_str());
    let template = json!({
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{
            "name": "web", "image": "nginx:1.27",
            "ports": [{"containerPort": 80, "name": "http"}],
            "env": [{"name": "A", "value": "1"},
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5}
        }]}
    });
    let selector = json!({"matchLabels": {"app": "web"}});

    round_trip::<Deployment>(&client, n, json!({
        "metadata": {"name": "dep"},
        "spec": {"replicas": 0, "selector": selector, "template": template,
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}}}
    }))
    .await;
    round_trip::<StatefulSet>(&client, n, json!({
        "metadata": {"name": "sts"},
        "spec": {"replicas": 0, "serviceName": "sts", "selector": selector, "template": template}
    }))
    .await;
    round_trip::<DaemonSet>(
        &client,
        n,
        json!({
            "metadata": {"name": "ds"}, "spec": {"selector": selector, "template": template}
        }),
    )
    .await;
    let mut job_template = template.clone();
    job_template["spec"]["restartPolicy"] = json!("Never");
    round_trip::<Job>(
        &client,
        n,
        json!({
            "metadata": {"name": "job"},
            "spec": {"suspend": true, "backoffLimit": 2, "template": job_template}
        }),
    )
    .await;
    round_trip::<CronJob>(
        &client,
        n,
        json!({
            "metadata": {"name": "cj"},
            "spec": {"schedule": "*/5 * * * *", "timeZone": "Etc/UTC", "suspend": true,
                     "jobTemplate": {"spec": {"template": job_template}}}
        }),
    )
    .await;
    round_trip::<PodDisruptionBudget>(
        &client,
        n,
        json!({
            "metadata": {"name": "pdb"}, "spec": {"minAvailable": "50%", "selector": selector}
        }),
    )
    .await;
    round_trip::<HorizontalPodAutoscaler>(&client, n, json!({
        "metadata": {"name": "hpa"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "dep"},
                 "minReplicas": 1, "maxReplicas": 5,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                     "target": {"type": "Utilization", "averageUtilization": 80}}}]}
    }))
    .await;
}

#[tokio::test]
async fn builtin_networking_rbac_and_more_round_trips() {
    use k8s_client::api::admissionregistration::v1::ValidatingWebhookConfiguration;
    use k8s_client::api::apiextensions::v1::CustomResourceDefinition;
    use k8s_client::api::coordination::v1::Lease;
    use k8s_client::api::discovery::v1::EndpointSlice;
    use k8s_client::api::networking::v1::{Ingress, NetworkPolicy};
    use k8s_client::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
    use k8s_client::api::scheduling::v1::PriorityClass;
    use k8s_client::api::storage::v1::StorageClass;
    let client = client(Kind::Admin).await;
    let ns = namespace("builtin-net").await;
    let n = Some(ns.as_str());

    round_trip::<Ingress>(
        &client,
        n,
        json!({
            "metadata": {"name": "ing"},
            "spec": {"rules": [{"host": "example.com", "http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "svc", "port": {"number": 80}}}}]}}]}
        }),
    )
    .await;
    round_trip::<NetworkPolicy>(&client, n, json!({
        "metadata": {"name": "np"},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
                 "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                              "ports": [{"protocol": "TCP", "port": 443}]}]}
    }))
    .await;
    let rules = json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]);
    round_trip::<Role>(
        &client,
        n,
        json!({"metadata": {"name": "r"}, "rules": rules}),
    )
    .await;
    round_trip::<RoleBinding>(
        &client,
        n,
        json!({
            "metadata": {"name": "rb"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
            "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": ns}]
        }),
    )
    .await;
    let lease: Lease = round_trip(
        &client,
        n,
        json!({
            "metadata": {"name": "lease"},
            "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15,
                     "renewTime": "2025-01-02T03:04:05.123456Z"}
        }),
    )
    .await;
    assert_eq!(
        lease.spec.unwrap().renew_time.unwrap().to_string(),
        "2025-01-02T03:04:05.123456Z"
    );
    round_trip::<EndpointSlice>(
        &client,
        n,
        json!({
            "metadata": {"name": "eps", "labels": {"kubernetes.io/service-name": "svc"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.0.0.7"], "conditions": {"ready": true}}],
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]
        }),
    )
    .await;

    // Cluster-scoped kinds: names carry the namespace so tests do not collide.
    let name = |s: &str| format!("{ns}-{s}");
    round_trip::<ClusterRole>(
        &client,
        None,
        json!({"metadata": {"name": name("cr")}, "rules": rules}),
    )
    .await;
    round_trip::<ClusterRoleBinding>(&client, None, json!({
        "metadata": {"name": name("crb")},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name("cr")},
        "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "nobody"}]
    }))
    .await;
    round_trip::<StorageClass>(
        &client,
        None,
        json!({
            "metadata": {"name": name("sc")}, "provisioner": "example.com/none",
            "parameters": {"type": "fast"}, "reclaimPolicy": "Delete", "allowVolumeExpansion": true
        }),
    )
    .await;
    round_trip::<PriorityClass>(
        &client,
        None,
        json!({
            "metadata": {"name": name("pc")}, "value": 1000, "description": "test"
        }),
    )
    .await;
    // Matches nothing (an invalid group, no such namespace label) and fails
    // open, so it cannot disturb other tests.
    round_trip::<ValidatingWebhookConfiguration>(
        &client,
        None,
        json!({
            "metadata": {"name": name("vwc")},
            "webhooks": [{"name": "check.e2e.k8s-client.dev",
                "clientConfig": {"url": "https://127.0.0.1:1/validate"},
                "rules": [{"apiGroups": ["nothing.invalid"], "apiVersions": ["v1"],
                           "operations": ["CREATE"], "resources": ["things"], "scope": "*"}],
                "namespaceSelector": {"matchLabels": {"never": "matches"}},
                "failurePolicy": "Ignore", "sideEffects": "None",
                "admissionReviewVersions": ["v1"], "timeoutSeconds": 1}]
        }),
    )
    .await;
    let group = format!("{ns}.e2e.k8s-client.dev");
    let crd_name = format!("things.{group}");
    round_trip::<CustomResourceDefinition>(&client, None, json!({
        "metadata": {"name": crd_name},
        "spec": {"group": group, "scope": "Namespaced",
                 "names": {"plural": "things", "singular": "thing", "kind": "Thing", "listKind": "ThingList"},
                 "versions": [{"name": "v1", "served": true, "storage": true,
                     "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                         "spec": {"type": "object", "properties": {
                             "size": {"type": "integer", "minimum": 1},
                             "tags": {"type": "array", "items": {"type": "string"}}}}}}}}]}
    }))
    .await;

    cleanup::<ValidatingWebhookConfiguration>(&client, &name("vwc")).await;
    cleanup::<CustomResourceDefinition>(&client, &crd_name).await;
    cleanup::<ClusterRoleBinding>(&client, &name("crb")).await;
    cleanup::<ClusterRole>(&client, &name("cr")).await;
    cleanup::<StorageClass>(&client, &name("sc")).await;
    cleanup::<PriorityClass>(&client, &name("pc")).await;
}

#[tokio::test]
async fn builtin_deployment_makes_replicaset_and_pods() {
    let client = client(Kind::Admin).await;
    let ns = namespace("builtin-deploy").await;
    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}
    }))
    .unwrap();
    // The clientset-style accessors give the same Api<T>.
    let deployments = client.apps_v1().deployments(&ns);
    let created = deployments
        .create(&PostParams::default(), &deployment)
        .await
        .unwrap();
    let uid = created.metadata.uid.clone().unwrap();

    let replica_sets: Api<ReplicaSet> = client.apps_v1().replica_sets(&ns);
    let pods: Api<Pod> = client.core_v1().pods(&ns);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let rs = replica_sets.list(&ListParams::default()).await.unwrap();
        let owned = rs.items.iter().find(|rs| {
            rs.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid && o.controller == Some(true))
        });
        let pod_list = pods
            .list(&ListParams::default().labels("app=web"))
            .await
            .unwrap();
        if let Some(rs) = owned
            && pod_list.items.len() == 2
        {
            assert_eq!(rs.spec.as_ref().unwrap().replicas, Some(2));
            let rs_uid = rs.metadata.uid.as_deref().unwrap();
            for pod in &pod_list.items {
                let owner = &pod.metadata.owner_references.as_ref().unwrap()[0];
                assert_eq!(
                    (owner.kind.as_str(), owner.uid.as_str()),
                    ("ReplicaSet", rs_uid)
                );
                let spec = pod.spec.as_deref().unwrap();
                assert_eq!(spec.containers[0].image.as_deref(), Some("nginx:1.27"));
                // Pending or already Running: node.rs follows pods that run.
            }
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no ReplicaSet with 2 pods within 60s: {} replica sets, {} pods",
            rs.items.len(),
            pod_list.items.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Cluster-wide accessors with "" and cluster-scoped ones.
    let all: Api<ConfigMap> = client.core_v1().config_maps("");
    assert!(all.namespace().is_none());
    let namespaces = client
        .core_v1()
        .namespaces()
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(namespaces.items.iter().any(|n| n.name() == ns));
}
