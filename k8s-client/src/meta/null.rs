//! Go writes a nil slice or map as `null`, where a Rust field wants the
//! empty value.

use serde::{Deserialize, Deserializer};

/// Decodes `null` as `T::default()`: for required lists and maps the server
/// (or a kubeconfig writer) leaves as `null` when nil.
pub(crate) fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}
