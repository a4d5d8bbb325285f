//! Fault tests for lists decoded while their body streams in: bodies a real
//! API server never sends (a list that ends cleanly in the middle of an
//! item) or cannot be made to send on demand (a connection that breaks in
//! the middle of an item). They run against a scripted local HTTP server
//! (tests/support/fault_server.rs), never presented as a real one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use k8s_client::api::ListParams;
use k8s_client::dynamic::{ApiResource, DynamicObject};
use k8s_client::{Api, Client, Error, RetryPolicy};
use support::fault_server::{FaultServer, Reply};

fn api(url: &str) -> Api<DynamicObject> {
    api_retrying(url, RetryPolicy::default())
}

fn api_retrying(url: &str, retry: RetryPolicy) -> Api<DynamicObject> {
    let client = Client::builder(url)
        .rate_limit(-1.0, 0)
        .retry_policy(retry)
        .build()
        .unwrap();
    let configmaps = ApiResource::new("", "v1", "ConfigMap", "configmaps", true);
    Api::namespaced_with(client, "ns", &configmaps)
}

/// A ConfigMapList of `n` items, and where item `cut` starts in it.
fn list(n: usize, cut: usize) -> (String, usize) {
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"cm-{i}"}},"data":{{"k":"{{\"v\": [{i}]}}"}}}}"#
            )
        })
        .collect();
    let head = r#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":["#;
    let start = head.len() + items[..cut].iter().map(|i| i.len() + 1).sum::<usize>();
    (format!("{head}{}]}}", items.join(",")), start)
}

#[tokio::test]
async fn fault_list_body_that_ends_cleanly_inside_item_3_is_a_decode_error_naming_it() {
    let (body, item_3) = list(5, 3);
    // The HTTP message is complete: only the JSON is cut, 20 bytes into item 3.
    let cut = &body[..item_3 + 20];
    let server = FaultServer::start(vec![], Reply::json(200, cut)).await;
    let err = api(&server.url)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    match &err {
        Error::Decode { path, .. } => assert_eq!(path, "items[3]"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.starts_with("GET /api/v1/namespaces/ns/configmaps: cannot decode configmaps in namespace ns list at items[3]: the body ended after"),
        "{text}"
    );
    // A body that does not decode is not retried.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn fault_list_connection_broken_inside_item_3_is_retried_from_the_start() {
    let (body, item_3) = list(5, 3);
    let server = FaultServer::start(
        vec![Reply::Truncated {
            promised: body.len(),
            sent: body.as_bytes()[..item_3 + 20].to_vec(),
        }],
        Reply::json(200, &body),
    )
    .await;
    let listed = api(&server.url).list(&ListParams::default()).await.unwrap();
    // The items decoded from the broken body were dropped, not kept twice.
    let names: Vec<&str> = listed
        .items
        .iter()
        .map(|cm| cm.metadata.name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(names, ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"]);
    assert_eq!(listed.metadata.resource_version.as_deref(), Some("42"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn fault_list_connection_broken_inside_an_item_every_time_is_a_transport_error() {
    let (body, item_3) = list(5, 3);
    let server = FaultServer::start(
        vec![],
        Reply::Truncated {
            promised: body.len(),
            sent: body.as_bytes()[..item_3 + 20].to_vec(),
        },
    )
    .await;
    // One retry (a second each), not the default ten.
    let mut retry = RetryPolicy::default();
    retry.max_retries = 1;
    let err = api_retrying(&server.url, retry)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 2, .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 2);
}
