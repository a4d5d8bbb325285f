use serde::{Deserialize, Serialize};

/// Metadata of a list response: the collection's resourceVersion and paging state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// The resourceVersion the list was served at; watch from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// The token for the next page, when the list was limited.
    #[serde(default, rename = "continue", skip_serializing_if = "Option::is_none")]
    pub continue_: Option<String>,
    /// An estimate of how many items are left after this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_item_count: Option<i64>,
    /// Deprecated; the server no longer sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
}

/// A list of objects of one kind, as the server returns it (`PodList`, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    /// The list's apiVersion.
    #[serde(default)]
    pub api_version: String,
    /// The list's kind, such as `PodList`.
    #[serde(default)]
    pub kind: String,
    /// The list's metadata.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The objects; the server sends `null` for an empty list of some kinds.
    #[serde(
        default = "Vec::new",
        deserialize_with = "super::exact::vec",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub items: Vec<T>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List {
            api_version: String::new(),
            kind: String::new(),
            metadata: ListMeta::default(),
            items: Vec::new(),
        }
    }
}

impl<T> IntoIterator for List<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_items_decode_as_empty() {
        let list: List<serde_json::Value> = serde_json::from_str(
            r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":null}"#,
        )
        .unwrap();
        assert!(list.items.is_empty());
    }

    #[test]
    fn continue_token_round_trips() {
        let meta: ListMeta =
            serde_json::from_str(r#"{"continue":"abc","resourceVersion":"5"}"#).unwrap();
        assert_eq!(meta.continue_.as_deref(), Some("abc"));
        assert_eq!(
            serde_json::to_string(&meta).unwrap(),
            r#"{"resourceVersion":"5","continue":"abc"}"#
        );
    }
}
