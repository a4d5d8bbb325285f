//! The kubeconfig file model (`apiVersion: v1`, `kind: Config`) and parsing of one file.
//!
//! Field names follow the YAML keys of client-go's `clientcmd/api/v1` types. Unknown
//! fields are ignored. Secrets are held in [`SecretString`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

use super::error::ConfigError;
use super::secret::SecretString;
use super::url::redact_url;
use crate::meta::null::or_default;

/// A whole kubeconfig: one file, or several merged with client-go's rules
/// (see [`Kubeconfig::merge`]).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Kubeconfig {
    /// `kind` as written (normally `Config`).
    #[serde(default)]
    pub kind: Option<String>,
    /// `apiVersion` as written (normally `v1`).
    #[serde(default, rename = "apiVersion")]
    pub api_version: Option<String>,
    /// `preferences`.
    #[serde(default, deserialize_with = "or_default")]
    pub preferences: Preferences,
    /// `clusters`.
    #[serde(default, deserialize_with = "or_default")]
    pub clusters: Vec<NamedCluster>,
    /// `users`.
    #[serde(default, deserialize_with = "or_default")]
    pub users: Vec<NamedAuthInfo>,
    /// `contexts`.
    #[serde(default, deserialize_with = "or_default")]
    pub contexts: Vec<NamedContext>,
    /// `current-context`.
    #[serde(default)]
    pub current_context: Option<String>,
    /// `extensions`.
    #[serde(default, deserialize_with = "or_default")]
    pub extensions: Vec<NamedExtension>,
}

/// `preferences` of a kubeconfig.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Preferences {
    /// `colors`.
    #[serde(default, deserialize_with = "or_default")]
    pub colors: bool,
    /// `extensions`.
    #[serde(default, deserialize_with = "or_default")]
    pub extensions: Vec<NamedExtension>,
}

/// Where a named entry was defined: the file and its position in that file's list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The file that defined the entry (`None` when parsed from a string).
    pub file: Option<PathBuf>,
    /// Position in that file's list (`users[<index>]`).
    pub index: usize,
}

impl Origin {
    /// `kubeconfig <path>`, used as the first part of error messages.
    pub fn describe(&self) -> String {
        describe_file(self.file.as_deref())
    }
}

pub(crate) fn describe_file(file: Option<&Path>) -> String {
    match file {
        Some(p) => format!("kubeconfig {}", p.display()),
        None => "kubeconfig".to_owned(),
    }
}

/// A path field of a kubeconfig: the value as written, and the path resolved against the
/// directory of the file that defined it.
///
/// `kubectl config view` prints [`as_written`](Self::as_written); the client reads
/// [`path`](Self::path).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigPath {
    written: String,
    resolved: PathBuf,
}

impl ConfigPath {
    /// A path used as written (not resolved against any directory).
    pub fn new(path: impl Into<String>) -> Self {
        let written = path.into();
        let resolved = PathBuf::from(&written);
        Self { written, resolved }
    }

    /// The value as written in the kubeconfig.
    pub fn as_written(&self) -> &str {
        &self.written
    }

    /// The resolved path (absolute when the kubeconfig was loaded from a file).
    pub fn path(&self) -> &Path {
        &self.resolved
    }

    /// `true` when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.written.is_empty()
    }

    fn resolve(&mut self, dir: &Path) {
        let p = Path::new(&self.written);
        if !self.written.is_empty() && p.is_relative() {
            self.resolved = dir.join(p);
        }
    }
}

impl<'de> Deserialize<'de> for ConfigPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<String>::deserialize(d).map(|s| Self::new(s.unwrap_or_default()))
    }
}

/// A named entry of `clusters`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NamedCluster {
    /// `name`.
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// `cluster`.
    #[serde(default, deserialize_with = "or_default")]
    pub cluster: Cluster,
    /// Where this entry was defined (set by the loader).
    #[serde(skip)]
    pub origin: Origin,
}

