use std::fmt;

use serde::{Deserialize, Serialize};

/// A value that is either an integer or a string, such as a port (`8080` or
/// `"http"`) or a rollout limit (`1` or `"25%"`) (`intstr.IntOrString`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// An integer.
    Int(i32),
    /// A string, such as a named port or a percentage.
    String(String),
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
}
