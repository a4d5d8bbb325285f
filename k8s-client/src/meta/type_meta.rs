use serde::{Deserialize, Serialize};

/// The `apiVersion` and `kind` every serialized object carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeMeta {
    /// `GROUP/VERSION`, or `VERSION` for the core group.
    #[serde(default)]
    pub api_version: String,
    /// The kind, such as `Pod`.
    #[serde(default)]
    pub kind: String,
}

impl TypeMeta {
    /// The `TypeMeta` of a [`Resource`](crate::Resource) type.
    pub fn of<K: crate::Resource>() -> Self {
        TypeMeta {
            api_version: K::API_VERSION.to_owned(),
            kind: K::KIND.to_owned(),
        }
    }
}
