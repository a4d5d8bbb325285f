//! Golden tests of `examples/kctl` against testenv's kubectl: both run with the
//! same kubeconfig against the same cluster, and their stdout, stderr and exit
//! codes are compared byte for byte.
//!
//! What is normalized, and why:
//! - table cells of the AGE column: the server computes them at request time,
//!   so two requests a second apart can differ;
//! - nothing else. Objects that controllers may still be updating, and
//!   discovery that CRDs of tests running in parallel may change, are compared
//!   again (up to [`ATTEMPTS`] times) rather than normalized: a real difference
//!   persists, a race does not.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use k8s_testenv::Kind;

use crate::env::{kubectl, namespace, testenv};

/// How often a comparison is retried before a difference counts.
const ATTEMPTS: usize = 5;

/// The kctl binary, built once per test process. `cargo test` builds examples
/// already; a filtered run (`--test e2e`) may not, so build it here (a no-op
/// when it is up to date).
fn kctl_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| crate::env::build_example("kctl"))
}

/// stdout, stderr and the exit code of one run.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            code: o.status.code(),
        }
    }
}

/// A discovery cache of this test process's own, shared by kctl and kubectl
/// (they use the same layout) and kept out of the user's `~/.kube/cache`.
fn cache_dir() -> PathBuf {
    std::env::temp_dir().join(format!("kctl-e2e-cache-{}", std::process::id()))
}

/// Runs `program ARGS` with testenv's admin kubeconfig (or `kubeconfig`).
async fn run_with(
    program: PathBuf,
    kubeconfig: Option<PathBuf>,
    args: &[&str],
    stdin: Option<&str>,
) -> Run {
    run_env(program, kubeconfig, args, stdin, &[]).await
}

/// [`run_with`] with extra environment variables.
async fn run_env(
    program: PathBuf,
    kubeconfig: Option<PathBuf>,
    args: &[&str],
    stdin: Option<&str>,
    envs: &[(&str, &str)],
) -> Run {
    let env = testenv().await;
    let kubeconfig = kubeconfig.unwrap_or_else(|| env.kubeconfig_path(Kind::Admin));
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let stdin = stdin.map(str::to_owned);
    let envs: Vec<(String, String)> = envs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(&program);
        cmd.arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(&args)
            .env("KUBECACHEDIR", cache_dir())
            .envs(envs)
            .env_remove("KUBECONFIG")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{program:?}: {e}"));
        if let Some(text) = stdin {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        Run::from(child.wait_with_output().unwrap())
    })
    .await
    .unwrap()
}

async fn kctl(args: &[&str]) -> Run {
    run_with(kctl_binary().to_path_buf(), None, args, None).await
}

async fn kubectl_run(args: &[&str]) -> Run {
    run_with(kubectl_path().await, None, args, None).await
}

/// testenv's kubectl binary (or its wrapper script that builds it first).
async fn kubectl_path() -> PathBuf {
    let env = testenv().await;
    PathBuf::from(env.kubectl().get_program())
}

