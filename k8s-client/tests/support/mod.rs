//! What the tests against testenv share.

use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};
use k8s_testenv::{Kind, TestEnv};

/// The shared testenv, started on a blocking thread, and the config of its
/// admin user, who presents a client certificate.
pub(crate) async fn admin() -> (&'static TestEnv, Config) {
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
    (env, config)
}
