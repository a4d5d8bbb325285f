//! Tests across the config modules: loading, merging, resolving, viewing.

use std::path::{Path, PathBuf};

use super::view::{ViewOptions, view};
use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubeconfig")
}

fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("k8s-client-cfg-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn resolve_yaml(yaml: &str, context: Option<&str>) -> Result<Config, ConfigError> {
    let kc = Kubeconfig::parse(yaml, Some(Path::new("/cfg/kubeconfig.yaml")))?;
    let opts = KubeConfigOptions {
        context: context.map(Into::into),
        ..Default::default()
    };
    Config::from_custom_kubeconfig(kc, &opts).await
}

fn bearer(c: Credential) -> String {
    match c {
        Credential::Bearer(t) => t.expose_secret().to_owned(),
        other => panic!("expected a bearer token, got {other:?}"),
    }
}

// ---------- parsing ----------

#[test]
fn parses_all_fields_of_a_fixture() {
    let text = std::fs::read_to_string(fixture("view-a.yaml")).unwrap();
    let kc = Kubeconfig::from_yaml(&text).unwrap();
    assert_eq!(kc.current_context(), Some("ctx-a"));
    let c1 = &kc.cluster("c1").unwrap().cluster;
    assert_eq!(c1.server, "https://1.2.3.4:6443");
    assert_eq!(c1.tls_server_name.as_deref(), Some("foo"));
    assert_eq!(c1.proxy_url.as_deref(), Some("http://proxy:3128"));
    assert!(c1.disable_compression);
    assert_eq!(c1.extensions[0].extension, serde_json::json!({"a": 1}));
    let u1 = &kc.user("u1").unwrap().auth_info;
    assert_eq!(u1.token.as_ref().unwrap().expose_secret(), "tok");
    assert_eq!(u1.token_file.as_ref().unwrap().as_written(), "tf");
    assert_eq!(u1.impersonate.as_deref(), Some("admin"));
    assert_eq!(u1.impersonate_groups, ["g1", "g2"]);
    assert_eq!(u1.impersonate_user_extra["scopes"], ["s1"]);
    let exec = kc.user("u2").unwrap().auth_info.exec.as_ref().unwrap();
    assert_eq!(exec.command.as_written(), "./bin/plugin");
    assert_eq!(
        exec.args.as_deref(),
        Some(&["a".to_owned(), "b".to_owned()][..])
    );
    assert_eq!(exec.env.as_ref().unwrap()[0].value.expose_secret(), "B");
    assert_eq!(exec.interactive_mode.as_deref(), Some("Never"));
    let ap = kc
        .user("u4")
        .unwrap()
        .auth_info
        .auth_provider
        .as_ref()
        .unwrap();
    assert_eq!(ap.name, "oidc");
    assert_eq!(
        ap.config.as_ref().unwrap()["id-token"].expose_secret(),
        "abc"
    );
    assert_eq!(
        kc.context("ctx-a").unwrap().context.namespace.as_deref(),
        Some("ns1")
    );
}

#[test]
fn unknown_fields_nulls_and_empty_documents_are_accepted() {
    let kc = Kubeconfig::from_yaml(
        "apiVersion: v1\nnewTopLevel: {x: 1}\nclusters:\n- name: c\n  cluster: {server: https://c, future-field: 1}\n  extra: y\nusers:\ncontexts: null\n",
    )
    .unwrap();
    assert_eq!(kc.clusters.len(), 1);
    assert!(kc.users.is_empty() && kc.contexts.is_empty());
    assert_eq!(Kubeconfig::from_yaml("").unwrap(), Kubeconfig::default());
    assert_eq!(
        Kubeconfig::from_yaml("# only a comment\n").unwrap(),
        Kubeconfig::default()
    );
}

