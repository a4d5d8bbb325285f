//! `apiVersion` and `kind` for request bodies.
//!
//! Typed Rust structs rarely carry `apiVersion`/`kind` fields (the derive
//! attaches them to the type, not to each value), but the API server rejects
//! a create, update or apply body without them. The `Api` knows both, so it
//! fills in whichever the serialized object lacks and leaves any the object
//! sets itself untouched.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

/// Whether the two top-level keys are present; their values and everything
/// else are skipped without being decoded.
#[derive(Deserialize)]
struct TypeMetaProbe {
    #[serde(rename = "apiVersion", default)]
    api_version: Option<IgnoredAny>,
    #[serde(default)]
    kind: Option<IgnoredAny>,
}

/// Serializes `object` as JSON with `apiVersion` and `kind` present.
///
/// Values that are not JSON objects are returned as serialized: the server
/// will say what is wrong with them.
pub(crate) fn encode_with_type_meta<T: Serialize + ?Sized>(
    object: &T,
    api_version: &str,
    kind: &str,
) -> serde_json::Result<Vec<u8>> {
    let body = serde_json::to_vec(object)?;
    let Ok(probe) = serde_json::from_slice::<TypeMetaProbe>(&body) else {
        return Ok(body);
    };
    let mut prefix = Vec::with_capacity(64);
    if probe.api_version.is_none() {
        push_field(&mut prefix, "apiVersion", api_version)?;
    }
    if probe.kind.is_none() {
        push_field(&mut prefix, "kind", kind)?;
    }
    if prefix.is_empty() {
        return Ok(body);
    }
    // `body` is a compact JSON object, so it starts with `{`. Insert the
    // missing fields first, separated from existing ones by a comma.
    let rest = &body[1..];
    let empty_object = rest.first() == Some(&b'}');
    if empty_object {
        prefix.pop();
    }
    let mut out = Vec::with_capacity(body.len() + prefix.len() + 1);
    out.push(b'{');
    out.extend_from_slice(&prefix);
    out.extend_from_slice(rest);
    Ok(out)
}

/// Appends `"key":"value",`.
fn push_field(out: &mut Vec<u8>, key: &str, value: &str) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, key)?;
    out.push(b':');
    serde_json::to_writer(&mut *out, value)?;
    out.push(b',');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn encode(v: &Value) -> Value {
        serde_json::from_slice(&encode_with_type_meta(v, "e2e.dev/v1", "Gadget").unwrap()).unwrap()
    }

    #[test]
    fn missing_type_meta_is_filled_in() {
        assert_eq!(
            encode(&json!({"metadata": {"name": "a"}, "spec": {"x": 1}})),
            json!({"apiVersion": "e2e.dev/v1", "kind": "Gadget",
                   "metadata": {"name": "a"}, "spec": {"x": 1}})
        );
    }

    #[test]
    fn type_meta_the_object_sets_is_kept() {
        let v = json!({"apiVersion": "e2e.dev/v2", "kind": "Other", "spec": {}});
        assert_eq!(encode(&v), v);
        let only_kind = json!({"kind": "Other"});
        assert_eq!(
            encode(&only_kind),
            json!({"apiVersion": "e2e.dev/v1", "kind": "Other"})
        );
    }

    #[test]
    fn empty_object_gets_both_without_a_trailing_comma() {
        assert_eq!(
            encode(&json!({})),
            json!({"apiVersion": "e2e.dev/v1", "kind": "Gadget"})
        );
    }

    #[test]
    fn nested_kind_fields_do_not_count() {
        let got = encode(&json!({"spec": {"kind": "x", "apiVersion": "y"}}));
        assert_eq!(got["kind"], "Gadget");
        assert_eq!(got["apiVersion"], "e2e.dev/v1");
        assert_eq!(got["spec"]["kind"], "x");
    }

    #[test]
    fn non_objects_pass_through() {
        assert_eq!(
            encode_with_type_meta(&json!([1, 2]), "v1", "K").unwrap(),
            b"[1,2]"
        );
    }
}
