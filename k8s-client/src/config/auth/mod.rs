//! The auth provider the transport asks for a credential on every request.

pub(crate) mod exec;
pub(crate) mod oidc;
pub(crate) mod token_file;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::error::ConfigError;
use super::pem::ClientIdentity;
use super::secret::SecretString;

pub use exec::ExecClusterInfo;
pub use oidc::{OidcRefreshRequest, OidcRefresher, OidcTokens};

/// A credential to attach to one request.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credential {
    /// No credential.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// `Authorization: Basic base64(<username>:<password>)`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// A TLS client certificate returned by an exec plugin. The transport must present
    /// it (and rebuild its TLS connections when it changes).
    ClientCertificate(ClientIdentity),
}

impl Credential {
    /// The `Authorization` header value for `Bearer` and `Basic`; `None` for the others.
    ///
    /// ```
    /// use k8s_client::config::{Credential, SecretString};
    /// let c = Credential::Basic { username: "u".into(), password: SecretString::new("p") };
    /// assert_eq!(c.authorization().unwrap().expose_secret(), "Basic dTpw");
    /// ```
    pub fn authorization(&self) -> Option<SecretString> {
        match self {
            Credential::Bearer(t) => {
                Some(SecretString::new(format!("Bearer {}", t.expose_secret())))
            }
            Credential::Basic { username, password } => {
                use base64::Engine as _;
                let raw = format!("{username}:{}", password.expose_secret());
                let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
                Some(SecretString::new(format!("Basic {b64}")))
            }
            Credential::None | Credential::ClientCertificate(_) => None,
        }
    }
}

/// The source of credentials for one [`Config`](super::Config).
///
/// [`Auth`] is cheap to clone and shares its state, so every clone sees the same cached
/// credential. The transport calls [`Auth::credential`] before each request, and
/// [`Auth::invalidate`] after a 401 so that the next call re-runs the exec plugin or
/// re-reads the token file.
///
/// ```no_run
/// # async fn f(config: k8s_client::config::Config) -> Result<(), k8s_client::config::ConfigError> {
/// use k8s_client::config::Credential;
/// match config.auth.credential().await? {
///     Credential::Bearer(token) => { /* Authorization: Bearer <token.expose_secret()> */ }
///     Credential::Basic { username, password } => { /* Authorization: Basic … */ }
///     Credential::ClientCertificate(identity) => { /* TLS client auth */ }
///     _ => {}
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Auth(Arc<Provider>);

enum Provider {
    None,
    Static(Credential),
    TokenFile(token_file::TokenFile),
    Exec(exec::ExecAuth),
    Oidc(oidc::OidcAuth),
}

impl Auth {
    /// No authentication (client certificates from the kubeconfig are part of TLS, not
    /// of `Auth`).
    pub fn none() -> Self {
        Self(Arc::new(Provider::None))
    }

    /// A static bearer token.
    pub fn bearer(token: impl Into<SecretString>) -> Self {
        Self(Arc::new(Provider::Static(Credential::Bearer(token.into()))))
    }

    /// Static basic auth.
    pub fn basic(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Self(Arc::new(Provider::Static(Credential::Basic {
            username: username.into(),
            password: password.into(),
        })))
    }

    /// A bearer token read from a file, re-read at most once a minute (and after
    /// [`invalidate`](Self::invalidate)). When a re-read fails the last good token is kept.
    pub fn token_file(path: impl Into<PathBuf>) -> Self {
        Self(Arc::new(Provider::TokenFile(token_file::TokenFile::new(
            path.into(),
            token_file::REFRESH_PERIOD,
        ))))
    }

    pub(crate) fn from_token_file(t: token_file::TokenFile) -> Self {
        Self(Arc::new(Provider::TokenFile(t)))
    }

    pub(crate) fn from_exec(e: exec::ExecAuth) -> Self {
        Self(Arc::new(Provider::Exec(e)))
    }

    pub(crate) fn from_oidc(o: oidc::OidcAuth) -> Self {
        Self(Arc::new(Provider::Oidc(o)))
    }

    /// `true` when this provider never returns a credential.
    pub fn is_none(&self) -> bool {
        matches!(*self.0, Provider::None)
    }

    /// The credential for the next request. Cached; refreshed as needed (token file
    /// re-read, exec plugin re-run after expiry, OIDC refresh).
    ///
    /// An exec plugin run is bounded: it is killed after 2 minutes, and may print at most
    /// 1 MiB on stdout; of its stderr, an error shows only the last line, cut to 200
    /// characters.
    pub async fn credential(&self) -> Result<Credential, ConfigError> {
        match &*self.0 {
            Provider::None => Ok(Credential::None),
            Provider::Static(c) => Ok(c.clone()),
            Provider::TokenFile(t) => t.token().await.map(Credential::Bearer),
            Provider::Exec(e) => e.credential().await,
            Provider::Oidc(o) => o.credential().await,
        }
    }

    /// Drops the cached credential, so the next [`credential`](Self::credential) re-runs
    /// the exec plugin or re-reads the token file. Call it after a 401.
    pub fn invalidate(&self) {
        match &*self.0 {
            Provider::None | Provider::Static(_) => {}
            Provider::TokenFile(t) => t.invalidate(),
            Provider::Exec(e) => e.invalidate(),
            Provider::Oidc(o) => o.invalidate(),
        }
    }

    /// Sets the HTTP function used to refresh an expired OIDC id-token. Only the
    /// `auth-provider: oidc` provider uses it; for others this does nothing.
    /// Returns `false` if a refresher was already set.
    pub fn set_oidc_refresher(&self, refresher: Arc<dyn OidcRefresher>) -> bool {
        match &*self.0 {
            Provider::Oidc(o) => o.set_refresher(refresher),
            _ => false,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &*self.0 {
            Provider::None => "None",
            Provider::Static(Credential::Basic { .. }) => "Basic",
            Provider::Static(_) => "Bearer",
            Provider::TokenFile(_) => "TokenFile",
            Provider::Exec(_) => "Exec",
            Provider::Oidc(_) => "Oidc",
        };
        f.debug_tuple("Auth")
            .field(&format_args!("{kind}"))
            .finish()
    }
}

impl Default for Auth {
    fn default() -> Self {
        Self::none()
    }
}