/// How to reach one API server.
///
/// Its `Debug` replaces the user info of `server` and `proxy-url` (`user:password@`).
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cluster {
    /// `server`: `https://host[:port][/path]`.
    #[serde(default, deserialize_with = "or_default")]
    pub server: String,
    /// `tls-server-name`.
    #[serde(default)]
    pub tls_server_name: Option<String>,
    /// `insecure-skip-tls-verify`.
    #[serde(default, deserialize_with = "or_default")]
    pub insecure_skip_tls_verify: bool,
    /// `certificate-authority`: a PEM file.
    #[serde(default)]
    pub certificate_authority: Option<ConfigPath>,
    /// `certificate-authority-data`: base64 of PEM, as written.
    #[serde(default)]
    pub certificate_authority_data: Option<String>,
    /// `proxy-url`.
    #[serde(default)]
    pub proxy_url: Option<String>,
    /// `disable-compression`.
    #[serde(default, deserialize_with = "or_default")]
    pub disable_compression: bool,
    /// `extensions`.
    #[serde(default, deserialize_with = "or_default")]
    pub extensions: Vec<NamedExtension>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("server", &redact_url(&self.server))
            .field("tls_server_name", &self.tls_server_name)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("certificate_authority", &self.certificate_authority)
            .field(
                "certificate_authority_data",
                &self.certificate_authority_data,
            )
            .field("proxy_url", &self.proxy_url.as_deref().map(redact_url))
            .field("disable_compression", &self.disable_compression)
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// A named entry of `users`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NamedAuthInfo {
    /// `name`.
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// `user`.
    #[serde(default, rename = "user", deserialize_with = "or_default")]
    pub auth_info: AuthInfo,
    /// Where this entry was defined (set by the loader).
    #[serde(skip)]
    pub origin: Origin,
}

/// Credentials and impersonation settings of one user (client-go's `AuthInfo`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AuthInfo {
    /// `client-certificate`: a PEM file.
    #[serde(default)]
    pub client_certificate: Option<ConfigPath>,
    /// `client-certificate-data`: base64 of PEM, as written.
    #[serde(default)]
    pub client_certificate_data: Option<String>,
    /// `client-key`: a PEM file.
    #[serde(default)]
    pub client_key: Option<ConfigPath>,
    /// `client-key-data`: base64 of PEM, as written.
    #[serde(default)]
    pub client_key_data: Option<SecretString>,
    /// `token`: a bearer token.
    #[serde(default)]
    pub token: Option<SecretString>,
    /// `tokenFile`: a file holding a bearer token.
    #[serde(default, rename = "tokenFile")]
    pub token_file: Option<ConfigPath>,
    /// `as`: the user to impersonate.
    #[serde(default, rename = "as")]
    pub impersonate: Option<String>,
    /// `as-uid`.
    #[serde(default, rename = "as-uid")]
    pub impersonate_uid: Option<String>,
    /// `as-groups`.
    #[serde(default, rename = "as-groups", deserialize_with = "or_default")]
    pub impersonate_groups: Vec<String>,
    /// `as-user-extra`.
    #[serde(default, rename = "as-user-extra", deserialize_with = "or_default")]
    pub impersonate_user_extra: BTreeMap<String, Vec<String>>,
    /// `username` for basic auth.
    #[serde(default)]
    pub username: Option<String>,
    /// `password` for basic auth.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// `auth-provider`.
    #[serde(default)]
    pub auth_provider: Option<AuthProviderConfig>,
    /// `exec`: a credential plugin.
    #[serde(default)]
    pub exec: Option<ExecConfig>,
    /// `extensions`.
    #[serde(default, deserialize_with = "or_default")]
    pub extensions: Vec<NamedExtension>,
}

/// `auth-provider` of a user.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct AuthProviderConfig {
    /// `name`: `oidc` (`gcp` and `azure` were removed upstream).
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// `config`. All values are treated as secret (it holds id-token, refresh-token and
    /// client-secret).
    #[serde(default)]
    pub config: Option<BTreeMap<String, SecretString>>,
}

