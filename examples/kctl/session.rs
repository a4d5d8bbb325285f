//! The kubeconfig and the client, resolved once per run from the global flags.

use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};
use k8s_client::discovery::{Discovery, RestMapper};
use k8s_client::{Client, ClientBuilder, WarningHandler};

use crate::cli::Global;
use crate::error::Failure;
use crate::terminal::escape_terminal;

/// What every server command needs: the client and the namespace to work in.
pub(crate) struct Session {
    /// The client for the chosen context.
    pub(crate) client: Client,
    /// Discovery with kubectl's disk cache (`$KUBECACHEDIR`, else `~/.kube/cache`),
    /// so kctl and kubectl share it.
    pub(crate) discovery: Discovery,
    /// Names to resources, over `discovery`.
    pub(crate) mapper: RestMapper,
    /// `-n`, else the context's namespace, else `default`.
    pub(crate) namespace: String,
    /// Whether `-n` was given (then objects of another namespace are refused).
    pub(crate) namespace_explicit: bool,
    /// `-A`.
    pub(crate) all_namespaces: bool,
    /// `--request-timeout` in seconds, if given and not 0.
    pub(crate) request_timeout: Option<u64>,
}

/// The kubeconfig as kubectl loads it: the `--kubeconfig` file alone (it must
/// exist), else the `KUBECONFIG` chain or `~/.kube/config` (missing files skipped).
pub(crate) async fn load_kubeconfig(global: &Global) -> Result<Kubeconfig, Failure> {
    Ok(match &global.kubeconfig {
        Some(path) => Kubeconfig::read_from(path).await?,
        None => Kubeconfig::read().await?,
    })
}

impl Session {
    /// Resolves the context (`--context`, else current-context) and builds the
    /// client. Without any kubeconfig context it falls back to the in-cluster
    /// service account, as kubectl does.
    pub(crate) async fn connect(global: &Global) -> Result<Session, Failure> {
        let kubeconfig = load_kubeconfig(global).await?;
        let has_context =
            global.context.is_some() || kubeconfig.current_context().is_some_and(|c| !c.is_empty());
        let mut config = if has_context || global.kubeconfig.is_some() {
            let options = KubeConfigOptions {
                context: global.context.clone(),
                ..KubeConfigOptions::default()
            };
            Config::from_custom_kubeconfig(kubeconfig, &options).await?
        } else {
            Config::infer().await?
        };
        let request_timeout = global.request_timeout.filter(|&s| s > 0);
        if let Some(secs) = request_timeout {
            config.timeout = Some(std::time::Duration::from_secs(secs));
        }
        let namespace = global
            .namespace
            .clone()
            .unwrap_or_else(|| config.default_namespace.clone());
        // The server's deprecation and similar warnings go to stderr, as kubectl prints them.
        let client = ClientBuilder::from_config(config)
            .warning_handler(WarningHandler::new(|text| {
                eprintln!("{}", warning_line(text))
            }))
            .build()?;
        let discovery = Discovery::new(client.clone()).default_cache_dir();
        Ok(Session {
            mapper: discovery.rest_mapper(),
            discovery,
            client,
            namespace,
            namespace_explicit: global.namespace.is_some(),
            all_namespaces: global.all_namespaces,
            request_timeout,
        })
    }
}

/// A server warning as kubectl prints it on stderr, escaped for the terminal.
fn warning_line(text: &str) -> String {
    format!("Warning: {}", escape_terminal(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_escaped_for_the_terminal() {
        assert_eq!(
            warning_line("deprecated\r\u{1b}[1Aok"),
            "Warning: deprecated\\r^[[1Aok"
        );
    }
}