#[test]
fn malformed_yaml_reports_file_line_and_column() {
    let path = fixture("malformed.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let err = Kubeconfig::parse(&text, Some(&path)).unwrap_err();
    let ConfigError::Yaml { line, .. } = &err else {
        panic!("{err:?}")
    };
    assert!((5..=7).contains(line), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("malformed.yaml") && msg.contains("line "),
        "{msg}"
    );
}

#[test]
fn yaml_errors_do_not_echo_secrets() {
    let err = Kubeconfig::from_yaml(
        "users:\n- name: u\n  user:\n    token: hunter2-secret\n    as-groups: {not: a list}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(!err.contains("hunter2-secret"), "{err}");
}

#[test]
fn type_errors_name_file_line_and_field_path() {
    let path = Path::new("/cfg/kubeconfig.yaml");
    let text = "clusters:\n- name: c\n  cluster:\n    server: https://c\n    insecure-skip-tls-verify: \"yes\"\n";
    let err = Kubeconfig::parse(text, Some(path)).unwrap_err();
    let ConfigError::Yaml { line, column, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*line, *column), (5, 31), "{err}");
    assert_eq!(
        err.to_string(),
        "kubeconfig /cfg/kubeconfig.yaml: line 5 column 31: clusters[0].cluster.insecure-skip-tls-verify: invalid type: string, expected a boolean"
    );
    // As in client-go (YAML to JSON, then JSON decoding), an unquoted number is no string.
    let err = Kubeconfig::parse(
        "users:\n- name: u\n  user:\n    token: 12345678\n",
        Some(path),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "kubeconfig /cfg/kubeconfig.yaml: line 4 column 12: users[0].user.token: invalid type: integer, expected a string"
    );
}

#[test]
fn duplicate_name_in_one_file_is_an_error() {
    let path = fixture("duplicate.yaml");
    let err = Kubeconfig::parse(&std::fs::read_to_string(&path).unwrap(), Some(&path)).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(
        err,
        ConfigError::DuplicateName {
            list: "clusters",
            ..
        }
    ));
    assert!(
        msg.contains("duplicate.yaml") && msg.contains("\"c\""),
        "{msg}"
    );
}

#[test]
fn secrets_are_absent_from_debug() {
    let kc = Kubeconfig::from_yaml(
        "users:\n- name: u\n  user:\n    token: SECRET-TOKEN\n    password: SECRET-PW\n    client-key-data: SECRET-KEY\n    exec: {command: x, env: [{name: N, value: SECRET-ENV}]}\n    auth-provider: {name: oidc, config: {id-token: SECRET-ID, refresh-token: SECRET-REFRESH, client-secret: SECRET-CS}}\n",
    )
    .unwrap();
    let dbg = format!("{kc:?} {kc:#?}");
    assert!(!dbg.contains("SECRET"), "{dbg}");
    assert!(dbg.contains("[REDACTED]"));
}

