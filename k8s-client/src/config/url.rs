//! The API server URL: `http(s)://host[:port][/path]`.

use std::fmt;
use std::str::FromStr;

/// A validated API server URL: scheme `http` or `https`, a host (name, IPv4, or bracketed
/// IPv6), an optional port and an optional path prefix; no user info, query or fragment.
///
/// ```
/// use k8s_client::config::ClusterUrl;
/// let u: ClusterUrl = "https://[::1]:6443/prefix/".parse()?;
/// assert_eq!(u.as_str(), "https://[::1]:6443/prefix");
/// assert_eq!(u.host(), "[::1]");
/// assert_eq!(u.port_or_default(), 6443);
/// assert!(u.is_https());
/// # Ok::<(), k8s_client::config::InvalidUrl>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClusterUrl {
    https: bool,
    host: String,
    port: Option<u16>,
    path: String,
    text: String,
}

/// Why a string is not a valid [`ClusterUrl`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid server URL {url:?}: {reason}")]
pub struct InvalidUrl {
    /// The URL as given, with any user info replaced by `REDACTED`.
    pub url: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl ClusterUrl {
    /// The normalized URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `true` for `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host; IPv6 addresses keep their brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The explicit port, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The explicit port, else 443 for https and 80 for http.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(if self.https { 443 } else { 80 })
    }

    /// The path prefix without a trailing `/` (empty for none).
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for ClusterUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for ClusterUrl {
    type Err = InvalidUrl;

    fn from_str(s: &str) -> Result<Self, InvalidUrl> {
        let bad = |reason| InvalidUrl {
            url: redact_url(s),
            reason,
        };
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| bad("must start with https:// or http://"))?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err(bad("scheme must be https or http")),
        };
        if rest.contains(['?', '#']) {
            return Err(bad("must not have a query or fragment"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("must not contain user info"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (addr, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed '[' in host"))?;
            if addr.is_empty()
                || !addr
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            {
                return Err(bad("invalid IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| bad("invalid port"))?),
            };
            (format!("[{addr}]"), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (authority.to_owned(), None),
            }
        };
        if host.is_empty() {
            return Err(bad("missing host"));
        }
        if !host.starts_with('[')
            && !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(bad("invalid host"));
        }
        let port = match port {
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad("invalid port"))?),
            None => None,
        };
        let path = path.trim_end_matches('/').to_owned();
        let mut text = format!(
            "{}://{}",
            if https { "https" } else { "http" },
            host.to_ascii_lowercase()
        );
        if let Some(p) = port {
            text.push_str(&format!(":{p}"));
        }
        text.push_str(&path);
        Ok(Self {
            https,
            host: host.to_ascii_lowercase(),
            port,
            path,
            text,
        })
    }
}

/// `url` with its user info (`user:password@`), if any, replaced by
/// `REDACTED`, for errors and logs: user info may carry a password.
pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let mut out = String::with_capacity(url.len());
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str("REDACTED");
    out.push_str(&rest[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_redacted() {
        assert_eq!(
            redact_url("http://bob:hunter2@proxy:3128/x@y"),
            "http://REDACTED@proxy:3128/x@y"
        );
        assert_eq!(redact_url("socks5://tok@p"), "socks5://REDACTED@p");
        assert_eq!(redact_url("https://k:6443/a@b"), "https://k:6443/a@b");
        let err = "https://u:pw@k".parse::<ClusterUrl>().unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    #[test]
    fn parses_valid_urls() {
        let u: ClusterUrl = "https://k8s.example.com".parse().unwrap();
        assert_eq!(
            (u.host(), u.port(), u.path(), u.is_https()),
            ("k8s.example.com", None, "", true)
        );
        let u: ClusterUrl = "http://10.0.0.1:8080/api/prefix/".parse().unwrap();
        assert_eq!(u.as_str(), "http://10.0.0.1:8080/api/prefix");
        assert_eq!(u.port_or_default(), 8080);
        let u: ClusterUrl = "https://[fd00::1]".parse().unwrap();
        assert_eq!(u.port_or_default(), 443);
    }

    #[test]
    fn rejects_invalid_urls() {
        for bad in [
            "k8s.example.com:6443",
            "ftp://x",
            "https://",
            "https://:6443",
            "https://h:99999",
            "https://h:port",
            "https://u:p@h",
            "https://h/?q=1",
            "https://[::1",
            "https://[zz]:1",
            "https://h h",
        ] {
            assert!(bad.parse::<ClusterUrl>().is_err(), "{bad}");
        }
    }
}
