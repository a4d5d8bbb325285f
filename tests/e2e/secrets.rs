//! The secrets audit: a recognisable secret in every credential field the
//! library knows, every error path it can reach against the real server, and
//! everything it prints, logs (at TRACE) or writes to its caches searched
//! for them. None may appear anywhere.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};
use k8s_client::discovery::Discovery;
use k8s_client::rest::Request;
use k8s_client::{Client, ClientBuilder};
use k8s_testenv::Kind;
use serde_json::json;

use crate::env::testenv;

/// Every secret, by where it was put.
const SECRETS: &[(&str, &str)] = &[
    ("token", "S3CRET-token-7f31"),
    ("token file", "S3CRET-tokenfile-19ab"),
    ("password", "S3CRET-password-c0de"),
    ("exec env", "S3CRET-execenv-5e11"),
    ("exec args", "S3CRET-execarg-a77a"),
    ("exec output", "S3CRET-exectoken-0bb0"),
    ("oidc id-token", "S3CRET-idtoken-99ee"),
    ("oidc refresh-token", "S3CRET-refresh-4242"),
    ("oidc client-secret", "S3CRET-clientsecret-1d1d"),
    ("proxy password", "S3CRET-proxypass-beef"),
];

/// Where the captured text came from, and the text.
#[derive(Default)]
struct Captured(Vec<(String, String)>);

impl Captured {
    fn add(&mut self, place: impl Into<String>, text: impl Into<String>) {
        self.0.push((place.into(), text.into()));
    }

    /// An error, its Debug, and every cause's text.
    fn error(&mut self, place: &str, e: &(dyn std::error::Error + 'static)) {
        self.add(format!("{place}: Display"), e.to_string());
        self.add(format!("{place}: Debug"), format!("{e:?}"));
        let mut source = e.source();
        while let Some(s) = source {
            self.add(format!("{place}: source"), s.to_string());
            source = s.source();
        }
    }
}

/// A `tracing` writer into memory.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

fn secret(place: &str) -> &'static str {
    SECRETS.iter().find(|(p, _)| *p == place).unwrap().1
}

