//! A build with neither `tls-ring` nor `tls-aws-lc-rs`: building a client
//! fails with an error that says what to do until the program installs a
//! process-wide rustls provider, and then the client uses that one against a
//! real API server.
//!
//! Only such a build compiles the test (`scripts/test.sh` runs it with
//! `--no-default-features --features core`); in any other it runs nothing.
//! It is alone in its file because installing the provider is process-wide.
#![cfg(not(any(feature = "tls-ring", feature = "tls-aws-lc-rs")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use k8s_client::api::ListParams;
use k8s_client::api::core::v1::Namespace;
use k8s_client::{Api, Client};

fn assert_says_what_to_do(error: &k8s_client::Error) {
    let message = error.to_string();
    for hint in ["tls-ring", "tls-aws-lc-rs", "install_default"] {
        assert!(message.contains(hint), "{hint:?} missing from: {message}");
    }
}

#[tokio::test]
async fn without_a_provider_build_fails_until_the_program_installs_one() {
    // The admin user's key is loaded through the provider as well as the
    // handshake made with it.
    let (_, config) = support::admin().await;

    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    let error = Client::try_from(config.clone()).unwrap_err();
    assert_says_what_to_do(&error);
    let error = Client::builder(config.cluster_url.as_str())
        .build()
        .unwrap_err();
    assert_says_what_to_do(&error);

    rustls::crypto::ring::default_provider()
        .install_default()
        .unwrap();
    let client = Client::try_from(config).unwrap();
    let namespaces = Api::<Namespace>::all(client)
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(
        namespaces
            .items
            .iter()
            .any(|ns| ns.metadata.name.as_deref() == Some("kube-system")),
        "{:?}",
        namespaces.items
    );
}
