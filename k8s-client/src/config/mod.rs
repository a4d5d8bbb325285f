//! Configuration: kubeconfig files, in-cluster service accounts, and the resolved
//! [`Config`] a client is built from.
//!
//! - [`Kubeconfig`] is the file model; [`Kubeconfig::read`] loads `KUBECONFIG` /
//!   `~/.kube/config` with client-go's merge rules.
//! - [`Config`] is plain data resolved once from a kubeconfig context or from the pod's
//!   service account. Rotating credentials sit behind its [`Auth`].
//! - [`view`] renders `kubectl config view -o json`.
//!
//! ```no_run
//! # async fn f() -> Result<(), k8s_client::config::ConfigError> {
//! use k8s_client::config::{Config, KubeConfigOptions};
//! let config = Config::infer().await?;
//! let staging = Config::from_kubeconfig(&KubeConfigOptions {
//!     context: Some("staging".into()),
//!     ..Default::default()
//! })
//! .await?;
//! println!("{} in namespace {}", staging.cluster_url, staging.default_namespace);
//! # Ok(()) }
//! ```

mod auth;
mod error;
mod incluster;
mod kubeconfig;
mod loader;
mod locked_file;
mod pem;
mod resolve;
mod secret;
mod url;
pub mod view;

use std::collections::BTreeMap;
use std::time::Duration;

use rustls_pki_types::CertificateDer;

pub use auth::{Auth, Credential, ExecClusterInfo, OidcRefreshRequest, OidcRefresher, OidcTokens};
pub use error::ConfigError;
pub use incluster::{InClusterEnv, SERVICE_ACCOUNT_DIR};
pub use kubeconfig::{
    AuthInfo, AuthProviderConfig, Cluster, ConfigPath, Context, ExecConfig, ExecEnvVar, Kubeconfig,
    NamedAuthInfo, NamedCluster, NamedContext, NamedExtension, Origin, Preferences,
};
pub use loader::{KUBECONFIG_ENV, RECOMMENDED_HOME_FILE, kubeconfig_paths};
pub use locked_file::LockedKubeconfig;
pub use pem::{ClientIdentity, PemError};
pub use secret::SecretString;
pub(crate) use url::redact_url;
pub use url::{ClusterUrl, InvalidUrl};

/// Client-side rate limit: requests per second (client-go's default).
pub const DEFAULT_QPS: f32 = 5.0;
/// Client-side rate limit: burst (client-go's default).
pub const DEFAULT_BURST: u32 = 10;
/// The namespace used when a context names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Everything needed to talk to one API server as one user. Plain data, resolved once.
///
/// Build it with [`Config::infer`], [`Config::from_kubeconfig`],
/// [`Config::from_custom_kubeconfig`], [`Config::incluster`] or [`Config::new`], then
/// adjust the public fields.
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// The API server.
    pub cluster_url: ClusterUrl,
    /// The context's namespace, else `default`.
    pub default_namespace: String,
    /// CAs to trust (from `certificate-authority(-data)`); empty means the system roots.
    pub root_certs: Vec<CertificateDer<'static>>,
    /// `insecure-skip-tls-verify`.
    pub accept_invalid_certs: bool,
    /// `tls-server-name`: the name to verify the server certificate against.
    pub tls_server_name: Option<String>,
    /// `proxy-url`.
    pub proxy_url: Option<String>,
    /// `disable-compression`.
    pub disable_compression: bool,
    /// Whether built-in types use protobuf (with the `protobuf` feature;
    /// on by default). Off, every request is JSON.
    pub protobuf: bool,
    /// The static client certificate and key from the kubeconfig.
    pub client_identity: Option<ClientIdentity>,
    /// Where request credentials come from; asked on every request.
    pub auth: Auth,
    /// Impersonation headers to send.
    pub impersonate: Option<Impersonation>,
    /// Timeout for each request (`None`: no client-side timeout).
    pub timeout: Option<Duration>,
    /// Client-side rate limit in requests per second; negative disables limiting.
    pub qps: f32,
    /// Client-side rate limit burst.
    pub burst: u32,
    /// The cluster as passed to an exec plugin with `provideClusterInfo: true` (set when
    /// the user's exec plugin asks for it).
    pub exec_cluster_info: Option<ExecClusterInfo>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Certificates are summarized; `auth` and `client_identity` print no secrets.
        f.debug_struct("Config")
            .field("cluster_url", &self.cluster_url.as_str())
            .field("default_namespace", &self.default_namespace)
            .field(
                "root_certs",
                &format_args!("[{} certificate(s)]", self.root_certs.len()),
            )
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("tls_server_name", &self.tls_server_name)
            .field("proxy_url", &self.proxy_url.as_deref().map(redact_url))
            .field("disable_compression", &self.disable_compression)
            .field("protobuf", &self.protobuf)
            .field("client_identity", &self.client_identity)
            .field("auth", &self.auth)
            .field("impersonate", &self.impersonate)
            .field("timeout", &self.timeout)
            .field("qps", &self.qps)
            .field("burst", &self.burst)
            .field(
                "exec_cluster_info",
                &self.exec_cluster_info.as_ref().map(|c| &c.server),
            )
            .finish()
    }
}

