//! The subset of `apiextensions.k8s.io/v1` that defining a CRD needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer, ser::SerializeStruct};

use crate::Resource;
use crate::meta::{ObjectMeta, Time};

/// A CustomResourceDefinition: tells the API server to serve a new kind.
///
/// Serializes with its `apiVersion` and `kind`, so the JSON can be applied as is.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, k8s_derive::Resource)]
#[resource(
    group = "apiextensions.k8s.io",
    version = "v1",
    crd = false,
    shortnames("crd", "crds"),
    status = "CustomResourceDefinitionStatus"
)]
pub struct CustomResourceDefinition {
    /// Standard object metadata; the name must be `PLURAL.GROUP`.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What the new kind looks like.
    pub spec: CustomResourceDefinitionSpec,
    /// What the server has made of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CustomResourceDefinitionStatus>,
}

impl Serialize for CustomResourceDefinition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = if self.status.is_some() { 5 } else { 4 };
        let mut st = s.serialize_struct("CustomResourceDefinition", n)?;
        st.serialize_field("apiVersion", <Self as Resource>::API_VERSION)?;
        st.serialize_field("kind", <Self as Resource>::KIND)?;
        st.serialize_field("metadata", &self.metadata)?;
        st.serialize_field("spec", &self.spec)?;
        if let Some(status) = &self.status {
            st.serialize_field("status", status)?;
        }
        st.end()
    }
}

/// `spec` of a [`CustomResourceDefinition`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceDefinitionSpec {
    /// The API group, such as `example.com`.
    pub group: String,
    /// The names the kind is served under.
    pub names: CustomResourceDefinitionNames,
    /// `Namespaced` or `Cluster`.
    pub scope: String,
    /// The versions served; exactly one has `storage: true`.
    pub versions: Vec<CustomResourceDefinitionVersion>,
    /// How objects are converted between versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion: Option<CustomResourceConversion>,
    /// Deprecated; must be `false` or absent in `v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_unknown_fields: Option<bool>,
}

/// The names of a custom kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceDefinitionNames {
    /// The plural name used in URLs, such as `widgets`.
    pub plural: String,
    /// The singular name, such as `widget`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub singular: Option<String>,
    /// The kind, such as `Widget`.
    pub kind: String,
    /// The kind of lists, such as `WidgetList`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_kind: Option<String>,
    /// Short names kubectl accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_names: Option<Vec<String>>,
    /// Groupings such as `all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
}

/// One version of a custom kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceDefinitionVersion {
    /// The version name, such as `v1`.
    pub name: String,
    /// Whether the version is served.
    pub served: bool,
    /// Whether objects are stored in this version; exactly one version has it.
    pub storage: bool,
    /// Whether the version is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// The warning returned to clients of a deprecated version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation_warning: Option<String>,
    /// The schema objects of this version are validated and pruned with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<CustomResourceValidation>,
    /// The `status` and `scale` subresources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresources: Option<CustomResourceSubresources>,
    /// Extra columns `kubectl get` shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_printer_columns: Option<Vec<CustomResourceColumnDefinition>>,
}

/// A version's schema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomResourceValidation {
    /// The structural OpenAPI v3 schema of the whole object.
    #[serde(
        rename = "openAPIV3Schema",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub open_api_v3_schema: Option<JSONSchemaProps>,
}

/// A version's subresources.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceSubresources {
    /// Present to enable `/status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CustomResourceSubresourceStatus>,
    /// Present to enable `/scale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<CustomResourceSubresourceScale>,
}

/// Enables the `/status` subresource; it has no fields (`{}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomResourceSubresourceStatus {}

/// Where the `/scale` subresource finds replicas and the selector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceSubresourceScale {
    /// JSON path of the desired replicas, under `.spec`.
    pub spec_replicas_path: String,
    /// JSON path of the observed replicas, under `.status`.
    pub status_replicas_path: String,
    /// JSON path of the serialized label selector, under `.spec` or `.status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector_path: Option<String>,
}

/// An extra column for `kubectl get`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceColumnDefinition {
    /// The column header.
    pub name: String,
    /// `integer`, `number`, `string`, `boolean` or `date`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A format for the type, such as `int32` or `date-time`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// A description of the column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 0 shows in the standard view; higher values only in wide views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// A simple JSON path evaluated against each object.
    pub json_path: String,
}

/// How objects are converted between versions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceConversion {
    /// `None` (only apiVersion changes) or `Webhook`.
    pub strategy: String,
    /// The webhook's settings, kept as raw JSON until the generated types replace this module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<serde_json::Value>,
}

