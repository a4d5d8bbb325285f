//! `Warning` response headers (RFC 7234 style, as the API server sends them for
//! deprecated APIs and similar).

use std::fmt;
use std::sync::Arc;

use reqwest::header::{HeaderMap, WARNING};

/// Receives the text of each `Warning: 299 - "…"` header a response carries.
///
/// The default logs each at warn level through `tracing`, like client-go's
/// default handler logs them.
#[derive(Clone)]
pub struct WarningHandler(Arc<dyn Fn(&str) + Send + Sync>);

impl WarningHandler {
    /// A handler that calls `f` with each warning's text.
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        WarningHandler(Arc::new(f))
    }

    /// A handler that drops warnings.
    pub fn ignore() -> Self {
        WarningHandler::new(|_| {})
    }

    pub(crate) fn handle(&self, headers: &HeaderMap) {
        for value in headers.get_all(WARNING) {
            if let Some(text) = value.to_str().ok().and_then(parse_warning) {
                (self.0)(&text);
            }
        }
    }
}

impl Default for WarningHandler {
    fn default() -> Self {
        WarningHandler::new(|text| tracing::warn!(target: "k8s_client::warning", "Warning: {text}"))
    }
}

impl fmt::Debug for WarningHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WarningHandler")
    }
}

/// Parses `299 - "text"`; other codes are ignored, as client-go ignores them.
fn parse_warning(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, ' ');
    let code = parts.next()?;
    let _agent = parts.next()?;
    let rest = parts.next()?.trim();
    if code != "299" {
        return None;
    }
    let quoted = rest.strip_prefix('"')?;
    let mut text = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?),
            '"' => return Some(text),
            c => text.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_299_warnings_only() {
        assert_eq!(
            parse_warning(r#"299 - "policy/v1beta1 PodSecurityPolicy is deprecated""#).as_deref(),
            Some("policy/v1beta1 PodSecurityPolicy is deprecated")
        );
        assert_eq!(
            parse_warning(r#"299 - "a \"quoted\" word" "Wed, 21 Oct 2015 07:28:00 GMT""#)
                .as_deref(),
            Some(r#"a "quoted" word"#)
        );
        assert_eq!(parse_warning(r#"199 - "misc""#), None);
        assert_eq!(parse_warning("garbage"), None);
    }
}
