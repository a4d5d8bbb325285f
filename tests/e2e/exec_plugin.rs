//! exec credential plugins (client.authentication.k8s.io/v1) against the real
//! API server: small shell-script plugins that hand out testenv's real
//! credentials, count their runs, expire, fail and print garbage.

use std::path::{Path, PathBuf};

use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};
use k8s_client::rest::Request;
use k8s_client::{Client, Error};
use k8s_testenv::Kind;
use serde_json::{Value, json};

use crate::env::testenv;

/// A directory holding `plugin.sh` and a kubeconfig whose user runs it by a
/// relative path (resolved against the kubeconfig's directory, not the cwd).
struct PluginSetup {
    dir: tempfile::TempDir,
}

impl PluginSetup {
    /// `body` is shell code that prints the ExecCredential; `$n` is this run's
    /// number (1 for the first run).
    async fn new(body: &str) -> PluginSetup {
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
        let script = format!(
            "#!/bin/sh\nhere=\"$(dirname \"$0\")\"\necho run >> \"$here/runs\"\n\
             n=$(wc -l < \"$here/runs\" | tr -d ' ')\n{body}\n"
        );
        write_executable(&dir.path().join("plugin.sh"), &script);
        let kubeconfig = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "exec",
            "clusters": [{"name": "testenv", "cluster": {
                "server": env.server_url(),
                "certificate-authority-data": ca,
            }}],
            "users": [{"name": "exec", "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1",
                "command": "./plugin.sh",
                "interactiveMode": "Never",
            }}}],
            "contexts": [{"name": "exec", "context": {"cluster": "testenv", "user": "exec"}}],
        });
        // JSON is YAML: kubeconfig loaders accept it.
        std::fs::write(
            dir.path().join("kubeconfig"),
            serde_json::to_vec_pretty(&kubeconfig).unwrap(),
        )
        .unwrap();
        PluginSetup { dir }
    }

    fn kubeconfig_path(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    async fn client(&self) -> Client {
        let kubeconfig = Kubeconfig::read_from(self.kubeconfig_path()).await.unwrap();
        let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .unwrap();
        Client::try_from(config).unwrap()
    }

    /// How many times the plugin ran.
    fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Who the server thinks the client is (a SelfSubjectReview).
async fn whoami(client: &Client) -> Result<String, Error> {
    let review: Value = client
        .send_json(
            Request::post()
                .group_version("authentication.k8s.io", "v1")
                .resource("selfsubjectreviews")
                .json_body(&json!({
                    "apiVersion": "authentication.k8s.io/v1",
                    "kind": "SelfSubjectReview",
                })),
        )
        .await?;
    Ok(review["status"]["userInfo"]["username"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

async fn testenv_token() -> String {
    let env = testenv().await;
    let kubeconfig = Kubeconfig::read_from(env.kubeconfig_path(Kind::Token))
        .await
        .unwrap();
    let token = kubeconfig.users[0].auth_info.token.as_ref().unwrap();
    token.expose_secret().to_owned()
}

fn token_credential(token: &str, expiry: Option<&str>) -> String {
    let mut status = json!({ "token": token });
    if let Some(at) = expiry {
        status["expirationTimestamp"] = json!(at);
    }
    let credential = json!({
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": status,
    });
    format!("cat <<'EOF'\n{credential}\nEOF")
}

#[tokio::test]
async fn token_from_a_plugin_authenticates_and_is_cached_without_expiry() {
    let plugin = PluginSetup::new(&token_credential(&testenv_token().await, None)).await;
    let client = plugin.client().await;
    for _ in 0..3 {
        assert_eq!(whoami(&client).await.unwrap(), "token-admin");
    }
    assert_eq!(plugin.runs(), 1, "a credential without expiry is reused");
}

#[tokio::test]
async fn expired_credential_runs_the_plugin_again_and_a_valid_one_does_not() {
    let token = testenv_token().await;
    let expired = PluginSetup::new(&token_credential(&token, Some("2000-01-01T00:00:00Z"))).await;
    let client = expired.client().await;
    for _ in 0..3 {
        assert_eq!(whoami(&client).await.unwrap(), "token-admin");
    }
    assert_eq!(expired.runs(), 3, "an expired credential is fetched anew");

    let valid = PluginSetup::new(&token_credential(&token, Some("2999-01-01T00:00:00Z"))).await;
    let client = valid.client().await;
    for _ in 0..3 {
        assert_eq!(whoami(&client).await.unwrap(), "token-admin");
    }
    assert_eq!(valid.runs(), 1, "a credential valid until 2999 is cached");
}

/// A plugin that hands out the admin's client certificate and key.
async fn certificate_plugin() -> PluginSetup {
    let env = testenv().await;
    let admin = Kubeconfig::read_from(env.kubeconfig_path(Kind::Admin))
        .await
        .unwrap();
    let user = &admin.users[0].auth_info;
    let cert_b64 = user.client_certificate_data.clone().unwrap();
    let key_b64 = user
        .client_key_data
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    // The plugin decodes the PEMs and prints them as JSON strings (newlines escaped).
    let body = format!(
        "pem() {{ printf '%s' \"$1\" | base64 -d | awk '{{printf \"%s\\\\n\", $0}}'; }}\n\
         cert=$(pem '{cert_b64}')\nkey=$(pem '{key_b64}')\n\
         printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\
         \"status\":{{\"clientCertificateData\":\"%s\",\"clientKeyData\":\"%s\"}}}}' \"$cert\" \"$key\""
    );
    PluginSetup::new(&body).await
}

#[tokio::test]
async fn client_certificate_from_a_plugin_authenticates() {
    let plugin = certificate_plugin().await;
    let client = plugin.client().await;
    assert_eq!(whoami(&client).await.unwrap(), "admin");
    assert_eq!(whoami(&client).await.unwrap(), "admin");
    assert_eq!(plugin.runs(), 1);
}

#[tokio::test]
async fn exec_presents_the_plugins_client_certificate_on_its_own_connection() {
    use k8s_client::Api;
    use k8s_client::api::core::v1::Pod;
    use k8s_client::api::{AttachParams, PostParams};
    use tokio::io::AsyncReadExt;
    let ns = crate::env::namespace("plugin-exec").await;
    let plugin = certificate_plugin().await;
    // The exec is this client's first request: the certificate is fetched for
    // it and presented in the upgrade connection's own handshake.
    let pods: Api<Pod> = Api::namespaced(plugin.client().await, &ns);
    let admin: Api<Pod> = Api::namespaced(crate::env::client(Kind::Admin).await, &ns);
    admin
        .create(
            &PostParams::default(),
            &crate::node::shell_pod("shell", "sleep 3600"),
        )
        .await
        .unwrap();
    crate::node::running(&admin, "shell").await;
    let mut process = pods
        .exec("shell", ["echo", "certified"], &AttachParams::default())
        .await
        .unwrap();
    let mut out = String::new();
    process
        .stdout()
        .unwrap()
        .read_to_string(&mut out)
        .await
        .unwrap();
    assert_eq!(out, "certified\n");
    assert!(process.join().await.unwrap().success());
    assert_eq!(plugin.runs(), 1);
}

#[tokio::test]
async fn a_401_runs_the_plugin_again_once() {
    let token = testenv_token().await;
    // The first run hands out a token the server rejects, later runs a good one.
    let body = format!(
        "if [ \"$n\" = 1 ]; then\n{}\nelse\n{}\nfi",
        token_credential("not-a-valid-token", None),
        token_credential(&token, None)
    );
    let plugin = PluginSetup::new(&body).await;
    let client = plugin.client().await;
    assert_eq!(whoami(&client).await.unwrap(), "token-admin");
    assert_eq!(plugin.runs(), 2);
}

#[tokio::test]
async fn a_failing_plugin_is_an_error_naming_the_plugin_and_its_stderr() {
    let plugin = PluginSetup::new("echo 'boom: no credentials for you' >&2\nexit 3").await;
    let client = plugin.client().await;
    let err = whoami(&client).await.unwrap_err().to_string();
    assert!(err.contains("plugin.sh"), "{err}");
    assert!(err.contains("boom: no credentials for you"), "{err}");
}

#[tokio::test]
async fn a_plugin_printing_garbage_is_an_error_naming_the_plugin() {
    let plugin = PluginSetup::new("echo 'this is not an ExecCredential'").await;
    let client = plugin.client().await;
    let err = whoami(&client).await.unwrap_err().to_string();
    assert!(err.contains("plugin.sh"), "{err}");
    assert!(!err.contains("token-admin"), "{err}");
}