/// `exec`: a credential plugin (`client.authentication.k8s.io`).
///
/// Its `Debug` shows `args` as `["--- REDACTED ---"]`, as client-go prints an ExecConfig:
/// plugins take tokens and passwords as arguments.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecConfig {
    /// `command`. Relative paths containing a `/` are resolved against the kubeconfig's
    /// directory; bare names are looked up in `PATH`.
    #[serde(default)]
    pub command: ConfigPath,
    /// `args`.
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// `env`, added to the process environment.
    #[serde(default)]
    pub env: Option<Vec<ExecEnvVar>>,
    /// `apiVersion` of the ExecCredential exchanged with the plugin.
    #[serde(default)]
    pub api_version: Option<String>,
    /// `installHint`, shown when the command cannot be found.
    #[serde(default)]
    pub install_hint: Option<String>,
    /// `provideClusterInfo`: pass the cluster in `KUBERNETES_EXEC_INFO`.
    #[serde(default, deserialize_with = "or_default")]
    pub provide_cluster_info: bool,
    /// `interactiveMode`: `Never`, `IfAvailable` or `Always` (required in v1).
    #[serde(default)]
    pub interactive_mode: Option<String>,
}

impl std::fmt::Debug for ExecConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecConfig")
            .field("command", &self.command)
            .field("args", &self.args.as_deref().map(redact_args))
            .field("env", &self.env)
            .field("api_version", &self.api_version)
            .field("install_hint", &self.install_hint)
            .field("provide_cluster_info", &self.provide_cluster_info)
            .field("interactive_mode", &self.interactive_mode)
            .finish()
    }
}

/// Exec plugin arguments as client-go prints them: one placeholder for any number.
pub(crate) fn redact_args(args: &[String]) -> &'static [&'static str] {
    if args.is_empty() {
        &[]
    } else {
        &["--- REDACTED ---"]
    }
}

/// One `env` entry of an exec plugin.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ExecEnvVar {
    /// `name`.
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// `value` (may hold a secret).
    #[serde(default, deserialize_with = "or_default")]
    pub value: SecretString,
}

/// A named entry of `contexts`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NamedContext {
    /// `name`.
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// `context`.
    #[serde(default, deserialize_with = "or_default")]
    pub context: Context,
    /// Where this entry was defined (set by the loader).
    #[serde(skip)]
    pub origin: Origin,
}

/// A context: a cluster, a user and a default namespace.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Context {
    /// `cluster`.
    #[serde(default, deserialize_with = "or_default")]
    pub cluster: String,
    /// `user`.
    #[serde(default, deserialize_with = "or_default")]
    pub user: String,
    /// `namespace`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// `extensions`.
    #[serde(default, deserialize_with = "or_default")]
    pub extensions: Vec<NamedExtension>,
}

/// A named extension: arbitrary data under a name.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NamedExtension {
    /// `name`.
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// `extension`, as JSON.
    #[serde(default)]
    pub extension: serde_json::Value,
}

impl Kubeconfig {
    /// Parses one kubeconfig from YAML (or JSON) text. Relative paths are kept as written.
    ///
    /// The YAML is read as client-go reads it (see [`yaml`](crate::yaml)): `token: 123` is a
    /// number and an error. A name defined twice in one list is an error, as in client-go.
    ///
    /// ```
    /// use k8s_client::config::Kubeconfig;
    /// let kc = Kubeconfig::from_yaml("clusters:\n- name: c\n  cluster: {server: https://c}\n")?;
    /// assert_eq!(kc.clusters[0].cluster.server, "https://c");
    /// # Ok::<(), k8s_client::config::ConfigError>(())
    /// ```
    pub fn from_yaml(text: &str) -> Result<Self, ConfigError> {
        Self::parse(text, None)
    }

