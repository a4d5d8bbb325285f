//! Decoding JSON response bodies, with errors that name the request, what
//! was being decoded and the field path where it failed.

use std::fmt::Display;

use serde::de::DeserializeOwned;

use super::json_path::{path_after, path_at, scalar_at};
use crate::{Error, Result};

/// Decodes JSON, naming the operation, the target and the failing field path.
///
/// The body is checked to be UTF-8 once, as a whole, and then decoded as
/// text: decoding bytes would check each string on its own, which costs
/// more, and every typed decode goes through here (and the list decoder's
/// text items), so each type's deserializer is compiled for one reader only.
///
/// `operation` and `what` are only formatted when decoding fails.
pub(crate) fn decode_json<T: DeserializeOwned>(
    body: &[u8],
    operation: impl Display,
    what: impl Display,
) -> Result<T> {
    let text = std::str::from_utf8(body)
        .map_err(|e| not_utf8(body, e.valid_up_to(), &operation, &what))?;
    serde_json::from_str(text).map_err(|cause| decode_error(body, &operation, &what, "", cause))
}

/// The error for `body` having a byte that is not UTF-8 at `offset`.
fn not_utf8(body: &[u8], offset: usize, operation: &dyn Display, what: &dyn Display) -> Error {
    let cause = serde::de::Error::custom(format!("invalid UTF-8 at byte {offset}"));
    failure(operation, what, "", &path_after(body, offset), cause)
}

/// The error for `body` failing to decode with `source`, with the field
/// path where serde_json stopped. `at` is where `body` sits in a larger body
/// (`items[3]`), and prefixes the path.
pub(crate) fn decode_error(
    body: &[u8],
    operation: &dyn Display,
    what: &dyn Display,
    at: &str,
    cause: serde_json::Error,
) -> Error {
    let inner = path_at(body, cause.line(), cause.column());
    let offending = scalar_at(body, cause.line(), cause.column());
    failure(
        operation,
        what,
        at,
        &inner,
        redacted(cause, offending.as_ref()),
    )
}

/// `cause` without the value it rejects (`offending`), which may be a secret: serde's
/// messages quote it (`invalid type: string "hunter2"`), and so may a type's own. The
/// message is otherwise kept, its position included, as the YAML reader's errors are.
pub(crate) fn redacted(
    cause: serde_json::Error,
    offending: Option<&serde_json::Value>,
) -> serde_json::Error {
    let shown = cause.to_string();
    let position = match cause.line() {
        0 => String::new(),
        line => format!(" at line {line} column {}", cause.column()),
    };
    let message = shown.strip_suffix(&position).unwrap_or(&shown);
    let clean = crate::yaml::redact(message, offending);
    if clean == message {
        // Nothing quoted: keep the original, with its category (syntax, EOF, data).
        return cause;
    }
    serde::de::Error::custom(format!("{clean}{position}"))
}

fn failure(
    operation: &dyn Display,
    what: &dyn Display,
    at: &str,
    inner: &str,
    cause: serde_json::Error,
) -> Error {
    Error::Decode {
        operation: operation.to_string(),
        what: what.to_string(),
        path: join_path(at, inner),
        cause,
    }
}

/// `at` followed by a path inside the value there, as serde_path_to_error
/// writes paths (`.` alone for the value itself).
fn join_path(at: &str, inner: &str) -> String {
    match inner {
        "" | "." => at.to_owned(),
        _ if at.is_empty() => inner.to_owned(),
        _ if inner.starts_with('[') => format!("{at}{inner}"),
        _ => format!("{at}.{inner}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Widget {
        spec: Spec,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Spec {
        replicas: Vec<u32>,
    }

    #[test]
    fn decode_errors_name_operation_object_and_field_path() {
        let err = decode_json::<Widget>(
            br#"{"spec":{"replicas":[1,"two"]}}"#,
            "GET /apis/x/v1/widgets/w",
            "Widget ns/w",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("GET /apis/x/v1/widgets/w"), "{text}");
        assert!(text.contains("Widget ns/w"), "{text}");
        assert!(text.contains("at spec.replicas[1]"), "{text}");
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Stamped {
        at: crate::meta::Time,
        mode: Option<Mode>,
    }
    #[derive(Debug, serde::Deserialize)]
    enum Mode {
        Fast,
    }

    fn message(body: &[u8]) -> String {
        match decode_json::<Stamped>(body, "GET /s", "Stamped") {
            Err(e) => e.to_string(),
            Ok(v) => panic!("{v:?}"),
        }
    }

    #[test]
    fn decode_errors_do_not_quote_the_offending_value() {
        // serde's own messages.
        let text = decode_json::<Widget>(br#"{"spec":{"replicas":[1,"s3cr3t"]}}"#, "GET /w", "W")
            .unwrap_err()
            .to_string();
        assert_eq!(
            text,
            "GET /w: cannot decode W at spec.replicas[1]: invalid type: string, expected u32 at line 1 column 31"
        );
        let text = message(br#"{"at":"2024-01-01T00:00:00Z","mode":"s3cr3t"}"#);
        assert!(
            text.contains("at mode: unknown variant, expected `Fast`"),
            "{text}"
        );
        // A type's own message, quoting the value as Debug does (escapes included).
        for secret in [r#""s3cr3t""#, r#""s3\"cr\\3t""#, r#""s3cr3t\u00e9\n""#] {
            let body = format!(r#"{{"at": {secret}}}"#);
            let text = message(body.as_bytes());
            assert!(!text.contains("s3"), "{text}");
            assert!(
                text.contains("at at: invalid RFC 3339 timestamp [REDACTED]"),
                "{text}"
            );
        }
        // Syntax errors name no value, and are kept as they are.
        let text = message(br#"{"at": tru}"#);
        assert!(text.contains("expected ident at line 1 column"), "{text}");
    }

    #[test]
    fn a_cut_out_value_prefixes_the_path_with_its_place() {
        let path = |body: &[u8]| {
            let cause = serde_json::from_slice::<Widget>(body).unwrap_err();
            match decode_error(body, &"GET /w", &"w list", "items[3]", cause) {
                Error::Decode { path, .. } => path,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            path(br#"{"spec":{"replicas":["x"]}}"#),
            "items[3].spec.replicas[0]"
        );
        assert_eq!(path(b"7"), "items[3]");
        assert_eq!(join_path("items[3]", "[0].a"), "items[3][0].a");
        assert_eq!(join_path("", "spec"), "spec");
    }
}