#[tokio::test]
async fn exec_args_and_url_user_info_are_absent_from_debug() {
    let yaml = "apiVersion: v1\nkind: Config\ncurrent-context: c\n\
        clusters:\n- name: k\n  cluster:\n    server: https://k:6443\n    proxy-url: http://bob:SECRET-PROXY@proxy:3128\n\
        users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: plugin\n      interactiveMode: Never\n      provideClusterInfo: true\n      args: [--token, SECRET-ARG]\n\
        contexts:\n- name: c\n  context: {cluster: k, user: u}\n";
    let kc = Kubeconfig::from_yaml(yaml).unwrap();
    let config = resolve_yaml(yaml, None).await.unwrap();
    let builder = crate::Client::builder("https://alice:SECRET-URL@k:6443")
        .proxy_url("http://bob:SECRET-PROXY@p:1");
    let dbg = format!(
        "{kc:?} {kc:#?} {config:?} {config:#?} {builder:?} {:?}",
        config.exec_cluster_info
    );
    assert!(!dbg.contains("SECRET"), "{dbg}");
    // As client-go prints an ExecConfig: the args replaced, the command kept.
    assert!(dbg.contains(r#"args: Some(["--- REDACTED ---"])"#), "{dbg}");
    assert!(dbg.contains("plugin"), "{dbg}");
    assert!(dbg.contains("REDACTED@proxy:3128"), "{dbg}");
}

// ---------- loading and merging ----------

#[tokio::test]
async fn first_file_wins_whole_and_missing_files_are_skipped() {
    let chain = [
        fixture("view-a.yaml"),
        fixture("view-b.yaml"),
        fixture("missing.yaml"),
    ];
    let kc = Kubeconfig::read_chain(&chain).await.unwrap();
    assert_eq!(kc.current_context(), Some("ctx-a"));
    let c1 = kc.cluster("c1").unwrap();
    assert_eq!(c1.cluster.server, "https://1.2.3.4:6443");
    // Whole entry from the first file: no fields taken from view-b's c1.
    assert_eq!(
        c1.origin.file.as_deref(),
        Some(fixture("view-a.yaml").as_path())
    );
    assert_eq!(kc.cluster("c3").unwrap().cluster.server, "http://c3");
    assert!(kc.context("ctx-c").is_some());
    assert!(kc.preferences.colors);

    let reversed = [
        fixture("missing.yaml"),
        fixture("view-b.yaml"),
        fixture("view-a.yaml"),
    ];
    let kc = Kubeconfig::read_chain(&reversed).await.unwrap();
    assert_eq!(kc.current_context(), Some("ctx-b"));
    let c1 = &kc.cluster("c1").unwrap().cluster;
    assert_eq!(c1.server, "https://other");
    assert!(c1.certificate_authority.is_none() && c1.tls_server_name.is_none());
}

#[test]
fn first_non_empty_current_context_wins() {
    let a = Kubeconfig::from_yaml("current-context: \"\"\n").unwrap();
    let b = Kubeconfig::from_yaml("current-context: b\n").unwrap();
    let c = Kubeconfig::from_yaml("current-context: c\n").unwrap();
    assert_eq!(a.merge(b).merge(c).current_context(), Some("b"));
}

#[tokio::test]
async fn explicit_path_must_exist() {
    let err = Kubeconfig::read_from(fixture("missing.yaml"))
        .await
        .unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("missing.yaml"));
    assert!(
        Kubeconfig::read_chain(&[fixture("missing.yaml")])
            .await
            .unwrap()
            .clusters
            .is_empty()
    );
}

#[tokio::test]
async fn relative_paths_resolve_against_the_defining_file() {
    let kc = Kubeconfig::read_from(fixture("view-a.yaml")).await.unwrap();
    let dir = fixtures();
    let ca = kc
        .cluster("c1")
        .unwrap()
        .cluster
        .certificate_authority
        .clone()
        .unwrap();
    assert_eq!(ca.as_written(), "ca.crt");
    assert_eq!(ca.path(), dir.join("ca.crt"));
    let u1 = &kc.user("u1").unwrap().auth_info;
    assert_eq!(
        u1.client_certificate.as_ref().unwrap().path(),
        dir.join("cert.pem")
    );
    assert_eq!(u1.client_key.as_ref().unwrap().path(), dir.join("k.pem"));
    assert_eq!(u1.token_file.as_ref().unwrap().path(), dir.join("tf"));
    let exec = kc.user("u2").unwrap().auth_info.exec.clone().unwrap();
    assert_eq!(exec.command.path(), dir.join("./bin/plugin"));
    // A bare command is looked up in PATH, not resolved.
    let exec = kc.user("u3").unwrap().auth_info.exec.clone().unwrap();
    assert_eq!(exec.command.path(), Path::new("plugin"));
    // Parsed from a string: as written.
    let kc =
        Kubeconfig::from_yaml("clusters:\n- name: c\n  cluster: {certificate-authority: ca.crt}\n")
            .unwrap();
    assert_eq!(
        kc.clusters[0]
            .cluster
            .certificate_authority
            .as_ref()
            .unwrap()
            .path(),
        Path::new("ca.crt")
    );
}

// ---------- resolving ----------

#[tokio::test]
async fn resolves_tls_token_impersonation_and_namespace() {
    let kc = Kubeconfig::read_from(fixture("tls.yaml")).await.unwrap();
    let c = Config::from_custom_kubeconfig(kc.clone(), &KubeConfigOptions::default())
        .await
        .unwrap();
    assert_eq!(c.cluster_url.as_str(), "https://127.0.0.1:6443");
    assert_eq!(c.default_namespace, "team-a");
    assert_eq!(c.root_certs.len(), 1);
    assert_eq!(c.tls_server_name.as_deref(), Some("kubernetes"));
    assert_eq!(c.client_identity.as_ref().unwrap().cert_chain.len(), 1);
    assert_eq!(
        bearer(c.auth.credential().await.unwrap()),
        "dev-token-value"
    );
    let imp = c.impersonate.clone().unwrap();
    assert_eq!(
        (imp.user.as_str(), imp.groups.as_slice()),
        ("jane", &["devs".to_owned()][..])
    );
    assert_eq!(imp.extra["reason"], ["testing"]);
    assert_eq!(
        (c.qps, c.burst, c.timeout),
        (DEFAULT_QPS, DEFAULT_BURST, None)
    );
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("dev-token-value"), "{dbg}");

    let opts = KubeConfigOptions {
        context: Some("no-ns".into()),
        ..Default::default()
    };
    let c = Config::from_custom_kubeconfig(kc.clone(), &opts)
        .await
        .unwrap();
    assert_eq!(c.default_namespace, "default");
    assert_eq!(
        bearer(c.auth.credential().await.unwrap()),
        "file-token-value"
    );

    // User credentials apply only to https servers.
    let opts = KubeConfigOptions {
        context: Some("http".into()),
        ..Default::default()
    };
    let c = Config::from_custom_kubeconfig(kc.clone(), &opts)
        .await
        .unwrap();
    assert!(c.auth.is_none() && c.client_identity.is_none() && c.impersonate.is_none());

    // --cluster / --user overrides.
    let opts = KubeConfigOptions {
        context: Some("dev".into()),
        cluster: Some("plain-http".into()),
        user: Some("file-user".into()),
    };
    let c = Config::from_custom_kubeconfig(kc, &opts).await.unwrap();
    assert_eq!(c.cluster_url.as_str(), "http://127.0.0.1:8080");
    assert_eq!(c.default_namespace, "team-a");
}

