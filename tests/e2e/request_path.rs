//! The request path against the real server: many watches through one
//! client, and names the path must keep whole.

use std::time::Duration;

use futures::StreamExt;
use k8s_client::api::core::v1::ConfigMap;
use k8s_client::api::{PostParams, WatchParams};
use k8s_client::meta::ObjectMeta;
use k8s_client::{Api, Client};
use k8s_testenv::Kind;

use crate::env::{config, namespace};

fn configmap(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

/// kube-apiserver carries at most 100 streams on one HTTP/2 connection; with
/// one connection, watch 101 and any GET after it would wait for a watch to end.
#[tokio::test]
async fn three_hundred_watches_and_a_get_through_one_client() {
    let ns = namespace("watches").await;
    let mut cfg = config(Kind::Admin).await;
    cfg.qps = -1.0;
    let client = Client::try_from(cfg).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let created = cms
        .create(&PostParams::default(), &configmap("seen"))
        .await
        .unwrap();
    let rv = created.metadata.resource_version.clone().unwrap();

    // From "0", each watch first sends the current state as ADDED events,
    // which shows the stream is live.
    let opened = futures::future::join_all((0..300).map(|_| {
        let cms = cms.clone();
        async move {
            let wp = WatchParams::default()
                .fields("metadata.name=seen")
                .timeout(120);
            tokio::time::timeout(Duration::from_secs(60), cms.watch(&wp, "0")).await
        }
    }))
    .await;
    let mut streams = Vec::new();
    for (i, w) in opened.into_iter().enumerate() {
        let stream = w
            .unwrap_or_else(|_| panic!("watch {i} did not open within 60 s"))
            .unwrap_or_else(|e| panic!("watch {i}: {e}"));
        streams.push(stream);
    }
    // Each of the 300 is a live stream: its first event is the ConfigMap.
    for (i, s) in streams.iter_mut().enumerate() {
        let first = tokio::time::timeout(Duration::from_secs(30), s.next())
            .await
            .unwrap_or_else(|_| panic!("watch {i} sent nothing"))
            .unwrap()
            .unwrap();
        assert_eq!(
            first.object().unwrap().metadata.name.as_deref(),
            Some("seen")
        );
    }
    // With all 300 open, a short request still answers.
    let got = tokio::time::timeout(Duration::from_secs(30), cms.get("seen"))
        .await
        .expect("a GET waited behind the watches")
        .unwrap();
    assert_eq!(got.metadata.resource_version.as_deref(), Some(rv.as_str()));
    drop(streams);
}

/// Before names were escaped, `#` ended the path: `x#` addressed `x`.
#[tokio::test]
async fn names_with_special_characters_never_address_another_object() {
    let ns = namespace("names").await;
    let client = Client::try_from(config(Kind::Admin).await).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client, &ns);
    cms.create(&PostParams::default(), &configmap("x"))
        .await
        .unwrap();
    for name in ["x#", "x#/status", "x?labelSelector=a", "x\u{7}", "x y"] {
        let name = name.replace('/', "-");
        let err = cms.get(&name).await.unwrap_err();
        assert!(err.is_not_found(), "{name:?}: {err}");
        // The server looked for the name as given (it quotes control
        // characters its own way).
        let message = err.status().unwrap().message().to_owned();
        if !name.contains(char::is_control) {
            assert!(
                message.contains(&format!("{name:?}")),
                "{name:?}: {message}"
            );
        }
    }
    let err = cms
        .replace_status("x#", &PostParams::default(), &configmap("x#"))
        .await
        .unwrap_err();
    // ConfigMaps have no status subresource; the PUT did not reach `x`.
    assert!(err.is_not_found(), "{err}");
    // `x` itself is untouched.
    assert!(cms.get("x").await.is_ok());
}
