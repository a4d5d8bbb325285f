//! `config::view` against testenv's kubectl (`kubectl config view -o json`),
//! run live on the kubeconfig fixtures and on testenv's own kubeconfigs, so
//! the comparison follows the pinned kubectl rather than a stored output.

use std::path::{Path, PathBuf};
use std::process::Command;

use k8s_client::config::Kubeconfig;
use k8s_client::config::view::{ViewOptions, view};
use k8s_testenv::Kind;

use crate::env::testenv;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("k8s-client/tests/fixtures/kubeconfig")
}

/// Runs testenv's kubectl (without testenv's kubeconfig) in `cwd` with `KUBECONFIG`.
async fn kubectl_view(cwd: PathBuf, kubeconfig: String, args: &[&str]) -> String {
    let program = testenv().await.kubectl().get_program().to_owned();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(program)
            .args(["config", "view", "-o", "json"])
            .args(&args)
            .env("KUBECONFIG", &kubeconfig)
            .current_dir(&cwd)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl config view {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
    })
    .await
    .unwrap()
}

fn options(minify: bool, raw: bool, context: Option<&str>) -> ViewOptions {
    ViewOptions {
        minify,
        raw,
        context: context.map(str::to_owned),
    }
}

/// kubectl's flags for the same options.
fn flags(o: &ViewOptions) -> Vec<&str> {
    let mut f = Vec::new();
    if o.minify {
        f.push("--minify");
    }
    if o.raw {
        f.push("--raw");
    }
    if let Some(c) = &o.context {
        f.extend(["--context", c.as_str()]);
    }
    f
}

async fn assert_same_view(dir: &Path, files: &[&str], o: ViewOptions) {
    let paths: Vec<PathBuf> = files.iter().map(|f| dir.join(f)).collect();
    let ours = view(&Kubeconfig::read_chain(&paths).await.unwrap(), &o)
        .unwrap()
        .to_json_pretty();
    let theirs = kubectl_view(dir.to_owned(), files.join(":"), &flags(&o)).await;
    assert_eq!(ours, theirs, "files {files:?}, options {o:?}");
}

#[tokio::test]
async fn merged_fixture_views_match_kubectl() {
    let dir = fixtures();
    let chain = ["view-a.yaml", "view-b.yaml", "missing.yaml"];
    for o in [
        options(false, false, None),
        options(false, true, None),
        options(true, true, None),
        options(true, false, Some("ctx-b")),
    ] {
        assert_same_view(&dir, &chain, o).await;
    }
    assert_same_view(&dir, &["view-c.yaml"], options(false, true, None)).await;
    assert_same_view(&dir, &["tls.yaml"], options(false, false, None)).await;
}

#[tokio::test]
async fn testenv_kubeconfig_views_match_kubectl() {
    let env = testenv().await;
    for kind in Kind::ALL {
        for o in [options(false, false, None), options(true, true, None)] {
            assert_same_view(env.dir(), &[kind.file_name()], o).await;
        }
    }
}
