//! The DNS-1123 name rules Kubernetes gives namespaces, API groups and versions.

/// Lowercase alphanumerics and `-`, starting and ending alphanumeric, at most 63 bytes
/// (namespaces, API versions).
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    s.len() <= 63 && is_label_text(s)
}

/// Labels of [`is_dns1123_label`]'s characters joined by `.`, at most 253 bytes (API groups).
pub(crate) fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_label_text)
}

/// A label without its length limit: the subdomain limits only the whole.
fn is_label_text(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        for good in ["v1", "v1beta1", "a", "0", "a-b", &"a".repeat(63)] {
            assert!(is_dns1123_label(good), "{good}");
        }
        for bad in [
            "",
            "V1",
            "-a",
            "a-",
            "a.b",
            "..",
            "a/b",
            "/a",
            &"a".repeat(64),
            "é",
        ] {
            assert!(!is_dns1123_label(bad), "{bad}");
        }
    }

    #[test]
    fn subdomains() {
        for good in ["apps", "metrics.k8s.io", "a-b.c", &["a"; 127].join(".")] {
            assert!(is_dns1123_subdomain(good), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a..b",
            ".a",
            "a.",
            "../x",
            "/abs",
            "A.b",
            "a_b",
            &["a"; 128].join("."),
            &"a".repeat(254),
        ] {
            assert!(!is_dns1123_subdomain(bad), "{bad}");
        }
    }
}
