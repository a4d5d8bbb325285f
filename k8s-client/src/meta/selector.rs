use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A label query over a set of objects (`metav1.LabelSelector`).
///
/// Both parts are ANDed; an empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Labels that must be present with exactly these values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<BTreeMap<String, String>>,
    /// Set-based requirements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// One set-based requirement of a [`LabelSelector`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    /// The values for `In` and `NotIn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// One set-based requirement on a field (`metav1.FieldSelectorRequirement`),
/// as in authorization's field selectors.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldSelectorRequirement {
    /// The field selector key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    /// The values for `In` and `NotIn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

impl LabelSelector {
    /// The selector in the string form list and watch calls take, such as
    /// `app=web,tier in (a,b)`.
    ///
    /// ```
    /// use k8s_client::meta::LabelSelector;
    /// let sel = LabelSelector {
    ///     match_labels: Some([("app".to_owned(), "web".to_owned())].into()),
    ///     ..Default::default()
    /// };
    /// assert_eq!(sel.to_query(), "app=web");
    /// ```
    pub fn to_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for (k, v) in self.match_labels.iter().flatten() {
            parts.push(format!("{k}={v}"));
        }
        for req in self.match_expressions.iter().flatten() {
            let values = req.values.as_deref().unwrap_or_default().join(",");
            parts.push(match req.operator.as_str() {
                "In" => format!("{} in ({values})", req.key),
                "NotIn" => format!("{} notin ({values})", req.key),
                "DoesNotExist" => format!("!{}", req.key),
                _ => req.key.clone(),
            });
        }
        parts.join(",")
    }
}