fn files_under(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_appears_in_debug_errors_logs_or_caches() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let env = testenv().await;
    let admin = Kubeconfig::read_from(env.kubeconfig_path(Kind::Admin))
        .await
        .unwrap();
    let ca = admin.clusters[0]
        .cluster
        .certificate_authority_data
        .clone()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), secret("token file")).unwrap();
    // An exec plugin that hands out a token the server rejects.
    let plugin = dir.path().join("plugin.sh");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{}\"}}}}'\n",
            secret("exec output")
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let cluster = json!({"server": env.server_url(), "certificate-authority-data": ca});
    let users = json!([
        {"name": "token", "user": {"token": secret("token")}},
        {"name": "token-file", "user": {"tokenFile": dir.path().join("token")}},
        {"name": "basic", "user": {"username": "someone", "password": secret("password")}},
        {"name": "exec", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": plugin,
            "args": [format!("--secret={}", secret("exec args"))],
            "env": [{"name": "PLUGIN_SECRET", "value": secret("exec env")}],
            "interactiveMode": "Never",
        }}},
        {"name": "oidc", "user": {"auth-provider": {"name": "oidc", "config": {
            "idp-issuer-url": "https://127.0.0.1:1",
            "client-id": "k8s",
            "client-secret": secret("oidc client-secret"),
            "id-token": secret("oidc id-token"),
            "refresh-token": secret("oidc refresh-token"),
        }}}},
    ]);
    let contexts: Vec<_> = ["token", "token-file", "basic", "exec", "oidc"]
        .iter()
        .map(|u| json!({"name": u, "context": {"cluster": "testenv", "user": u}}))
        .chain([json!({"name": "proxy", "context": {"cluster": "proxied", "user": "token"}})])
        .collect();
    let proxied = json!({
        "server": env.server_url(),
        "certificate-authority-data": ca,
        "proxy-url": format!("http://someone:{}@127.0.0.1:1", secret("proxy password")),
    });
    let kubeconfig = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "token",
        "clusters": [{"name": "testenv", "cluster": cluster}, {"name": "proxied", "cluster": proxied}],
        "users": users,
        "contexts": contexts,
    });
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, serde_json::to_vec_pretty(&kubeconfig).unwrap()).unwrap();

    let mut captured = Captured::default();
    let kc = Kubeconfig::read_from(&path).await.unwrap();
    captured.add("Kubeconfig Debug", format!("{kc:?}"));
    // `config view` is left out: asked to print the kubeconfig, kubectl
    // shows exec args and env, auth-provider settings and proxy URLs as
    // written (only token, password and *-data are redacted), and kctl's
    // output is compared with kubectl's byte for byte.

    let caches = tempfile::tempdir().unwrap();
    for context in ["token", "token-file", "basic", "exec", "oidc", "proxy"] {
        let options = KubeConfigOptions {
            context: Some(context.to_owned()),
            ..KubeConfigOptions::default()
        };
        let config = match Config::from_custom_kubeconfig(kc.clone(), &options).await {
            Ok(c) => c,
            Err(e) => {
                captured.error(&format!("{context}: config"), &e);
                continue;
            }
        };
        captured.add(format!("{context}: Config Debug"), format!("{config:?}"));
        let builder = ClientBuilder::from_config(config.clone());
        captured.add(
            format!("{context}: ClientBuilder Debug"),
            format!("{builder:?}"),
        );
        let client = match builder.build() {
            Ok(c) => c,
            Err(e) => {
                captured.error(&format!("{context}: build"), &e);
                continue;
            }
        };
        captured.add(format!("{context}: Client Debug"), format!("{client:?}"));
        let req = Request::get()
            .abs_path("/api/v1/namespaces")
            .build()
            .unwrap();
        captured.add(format!("{context}: Request Debug"), format!("{req:?}"));
        if let Err(e) = client.send_bytes(req).await {
            captured.error(&format!("{context}: GET"), &e);
        }
        let discovery = Discovery::new(client.clone()).cache_dir(caches.path());
        if let Err(e) = discovery.server_groups().await {
            captured.error(&format!("{context}: discovery"), &e);
        }
        if let Err(e) = Client::try_from(config).map(|_| ()) {
            captured.error(&format!("{context}: try_from"), &e);
        }
    }
    // The real credentials fill the caches, which must hold no credential either.
    let real = Client::try_from(
        Config::from_custom_kubeconfig(admin, &KubeConfigOptions::default())
            .await
            .unwrap(),
    )
    .unwrap();
    Discovery::new(real)
        .cache_dir(caches.path())
        .server_groups()
        .await
        .unwrap();
    let mut files = Vec::new();
    files_under(caches.path(), &mut files);
    captured.0.extend(files);
    captured.add(
        "tracing at TRACE",
        String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned(),
    );

    let leaks: Vec<String> = captured
        .0
        .iter()
        .flat_map(|(place, text)| {
            SECRETS
                .iter()
                .filter(|(_, s)| text.contains(s))
                .map(move |(what, _)| format!("the {what} in {place}"))
        })
        .collect();
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    // The test saw what it meant to: errors of every kind, and logs.
    assert!(captured.0.iter().any(|(p, _)| p.starts_with("exec: GET")));
    assert!(captured.0.iter().any(|(p, _)| p.starts_with("proxy: GET")));
    assert!(!logs.0.lock().unwrap().is_empty());
}

/// A server that redirects to another host, and one that records what it is
/// sent: the bearer token must not follow the redirect (a real API server
/// does not redirect on demand, so these are scripted).
#[tokio::test]
async fn fault_authorization_does_not_survive_a_cross_host_redirect() {
    use crate::relay_recorder::{Recorder, redirector};
    let recorder = Recorder::start().await;
    let target = format!("http://localhost:{}/api/v1/namespaces", recorder.port());
    let redirect = redirector(&target).await;
    let client = Client::builder(&redirect)
        .auth(k8s_client::config::Auth::bearer(secret("token")))
        .build()
        .unwrap();
    let _ = client
        .send_bytes(Request::get().abs_path("/api/v1/namespaces"))
        .await;
    let seen = recorder.headers();
    assert!(!seen.is_empty(), "the redirect was not followed");
    for headers in seen {
        assert!(
            !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("authorization")),
            "Authorization reached the other host: {headers:?}"
        );
    }
}
