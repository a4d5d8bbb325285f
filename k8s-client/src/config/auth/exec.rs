//! Exec credential plugins (`client.authentication.k8s.io/v1` and `v1beta1`).

use std::path::PathBuf;
use std::process::Stdio;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::Credential;
use crate::config::error::ConfigError;
use crate::config::kubeconfig::redact_args;
use crate::config::pem::{ClientIdentity, PemError};
use crate::config::redact_url;
use crate::config::secret::SecretString;
use crate::meta::Time;

/// `client.authentication.k8s.io/v1`.
pub(crate) const V1: &str = "client.authentication.k8s.io/v1";
/// `client.authentication.k8s.io/v1beta1`.
pub(crate) const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";
/// How long one run of a plugin may take before it is killed and the request fails.
pub(crate) const EXEC_TIMEOUT: Duration = Duration::from_secs(120);
/// The cluster extension whose value is passed to the plugin as `spec.cluster.config`.
pub(crate) const EXEC_EXTENSION: &str = "client.authentication.k8s.io/exec";

/// The cluster passed to an exec plugin in `KUBERNETES_EXEC_INFO` when the user sets
/// `provideClusterInfo: true`.
///
/// Its `Debug` replaces URL user info, summarizes the CA bundle and hides `config`, which
/// client-go redacts too.
#[derive(Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ExecClusterInfo {
    /// `server`.
    pub server: String,
    /// `tls-server-name`.
    pub tls_server_name: Option<String>,
    /// `insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// The CA bundle (PEM bytes) from `certificate-authority-data` or `certificate-authority`.
    pub certificate_authority_data: Option<Vec<u8>>,
    /// `proxy-url`.
    pub proxy_url: Option<String>,
    /// `disable-compression`.
    pub disable_compression: bool,
    /// The cluster extension `client.authentication.k8s.io/exec`.
    pub config: Option<serde_json::Value>,
}

impl std::fmt::Debug for ExecClusterInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecClusterInfo")
            .field("server", &redact_url(&self.server))
            .field("tls_server_name", &self.tls_server_name)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field(
                "certificate_authority_data",
                &self
                    .certificate_authority_data
                    .as_ref()
                    .map(|d| format!("[{} bytes]", d.len())),
            )
            .field("proxy_url", &self.proxy_url.as_deref().map(redact_url))
            .field("disable_compression", &self.disable_compression)
            .field("config", &self.config.as_ref().map(|_| "--- REDACTED ---"))
            .finish()
    }
}

/// The exec plugin settings after validation.
#[derive(Clone)]
pub(crate) struct ExecSpec {
    /// The command as written (for messages).
    pub(crate) command: String,
    /// The command to run (resolved against the kubeconfig directory when it has a `/`).
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, SecretString)>,
    pub(crate) api_version: String,
    pub(crate) install_hint: Option<String>,
    pub(crate) cluster: Option<ExecClusterInfo>,
    /// How long one run may take.
    pub(crate) timeout: Duration,
}

impl std::fmt::Debug for ExecSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecSpec")
            .field("command", &self.command)
            .field("program", &self.program)
            .field("args", &redact_args(&self.args))
            .field("env", &self.env)
            .field("api_version", &self.api_version)
            .field("cluster", &self.cluster)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