#[tokio::test]
async fn unknown_context_cluster_user_and_no_context() {
    let kc = Kubeconfig::read_from(fixture("tls.yaml")).await.unwrap();
    for (opts, kind) in [
        (
            KubeConfigOptions {
                context: Some("nope".into()),
                ..Default::default()
            },
            "context",
        ),
        (
            KubeConfigOptions {
                cluster: Some("nope".into()),
                ..Default::default()
            },
            "cluster",
        ),
        (
            KubeConfigOptions {
                user: Some("nope".into()),
                ..Default::default()
            },
            "user",
        ),
    ] {
        let err = Config::from_custom_kubeconfig(kc.clone(), &opts)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ConfigError::NotFound { kind: k, name } if *k == kind && name == "nope"),
            "{err:?}"
        );
    }
    let err = resolve_yaml("clusters: []\n", None).await.unwrap_err();
    assert!(matches!(err, ConfigError::NoCurrentContext), "{err:?}");
}

const HEAD: &str = "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: bob}\nclusters:\n- name: c\n  cluster: {server: https://k:6443}\n";

#[tokio::test]
async fn two_auth_methods_are_an_error_naming_the_user() {
    let yaml = format!(
        "{HEAD}users:\n- name: bob\n  user: {{token: SECRET-T, username: u, password: SECRET-P}}\n"
    );
    let err = resolve_yaml(&yaml, None).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::MultipleAuthMethods { .. }));
    assert_eq!(
        msg,
        "kubeconfig /cfg/kubeconfig.yaml: users[0] \"bob\": more than one auth method: token, basicAuth"
    );
    let yaml =
        format!("{HEAD}users:\n- name: bob\n  user: {{tokenFile: t, exec: {{command: x}}}}\n");
    assert!(
        resolve_yaml(&yaml, None)
            .await
            .unwrap_err()
            .to_string()
            .contains("token, exec")
    );
}