/// Impersonation: act as another user (`Impersonate-User`, `Impersonate-Uid`,
/// `Impersonate-Group`, `Impersonate-Extra-<key>` headers).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Impersonation {
    /// The user to act as.
    pub user: String,
    /// The user's UID.
    pub uid: Option<String>,
    /// Groups.
    pub groups: Vec<String>,
    /// Extra fields.
    pub extra: BTreeMap<String, Vec<String>>,
}

impl Impersonation {
    /// Impersonates `user`.
    pub fn new(user: impl Into<String>) -> Self {
        Self {
            user: user.into(),
            ..Self::default()
        }
    }

    /// The request headers, in order: `Impersonate-User`, `Impersonate-Uid`,
    /// `Impersonate-Group` (one per group) and `Impersonate-Extra-<key>` (one per value;
    /// bytes of the key that are not legal in a header name are `%XX`-escaped, as
    /// client-go does).
    ///
    /// ```
    /// use k8s_client::config::Impersonation;
    /// let mut i = Impersonation::new("jane");
    /// i.groups = vec!["devs".into()];
    /// i.extra.insert("example.com/reason".into(), vec!["x".into()]);
    /// assert_eq!(i.headers(), vec![
    ///     ("Impersonate-User".to_owned(), "jane".to_owned()),
    ///     ("Impersonate-Group".to_owned(), "devs".to_owned()),
    ///     ("Impersonate-Extra-example.com%2Freason".to_owned(), "x".to_owned()),
    /// ]);
    /// ```
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut h = vec![("Impersonate-User".to_owned(), self.user.clone())];
        if let Some(uid) = &self.uid {
            h.push(("Impersonate-Uid".to_owned(), uid.clone()));
        }
        for g in &self.groups {
            h.push(("Impersonate-Group".to_owned(), g.clone()));
        }
        for (k, values) in &self.extra {
            let name = format!("Impersonate-Extra-{}", escape_header_key(k));
            h.extend(values.iter().map(|v| (name.clone(), v.clone())));
        }
        h
    }
}