    /// Parses one kubeconfig that was read from `file`: errors name the file, entries record
    /// it as their [`Origin`], and relative paths are resolved against its directory.
    pub fn parse(text: &str, file: Option<&Path>) -> Result<Self, ConfigError> {
        let origin = describe_file(file);
        // Empty text, or only comments, is an empty kubeconfig (as in client-go).
        let parsed: Option<Kubeconfig> =
            crate::yaml::from_str(text).map_err(|e| yaml_error(&origin, &e))?;
        let mut kc = parsed.unwrap_or_default();
        check_unique(&origin, "clusters", kc.clusters.iter().map(|c| &c.name))?;
        check_unique(&origin, "users", kc.users.iter().map(|c| &c.name))?;
        check_unique(&origin, "contexts", kc.contexts.iter().map(|c| &c.name))?;
        check_unique(&origin, "extensions", kc.extensions.iter().map(|c| &c.name))?;
        let dir = file.map(|f| f.parent().unwrap_or(Path::new("")).to_path_buf());
        for (index, c) in kc.clusters.iter_mut().enumerate() {
            c.origin = Origin {
                file: file.map(Path::to_path_buf),
                index,
            };
            if let (Some(dir), Some(ca)) = (&dir, c.cluster.certificate_authority.as_mut()) {
                ca.resolve(dir);
            }
        }
        for (index, u) in kc.users.iter_mut().enumerate() {
            u.origin = Origin {
                file: file.map(Path::to_path_buf),
                index,
            };
            if let Some(dir) = &dir {
                let a = &mut u.auth_info;
                for p in [
                    &mut a.client_certificate,
                    &mut a.client_key,
                    &mut a.token_file,
                ]
                .into_iter()
                .flatten()
                {
                    p.resolve(dir);
                }
                // A bare command name is looked up in PATH; only paths are resolved.
                if let Some(exec) = a
                    .exec
                    .as_mut()
                    .filter(|e| e.command.as_written().contains(std::path::MAIN_SEPARATOR))
                {
                    exec.command.resolve(dir);
                }
            }
        }
        for (index, c) in kc.contexts.iter_mut().enumerate() {
            c.origin = Origin {
                file: file.map(Path::to_path_buf),
                index,
            };
        }
        Ok(kc)
    }

    /// Merges `other` into `self` with client-go's rules: for each cluster, user, context
    /// and extension name the entry already in `self` wins whole; the current-context of
    /// `self` wins unless it is empty; preferences are merged field by field.
    pub fn merge(mut self, other: Kubeconfig) -> Kubeconfig {
        fn merge_named<T>(into: &mut Vec<T>, from: Vec<T>, name: impl Fn(&T) -> &str) {
            for item in from {
                if !into.iter().any(|x| name(x) == name(&item)) {
                    into.push(item);
                }
            }
        }
        merge_named(&mut self.clusters, other.clusters, |c| &c.name);
        merge_named(&mut self.users, other.users, |c| &c.name);
        merge_named(&mut self.contexts, other.contexts, |c| &c.name);
        merge_named(&mut self.extensions, other.extensions, |c| &c.name);
        merge_named(
            &mut self.preferences.extensions,
            other.preferences.extensions,
            |c| &c.name,
        );
        self.preferences.colors |= other.preferences.colors;
        if self.current_context.as_deref().unwrap_or("").is_empty() {
            self.current_context = other.current_context;
        }
        if self.kind.is_none() {
            self.kind = other.kind;
        }
        if self.api_version.is_none() {
            self.api_version = other.api_version;
        }
        self
    }

    /// The context called `name`.
    pub fn context(&self, name: &str) -> Option<&NamedContext> {
        self.contexts.iter().find(|c| c.name == name)
    }

    /// The cluster called `name`.
    pub fn cluster(&self, name: &str) -> Option<&NamedCluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// The user called `name`.
    pub fn user(&self, name: &str) -> Option<&NamedAuthInfo> {
        self.users.iter().find(|c| c.name == name)
    }

    /// The current-context, if set and not empty.
    pub fn current_context(&self) -> Option<&str> {
        self.current_context.as_deref().filter(|s| !s.is_empty())
    }
}

fn check_unique<'a>(
    origin: &str,
    list: &'static str,
    names: impl Iterator<Item = &'a String>,
) -> Result<(), ConfigError> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name.as_str()) {
            return Err(ConfigError::DuplicateName {
                origin: origin.to_owned(),
                list,
                name: name.clone(),
            });
        }
    }
    Ok(())
}

fn yaml_error(origin: &str, e: &crate::yaml::YamlError) -> ConfigError {
    ConfigError::Yaml {
        origin: origin.to_owned(),
        line: u64::try_from(e.line()).unwrap_or(u64::MAX),
        column: u64::try_from(e.column()).unwrap_or(u64::MAX),
        // The message never quotes a value of the file, only names and types.
        message: match e.path() {
            Some(path) => format!("{path}: {}", e.message()),
            None => e.message().to_owned(),
        },
    }
}
