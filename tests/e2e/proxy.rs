//! `proxy-url` against the real API server, through the minimal relays in
//! `tests/support/relay.rs` (testenv has no proxy). The API server at the
//! other end, and TLS through the tunnel, are real.

use k8s_client::Client;
use k8s_client::rest::Request;
use k8s_testenv::Kind;
use serde_json::Value;

use crate::env::{config, testenv};
use crate::relay::{Protocol, start_proxy};

async fn check_version_through(protocol: Protocol) {
    let (proxy_url, seen) = start_proxy(protocol).await;
    let mut config = config(Kind::Admin).await;
    config.proxy_url = Some(proxy_url.clone());
    let client = Client::try_from(config).unwrap();
    let version: Value = client
        .send_json(Request::get().abs_path("/version"))
        .await
        .unwrap_or_else(|e| panic!("through {proxy_url}: {e}"));
    assert!(version["gitVersion"].as_str().unwrap().starts_with("v1."));

    let server = testenv().await.server_url().trim_start_matches("https://");
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the request did not go through the proxy");
    assert!(seen.iter().all(|t| t == server), "{seen:?} vs {server}");
}

#[tokio::test]
async fn http_proxy_from_the_config_tunnels_to_the_server() {
    check_version_through(Protocol::HttpConnect).await;
}

#[tokio::test]
async fn socks5_proxy_from_the_config_tunnels_to_the_server() {
    check_version_through(Protocol::Socks5).await;
}

/// Set only in the child process of the environment-proxy test.
const CHILD_ENV: &str = "K8S_CLIENT_PROXY_ENV_CHILD";

/// The child half of the test below: a GET of /version from a fresh client,
/// in a process whose environment carries the proxy variables.
#[tokio::test]
#[ignore = "run by https_proxy_from_the_environment_unless_no_proxy as its child"]
async fn child_gets_version_with_the_proxy_environment() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let client = Client::try_from(config(Kind::Admin).await).unwrap();
    let _: Value = client
        .send_json(Request::get().abs_path("/version"))
        .await
        .unwrap();
}

/// `HTTPS_PROXY` and `NO_PROXY` are process-wide, so the client under test
/// runs in a child process (this test binary again) that shares this
/// process's control plane; the relay runs here and records what it carried.
#[tokio::test]
async fn https_proxy_from_the_environment_unless_no_proxy() {
    let (proxy_url, seen) = start_proxy(Protocol::HttpConnect).await;
    let env = testenv().await;
    let run_child = |no_proxy: Option<&str>| {
        let mut cmd = tokio::process::Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "--exact",
            "proxy::child_gets_version_with_the_proxy_environment",
            "--ignored",
        ])
        .env(CHILD_ENV, "1")
        .env(k8s_testenv::DIR_ENV, env.dir())
        .env("HTTPS_PROXY", &proxy_url)
        .env_remove("https_proxy")
        .env_remove("no_proxy")
        .env_remove("NO_PROXY");
        if let Some(list) = no_proxy {
            cmd.env("NO_PROXY", list);
        }
        cmd.output()
    };

    let out = run_child(None).await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(seen.lock().unwrap().len(), 1, "HTTPS_PROXY was not used");

    let out = run_child(Some("127.0.0.1")).await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "NO_PROXY=127.0.0.1 should bypass the proxy"
    );
}
