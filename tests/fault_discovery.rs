//! Fault tests for discovery: one group version failing while the rest
//! succeed. A real API server fails a group only when an aggregated API
//! server behind it is down; making testenv do that would break every test
//! running beside it (kubectl exits 1 on partial discovery), so these run
//! against a scripted local HTTP server (tests/support/fault_server.rs) that
//! answers by path. It is not an API server and is never presented as one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use k8s_client::Client;
use k8s_client::discovery::{Discovery, FailureReason};
use k8s_client::dynamic::GroupVersion;
use serde_json::json;
use support::fault_server::{FaultServer, Reply};

fn client(url: &str) -> Client {
    Client::builder(url).rate_limit(-1.0, 0).build().unwrap()
}

fn json_reply(status: u16, body: serde_json::Value) -> Reply {
    Reply::json(status, &body.to_string())
}

fn resource(name: &str, kind: &str) -> serde_json::Value {
    json!({"name": name, "singularName": "", "namespaced": true, "kind": kind, "verbs": ["get", "list"]})
}

const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

fn aggregated(items: serde_json::Value) -> Reply {
    let body = json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "items": items});
    Reply::Full {
        status: 200,
        headers: vec![("Content-Type", AGGREGATED.to_owned())],
        body: body.to_string().into_bytes(),
    }
}