/// Replaces the cells of the AGE column (the only column the server fills in
/// from the clock) in kubectl's tables; several tables are separated by blank
/// lines, each with its own header.
fn normalize_age(tables: &str) -> String {
    let mut out = String::new();
    let mut age_at: Option<usize> = None;
    for line in tables.lines() {
        if line.is_empty() {
            age_at = None;
        } else if let Some(start) = age_at.filter(|&s| line.len() > s) {
            let rest = &line[start..];
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push_str(&line[..start]);
            out.push_str(&format!("{:<end$}", "<age>"));
            out.push_str(&rest[end..]);
            out.push('\n');
            continue;
        } else if age_at.is_none() {
            // A header line.
            age_at = line.find("AGE");
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Asserts kctl and kubectl agree on `args` (tables with `age`: AGE normalized),
/// retrying while the two may have seen different states.
async fn assert_same_as(args: &[&str], age: bool) -> Run {
    let mut last = None;
    for attempt in 0..ATTEMPTS {
        let (mut want, mut got) = (kubectl_run(args).await, kctl(args).await);
        if age {
            want.stdout = normalize_age(&want.stdout);
            got.stdout = normalize_age(&got.stdout);
        }
        if want == got {
            return got;
        }
        eprintln!(
            "kctl and kubectl differ on {args:?} (attempt {}); comparing again",
            attempt + 1
        );
        last = Some((want, got));
        tokio::time::sleep(Duration::from_millis(300 * (attempt as u64 + 1))).await;
    }
    let (want, got) = last.unwrap();
    assert_eq!(got.stdout, want.stdout, "stdout of {args:?}");
    assert_eq!(got.stderr, want.stderr, "stderr of {args:?}");
    assert_eq!(got.code, want.code, "exit code of {args:?}");
    got
}

async fn assert_same(args: &[&str]) -> Run {
    assert_same_as(args, false).await
}

/// A ConfigMap whose values exercise go-yaml's quoting, folding and block rules.
fn tricky_configmap(ns: &str) -> String {
    let long = vec!["word"; 30].join(" ");
    let long_quoted = format!("a: {long}");
    let long_key = "x".repeat(130);
    let pairs: &[(&str, &str)] = &[
        ("plain", "plain"),
        ("empty", ""),
        ("bool", "true"),
        ("yes", "yes"),
        ("int", "123"),
        ("hex", "0x1F"),
        ("octal", "0755"),
        ("float", "1.5"),
        ("exp", "1e3"),
        ("base60", "1:20"),
        ("timestamp", "2026-11-23T11:42:33Z"),
        ("bad-date", "2026-02-30"),
        ("colon", "a: b"),
        ("dash", "- x"),
        ("quote", "'q'"),
        ("lead", " lead"),
        ("trail", "trail "),
        ("tab", "a\tb"),
        ("multi", "a\nb"),
        ("multi-nl", "a\nb\n"),
        ("keep", "a\n\n"),
        ("indented", " a\nb"),
        ("space-break", "a \nb"),
        ("null", "null"),
        ("tilde", "~"),
        ("hash", "x #y"),
        ("at", "@x"),
        ("utf8", "héllo"),
        ("emoji", "😀"),
        ("html", "<a&b>"),
        ("long", &long),
        ("long-quoted", &long_quoted),
        ("a10", "1"),
        ("a2", "2"),
        ("_x", "3"),
        ("Z", "4"),
        (&long_key, "a key longer than 128 characters"),
    ];
    let data: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect();
    serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "tricky", "namespace": ns, "labels": {"kctl": "golden"}},
        "data": data,
    })
    .to_string()
}

#[tokio::test]
async fn kctl_config_commands_match_kubectl() {
    for args in [
        &["config", "view"][..],
        &["config", "view", "-o", "json"],
        &["config", "view", "--raw"],
        &["config", "view", "--minify", "-o", "json"],
        &["config", "view", "--minify", "--raw", "-o", "yaml"],
        &["config", "get-contexts"],
        &["config", "get-contexts", "-o", "name"],
        &["config", "current-context"],
    ] {
        assert_same(args).await;
    }
}