pub(crate) struct ExecAuth {
    spec: ExecSpec,
    cache: Mutex<Option<Cached>>,
    running: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Cached {
    credential: Credential,
    expires: Option<SystemTime>,
}

impl Cached {
    fn valid(&self) -> bool {
        self.expires.is_none_or(|e| SystemTime::now() < e)
    }
}

impl ExecAuth {
    pub(crate) fn new(spec: ExecSpec) -> Self {
        Self {
            spec,
            cache: Mutex::new(None),
            running: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self) -> Option<Credential> {
        let c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        c.as_ref()
            .filter(|c| c.valid())
            .map(|c| c.credential.clone())
    }

    pub(crate) async fn credential(&self) -> Result<Credential, ConfigError> {
        if let Some(c) = self.cached() {
            return Ok(c);
        }
        let _running = self.running.lock().await;
        if let Some(c) = self.cached() {
            return Ok(c);
        }
        let (credential, expires) = run(&self.spec).await?;
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(Cached {
            credential: credential.clone(),
            expires,
        });
        Ok(credential)
    }

    pub(crate) fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// The `KUBERNETES_EXEC_INFO` value: an ExecCredential with `spec.interactive=false` and,
/// with provideClusterInfo, `spec.cluster`.
pub(crate) fn exec_info(api_version: &str, cluster: Option<&ExecClusterInfo>) -> String {
    let mut spec = serde_json::Map::new();
    if let Some(c) = cluster {
        let mut m = serde_json::Map::new();
        m.insert("server".into(), c.server.clone().into());
        if let Some(v) = &c.tls_server_name {
            m.insert("tls-server-name".into(), v.clone().into());
        }
        if c.insecure_skip_tls_verify {
            m.insert("insecure-skip-tls-verify".into(), true.into());
        }
        if let Some(v) = &c.certificate_authority_data {
            let b64 = base64::engine::general_purpose::STANDARD.encode(v);
            m.insert("certificate-authority-data".into(), b64.into());
        }
        if let Some(v) = &c.proxy_url {
            m.insert("proxy-url".into(), v.clone().into());
        }
        if c.disable_compression {
            m.insert("disable-compression".into(), true.into());
        }
        if let Some(v) = &c.config {
            m.insert("config".into(), v.clone());
        }
        spec.insert("cluster".into(), m.into());
    }
    spec.insert("interactive".into(), false.into());
    serde_json::json!({ "kind": "ExecCredential", "apiVersion": api_version, "spec": spec })
        .to_string()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredential {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    status: Option<ExecStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecStatus {
    #[serde(default)]
    expiration_timestamp: Option<String>,
    #[serde(default)]
    token: Option<SecretString>,
    #[serde(default)]
    client_certificate_data: Option<String>,
    #[serde(default)]
    client_key_data: Option<SecretString>,
}

/// Interprets a plugin's stdout. The error never contains the output itself.
pub(crate) fn parse_output(
    api_version: &str,
    stdout: &[u8],
) -> Result<(Credential, Option<SystemTime>), String> {
    let cred: ExecCredential = serde_json::from_slice(stdout).map_err(|e| {
        format!(
            "output is not a valid ExecCredential (JSON error at line {} column {})",
            e.line(),
            e.column()
        )
    })?;
    let got = cred.api_version.unwrap_or_default();
    if got != api_version {
        return Err(format!(
            "plugin returned apiVersion {got:?}, but is configured for {api_version:?}"
        ));
    }
    let status = cred.status.ok_or("output has no status")?;
    let expires = match status.expiration_timestamp.filter(|s| !s.is_empty()) {
        Some(ts) => Some(
            Time::from_str(&ts)
                .map(SystemTime::from)
                .map_err(|_| format!("invalid expirationTimestamp {ts:?}"))?,
        ),
        None => None,
    };
    let cert = status.client_certificate_data.filter(|s| !s.is_empty());
    let key = status.client_key_data.filter(|s| !s.is_empty());
    if let Some(token) = status.token.filter(|t| !t.is_empty()) {
        return Ok((Credential::Bearer(token), expires));
    }
    match (cert, key) {
        (Some(cert), Some(key)) => {
            let id = ClientIdentity::from_pem(cert.as_bytes(), key.expose_secret().as_bytes())
                .map_err(|e| match e {
                    PemError::Certificate(m) => format!("clientCertificateData: {m}"),
                    PemError::Key(m) => format!("clientKeyData: {m}"),
                })?;
            Ok((Credential::ClientCertificate(id), expires))
        }
        (None, None) => Err("output has neither a token nor a client certificate and key".into()),
        _ => Err("output has only one of clientCertificateData and clientKeyData".into()),
    }
}

async fn run(spec: &ExecSpec) -> Result<(Credential, Option<SystemTime>), ConfigError> {
    let fail = |message: String, stderr: &[u8]| ConfigError::Exec {
        command: spec.command.clone(),
        message,
        stderr: stderr_summary(stderr),
    };
    let mut cmd = tokio::process::Command::new(&spec.program);
    cmd.args(&spec.args)
        .envs(spec.env.iter().map(|(k, v)| (k, v.expose_secret())))
        .env(
            "KUBERNETES_EXEC_INFO",
            exec_info(&spec.api_version, spec.cluster.as_ref()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A plugin that times out or overflows is killed when `child` is dropped.
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        let mut message = format!("could not run: {e}");
        if let (std::io::ErrorKind::NotFound, Some(hint)) = (e.kind(), &spec.install_hint) {
            message.push_str(&format!("\n\n{hint}"));
        }
        fail(message, b"")
    })?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let mut stderr_tail = Vec::new();
    let finished = tokio::time::timeout(spec.timeout, async {
        let (out, (), status) = tokio::join!(
            read_capped(stdout, MAX_STDOUT),
            read_tail(stderr, &mut stderr_tail),
            child.wait()
        );
        (out, status)
    })
    .await;
    let (stdout, status) = match finished {
        Ok(done) => done,
        Err(_) => {
            let message = format!("did not finish within {:?}", spec.timeout);
            return Err(fail(message, &stderr_tail));
        }
    };
    let status = status.map_err(|e| fail(format!("could not wait for it: {e}"), &stderr_tail))?;
    let stdout = stdout.map_err(|m| fail(m, &stderr_tail))?;
    if !status.success() {
        let code = status
            .code()
            .map_or_else(|| "a signal".to_owned(), |c| c.to_string());
        return Err(fail(format!("exited with {code}"), &stderr_tail));
    }
    parse_output(&spec.api_version, &stdout).map_err(|m| fail(m, &stderr_tail))
}

/// The most a plugin may print on stdout: an ExecCredential is a few kilobytes.
const MAX_STDOUT: usize = 1 << 20;
/// How much of the end of a plugin's stderr is kept while it runs.
const STDERR_TAIL: usize = 64 << 10;
/// How many characters of stderr an error shows.
const STDERR_SHOWN: usize = 200;

/// All of `pipe`, or an error once it passes `cap` bytes (the pipe is then closed, so a
/// plugin that keeps writing gets `EPIPE`).
async fn read_capped(pipe: Option<impl AsyncRead + Unpin>, cap: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let Some(pipe) = pipe else {
        return Ok(out);
    };
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    pipe.take(limit)
        .read_to_end(&mut out)
        .await
        .map_err(|e| format!("reading its output: {e}"))?;
    if out.len() > cap {
        return Err(format!("printed more than {cap} bytes on stdout"));
    }
    Ok(out)
}

/// Reads `pipe` to its end, keeping only its last [`STDERR_TAIL`] bytes in `tail`: a
/// chatty plugin is drained (so it never blocks on a full pipe) without filling memory.
async fn read_tail(pipe: Option<impl AsyncRead + Unpin>, tail: &mut Vec<u8>) {
    let Some(mut pipe) = pipe else { return };
    let mut chunk = [0u8; 8192];
    loop {
        match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                tail.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if tail.len() > 2 * STDERR_TAIL {
                    tail.drain(..tail.len() - STDERR_TAIL);
                }
            }
        }
    }
}

/// What an error shows of a plugin's stderr: its last non-empty line, at most
/// [`STDERR_SHOWN`] characters. The rest stays out of errors and logs: plugins print
/// debugging output there, and it may hold tokens.
fn stderr_summary(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let last = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("");
    match last.char_indices().nth(STDERR_SHOWN) {
        Some((cut, _)) => format!("{}…", last.get(..cut).unwrap_or("")),
        None => last.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::pem::tests::{TEST_CERT, TEST_KEY_SEC1};
    use std::path::Path;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("k8s-client-exec-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A spec that runs `script` with /bin/sh (no exec of a freshly written file, which can
    /// fail with ETXTBSY when tests fork concurrently).
    fn spec(dir: &Path, script: &str, api_version: &str) -> ExecSpec {
        let path = dir.join("plugin.sh");
        std::fs::write(&path, script).unwrap();
        ExecSpec {
            command: "my-plugin".into(),
            program: "/bin/sh".into(),
            args: vec![path.display().to_string()],
            env: vec![("EXTRA".into(), SecretString::new("from-config"))],
            api_version: api_version.into(),
            install_hint: None,
            cluster: None,
            timeout: EXEC_TIMEOUT,
        }
    }

    fn token_script(dir: &Path, expiry: &str) -> String {
        format!(
            r#"echo run >> {}/count
echo '{{"apiVersion":"{V1}","kind":"ExecCredential","status":{{"token":"tok-'$(wc -l < {}/count | tr -d ' ')'"{expiry}}}}}'
"#,
            dir.display(),
            dir.display()
        )
    }

    async fn bearer(auth: &ExecAuth) -> String {
        match auth.credential().await.unwrap() {
            Credential::Bearer(t) => t.expose_secret().to_owned(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn token_is_cached_without_expiry_and_invalidate_reruns() {
        let d = dir("cache");
        let auth = ExecAuth::new(spec(&d, &token_script(&d, ""), V1));
        assert_eq!(bearer(&auth).await, "tok-1");
        assert_eq!(bearer(&auth).await, "tok-1");
        auth.invalidate();
        assert_eq!(bearer(&auth).await, "tok-2");
    }

    #[tokio::test]
    async fn expired_credential_reruns() {
        let d = dir("expiry");
        let past = r#","expirationTimestamp":"2000-01-01T00:00:00Z""#;
        let auth = ExecAuth::new(spec(&d, &token_script(&d, past), V1));
        assert_eq!(bearer(&auth).await, "tok-1");
        assert_eq!(bearer(&auth).await, "tok-2");
        let d = dir("future");
        let future = r#","expirationTimestamp":"2999-01-01T00:00:00Z""#;
        let auth = ExecAuth::new(spec(&d, &token_script(&d, future), V1));
        assert_eq!(bearer(&auth).await, "tok-1");
        assert_eq!(bearer(&auth).await, "tok-1");
    }

    #[tokio::test]
    async fn client_certificate_output() {
        let d = dir("cert");
        let out = serde_json::json!({
            "apiVersion": V1BETA1, "kind": "ExecCredential",
            "status": {"clientCertificateData": TEST_CERT, "clientKeyData": TEST_KEY_SEC1}
        });
        std::fs::write(d.join("out.json"), out.to_string()).unwrap();
        let script = format!("cat {}/out.json", d.display());
        let auth = ExecAuth::new(spec(&d, &script, V1BETA1));
        match auth.credential().await.unwrap() {
            Credential::ClientCertificate(id) => assert_eq!(id.cert_chain.len(), 1),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn failure_reports_stderr_not_stdout() {
        let d = dir("fail");
        let script = "echo 'secret-stdout'; echo '  boom: no login  ' >&2; exit 3";
        let auth = ExecAuth::new(spec(&d, script, V1));
        let err = auth.credential().await.unwrap_err().to_string();
        assert!(
            err.contains("my-plugin") && err.contains("exited with 3"),
            "{err}"
        );
        assert!(err.ends_with("stderr: boom: no login"), "{err}");
        assert!(!err.contains("secret-stdout"), "{err}");
    }

    #[tokio::test]
    async fn garbage_and_wrong_api_version_are_errors() {
        let d = dir("garbage");
        let auth = ExecAuth::new(spec(&d, "echo 'token=hunter2'", V1));
        let err = auth.credential().await.unwrap_err().to_string();
        assert!(err.contains("not a valid ExecCredential"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");

        let d = dir("version");
        let auth = ExecAuth::new(spec(&d, &token_script(&d, ""), V1BETA1));
        let err = auth.credential().await.unwrap_err().to_string();
        assert!(err.contains("apiVersion"), "{err}");
        assert!(!err.contains("tok-1"), "{err}");
    }

    #[tokio::test]
    async fn a_hung_plugin_times_out_without_blocking_the_runtime() {
        let d = dir("hung");
        let mut s = spec(&d, "sleep 30", V1);
        s.timeout = Duration::from_millis(300);
        // This test's runtime has one thread: the limit below can only fire if the plugin
        // is awaited, not waited for.
        let result = tokio::time::timeout(Duration::from_secs(10), ExecAuth::new(s).credential())
            .await
            .expect("the plugin's own timeout fires first");
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("my-plugin") && err.contains("did not finish within 300ms"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn output_larger_than_the_cap_is_an_error() {
        let d = dir("big");
        let script = "head -c 20000000 /dev/zero | tr '\\0' x";
        let err = ExecAuth::new(spec(&d, script, V1))
            .credential()
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 1048576 bytes"), "{err}");
    }

    #[tokio::test]
    async fn only_the_last_line_of_stderr_is_kept_and_cut() {
        let d = dir("stderr");
        let script = "for i in 1 2 3; do echo \"debug: token secret-$i\" >&2; done; \
                      echo 'last words' >&2; exit 1";
        let err = ExecAuth::new(spec(&d, script, V1))
            .credential()
            .await
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("stderr: last words"), "{err}");
        assert!(!err.contains("secret-"), "{err}");
        // A huge stderr neither fills memory nor the message.
        let script = "head -c 10000000 /dev/zero | tr '\\0' e >&2; exit 1";
        let err = ExecAuth::new(spec(&d, script, V1))
            .credential()
            .await
            .unwrap_err()
            .to_string();
        assert!(err.len() < 400, "{} bytes", err.len());
        assert!(err.ends_with("…"), "{err}");
    }

    #[test]
    fn output_without_credential_is_an_error() {
        let out = format!(r#"{{"apiVersion":"{V1}","status":{{}}}}"#);
        assert!(
            parse_output(V1, out.as_bytes())
                .unwrap_err()
                .contains("neither")
        );
        let out = format!(r#"{{"apiVersion":"{V1}","status":{{"clientKeyData":"x"}}}}"#);
        assert!(
            parse_output(V1, out.as_bytes())
                .unwrap_err()
                .contains("only one")
        );
        let out = format!(r#"{{"apiVersion":"{V1}"}}"#);
        assert!(
            parse_output(V1, out.as_bytes())
                .unwrap_err()
                .contains("no status")
        );
    }

    #[tokio::test]
    async fn env_and_exec_info_are_passed() {
        let d = dir("env");
        let script = format!(
            "printf '%s' \"$KUBERNETES_EXEC_INFO\" > {0}/info.json; printf '%s' \"$EXTRA\" > {0}/extra; \
             echo '{{\"apiVersion\":\"{V1}\",\"status\":{{\"token\":\"t\"}}}}'",
            d.display()
        );
        let mut s = spec(&d, &script, V1);
        s.cluster = Some(ExecClusterInfo {
            server: "https://k:6443".into(),
            tls_server_name: Some("k.example".into()),
            certificate_authority_data: Some(b"PEM".to_vec()),
            config: Some(serde_json::json!({"audience": "x"})),
            ..ExecClusterInfo::default()
        });
        ExecAuth::new(s).credential().await.unwrap();
        assert_eq!(
            std::fs::read_to_string(d.join("extra")).unwrap(),
            "from-config"
        );
        let info: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("info.json")).unwrap()).unwrap();
        assert_eq!(
            info,
            serde_json::json!({
                "kind": "ExecCredential",
                "apiVersion": V1,
                "spec": {
                    "interactive": false,
                    "cluster": {
                        "server": "https://k:6443",
                        "tls-server-name": "k.example",
                        "certificate-authority-data": "UEVN",
                        "config": {"audience": "x"}
                    }
                }
            })
        );
    }

    #[test]
    fn exec_info_without_cluster() {
        let v: serde_json::Value = serde_json::from_str(&exec_info(V1BETA1, None)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind":"ExecCredential","apiVersion":V1BETA1,"spec":{"interactive":false}})
        );
    }
}