/// `%XX`-escapes bytes that are not header token characters (and `%` itself).
fn escape_header_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        let legal = b.is_ascii_alphanumeric() || b"!#$&'*+-.^_`|~".contains(&b);
        if legal {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Which context, cluster and user to use from a kubeconfig (kubectl's `--context`,
/// `--cluster`, `--user`). Unset fields come from the current context.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeConfigOptions {
    /// The context (default: current-context).
    pub context: Option<String>,
    /// Overrides the context's cluster.
    pub cluster: Option<String>,
    /// Overrides the context's user.
    pub user: Option<String>,
}

impl Config {
    /// A config for `cluster_url` with no credentials and client-go's defaults.
    ///
    /// ```
    /// use k8s_client::config::Config;
    /// let c = Config::new("https://127.0.0.1:6443".parse()?);
    /// assert_eq!(c.default_namespace, "default");
    /// assert_eq!((c.qps, c.burst), (5.0, 10));
    /// # Ok::<(), k8s_client::config::InvalidUrl>(())
    /// ```
    pub fn new(cluster_url: ClusterUrl) -> Self {
        Self {
            cluster_url,
            default_namespace: DEFAULT_NAMESPACE.to_owned(),
            root_certs: Vec::new(),
            accept_invalid_certs: false,
            tls_server_name: None,
            proxy_url: None,
            disable_compression: false,
            protobuf: true,
            client_identity: None,
            auth: Auth::none(),
            impersonate: None,
            timeout: None,
            qps: DEFAULT_QPS,
            burst: DEFAULT_BURST,
            exec_cluster_info: None,
        }
    }

    /// The kubeconfig (`KUBECONFIG`, else `~/.kube/config`) if it exists and resolves,
    /// else the in-cluster service account. If neither works the error names every place
    /// tried and why.
    pub async fn infer() -> Result<Self, ConfigError> {
        Self::infer_from(&loader::default_paths(), &InClusterEnv::from_env()).await
    }

    /// [`infer`](Self::infer) with the kubeconfig file list and the in-cluster
    /// environment passed in.
    pub async fn infer_from(
        kubeconfig_paths: &[std::path::PathBuf],
        incluster_env: &InClusterEnv,
    ) -> Result<Self, ConfigError> {
        let mut tried = Vec::new();
        let shown = kubeconfig_paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(":");
        match loader::load_chain(kubeconfig_paths).await {
            Ok(loaded) if loaded.found.is_empty() => {
                tried.push(format!("kubeconfig {shown}: no such file"));
            }
            Ok(loaded) => {
                match resolve::resolve(&loaded.config, &KubeConfigOptions::default()).await {
                    Ok(c) => return Ok(c),
                    Err(e) => tried.push(format!("kubeconfig {shown}: {e}")),
                }
            }
            Err(e) => tried.push(e.to_string()),
        }
        match incluster::incluster_config(incluster_env).await {
            Ok(c) => {
                if let Some(t) = tried.first() {
                    tracing::debug!("using in-cluster config; {t}");
                }
                Ok(c)
            }
            Err(e) => {
                tried.push(e.to_string());
                Err(ConfigError::Infer { tried })
            }
        }
    }

    /// Resolves a context of the default kubeconfig chain (`KUBECONFIG`, else
    /// `~/.kube/config`).
    pub async fn from_kubeconfig(options: &KubeConfigOptions) -> Result<Self, ConfigError> {
        let kc = Kubeconfig::read().await?;
        resolve::resolve(&kc, options).await
    }

    /// Resolves a context of a kubeconfig you loaded or built yourself (for example with
    /// [`Kubeconfig::read_from`] for kubectl's `--kubeconfig`).
    ///
    /// Rules (client-go's unless noted):
    /// - the context is `options.context`, else current-context; a named context,
    ///   cluster or user that does not exist is [`ConfigError::NotFound`];
    /// - the namespace is the context's (a DNS-1123 label), else `default`;
    /// - user credentials, client certificates and impersonation apply only to https
    ///   servers;
    /// - `*-data` fields win over their file counterparts; CA and client certificate/key
    ///   must parse as PEM, and a certificate needs its key and vice versa;
    /// - one auth method per user: token (token wins over tokenFile), basicAuth, exec,
    ///   auth-provider. client-go tolerates token with exec (the token wins); this crate
    ///   rejects every combination, so the kubeconfig says what is used;
    /// - `as-uid`, `as-groups` and `as-user-extra` need `as`.
    pub async fn from_custom_kubeconfig(
        kubeconfig: Kubeconfig,
        options: &KubeConfigOptions,
    ) -> Result<Self, ConfigError> {
        resolve::resolve(&kubeconfig, options).await
    }

    /// The pod's service account: `KUBERNETES_SERVICE_HOST`/`_PORT`, and the token, CA and
    /// namespace under [`SERVICE_ACCOUNT_DIR`]. The token is re-read as it rotates.
    pub async fn incluster() -> Result<Self, ConfigError> {
        incluster::incluster_config(&InClusterEnv::from_env()).await
    }

    /// Like [`incluster`](Self::incluster) with the environment passed in (for tests and
    /// unusual mounts).
    pub async fn incluster_with(env: &InClusterEnv) -> Result<Self, ConfigError> {
        incluster::incluster_config(env).await
    }
}

#[cfg(test)]
mod tests;
