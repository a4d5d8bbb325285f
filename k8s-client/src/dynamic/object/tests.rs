use serde_json::json;

use super::*;
use crate::NamespaceScope;
use crate::api::Api;
use crate::rest::Verb;

fn deployment_json() -> Value {
    json!({
      "apiVersion": "apps/v1",
      "kind": "Deployment",
      "metadata": {
        "annotations": {"deployment.kubernetes.io/revision": "1"},
        "creationTimestamp": "2024-05-01T10:00:00Z",
        "generation": 3,
        "labels": {"app": "web"},
        "managedFields": [{
          "apiVersion": "apps/v1",
          "fieldsType": "FieldsV1",
          "fieldsV1": {"f:spec": {"f:replicas": {}}},
          "manager": "kubectl-client-side-apply",
          "operation": "Update",
          "time": "2024-05-01T10:00:00Z"
        }],
        "name": "web",
        "namespace": "prod",
        "resourceVersion": "12345",
        "uid": "0b6f4f8e-6a43-4c55-9d3e-1f0a7b0e9c11"
      },
      "spec": {
        "progressDeadlineSeconds": 600,
        "replicas": 3,
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}, "type": "RollingUpdate"},
        "template": {
          "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
          "spec": {
            "containers": [{
              "image": "nginx:1.27",
              "name": "nginx",
              "ports": [{"containerPort": 80, "protocol": "TCP"}],
              "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}
            }],
            "restartPolicy": "Always"
          }
        }
      },
      "status": {
        "availableReplicas": 3,
        "conditions": [{"lastTransitionTime": "2024-05-01T10:00:05Z", "status": "True", "type": "Available"}],
        "observedGeneration": 3,
        "readyReplicas": 3,
        "replicas": 3,
        "updatedReplicas": 3
      }
    })
}

#[test]
fn deployment_round_trips_without_loss() {
    let original = deployment_json();
    let obj: DynamicObject = serde_json::from_value(original.clone()).unwrap();
    assert_eq!(
        obj.gvk(),
        Some(GroupVersionKind::new("apps", "v1", "Deployment"))
    );
    assert_eq!(obj.name(), "web");
    assert_eq!(obj.namespace(), Some("prod"));
    assert_eq!(obj.data["spec"]["replicas"], 3);
    assert!(obj.data.get("metadata").is_none());
    assert!(obj.data.get("kind").is_none());
    assert_eq!(serde_json::to_value(&obj).unwrap(), original);
}

#[test]
fn absent_type_meta_stays_absent() {
    let original = json!({"metadata": {"name": "x"}, "spec": {}});
    let obj: DynamicObject = serde_json::from_value(original.clone()).unwrap();
    assert_eq!(obj.types, None);
    assert_eq!(serde_json::to_value(&obj).unwrap(), original);
}

#[test]
fn bad_metadata_is_an_error() {
    let err = serde_json::from_value::<DynamicObject>(json!({"metadata": {"labels": 3}}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("metadata"), "{err}");
    assert!(serde_json::from_value::<DynamicObject>(json!({"kind": 3})).is_err());
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Default)]
struct ConfigMap {
    metadata: ObjectMeta,
    #[serde(default)]
    data: std::collections::BTreeMap<String, String>,
}

impl HasMetadata for ConfigMap {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl Resource for ConfigMap {
    type Scope = NamespaceScope;
    const GROUP: &'static str = "";
    const VERSION: &'static str = "v1";
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "ConfigMap";
    const PLURAL: &'static str = "configmaps";
    const SINGULAR: &'static str = "configmap";
    const SHORT_NAMES: &'static [&'static str] = &["cm"];
}

#[test]
fn typed_to_dynamic_and_back() {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("settings".into());
    cm.metadata.namespace = Some("ns".into());
    cm.data.insert("color".into(), "blue".into());
    let dynamic = DynamicObject::from_typed(&cm).unwrap();
    assert_eq!(
        dynamic.types,
        Some(TypeMeta {
            api_version: "v1".into(),
            kind: "ConfigMap".into()
        })
    );
    assert_eq!(dynamic.data["data"]["color"], "blue");
    let back: ConfigMap = dynamic.try_into_typed().unwrap();
    assert_eq!(back, cm);
}

#[test]
fn conversion_error_names_object_and_path() {
    let obj: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "ns"},
        "data": {"color": 7}
    }))
    .unwrap();
    let err = obj.try_into_typed::<ConfigMap>().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("ConfigMap ns/settings"), "{text}");
    assert!(text.contains("data.color"), "{text}");
}

#[test]
fn api_resource_of_typed_carries_names() {
    let ar = ApiResource::of::<ConfigMap>();
    assert_eq!(ar.singular, "configmap");
    assert_eq!(ar.short_names, vec!["cm".to_owned()]);
    assert_eq!(ar.gvr().to_string(), "v1, Resource=configmaps");
}

#[test]
fn dynamic_api_urls() {
    let client = crate::Client::builder("https://127.0.0.1:6443")
        .build()
        .unwrap();
    let deploy = ApiResource::new("apps", "v1", "Deployment", "deployments", true);
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "prod", &deploy);
    let path = |b: crate::rest::RequestBuilder| b.build().unwrap().path_and_query().to_owned();
    assert_eq!(
        path(api.request(Verb::Get, Some("web"))),
        "/apis/apps/v1/namespaces/prod/deployments/web"
    );
    assert_eq!(
        path(api.request(Verb::Post, None)),
        "/apis/apps/v1/namespaces/prod/deployments"
    );
    let all: Api<DynamicObject> = Api::all_with(client.clone(), &deploy);
    assert_eq!(
        path(all.request(Verb::Get, None)),
        "/apis/apps/v1/deployments"
    );
    let nodes = ApiResource::new("", "v1", "Node", "nodes", false);
    let nodes: Api<DynamicObject> = Api::all_with(client, &nodes);
    assert_eq!(
        path(nodes.request(Verb::Delete, Some("n1"))),
        "/api/v1/nodes/n1"
    );
}

/// Every verb is available for `Api<DynamicObject>` (compile-time check).
#[allow(dead_code)]
async fn all_verbs_compile(api: Api<DynamicObject>, obj: DynamicObject) -> Result<()> {
    use crate::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchParams};
    let _ = api.get("x").await?;
    let _ = api.get_opt("x").await?;
    let _ = api.list(&ListParams::default()).await?;
    let _ = api.create(&PostParams::default(), &obj).await?;
    let _ = api.replace("x", &PostParams::default(), &obj).await?;
    let _ = api
        .patch("x", &PatchParams::default(), &Patch::Merge(json!({})))
        .await?;
    let _ = api.delete("x", &DeleteParams::default()).await?;
    let _ = api.watch(&WatchParams::default(), "0").await?;
    let _ = api.list_all(&ListParams::default()).await?;
    let _ = api
        .delete_collection(&DeleteParams::default(), &ListParams::default())
        .await?;
    let _ = api.get_status("x").await?;
    let _ = api
        .patch_status("x", &PatchParams::default(), &Patch::Merge(json!({})))
        .await?;
    let _ = api.get_scale("x").await?;
    Ok(())
}
