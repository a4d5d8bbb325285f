//! Decoding JSON response bodies, with errors that name the request, what
//! was being decoded and the field path where it failed.

use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// Decodes JSON, naming the operation, the target and the failing field path.
///
/// The fast path decodes directly; only a failure is decoded again with path
/// tracking, so well-formed responses pay nothing for good error messages.
pub(crate) fn decode_json<T: DeserializeOwned>(
    body: &[u8],
    operation: &str,
    what: &str,
) -> Result<T> {
    serde_json::from_slice(body).map_err(|source| {
        let mut de = serde_json::Deserializer::from_slice(body);
        let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => e.path().to_string(),
            Ok(_) => String::new(),
        };
        Error::Decode {
            operation: operation.to_owned(),
            what: what.to_owned(),
            path,
            source,
        }
    })
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
}
