use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// Binary data, base64 in JSON (`[]byte` fields such as a Secret's `data`).
///
/// ```
/// use k8s_client::meta::ByteString;
/// let b: ByteString = serde_json::from_str(r#""aGk=""#).unwrap();
/// assert_eq!(b.0, b"hi");
/// assert_eq!(serde_json::to_string(&b).unwrap(), r#""aGk=""#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteString(pub Vec<u8>);

impl fmt::Debug for ByteString {
    // Secrets are ByteStrings: show their size, not their contents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ByteString({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for ByteString {
    fn from(v: Vec<u8>) -> Self {
        ByteString(v)
    }
}

impl From<&[u8]> for ByteString {
    fn from(v: &[u8]) -> Self {
        ByteString(v.to_vec())
    }
}

impl From<&str> for ByteString {
    fn from(v: &str) -> Self {
        ByteString(v.as_bytes().to_vec())
    }
}

impl Serialize for ByteString {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for ByteString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ByteString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("base64-encoded bytes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteString, E> {
                STANDARD.decode(v).map(ByteString).map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}