#[tokio::test]
async fn token_wins_over_token_file_and_basic_auth_works() {
    let yaml =
        format!("{HEAD}users:\n- name: bob\n  user: {{token: t1, tokenFile: /nonexistent}}\n");
    let c = resolve_yaml(&yaml, None).await.unwrap();
    assert_eq!(bearer(c.auth.credential().await.unwrap()), "t1");
    let yaml = format!("{HEAD}users:\n- name: bob\n  user: {{username: u, password: p}}\n");
    let c = resolve_yaml(&yaml, None).await.unwrap();
    match c.auth.credential().await.unwrap() {
        Credential::Basic { username, password } => {
            assert_eq!((username.as_str(), password.expose_secret()), ("u", "p"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_fields_name_file_object_and_field() {
    let bad_key =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "SECRET-NOT-PEM");
    let cert = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        pem::tests::TEST_CERT,
    );
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{client-certificate-data: {cert}, client-key-data: {bad_key}}}\n"),
            "kubeconfig /cfg/kubeconfig.yaml: users[0] \"bob\": client-key-data: not a valid PEM private key",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{client-certificate-data: {cert}}}\n"),
            "users[0] \"bob\": client-certificate-data: client certificate without client-key(-data)",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{client-key-data: '!!notbase64'}}\n"),
            "users[0] \"bob\": client-key-data: not valid base64",
        ),
        (
            "current-context: x\ncontexts:\n- name: x\n  context: {user: u}\n".to_owned(),
            "contexts[0] \"x\": cluster: no cluster set",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{as-groups: [g]}}\n"),
            "users[0] \"bob\": as-groups: requires as",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{as-uid: '1'}}\n"),
            "users[0] \"bob\": as-uid: requires as",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{auth-provider: {{name: gcp}}}}\n"),
            "gke-gcloud-auth-plugin",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{auth-provider: {{name: azure}}}}\n"),
            "kubelogin",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{exec: {{command: x, apiVersion: client.authentication.k8s.io/v1}}}}\n"),
            "exec.interactiveMode: is required",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{exec: {{command: x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Always}}}}\n"),
            "exec.interactiveMode: Always",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{exec: {{command: x, apiVersion: client.authentication.k8s.io/v1beta1, env: [{{value: SECRET-V}}]}}}}\n"),
            "users[0] \"bob\": exec.env[0].name: is required",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{exec: {{command: x, apiVersion: v2}}}}\n"),
            "exec.apiVersion",
        ),
        (
            format!("{HEAD}users:\n- name: bob\n  user: {{client-certificate: missing.crt, client-key: missing.key}}\n"),
            "reading kubeconfig /cfg/kubeconfig.yaml: users[0] \"bob\": client-certificate /cfg/missing.crt",
        ),
        (
            "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, namespace: Bad_NS}\nclusters:\n- name: c\n  cluster: {server: 'https://k'}\n".to_owned(),
            "contexts[0] \"x\": namespace: \"Bad_NS\" is not a valid namespace",
        ),
        (
            "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: 'k:6443'}\n".to_owned(),
            "clusters[0] \"c\": server: invalid server URL",
        ),
        (
            "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: 'https://k', certificate-authority-data: Zm9v}\n".to_owned(),
            "clusters[0] \"c\": certificate-authority-data: no PEM certificate found",
        ),
        (
            format!("current-context: x\ncontexts:\n- name: x\n  context: {{cluster: c}}\nclusters:\n- name: c\n  cluster: {{server: 'https://k', insecure-skip-tls-verify: true, certificate-authority-data: {cert}}}\n"),
            "insecure-skip-tls-verify: cannot be combined",
        ),
    ];
    for (yaml, expected) in cases {
        let msg = resolve_yaml(&yaml, None).await.unwrap_err().to_string();
        assert!(msg.contains(expected), "expected {expected:?} in {msg:?}");
        assert!(!msg.contains("SECRET"), "{msg}");
    }
}

#[tokio::test]
async fn key_formats_and_identity_from_files() {
    let dir = fixtures();
    for key in ["client-ec.key", "client-pkcs8.key"] {
        let yaml = format!(
            "{HEAD}users:\n- name: bob\n  user: {{client-certificate: {}, client-key: {}}}\n",
            dir.join("certs/client.crt").display(),
            dir.join("certs").join(key).display()
        );
        let c = resolve_yaml(&yaml, None).await.unwrap();
        assert!(c.client_identity.is_some());
        assert!(c.auth.is_none());
    }
}

#[tokio::test]
async fn exec_plugin_relative_to_kubeconfig_with_cluster_info() {
    let dir = temp_dir("exec-rel");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let plugin = dir.join("bin/plugin");
    std::fs::write(
        &plugin,
        "#!/bin/sh\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$(dirname \"$0\")/info\"\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"status\":{\"token\":\"from-plugin\"}}'\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let cfg = dir.join("config");
    std::fs::write(
        &cfg,
        format!(
            "current-context: x\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\nclusters:\n- name: c\n  cluster:\n    server: https://k:6443\n    certificate-authority: {}\n    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension: {{audience: aud}}\nusers:\n- name: u\n  user:\n    exec: {{command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1beta1, provideClusterInfo: true}}\n",
            fixture("certs/ca.crt").display()
        ),
    )
    .unwrap();
    let kc = Kubeconfig::read_from(&cfg).await.unwrap();
    let c = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    let info = c.exec_cluster_info.clone().unwrap();
    assert_eq!(info.config, Some(serde_json::json!({"audience": "aud"})));
    // Running a freshly written executable can fail with ETXTBSY while another test
    // forks; retry a few times.
    let mut result = c.auth.credential().await;
    for _ in 0..5 {
        match &result {
            Err(e) if e.to_string().contains("busy") => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                result = c.auth.credential().await;
            }
            _ => break,
        }
    }
    assert_eq!(bearer(result.unwrap()), "from-plugin");
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("bin/info")).unwrap()).unwrap();
    let ca = std::fs::read(fixture("certs/ca.crt")).unwrap();
    assert_eq!(
        info["spec"]["cluster"]["certificate-authority-data"],
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, ca)
    );
    assert_eq!(info["spec"]["cluster"]["server"], "https://k:6443");
    assert_eq!(info["spec"]["interactive"], false);
}

