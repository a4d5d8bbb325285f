use serde::{Deserialize, Serialize};

use super::Time;

/// One aspect of an object's current state (`metav1.Condition`), as in the
/// `conditions` of many status types.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The condition's type, in CamelCase or `foo.example.com/CamelCase`.
    #[serde(default, rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    #[serde(default)]
    pub status: String,
    /// The `metadata.generation` the condition was set for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// When the status last changed.
    #[serde(default)]
    pub last_transition_time: Time,
    /// A CamelCase identifier for the last transition.
    #[serde(default)]
    pub reason: String,
    /// A human-readable message about the transition; may be empty.
    #[serde(default)]
    pub message: String,
}
