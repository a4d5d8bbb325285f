//! The transport works against a real API server with whichever of the
//! transport features (`http2`, `gzip`, `socks`) and TLS crypto providers
//! (`tls-ring`, `tls-aws-lc-rs`) are built in.
//!
//! `scripts/test.sh` runs this file again with default features off, the
//! smallest build a program can ask for, once on each provider
//! (`--no-default-features --features core,tls-ring`, then
//! `core,tls-aws-lc-rs`): the API server offers HTTP/2 in the TLS handshake,
//! and a client without HTTP/2 must not accept it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use k8s_client::api::ListParams;
use k8s_client::api::core::v1::Namespace;
use k8s_client::{Api, Client};

#[tokio::test]
async fn lists_what_kubectl_lists_with_the_features_built_in() {
    let (env, config) = support::admin().await;
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