// ---------- kubectl config view ----------

async fn merged_view_fixture() -> Kubeconfig {
    Kubeconfig::read_chain(&[
        fixture("view-a.yaml"),
        fixture("view-b.yaml"),
        fixture("missing.yaml"),
    ])
    .await
    .unwrap()
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(fixture("expected").join(name))
        .unwrap()
        .trim_end()
        .to_owned()
}

#[tokio::test]
async fn view_matches_kubectl() {
    let kc = merged_view_fixture().await;
    assert_eq!(
        view(&kc, &ViewOptions::default()).unwrap().to_json_pretty(),
        expected("view.json")
    );
    let opts = ViewOptions {
        minify: true,
        raw: true,
        context: None,
    };
    assert_eq!(
        view(&kc, &opts).unwrap().to_json_pretty(),
        expected("view-minify-raw.json")
    );
    let opts = ViewOptions {
        minify: true,
        raw: false,
        context: Some("ctx-b".into()),
    };
    assert_eq!(
        view(&kc, &opts).unwrap().to_json_pretty(),
        expected("view-minify-ctx-b.json")
    );
    let kc = Kubeconfig::read_from(fixture("view-c.yaml")).await.unwrap();
    let opts = ViewOptions {
        raw: true,
        ..Default::default()
    };
    assert_eq!(
        view(&kc, &opts).unwrap().to_json_pretty(),
        expected("view-c-raw.json")
    );
}

#[test]
fn view_of_empty_config_and_minify_errors() {
    let empty = Kubeconfig::default();
    assert_eq!(
        serde_json::to_value(view(&empty, &ViewOptions::default()).unwrap()).unwrap(),
        serde_json::json!({
            "kind": "Config", "apiVersion": "v1",
            "clusters": null, "users": null, "contexts": null, "current-context": ""
        })
    );
    let minify = ViewOptions {
        minify: true,
        ..Default::default()
    };
    assert!(matches!(
        view(&empty, &minify),
        Err(ConfigError::NoCurrentContext)
    ));
    let kc = Kubeconfig::from_yaml("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: nobody}\nclusters:\n- name: c\n  cluster: {server: https://c}\n").unwrap();
    let err = view(&kc, &minify).unwrap_err();
    assert!(
        matches!(&err, ConfigError::NotFound { kind: "user", name } if name == "nobody"),
        "{err:?}"
    );
    let other = ViewOptions {
        minify: true,
        context: Some("zz".into()),
        ..Default::default()
    };
    assert!(matches!(
        view(&kc, &other),
        Err(ConfigError::NotFound {
            kind: "context",
            ..
        })
    ));
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Config>();
    check::<Auth>();
    check::<Kubeconfig>();
    fn error<T: Send + Sync + std::error::Error + 'static>() {}
    error::<ConfigError>();
}

#[tokio::test]
async fn infer_names_every_place_tried() {
    let env = InClusterEnv {
        service_account_dir: temp_dir("infer"),
        ..Default::default()
    };
    let err = Config::infer_from(&[fixture("missing.yaml")], &env)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, ConfigError::Infer { ref tried } if tried.len() == 2),
        "{msg}"
    );
    assert!(
        msg.contains("missing.yaml: no such file") && msg.contains("KUBERNETES_SERVICE_HOST"),
        "{msg}"
    );

    // A kubeconfig that does not resolve is reported too.
    let err = Config::infer_from(&[fixture("view-b.yaml")], &env)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("view-b.yaml: context \"ctx-b\" not found"),
        "{err}"
    );

    let c = Config::infer_from(&[fixture("missing.yaml"), fixture("tls.yaml")], &env)
        .await
        .unwrap();
    assert_eq!(c.default_namespace, "team-a");
}
