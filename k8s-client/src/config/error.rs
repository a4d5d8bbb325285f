//! The one error type of the configuration layer.

use std::path::PathBuf;

/// Everything that can go wrong while loading a kubeconfig, resolving a [`Config`](super::Config)
/// or obtaining a credential.
///
/// Every variant names the file and the object or field involved. Secret values (tokens,
/// passwords, key material, plugin stdout) never appear in the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read.
    #[error("reading {what} {}", .path.display())]
    Read {
        /// What the file is, e.g. `kubeconfig` or `users[0] "bob": client-key`.
        what: String,
        /// The path that was read.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("writing {what} {}", .path.display())]
    Write {
        /// What the file is, e.g. `kubeconfig` or `lock file`.
        what: String,
        /// The path that was written.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// Another writer holds the kubeconfig's lock file.
    #[error(
        "{} exists: another process is changing the kubeconfig (remove the file if none is)",
        .lock.display()
    )]
    Locked {
        /// The lock file, `<kubeconfig>.lock`.
        lock: PathBuf,
    },
    /// The kubeconfig is not valid YAML, or does not have the shape of a kubeconfig.
    #[error("{origin}: line {line} column {column}: {message}")]
    Yaml {
        /// `kubeconfig <path>`, or `kubeconfig` when parsed from a string.
        origin: String,
        /// 1-based line (0 if unknown).
        line: u64,
        /// 1-based column (0 if unknown).
        column: u64,
        /// What is wrong, after the field path for type errors (`users[0].user.token: invalid
        /// type: …`). It never quotes a value of the file, which could be a secret.
        message: String,
    },
    /// A name is defined twice in one kubeconfig file.
    #[error("{origin}: duplicate name {name:?} in {list}")]
    DuplicateName {
        /// `kubeconfig <path>`.
        origin: String,
        /// `clusters`, `users`, `contexts` or `extensions`.
        list: &'static str,
        /// The duplicated name.
        name: String,
    },
    /// A field has an invalid value.
    #[error("{origin}: {object}: {field}: {message}")]
    Invalid {
        /// `kubeconfig <path>`, `in-cluster config`, …
        origin: String,
        /// The object, e.g. `users[1] "bob"`.
        object: String,
        /// The field, e.g. `client-key-data`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A context, cluster or user that was asked for does not exist.
    #[error("{kind} {name:?} not found in kubeconfig")]
    NotFound {
        /// `context`, `cluster` or `user`.
        kind: &'static str,
        /// The name that was asked for.
        name: String,
    },
    /// No context was given and the kubeconfig has no current-context.
    #[error("kubeconfig has no current-context and no context was given")]
    NoCurrentContext,
    /// A user defines more than one way to authenticate.
    #[error("{origin}: {object}: more than one auth method: {}", .methods.join(", "))]
    MultipleAuthMethods {
        /// `kubeconfig <path>`.
        origin: String,
        /// The user, e.g. `users[0] "bob"`.
        object: String,
        /// The methods found, e.g. `token`, `basic`, `exec`.
        methods: Vec<&'static str>,
    },
    /// An exec credential plugin failed or returned something unusable.
    #[error("exec plugin {command:?}: {message}{}", stderr_suffix(.stderr))]
    Exec {
        /// The plugin command as configured.
        command: String,
        /// What went wrong.
        message: String,
        /// The last non-empty line of the plugin's stderr, cut to 200 characters (never its
        /// stdout, and never the whole stderr, where plugins print debugging output).
        stderr: String,
    },
    /// An auth-provider failed or is not supported.
    #[error("auth-provider {name:?}: {message}")]
    AuthProvider {
        /// The provider name (`oidc`, `gcp`, …).
        name: String,
        /// What went wrong.
        message: String,
    },
    /// In-cluster configuration is not available or invalid.
    #[error("in-cluster config: {message}")]
    InCluster {
        /// What is missing or wrong.
        message: String,
    },
    /// A credential cannot be sent: it is not a valid HTTP header value
    /// (a token with a line break, say).
    #[error("the credential from {origin} is not a valid HTTP header value")]
    InvalidCredential {
        /// Where the credential came from, such as `token file` or `exec plugin`.
        origin: &'static str,
    },
    /// [`Config::infer`](super::Config::infer) found no usable configuration.
    #[error("no Kubernetes configuration found; tried: {}", .tried.join("; "))]
    Infer {
        /// Every place tried, with why it did not work.
        tried: Vec<String>,
    },
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; stderr: {stderr}")
    }
}

impl ConfigError {
    pub(crate) fn invalid(
        origin: impl Into<String>,
        object: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            origin: origin.into(),
            object: object.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}
