//! Building a [`Client`] from a resolved [`Config`].

use super::{Client, ClientBuilder};
use crate::config::Config;
use crate::{Error, Result};

impl TryFrom<Config> for Client {
    type Error = Error;

    fn try_from(config: Config) -> Result<Client> {
        ClientBuilder::from_config(config).build()
    }
}

impl ClientBuilder {
    /// A builder preset from a resolved [`Config`], for what a `Config` does not
    /// carry: a warning handler, a user agent, a retry policy, extra headers.
    /// `Client::try_from(config)` is `ClientBuilder::from_config(config).build()`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), k8s_client::Error> {
    /// use k8s_client::{ClientBuilder, Config, WarningHandler};
    /// let client = ClientBuilder::from_config(Config::infer().await?)
    ///     .warning_handler(WarningHandler::new(|w| eprintln!("Warning: {w}")))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn from_config(config: Config) -> ClientBuilder {
        // An `auth-provider: oidc` user refreshes expired id-tokens over HTTPS.
        config
            .auth
            .set_oidc_refresher(std::sync::Arc::new(super::oidc_refresh::HttpOidcRefresher));
        let mut builder = Client::builder(config.cluster_url.as_str())
            .default_namespace(config.default_namespace)
            .root_certificates(config.root_certs)
            .accept_invalid_certs(config.accept_invalid_certs)
            .disable_compression(config.disable_compression)
            .protobuf(config.protobuf)
            .rate_limit(config.qps, config.burst)
            .auth(config.auth);
        if let Some(name) = config.tls_server_name {
            builder = builder.tls_server_name(name);
        }
        if let Some(proxy) = config.proxy_url {
            builder = builder.proxy_url(proxy);
        }
        if let Some(identity) = config.client_identity {
            builder =
                builder.client_identity(identity.cert_chain.clone(), identity.key().clone_key());
        }
        if let Some(timeout) = config.timeout {
            builder = builder.timeout(timeout);
        }
        for (name, value) in config.impersonate.iter().flat_map(|i| i.headers()) {
            builder = builder.header(name, value);
        }
        builder
    }
}

impl Client {
    /// A client for the inferred configuration: the kubeconfig chain
    /// (`KUBECONFIG`, else `~/.kube/config`), then the in-cluster service account.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), k8s_client::Error> {
    /// let client = k8s_client::Client::try_default().await?;
    /// # Ok(()) }
    /// ```
    pub async fn try_default() -> Result<Client> {
        Client::try_from(Config::infer().await?)
    }
}
