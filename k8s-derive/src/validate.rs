//! Stage 2: checks on attribute values. Each returns the message for the
//! caller to attach to the offending token's span.

/// An API group: empty (the core group) or a DNS-1123 subdomain.
pub(crate) fn group(g: &str) -> Result<(), String> {
    if g.is_empty() || is_dns_subdomain(g) {
        Ok(())
    } else {
        Err(format!(
            "invalid group `{g}`: must be empty (the core group) or a lowercase DNS subdomain such as `example.com`"
        ))
    }
}

/// A version such as `v1`, `v1beta2` or `v2alpha1`.
pub(crate) fn version(v: &str) -> Result<(), String> {
    let ok = (|| {
        let rest = v.strip_prefix('v')?;
        let (major, rest) = split_number(rest)?;
        if rest.is_empty() {
            return Some(major);
        }
        let rest = rest
            .strip_prefix("alpha")
            .or_else(|| rest.strip_prefix("beta"))?;
        let (minor, rest) = split_number(rest)?;
        rest.is_empty().then_some(minor)
    })()
    .is_some();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid version `{v}`: must look like `v1`, `v1beta2` or `v2alpha1`"
        ))
    }
}

/// Split a leading number without leading zero (at least 1) off `s`.
fn split_number(s: &str) -> Option<(&str, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, rest) = s.split_at(end);
    (!num.is_empty() && !num.starts_with('0')).then_some((num, rest))
}

/// A kind: UpperCamelCase ASCII letters and digits.
pub(crate) fn kind(k: &str) -> Result<(), String> {
    let mut chars = k.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid kind `{k}`: must be UpperCamelCase ASCII, such as `Widget`"
        ))
    }
}

/// A lowercase DNS-1123 label (plural, singular, short names, categories).
pub(crate) fn lower_label(what: &str, s: &str) -> Result<(), String> {
    if is_dns_label(s) {
        Ok(())
    } else {
        Err(format!(
            "invalid {what} `{s}`: must be a lowercase DNS label (a-z, 0-9, '-', at most 63)"
        ))
    }
}

/// A simple JSON path (no array notation) starting with one of `prefixes`.
pub(crate) fn json_path_under(p: &str, prefixes: &[&str]) -> Result<(), String> {
    let under = prefixes
        .iter()
        .any(|pre| p.starts_with(pre) && p.len() > pre.len());
    if under && !p.contains('[') && !p.ends_with('.') && !p.contains("..") {
        Ok(())
    } else {
        Err(format!(
            "invalid JSON path `{p}`: must start with {} and use no array notation",
            prefixes
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ))
    }
}

/// A printer column's `type`.
pub(crate) fn column_type(t: &str) -> Result<(), String> {
    const TYPES: [&str; 5] = ["integer", "number", "string", "boolean", "date"];
    if TYPES.contains(&t) {
        Ok(())
    } else {
        Err(format!(
            "invalid column type `{t}`: must be one of {TYPES:?}"
        ))
    }
}

/// A printer column's `format`.
pub(crate) fn column_format(f: &str) -> Result<(), String> {
    const FORMATS: [&str; 8] = [
        "int32",
        "int64",
        "float",
        "double",
        "byte",
        "date",
        "date-time",
        "password",
    ];
    if FORMATS.contains(&f) {
        Ok(())
    } else {
        Err(format!(
            "invalid column format `{f}`: must be one of {FORMATS:?}"
        ))
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for ok in ["v1", "v12", "v1beta2", "v2alpha1", "v10beta10"] {
            assert!(version(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "1", "v", "v0", "v01", "v1beta", "v1gamma1", "V1", "v1beta0", "v1-beta1",
        ] {
            assert!(version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn groups() {
        for ok in [
            "",
            "apps",
            "example.com",
            "a-b.example.com",
            "apiextensions.k8s.io",
        ] {
            assert!(group(ok).is_ok(), "{ok}");
        }
        for bad in [
            "Example.com",
            "example..com",
            ".example.com",
            "-a.com",
            "a_b.com",
            "example.com.",
        ] {
            assert!(group(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds() {
        assert!(kind("Widget").is_ok());
        assert!(kind("V1Thing").is_ok());
        for bad in ["widget", "", "Wid_get", "Wid-get", "Wïdget"] {
            assert!(kind(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths() {
        assert!(json_path_under(".spec.replicas", &[".spec."]).is_ok());
        assert!(json_path_under(".status.replicas", &[".spec."]).is_err());
        assert!(json_path_under(".spec.", &[".spec."]).is_err());
        assert!(json_path_under(".spec.items[0]", &[".spec."]).is_err());
        assert!(json_path_under(".metadata.name", &["."]).is_ok());
        assert!(json_path_under("spec", &["."]).is_err());
    }
}
