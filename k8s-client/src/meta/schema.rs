//! `schemars::JsonSchema` for the meta types, shaped for CRD schemas.
//!
//! These are what the API server expects where the types appear in a custom
//! resource, not a description of every field:
//! - [`ObjectMeta`]: `{type: object, x-kubernetes-preserve-unknown-fields: true}`.
//!   At the root of a CRD the schema conversion narrows it to exactly
//!   `{type: object}` (the server validates root metadata itself); nested
//!   (for example in a template) it keeps its fields instead of having them
//!   pruned.
//! - [`Time`]: `{type: string, format: date-time}`; [`MicroTime`] likewise.
//! - [`IntOrString`]: `x-kubernetes-int-or-string: true`.
//! - [`Quantity`]: int-or-string with the pattern Kubernetes publishes for it.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use super::{IntOrString, MicroTime, ObjectMeta, Quantity, Time};

fn schema(v: Value) -> Schema {
    match v {
        Value::Object(m) => Schema::from(m),
        _ => Schema::from(true),
    }
}

/// The pattern of a serialized quantity, as Kubernetes publishes it.
const QUANTITY_PATTERN: &str = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

macro_rules! inline_schema {
    ($ty:ty, $name:literal, $json:expr) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                schema($json)
            }
        }
    };
}

inline_schema!(
    ObjectMeta,
    "ObjectMeta",
    json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
);
inline_schema!(
    Time,
    "Time",
    json!({"type": "string", "format": "date-time"})
);
inline_schema!(
    MicroTime,
    "MicroTime",
    json!({"type": "string", "format": "date-time"})
);
inline_schema!(
    IntOrString,
    "IntOrString",
    json!({"x-kubernetes-int-or-string": true})
);
inline_schema!(
    Quantity,
    "Quantity",
    json!({
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "pattern": QUANTITY_PATTERN,
        "x-kubernetes-int-or-string": true,
    })
);
