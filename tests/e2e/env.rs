//! Shared access to the control plane and clients for each of its users.

use k8s_client::Client;
use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};
use k8s_testenv::{Kind, TestEnv};

/// The control plane, started on first use (a blocking start, so off the runtime).
pub async fn testenv() -> &'static TestEnv {
    tokio::task::spawn_blocking(|| {
        TestEnv::shared().unwrap_or_else(|e| panic!("testenv did not start: {e}"))
    })
    .await
    .unwrap()
}

/// The resolved config of one of testenv's kubeconfigs.
pub async fn config(kind: Kind) -> Config {
    let env = testenv().await;
    let kubeconfig = Kubeconfig::read_from(env.kubeconfig_path(kind))
        .await
        .unwrap();
    Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap()
}

/// A client for one of testenv's users.
pub async fn client(kind: Kind) -> Client {
    Client::try_from(config(kind).await).unwrap()
}

/// A fresh namespace for one test.
pub async fn namespace(prefix: &str) -> String {
    let env = testenv().await;
    let prefix = prefix.to_owned();
    tokio::task::spawn_blocking(move || env.fresh_namespace(&prefix).unwrap())
        .await
        .unwrap()
}

/// Runs testenv's kubectl as the admin and returns stdout; panics with stderr on failure.
pub async fn kubectl(args: &[&str]) -> String {
    let env = testenv().await;
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        env.run_kubectl(&args)
            .unwrap_or_else(|e| panic!("kubectl {args:?}: {e}"))
    })
    .await
    .unwrap()
}