/// `status` of a [`CustomResourceDefinition`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceDefinitionStatus {
    /// Conditions such as `Established` and `NamesAccepted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<CustomResourceDefinitionCondition>>,
    /// The names actually being served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_names: Option<CustomResourceDefinitionNames>,
    /// Every version objects have ever been stored in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_versions: Option<Vec<String>>,
}

/// One condition of a [`CustomResourceDefinitionStatus`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomResourceDefinitionCondition {
    /// `Established`, `NamesAccepted`, `NonStructuralSchema`, `Terminating`, …
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// A machine-readable reason for the last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A human-readable message about the last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `additionalProperties`: either allowed/forbidden, or a schema for the values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JSONSchemaPropsOrBool {
    /// `true` or `false`.
    Bool(bool),
    /// The schema of every value.
    Schema(Box<JSONSchemaProps>),
}

/// One CEL validation rule (`x-kubernetes-validations`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationRule {
    /// The CEL expression, such as `self.minReplicas <= self.maxReplicas`.
    pub rule: String,
    /// The message shown when the rule fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A CEL expression that builds the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_expression: Option<String>,
    /// A machine-readable reason, such as `FieldValueInvalid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The field the failure is reported on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
    /// Whether the rule also runs when there is no old object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional_old_self: Option<bool>,
}

/// A node of an OpenAPI v3 schema as Kubernetes accepts it (`JSONSchemaProps`).
///
/// Kubernetes forbids `$ref`, `definitions`, `$schema` and `id` in CRD
/// schemas, so they are not here; `items` only takes a single schema.
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JSONSchemaProps {
    /// A description of the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `object`, `array`, `string`, `integer`, `number` or `boolean`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// A format such as `int32`, `date-time` or `byte`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// A title; Kubernetes keeps it but nothing uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The value the server fills in when the field is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// An example value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
    /// Inclusive (or exclusive, see `exclusive_maximum`) upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// Makes `maximum` exclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusive_maximum: Option<bool>,
    /// Inclusive (or exclusive, see `exclusive_minimum`) lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    /// Makes `minimum` exclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusive_minimum: Option<bool>,
    /// Longest string allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<i64>,
    /// Shortest string allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<i64>,
    /// A regular expression strings must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Most items allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<i64>,
    /// Fewest items allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<i64>,
    /// Kubernetes rejects `true`; use `x-kubernetes-list-type: set`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_items: Option<bool>,
    /// Numbers must be a multiple of this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple_of: Option<f64>,
    /// The allowed values.
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub enum_: Option<Vec<serde_json::Value>>,
    /// Most properties allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_properties: Option<i64>,
    /// Fewest properties allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_properties: Option<i64>,
    /// Properties that must be present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Vec<String>>,
    /// The schema of every array item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<JSONSchemaProps>>,
    /// All of these must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_of: Option<Vec<JSONSchemaProps>>,
    /// Exactly one of these must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<JSONSchemaProps>>,
    /// At least one of these must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<JSONSchemaProps>>,
    /// This must not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<JSONSchemaProps>>,
    /// The object's known properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<BTreeMap<String, JSONSchemaProps>>,
    /// The schema of a map's values (mutually exclusive with `properties`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_properties: Option<JSONSchemaPropsOrBool>,
    /// Whether `null` is allowed (and kept rather than pruned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// Keep fields the schema does not name instead of pruning them.
    #[serde(
        rename = "x-kubernetes-preserve-unknown-fields",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub x_kubernetes_preserve_unknown_fields: Option<bool>,
    /// The node is a whole object with its own apiVersion, kind and metadata.
    #[serde(
        rename = "x-kubernetes-embedded-resource",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub x_kubernetes_embedded_resource: Option<bool>,
    /// The node is an integer or a string.
    #[serde(
        rename = "x-kubernetes-int-or-string",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub x_kubernetes_int_or_string: Option<bool>,
    /// The keys of a `map` list.
    #[serde(
        rename = "x-kubernetes-list-map-keys",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub x_kubernetes_list_map_keys: Option<Vec<String>>,
    /// `atomic`, `set` or `map`.
    #[serde(
        rename = "x-kubernetes-list-type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub x_kubernetes_list_type: Option<String>,
    /// `granular` or `atomic`.
    #[serde(
        rename = "x-kubernetes-map-type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub x_kubernetes_map_type: Option<String>,
    /// CEL validation rules.
    #[serde(
        rename = "x-kubernetes-validations",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub x_kubernetes_validations: Option<Vec<ValidationRule>>,
}
