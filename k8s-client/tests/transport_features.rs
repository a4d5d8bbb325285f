//! The transport works against a real API server with whichever of the
//! transport features (`http2`, `gzip`, `socks`) are built in.
//!
//! `scripts/test.sh` runs this file a second time with default features off
//! (`--no-default-features --features core`), the smallest build a program
//! can ask for: the API server offers HTTP/2 in the TLS handshake, and a
//! client without HTTP/2 must not accept it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use k8s_client::api::ListParams;
use k8s_client::api::core::v1::Namespace;
use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};
use k8s_client::{Api, Client};
use k8s_testenv::{Kind, TestEnv};

#[tokio::test]
async fn lists_what_kubectl_lists_with_the_features_built_in() {
    let env = tokio::task::spawn_blocking(|| {
        TestEnv::shared().unwrap_or_else(|e| panic!("testenv did not start: {e}"))
    })
    .await
    .unwrap();
    let kubeconfig = Kubeconfig::read_from(env.kubeconfig_path(Kind::Admin))
        .await
        .unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    let client = Client::try_from(config).unwrap();

    let namespaces: Api<Namespace> = Api::all(client);
    let mut ours: Vec<String> = namespaces
        .list(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("list namespaces (http2: {}): {e}", cfg!(feature = "http2")))
        .items
        .into_iter()
        .filter_map(|ns| ns.metadata.name)
        .collect();
    ours.sort();

    let listed = tokio::task::spawn_blocking(move || {
        env.run_kubectl([
            "get",
            "namespaces",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ])
    })
    .await
    .unwrap()
    .unwrap();
    let mut theirs: Vec<String> = listed.split_whitespace().map(str::to_owned).collect();
    theirs.sort();
    assert!(theirs.iter().any(|n| n == "kube-system"), "{theirs:?}");
    assert_eq!(ours, theirs);
}
