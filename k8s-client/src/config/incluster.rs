//! In-cluster configuration: the service account mounted into every pod.

use std::path::{Path, PathBuf};

use super::auth::Auth;
use super::auth::token_file::{REFRESH_PERIOD, TokenFile, read_token};
use super::error::ConfigError;
use super::url::ClusterUrl;
use super::{Config, pem};

/// Where the service account token, CA and namespace are mounted.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The environment in-cluster configuration reads, passed in explicitly so it can be
/// tested without touching the process environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InClusterEnv {
    /// `KUBERNETES_SERVICE_HOST`.
    pub service_host: Option<String>,
    /// `KUBERNETES_SERVICE_PORT`.
    pub service_port: Option<String>,
    /// `POD_NAMESPACE`.
    pub pod_namespace: Option<String>,
    /// The service account directory (normally [`SERVICE_ACCOUNT_DIR`]).
    pub service_account_dir: PathBuf,
}

impl InClusterEnv {
    /// Reads the real process environment.
    pub fn from_env() -> Self {
        let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
        Self {
            service_host: var("KUBERNETES_SERVICE_HOST"),
            service_port: var("KUBERNETES_SERVICE_PORT"),
            pod_namespace: var("POD_NAMESPACE"),
            service_account_dir: PathBuf::from(SERVICE_ACCOUNT_DIR),
        }
    }
}

fn incluster_err(message: impl Into<String>) -> ConfigError {
    ConfigError::InCluster {
        message: message.into(),
    }
}

/// `https://<host>:<port>`, bracketing an IPv6 host.
pub(crate) fn service_url(host: &str, port: &str) -> Result<ClusterUrl, ConfigError> {
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    format!("https://{host}:{port}")
        .parse()
        .map_err(|e| incluster_err(format!("{e}")))
}

pub(crate) async fn incluster_config(env: &InClusterEnv) -> Result<Config, ConfigError> {
    let (Some(host), Some(port)) = (&env.service_host, &env.service_port) else {
        return Err(incluster_err(
            "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set (not running in a pod?)",
        ));
    };
    let cluster_url = service_url(host, port)?;
    let dir: &Path = &env.service_account_dir;
    let token_path = dir.join("token");
    let token = read_token(&token_path).await?;
    let auth = Auth::from_token_file(TokenFile::with_token(token_path, REFRESH_PERIOD, token));

    let ca_path = dir.join("ca.crt");
    // Like client-go, a CA that cannot be loaded is logged and the system roots are used.
    let root_certs = match tokio::fs::read(&ca_path).await {
        Ok(pem_bytes) => pem::parse_certs(&pem_bytes).unwrap_or_else(|m| {
            tracing::error!(path = %ca_path.display(), "in-cluster CA: {m}");
            Vec::new()
        }),
        Err(e) => {
            tracing::error!(path = %ca_path.display(), error = %e, "in-cluster CA could not be read");
            Vec::new()
        }
    };

    let default_namespace = match &env.pod_namespace {
        Some(ns) => ns.clone(),
        None => match tokio::fs::read_to_string(dir.join("namespace")).await {
            Ok(ns) if !ns.trim().is_empty() => ns.trim().to_owned(),
            _ => "default".to_owned(),
        },
    };

    let mut config = Config::new(cluster_url);
    config.default_namespace = default_namespace;
    config.root_certs = root_certs;
    config.auth = auth;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Credential;
    use crate::config::pem::tests::TEST_CERT;

    fn sa_dir(name: &str, namespace: Option<&str>) -> PathBuf {
        let d = std::env::temp_dir().join(format!("k8s-client-sa-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("token"), "sa-token\n").unwrap();
        std::fs::write(d.join("ca.crt"), TEST_CERT).unwrap();
        if let Some(ns) = namespace {
            std::fs::write(d.join("namespace"), ns).unwrap();
        }
        d
    }

    fn env(host: &str, dir: PathBuf, pod_ns: Option<&str>) -> InClusterEnv {
        InClusterEnv {
            service_host: Some(host.into()),
            service_port: Some("443".into()),
            pod_namespace: pod_ns.map(Into::into),
            service_account_dir: dir,
        }
    }

    #[tokio::test]
    async fn builds_config_from_service_account() {
        let d = sa_dir("basic", Some("team-a\n"));
        let c = incluster_config(&env("10.96.0.1", d.clone(), None))
            .await
            .unwrap();
        assert_eq!(c.cluster_url.as_str(), "https://10.96.0.1:443");
        assert_eq!(c.default_namespace, "team-a");
        assert_eq!(c.root_certs.len(), 1);
        match c.auth.credential().await.unwrap() {
            Credential::Bearer(t) => assert_eq!(t.expose_secret(), "sa-token"),
            other => panic!("{other:?}"),
        }
        // The token rotates: after invalidate it is re-read.
        std::fs::write(d.join("token"), "rotated").unwrap();
        c.auth.invalidate();
        match c.auth.credential().await.unwrap() {
            Credential::Bearer(t) => assert_eq!(t.expose_secret(), "rotated"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn ipv6_and_namespace_precedence() {
        let d = sa_dir("v6", Some("from-file"));
        let c = incluster_config(&env("fd00::1", d.clone(), Some("from-env")))
            .await
            .unwrap();
        assert_eq!(c.cluster_url.as_str(), "https://[fd00::1]:443");
        assert_eq!(c.default_namespace, "from-env");
        let d = sa_dir("nons", None);
        let c = incluster_config(&env("h", d, None)).await.unwrap();
        assert_eq!(c.default_namespace, "default");
    }

    #[tokio::test]
    async fn missing_env_or_token_is_an_error() {
        let d = sa_dir("missing", None);
        let mut e = env("h", d.clone(), None);
        e.service_port = None;
        let err = incluster_config(&e).await.unwrap_err().to_string();
        assert!(err.contains("KUBERNETES_SERVICE_PORT"), "{err}");
        std::fs::remove_file(d.join("token")).unwrap();
        let err = incluster_config(&env("h", d, None))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("token"), "{err}");
    }
}