#[tokio::test]
async fn fault_discovery_stale_group_version_is_reported_apart() {
    let server = FaultServer::start_routed(
        vec![
            ("/api", aggregated(json!([{"metadata": {"name": ""}, "versions": [{"version": "v1", "freshness": "Current", "resources": [
                {"resource": "pods", "responseKind": {"kind": "Pod"}, "scope": "Namespaced", "singularResource": "pod", "verbs": ["get"]}
            ]}]}]))),
            ("/apis", aggregated(json!([
                {"metadata": {"name": "apps"}, "versions": [{"version": "v1", "freshness": "Current", "resources": [
                    {"resource": "deployments", "responseKind": {"kind": "Deployment"}, "scope": "Namespaced", "singularResource": "deployment", "verbs": ["get"]}
                ]}]},
                {"metadata": {"name": "metrics.example"}, "versions": [{"version": "v1", "freshness": "Stale"}]}
            ]))),
        ],
        json_reply(404, json!({})),
    )
    .await;
    let d = Discovery::new(client(&server.url));
    let all = d.server_resources().await.unwrap();
    assert_eq!(d.request_count(), 2);
    assert_eq!(all.failures.len(), 1);
    assert_eq!(
        all.failures[0].group_version,
        GroupVersion::new("metrics.example", "v1")
    );
    assert!(matches!(all.failures[0].reason, FailureReason::Stale));
    assert_eq!(all.all().count(), 2);
    assert_eq!(
        d.rest_mapper().resolve("deployment").await.unwrap()[0].api_version(),
        "apps/v1"
    );
    // The request asked for aggregated discovery the way client-go does.
    let accept = server.requests()[0]
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("accept"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(accept.starts_with(AGGREGATED), "{accept}");
}

#[tokio::test]
async fn fault_discovery_legacy_group_failing_does_not_fail_the_rest() {
    // A server without aggregated discovery: plain JSON, so the client falls
    // back to one request per group version.
    let server = FaultServer::start_routed(
        vec![
            ("/api", json_reply(200, json!({"kind": "APIVersions", "versions": ["v1"]}))),
            ("/apis", json_reply(200, json!({"kind": "APIGroupList", "groups": [
                {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}},
                {"name": "metrics.example", "versions": [{"groupVersion": "metrics.example/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "metrics.example/v1", "version": "v1"}}
            ]}))),
            ("/api/v1", json_reply(200, json!({"kind": "APIResourceList", "groupVersion": "v1",
                "resources": [resource("pods", "Pod"), resource("pods/status", "Pod")]}))),
            ("/apis/apps/v1", json_reply(200, json!({"kind": "APIResourceList", "groupVersion": "apps/v1",
                "resources": [resource("deployments", "Deployment")]}))),
            ("/apis/metrics.example/v1", json_reply(503, json!({
                "kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": "service unavailable", "reason": "ServiceUnavailable", "code": 503}))),
        ],
        json_reply(404, json!({})),
    )
    .await;
    let d = Discovery::new(client(&server.url));
    let all = d.server_resources().await.unwrap();
    assert_eq!(d.request_count(), 5, "/api, /apis and three group versions");
    assert_eq!(all.failures.len(), 1);
    let failure = &all.failures[0];
    assert_eq!(
        failure.group_version,
        GroupVersion::new("metrics.example", "v1")
    );
    match &failure.reason {
        FailureReason::Request(e) => assert_eq!(e.code(), Some(503), "{e}"),
        other => panic!("{other:?}"),
    }
    let pods = all.group_version(&GroupVersion::new("", "v1")).unwrap();
    assert_eq!(pods[0].subresources[0].name, "status");
    assert!(
        all.group_version(&GroupVersion::new("apps", "v1"))
            .is_some()
    );
    // The failed group's resources stay unknown: a miss, named.
    let e = d.rest_mapper().resolve("nodemetrics").await.unwrap_err();
    assert!(e.is_no_match(), "{e}");
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn fault_discovery_group_names_that_would_escape_the_cache_are_failing_groups() {
    // A real server validates group and version names; a hostile one (or a man in the
    // middle) need not, and the names become paths in the disk cache.
    let base = std::env::temp_dir().join(format!("k8s-client-fault-names-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let absolute = base.join("planted").display().to_string();
    let version = |v: &str| {
        json!({"version": v, "freshness": "Current", "resources": [
            {"resource": "widgets", "responseKind": {"kind": "Widget"}, "scope": "Namespaced", "singularResource": "widget", "verbs": ["get"]}
        ]})
    };
    let server = FaultServer::start_routed(
        vec![
            ("/api", aggregated(json!([{"metadata": {"name": ""}, "versions": [version("v1")]}]))),
            ("/apis", aggregated(json!([
                {"metadata": {"name": "apps"}, "versions": [version("v1")]},
                {"metadata": {"name": "../../../planted"}, "versions": [version("v1")]},
                {"metadata": {"name": absolute}, "versions": [version("v1")]},
                {"metadata": {"name": "good.example"}, "versions": [version("../../../../planted"), version("v2")]},
            ]))),
        ],
        json_reply(404, json!({})),
    )
    .await;
    let cache = base.join("cache");
    let d = Discovery::new(client(&server.url)).cache_dir(&cache);
    let all = d.server_resources().await.unwrap();

    let failed: Vec<String> = all
        .failures
        .iter()
        .map(|f| format!("{} {}", f.group_version.api_version(), f.reason))
        .collect();
    assert_eq!(failed.len(), 3, "{failed:#?}");
    assert!(failed.iter().all(|f| f.contains("DNS-1123")), "{failed:#?}");
    // The good groups and versions are still there, and nothing else is.
    assert!(
        all.group_version(&GroupVersion::new("apps", "v1"))
            .is_some()
    );
    assert!(
        all.group_version(&GroupVersion::new("good.example", "v2"))
            .is_some()
    );
    assert_eq!(all.resources.len(), 3);
    assert!(all.groups.iter().all(|g| !g.name.contains('/')));
    // Nothing was written outside the cache root, nor outside this server's directory.
    let top: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(top, ["cache"]);
    let host = d
        .disk_cache_path()
        .unwrap()
        .strip_prefix(&cache)
        .unwrap()
        .display()
        .to_string();
    let written = files_under(&cache);
    assert!(!written.is_empty());
    assert!(
        written
            .iter()
            .all(|f| f.starts_with(&host) || f.starts_with("http")),
        "{written:#?}"
    );
    std::fs::remove_dir_all(&base).unwrap();
}
