use std::fmt;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// A value that is either an integer or a string, such as a port (`8080` or
/// `"http"`) or a rollout limit (`1` or `"25%"`) (`intstr.IntOrString`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// An integer.
    Int(i32),
    /// A string, such as a named port or a percentage.
    String(String),
}

// By hand rather than `#[serde(untagged)]`, which buffers every value into
// an owned copy before trying each variant and reports a mismatch without
// saying what was found.
impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntOrStringVisitor)
    }
}

struct IntOrStringVisitor;

impl Visitor<'_> for IntOrStringVisitor {
    type Value = IntOrString;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
        i32::try_from(v)
            .map(IntOrString::Int)
            .map_err(|_| E::invalid_value(Unexpected::Signed(v), &"a 32-bit integer or a string"))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
        i32::try_from(v)
            .map(IntOrString::Int)
            .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &"a 32-bit integer or a string"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
        Ok(IntOrString::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<IntOrString, E> {
        Ok(IntOrString::String(v))
    }
}

impl Default for IntOrString {
    fn default() -> Self {
        IntOrString::Int(0)
    }
}

impl From<i32> for IntOrString {
    fn from(v: i32) -> Self {
        IntOrString::Int(v)
    }
}

impl From<&str> for IntOrString {
    fn from(v: &str) -> Self {
        IntOrString::String(v.to_owned())
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_json_type() {
        let v: Vec<IntOrString> = serde_json::from_str(r#"[80, "http", "25%"]"#).unwrap();
        assert_eq!(v, vec![80.into(), "http".into(), "25%".into()]);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"[80,"http","25%"]"#);
    }

    #[test]
    fn other_json_types_and_out_of_range_numbers_are_errors_that_say_what_was_found() {
        for (json, found) in [
            ("true", "invalid type: boolean `true`"),
            ("1.5", "invalid type: floating point `1.5`"),
            ("4294967296", "invalid value: integer `4294967296`"),
            ("-2147483649", "invalid value: integer `-2147483649`"),
        ] {
            let err = serde_json::from_str::<IntOrString>(json)
                .unwrap_err()
                .to_string();
            assert!(err.contains(found), "{json}: {err}");
        }
        let min: IntOrString = serde_json::from_str("-2147483648").unwrap();
        assert_eq!(min, IntOrString::Int(i32::MIN));
    }
}