#[tokio::test]
async fn kctl_use_context_writes_the_file_kubectl_reads() {
    let env = testenv().await;
    let dir = std::env::temp_dir().join(format!("kctl-use-context-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config");
    let admin = std::fs::read_to_string(env.kubeconfig_path(Kind::Admin)).unwrap();
    let text = admin.replacen(
        "contexts:\n",
        "contexts:\n- context:\n    cluster: testenv\n    namespace: kube-system\n    user: admin\n  name: other\n",
        1,
    );
    std::fs::write(&file, &text).unwrap();

    let bin = kctl_binary().to_path_buf();
    let switched = run_with(
        bin.clone(),
        Some(file.clone()),
        &["config", "use-context", "other"],
        None,
    )
    .await;
    assert_eq!(switched.stdout, "Switched to context \"other\".\n");
    assert_eq!(switched.code, Some(0));
    let current = run_with(
        kubectl_path().await,
        Some(file.clone()),
        &["config", "current-context"],
        None,
    )
    .await;
    assert_eq!(current.stdout, "other\n");
    // Only the one line changed.
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        after,
        text.replace("current-context: testenv\n", "current-context: other\n")
    );

    let missing = run_with(
        bin,
        Some(file.clone()),
        &["config", "use-context", "nope"],
        None,
    )
    .await;
    let want = run_with(
        kubectl_path().await,
        Some(file),
        &["config", "use-context", "nope"],
        None,
    )
    .await;
    assert_eq!((missing.stderr, missing.code), (want.stderr, want.code));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn kctl_discovery_commands_match_kubectl() {
    for args in [
        &["api-versions"][..],
        &["api-resources"],
        &["api-resources", "-o", "wide"],
        &["api-resources", "-o", "name"],
        &["api-resources", "--namespaced=false"],
        &["api-resources", "--api-group=apps"],
        &["api-resources", "--api-group="],
    ] {
        assert_same(args).await;
    }
}

#[tokio::test]
async fn kctl_get_matches_kubectl_in_every_format() {
    let ns = namespace("kctl-get").await;
    let env = testenv().await;
    let manifest = tricky_configmap(&ns);
    let applied = tokio::task::spawn_blocking(move || {
        let mut cmd = env.kubectl();
        cmd.args(["apply", "--server-side", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(manifest.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(applied.status.success());
    kubectl(&[
        "-n",
        &ns,
        "create",
        "configmap",
        "second",
        "--from-literal=k=v",
    ])
    .await;
    kubectl(&[
        "-n",
        &ns,
        "create",
        "secret",
        "generic",
        "s",
        "--from-literal=password=p",
    ])
    .await;
    kubectl(&[
        "-n",
        &ns,
        "create",
        "deployment",
        "web",
        "--image=registry.k8s.io/pause:3.10",
        "--replicas=2",
    ])
    .await;
    kubectl(&[
        "-n",
        &ns,
        "create",
        "service",
        "clusterip",
        "web",
        "--tcp=80:8080",
    ])
    .await;

    let n = ns.as_str();
    for format in ["json", "yaml", "name"] {
        for args in [
            &["get", "configmaps", "-n", n, "-o", format][..],
            &["get", "cm", "tricky", "-n", n, "-o", format],
            &["get", "cm", "tricky", "second", "-n", n, "-o", format],
            &["get", "configmap/tricky", "-n", n, "-o", format],
            &["get", "cm,secrets,svc,deploy", "-n", n, "-o", format],
            &["get", "deployments.apps", "web", "-n", n, "-o", format],
            &["get", "deployments.v1.apps", "-n", n, "-o", format],
            &["get", "cm", "-l", "kctl=golden", "-n", n, "-o", format],
            &[
                "get",
                "cm",
                "--field-selector",
                "metadata.name=second",
                "-n",
                n,
                "-o",
                format,
            ],
            &["get", "all", "-n", n, "-o", format],
            &["get", "ns", n, "-o", format],
            // Endpoints are deprecated: the server's Warning goes to stderr.
            &["get", "endpoints", "-n", n, "-o", format],
        ] {
            assert_same(args).await;
        }
    }
    for args in [
        &["get", "cm", "-n", n][..],
        &["get", "cm,secret,svc", "-n", n],
        &["get", "deploy", "-n", n, "-o", "wide"],
        &["get", "svc", "web", "-n", n, "-o", "wide"],
        &["get", "configmaps", "-A", "-l", "kctl=golden"],
        &["get", "all", "-n", n],
    ] {
        assert_same_as(args, true).await;
    }
}

#[tokio::test]
async fn kctl_errors_match_kubectl() {
    let ns = namespace("kctl-errors").await;
    let n = ns.as_str();
    for args in [
        &["get", "pods", "nope", "-n", n][..],
        &["get", "pods", "a", "b", "-n", n],
        &["get", "no-such-type"],
        &["get", "pods", "-n", n],
        &["get", "pods", "-n", n, "-o", "json"],
        &["get", "pods", "nope", "-n", n, "-o", "json"],
        &["get", "pods", "-n", n, "-o", "name"],
        &["get", "pods", "x", "-A"],
        &["delete", "configmap", "nope", "-n", n],
    ] {
        assert_same(args).await;
    }
    // A bad flag: the message, then kctl's usage (kubectl points to --help instead).
    let bad = kctl(&["get", "pods", "--bogus"]).await;
    assert_eq!(bad.code, Some(1));
    assert!(
        bad.stderr.starts_with("error: unknown flag: --bogus\n"),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("Usage: kctl get"), "{}", bad.stderr);
    assert!(bad.stdout.is_empty());
    let missing = kctl(&["get", "pods", "-n"]).await;
    assert_eq!(missing.code, Some(1));
    assert!(
        missing
            .stderr
            .starts_with("error: flag needs an argument: -n\n"),
        "{}",
        missing.stderr
    );
}

/// A CRD of this test's own (cluster-scoped names must not clash with other
/// tests or the tour), a Deployment, a Service and a custom resource.
fn manifest(group: &str) -> String {
    format!(
        r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: notes.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: notes, singular: note, kind: Note}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, labels: {{app: web}}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: registry.k8s.io/pause:3.10}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80}}]
---
apiVersion: {group}/v1
kind: Note
metadata: {{name: first}}
spec: {{text: "no: yes", count: 3, ratio: 0.5, big: 1234567.5, when: "2026-01-02"}}
"#
    )
}

#[tokio::test]
async fn kctl_apply_create_delete_like_kubectl() {
    let ns = namespace("kctl-apply").await;
    let n = ns.as_str();
    let group = format!("{n}.kctl.e2e");
    let dir = std::env::temp_dir().join(format!("kctl-apply-{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("manifest.yaml");
    std::fs::write(&file, manifest(&group)).unwrap();
    let f = file.to_str().unwrap();

    let applied = kctl(&["apply", "-f", f, "-n", n]).await;
    assert_eq!(applied.code, Some(0), "{applied:?}");
    assert_eq!(
        applied.stdout,
        format!(
            "customresourcedefinition.apiextensions.k8s.io/notes.{group} serverside-applied\n\
             deployment.apps/web serverside-applied\n\
             service/web serverside-applied\n\
             note.{group}/first serverside-applied\n"
        )
    );
    // Server-side apply as kctl's field manager.
    let managers = kubectl(&[
        "get",
        "svc",
        "web",
        "-n",
        n,
        "-o",
        "jsonpath={.metadata.managedFields[*].manager}",
    ])
    .await;
    assert_eq!(managers, "kctl");
    // The custom resource, in every format, with numbers and quoting as kubectl prints them.
    let notes = format!("notes.{group}");
    for format in ["json", "yaml", "name"] {
        assert_same(&["get", &notes, "first", "-n", n, "-o", format]).await;
    }
    assert_same_as(&["get", &notes, "-n", n], true).await;

    // Applying again with another manager that changes a field kctl owns conflicts,
    // unless forced.
    let changed = dir.join("changed.yaml");
    std::fs::write(
        &changed,
        manifest(&group).replace("replicas: 1", "replicas: 2"),
    )
    .unwrap();
    let c = changed.to_str().unwrap();
    let conflict = kctl(&["apply", "-f", c, "-n", n, "--field-manager", "other"]).await;
    assert_eq!(conflict.code, Some(1));
    assert!(
        conflict.stderr.contains("Error from server (Conflict)"),
        "{}",
        conflict.stderr
    );
    let forced = kctl(&[
        "apply",
        "-f",
        c,
        "-n",
        n,
        "--field-manager",
        "other",
        "--force-conflicts",
        "-o",
        "name",
    ])
    .await;
    assert_eq!(forced.code, Some(0), "{forced:?}");
    assert!(
        forced.stdout.contains("deployment.apps/web\n"),
        "{forced:?}"
    );

    // Re-applying unchanged objects prints them as kubectl's server-side apply
    // does with the same field manager (a typed List for several).
    let two = dir.join("two.yaml");
    std::fs::write(
        &two,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\ndata: {a: \"1\"}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\ndata: {b: \"yes\"}\n",
    )
    .unwrap();
    let two = two.to_str().unwrap();
    assert_eq!(kctl(&["apply", "-f", two, "-n", n]).await.code, Some(0));
    for format in ["json", "yaml", "name"] {
        let ours = kctl(&["apply", "-f", two, "-n", n, "-o", format]).await;
        let theirs = kubectl_run(&[
            "apply",
            "--server-side",
            "--field-manager=kctl",
            "-f",
            two,
            "-n",
            n,
            "-o",
            format,
        ])
        .await;
        assert_eq!(ours, theirs, "apply -o {format}");
    }

    // create of existing objects fails the way kubectl's does.
    let created = kctl(&["create", "-f", f, "-n", n]).await;
    let want = kubectl_run(&["create", "-f", f, "-n", n]).await;
    assert_eq!((created.stderr, created.code), (want.stderr, want.code));

    // delete by type and name, then the rest from the manifest (in reverse, so
    // the custom resource goes before its CRD).
    let deleted = kctl(&["delete", &notes, "first", "-n", n]).await;
    assert_eq!(
        deleted.stdout,
        format!("note.{group} \"first\" deleted from {n} namespace\n")
    );
    let deleted = kctl(&["delete", "deploy/web", "-n", n]).await;
    assert_eq!(
        deleted.stdout,
        format!("deployment.apps \"web\" deleted from {n} namespace\n")
    );
    std::fs::write(&file, manifest(&group).split("---").nth(2).unwrap()).unwrap();
    let deleted = kctl(&["delete", "-f", f, "-n", n]).await;
    assert_eq!(
        deleted.stdout,
        format!("service \"web\" deleted from {n} namespace\n")
    );
    let gone = kctl(&["delete", "crd", &format!("notes.{group}")]).await;
    assert_eq!(
        gone.stdout,
        format!("customresourcedefinition.apiextensions.k8s.io \"notes.{group}\" deleted\n")
    );
    assert_same(&["get", "deploy,svc", "-n", n, "-o", "name"]).await;

    // Manifests from stdin.
    let stdin = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: from-stdin, namespace: {n}}}\ndata: {{k: v}}\n"
    );
    let from_stdin = run_with(
        kctl_binary().to_path_buf(),
        None,
        &["create", "-f", "-"],
        Some(&stdin),
    )
    .await;
    assert_eq!(
        from_stdin.stdout, "configmap/from-stdin created\n",
        "{from_stdin:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn kctl_watch_is_bounded_and_prints_changes() {
    let ns = namespace("kctl-watch").await;
    let n = ns.clone();
    let watching = tokio::spawn(async move {
        kctl(&[
            "get",
            "configmaps",
            "-w",
            "-o",
            "name",
            "-n",
            &n,
            "--request-timeout=4",
        ])
        .await
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    kubectl(&["-n", &ns, "create", "configmap", "seen"]).await;
    let run = tokio::time::timeout(Duration::from_secs(20), watching)
        .await
        .expect("the watch ends at --request-timeout")
        .unwrap();
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "configmap/kube-root-ca.crt\nconfigmap/seen\n");
    // Without changes, a watch prints the listed objects one by one, as kubectl's does.
    for format in ["json", "yaml", "name"] {
        assert_same(&[
            "get",
            "cm",
            "-w",
            "-o",
            format,
            "-n",
            &ns,
            "--request-timeout=1",
        ])
        .await;
    }
}

#[tokio::test]
async fn kctl_warm_discovery_cache_sends_no_discovery_request() {
    let dir = std::env::temp_dir().join(format!("kctl-cold-cache-{}", std::process::id()));
    let cache = dir.to_str().unwrap();
    let envs = [("KUBECACHEDIR", cache), ("KCTL_DISCOVERY_STATS", "1")];
    let bin = kctl_binary().to_path_buf();
    let cold = run_env(
        bin.clone(),
        None,
        &["get", "pods", "-n", "default"],
        None,
        &envs,
    )
    .await;
    assert!(
        cold.stderr.contains("kctl: 2 discovery request(s)"),
        "{cold:?}"
    );
    let warm = run_env(bin, None, &["get", "pods", "-n", "default"], None, &envs).await;
    assert!(
        warm.stderr.contains("kctl: 0 discovery request(s)"),
        "{warm:?}"
    );
    // kubectl trusts the cache kctl wrote (same layout): its only request is the list.
    let kubectl = run_env(
        kubectl_path().await,
        None,
        &["get", "pods", "-n", "default", "-v=6"],
        None,
        &envs,
    )
    .await;
    let requests: Vec<&str> = kubectl
        .stderr
        .lines()
        .filter(|l| l.contains("verb=\"GET\""))
        .collect();
    assert_eq!(requests.len(), 1, "{}", kubectl.stderr);
    assert!(
        requests[0].contains("/api/v1/namespaces/default/pods?"),
        "{}",
        requests[0]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn age_normalization_keeps_the_layout() {
    let t = "NAME   DATA   AGE\na      1      5s\nbb     2      10m\n\nNAME   AGE\nx      1s\n";
    assert_eq!(
        normalize_age(t),
        "NAME   DATA   AGE\na      1      <age>\nbb     2      <age>\n\nNAME   AGE\nx      <age>\n"
    );
}

/// A namespace with a running pod `shell` (`sleep`).
async fn shell_namespace(prefix: &str) -> String {
    use k8s_client::Api;
    use k8s_client::api::PostParams;
    use k8s_client::api::core::v1::Pod;
    let ns = namespace(prefix).await;
    let pods: Api<Pod> = Api::namespaced(crate::env::client(Kind::Admin).await, &ns);
    pods.create(
        &PostParams::default(),
        &crate::node::shell_pod("shell", "sleep 3600"),
    )
    .await
    .unwrap();
    crate::node::running(&pods, "shell").await;
    ns
}

#[tokio::test]
async fn kctl_exec_matches_kubectl_exec() {
    let ns = shell_namespace("kctl-exec").await;
    let cases: [&[&str]; 4] = [
        &["exec", "shell", "--", "echo", "hello", "world"],
        &[
            "exec",
            "pod/shell",
            "--",
            "sh",
            "-c",
            "echo out; echo err >&2; exit 3",
        ],
        &["exec", "-c", "absent", "shell", "--", "true"],
        &["exec", "absent", "--", "true"],
    ];
    for case in cases {
        let args: Vec<&str> = ["-n", &ns].iter().chain(case).copied().collect();
        let (want, got) = (kubectl_run(&args).await, kctl(&args).await);
        assert_eq!(got, want, "{case:?}");
    }
    // The exit code is the command's.
    let args = ["-n", &ns, "exec", "shell", "--", "sh", "-c", "exit 3"];
    assert_eq!(kctl(&args).await.code, Some(3));

    // -i: stdin to its end.
    let args = [
        "-n",
        &ns,
        "exec",
        "-i",
        "shell",
        "--",
        "sh",
        "-c",
        "cat; echo done",
    ];
    let input = Some("one\ntwo\n");
    let want = run_with(kubectl_path().await, None, &args, input).await;
    let got = run_with(kctl_binary().to_path_buf(), None, &args, input).await;
    assert_eq!(got, want);
    assert_eq!(got.stdout, "one\ntwo\ndone\n");
}

/// Runs `program port-forward pod/target :PORT`, asks three lines through
/// one local connection each, and returns its first line (the local port
/// replaced by `L`) and the answers.
async fn forward_through(program: PathBuf, ns: &str, port: u16) -> (String, Vec<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let env = testenv().await;
    let kubeconfig = env.kubeconfig_path(Kind::Admin);
    let ns = ns.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(&program)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["-n", &ns, "port-forward", "pod/target", &format!(":{port}")])
            .env("KUBECACHEDIR", cache_dir())
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        // "Forwarding from 127.0.0.1:LOCAL -> PORT"
        let local = first
            .split_whitespace()
            .nth(2)
            .and_then(|a| a.rsplit(':').next())
            .unwrap_or_else(|| panic!("{program:?}: no local port in {first:?}"))
            .to_owned();
        let answers: Vec<String> = (0..3)
            .map(|i| {
                let mut conn = std::net::TcpStream::connect(format!("127.0.0.1:{local}")).unwrap();
                conn.set_read_timeout(Some(Duration::from_secs(60)))
                    .unwrap();
                conn.write_all(format!("ping {i}\n").as_bytes()).unwrap();
                let mut answer = String::new();
                BufReader::new(&mut conn).read_line(&mut answer).unwrap();
                answer
            })
            .collect();
        let _ = child.kill();
        let mut log = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut log);
        let _ = child.wait();
        assert_eq!(answers.len(), 3, "{log}");
        (first.replace(&format!(":{local} "), ":L "), answers)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn kctl_port_forward_matches_kubectl_port_forward() {
    use k8s_client::Api;
    use k8s_client::api::PostParams;
    use k8s_client::api::core::v1::Pod;
    let ns = namespace("kctl-forward").await;
    let pods: Api<Pod> = Api::namespaced(crate::env::client(Kind::Admin).await, &ns);
    // Every pod's IP is 127.0.0.1: a port this test listens on is the pod's.
    let target = crate::node::pod(
        "target",
        serde_json::json!({ "containers": [{ "name": "main", "image": "busybox" }] }),
    );
    pods.create(&PostParams::default(), &target).await.unwrap();
    crate::node::running(&pods, "target").await;
    let port = crate::streaming::serve_lines("pong");
    let want = forward_through(kubectl_path().await, &ns, port).await;
    let got = forward_through(kctl_binary().to_path_buf(), &ns, port).await;
    assert_eq!(got, want);
    assert_eq!(want.0, format!("Forwarding from 127.0.0.1:L -> {port}\n"));
    assert_eq!(want.1, ["pong ping 0\n", "pong ping 1\n", "pong ping 2\n"]);
}
