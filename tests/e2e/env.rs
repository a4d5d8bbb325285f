//! Shared access to the control plane and clients for each of its users.

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Builds the example `name` and returns its binary. `cargo test` builds
/// examples already; a filtered run (`--test e2e`) may not, so build it
/// here (a no-op when it is up to date). Blocks: call it once per process,
/// off the runtime.
pub fn build_example(name: &str) -> PathBuf {
    let mut build = Command::new(env!("CARGO"));
    build
        .args(["build", "-q", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    // cargo gives the test process this crate's variables. A nested cargo
    // must not see them: build scripts that watch one (ring watches
    // CARGO_MANIFEST_DIR) would rebuild every dependency, here and again
    // in the next plain `cargo build`.
    for (var, _) in std::env::vars_os() {
        let var = var.to_string_lossy();
        let per_crate = var.starts_with("CARGO_PKG_")
            || matches!(
                &*var,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
                    | "CARGO_RUSTC_CURRENT_DIR"
                    | "OUT_DIR"
            );
        if per_crate {
            build.env_remove(&*var);
        }
    }
    let status = build
        .status()
        .unwrap_or_else(|e| panic!("run cargo build --example {name}: {e}"));
    assert!(status.success(), "cargo build --example {name} failed");
    // The test binary is target/<profile>/deps/e2e-<hash>; examples are in
    // target/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile_dir.join("examples").join(name);
    assert!(bin.exists(), "{} was not built", bin.display());
    bin
}
