//! Lists decoded at their exact length.
//!
//! JSON gives no length up front, so a decoded `Vec` grows by doubling and
//! starts at four elements: a pod's one container holds room for four. The
//! spare capacity lives as long as the object, so objects kept in memory
//! (caches, stores) trim it as they decode.

use serde::{Deserialize, Deserializer};

/// An optional list, trimmed to its length.
pub(crate) fn opt_vec<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut v = Option::<Vec<T>>::deserialize(deserializer)?;
    if let Some(v) = &mut v {
        v.shrink_to_fit();
    }
    Ok(v)
}

/// A required list, trimmed to its length; `null` (Go's nil slice) is empty.
pub(crate) fn vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut v = Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default();
    v.shrink_to_fit();
    Ok(v)
}
