//! A short tour of k8s-client against whatever cluster the kubeconfig names
//! (`KUBECONFIG`, else `~/.kube/config`, else in-cluster).
//!
//! Run: `cargo run --example tour` (the README's main job runs it against testenv).

use std::collections::BTreeMap;

use k8s_client::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use k8s_client::meta::ObjectMeta;
use k8s_client::rest::Request;
use k8s_client::{Api, Client, Resource};
use serde::{Deserialize, Serialize};

/// A Namespace, declared with just the fields the tour reads.
#[derive(Resource, Serialize, Deserialize, Clone, Debug, Default)]
#[resource(group = "", version = "v1", kind = "Namespace")]
struct Namespace {
    metadata: ObjectMeta,
}

/// A ConfigMap with its string data.
#[derive(Resource, Serialize, Deserialize, Clone, Debug, Default)]
#[resource(group = "", version = "v1", kind = "ConfigMap", namespaced)]
struct ConfigMap {
    metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    data: BTreeMap<String, String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::try_default().await?;
    let version: serde_json::Value = client
        .send_json(Request::get().abs_path("/version"))
        .await?;
    println!(
        "connected to {} (Kubernetes {})",
        client.base_url(),
        version["gitVersion"].as_str().unwrap_or("?")
    );

    let namespaces: Api<Namespace> = Api::all(client.clone());
    let names: Vec<String> = namespaces
        .list(&ListParams::default())
        .await?
        .into_iter()
        .map(|ns| ns.metadata.name.unwrap_or_default())
        .collect();
    println!("namespaces: {}", names.join(", "));

    let configmaps: Api<ConfigMap> = Api::default_namespaced(client.clone());
    let name = "k8s-client-tour";
    if configmaps.get_opt(name).await?.is_some() {
        configmaps.delete(name, &DeleteParams::default()).await?;
    }
    let wanted = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        data: BTreeMap::from([("greeting".to_owned(), "hello".to_owned())]),
    };
    let created = configmaps.create(&PostParams::default(), &wanted).await?;
    println!(
        "created configmap {}/{} at resourceVersion {}",
        created.metadata.namespace.as_deref().unwrap_or_default(),
        name,
        created
            .metadata
            .resource_version
            .as_deref()
            .unwrap_or_default()
    );

    let patch = Patch::Merge(serde_json::json!({ "data": { "greeting": "hello, again" } }));
    let patched = configmaps
        .patch(name, &PatchParams::default(), &patch)
        .await?;
    println!("patched: greeting = {:?}", patched.data.get("greeting"));

    let read = configmaps.get(name).await?;
    println!("read back: {:?}", read.data);

    configmaps.delete(name, &DeleteParams::default()).await?;
    println!(
        "deleted; get_opt now returns {:?}",
        configmaps.get_opt(name).await?.map(|cm| cm.metadata.name)
    );

    match configmaps.get(name).await {
        Err(err) => println!(
            "and get is a typed error (not_found = {}): {err}",
            err.is_not_found()
        ),
        Ok(_) => return Err("the deleted configmap is still there".into()),
    }
    Ok(())
}
