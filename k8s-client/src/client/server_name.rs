//! `tls-server-name` sent as SNI, as client-go sends it.
//!
//! The HTTP client takes the SNI from the request URL's host and offers no way to set
//! another. So, as curl's `--connect-to` does, requests go to a URL whose host is the
//! `tls-server-name`, and a resolver maps that name back to the configured server's
//! address: the TCP connection goes where the kubeconfig says, the ClientHello names
//! `tls-server-name`, and the certificate is verified under it (see `tls.rs`).
//!
//! Through a proxy this cannot work (the proxy would resolve the name itself), so there
//! the name is only verified, not sent.

use std::net::SocketAddr;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Where requests are sent when the server is reached under another name.
pub(super) struct ConnectTo {
    /// The base URL requests use: the server's, with `tls-server-name` as its host.
    pub(super) base_url: String,
    /// Maps `tls-server-name` to the server's own address.
    pub(super) resolver: ServerNameResolver,
}

/// The proxy variables reqwest reads for https URLs.
const HTTPS_PROXY_VARS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// How to send `tls_server_name` as SNI to the server at `server`, or `None` when there is
/// nothing to do: no name, plain http, a name that is the host already or an IP address
/// (never sent as SNI), or a proxy in the way (`proxied`, or one from the environment).
pub(super) fn connect_to(
    server: &Url,
    tls_server_name: Option<&str>,
    proxied: bool,
) -> Option<ConnectTo> {
    let name = tls_server_name?;
    let env_proxy = HTTPS_PROXY_VARS
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|p| !p.is_empty()));
    if server.scheme() != "https"
        || proxied
        || env_proxy
        || name.parse::<std::net::IpAddr>().is_ok()
        || server
            .host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(name))
    {
        return None;
    }
    let written = server.host_str()?;
    // An IPv6 address is bracketed in URLs.
    let host = match written
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
    {
        Ok(ip) => Target::Ip(ip),
        Err(_) => Target::Domain(written.to_owned()),
    };
    let mut url = server.clone();
    url.set_host(Some(name)).ok()?;
    Some(ConnectTo {
        base_url: url.as_str().trim_end_matches('/').to_owned(),
        resolver: ServerNameResolver {
            name: name.to_ascii_lowercase(),
            host,
            port: server.port_or_known_default().unwrap_or(443),
        },
    })
}

#[derive(Clone, Debug)]
enum Target {
    Domain(String),
    Ip(std::net::IpAddr),
}

/// Resolves the `tls-server-name` to the configured server's address, and any other name
/// as usual.
#[derive(Clone, Debug)]
pub(super) struct ServerNameResolver {
    name: String,
    host: Target,
    port: u16,
}

impl Resolve for ServerNameResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let asked = name.as_str().to_ascii_lowercase();
        let (target, port) = if asked == self.name {
            (self.host.clone(), self.port)
        } else {
            (Target::Domain(asked), 0)
        };
        Box::pin(async move {
            let addrs: Addrs = match target {
                Target::Ip(ip) => Box::new(std::iter::once(SocketAddr::new(ip, port))),
                Target::Domain(domain) => {
                    let found: Vec<SocketAddr> = tokio::net::lookup_host((domain.as_str(), port))
                        .await?
                        .collect();
                    Box::new(found.into_iter())
                }
            };
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_url_carries_the_name_and_keeps_port_and_path() {
        let to = connect_to(
            &url("https://10.0.0.1:6443/k8s"),
            Some("api.example"),
            false,
        )
        .unwrap();
        assert_eq!(to.base_url, "https://api.example:6443/k8s");
        let to = connect_to(&url("https://[::1]:6443"), Some("localhost"), false).unwrap();
        assert_eq!(to.base_url, "https://localhost:6443");
    }

    #[test]
    fn nothing_to_do_without_a_name_to_send() {
        let server = url("https://10.0.0.1:6443");
        assert!(connect_to(&server, None, false).is_none());
        assert!(connect_to(&server, Some("10.0.0.2"), false).is_none());
        assert!(connect_to(&server, Some("api.example"), true).is_none());
        assert!(connect_to(&url("http://10.0.0.1"), Some("api.example"), false).is_none());
        assert!(connect_to(&url("https://API.example"), Some("api.example"), false).is_none());
    }

    #[tokio::test]
    async fn the_name_resolves_to_the_configured_server() {
        let to = connect_to(&url("https://127.0.0.2:6443"), Some("Api.Example"), false).unwrap();
        let name: Name = "api.example".parse().unwrap();
        let addrs: Vec<_> = to.resolver.resolve(name).await.unwrap().collect();
        assert_eq!(addrs, ["127.0.0.2:6443".parse::<SocketAddr>().unwrap()]);
    }
}
