//! CustomResourceDefinitions (`apiextensions.k8s.io/v1`) and generating them
//! from Rust types. Behind the `apiextensions` feature (on by default).
//!
//! `#[derive(Resource)]` on a type in a dotted group (such as `example.com`)
//! implements [`CustomResourceExt`], whose [`crd()`](CustomResourceExt::crd)
//! builds the CRD from the `#[resource(...)]` attribute and, by default, from
//! the type's [`schemars::JsonSchema`] impl, rewritten to the structural
//! schema Kubernetes requires (see [`schema`]). Types that do not derive
//! `JsonSchema` either set `schema = "preserve-unknown-fields"` or `crd = false`;
//! without one of those, a missing `JsonSchema` impl is a compile error at the
//! derive, not a surprise at run time.
//!
//! Without the `apiextensions` feature this module and `CustomResourceExt`
//! do not exist, and the derive implements only `HasMetadata` and
//! `Resource`: it writes the `CustomResourceExt` impl inside a macro of this
//! crate that keeps it only when the feature is on.
//!
//! Several versions of one kind (one Rust type per version) become one CRD
//! with [`merge_crds`]. [`install`] applies a CRD and waits until it is
//! served; [`CustomResourceDefinition::manifest`] is the CRD as
//! `kubectl apply -f` takes it.
//!
//! The types are the generated ones of
//! [`api::apiextensions::v1`](crate::api::apiextensions::v1), re-exported here.
//!
//! ```
//! use k8s_client::{CustomResourceExt, Resource, crd::merge_crds, meta::ObjectMeta};
//!
//! #[derive(Resource, schemars::JsonSchema)]
//! #[resource(group = "example.com", version = "v1", namespaced, shortnames("wd"))]
//! struct Widget { metadata: ObjectMeta, spec: WidgetSpec }
//!
//! #[derive(schemars::JsonSchema)]
//! struct WidgetSpec { replicas: i32 }
//!
//! let crd = Widget::crd();
//! assert_eq!(crd.metadata.name.as_deref(), Some("widgets.example.com"));
//! assert_eq!(crd.spec.scope, "Namespaced");
//! let merged = merge_crds(vec![crd], "v1")?;
//! assert!(merged.spec.versions[0].storage);
//! # Ok::<(), k8s_client::crd::MergeError>(())
//! ```

mod install;
mod manifest;
pub mod schema;

pub use crate::api::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceConversion, CustomResourceDefinition,
    CustomResourceDefinitionCondition, CustomResourceDefinitionList, CustomResourceDefinitionNames,
    CustomResourceDefinitionSpec, CustomResourceDefinitionStatus, CustomResourceDefinitionVersion,
    CustomResourceSubresourceScale, CustomResourceSubresourceStatus, CustomResourceSubresources,
    CustomResourceValidation, ExternalDocumentation, JSONSchemaProps, JSONSchemaPropsOrArray,
    JSONSchemaPropsOrBool, JSONSchemaPropsOrStringArray, SelectableField, ServiceReference,
    ValidationRule, WebhookClientConfig, WebhookConversion,
};
pub use install::install;

use crate::Resource;
use crate::meta::ObjectMeta;

/// A custom resource type that can describe itself as a CRD.
///
/// Implemented by `#[derive(Resource)]` for types in a dotted group, unless
/// `crd = false`.
pub trait CustomResourceExt: Resource {
    /// The CustomResourceDefinition serving this type's version.
    fn crd() -> CustomResourceDefinition;

    /// The CRD's name, `PLURAL.GROUP`, such as `widgets.example.com`.
    fn crd_name() -> String {
        format!("{}.{}", Self::PLURAL, Self::GROUP)
    }
}

/// Why [`merge_crds`] could not merge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// No CRDs were given.
    #[error("no CustomResourceDefinitions to merge")]
    Empty,
    /// Two CRDs differ in group, kind, plural or scope.
    #[error("cannot merge CustomResourceDefinitions: {what} differs (`{first}` vs `{other}`)")]
    Mismatch {
        /// What differs: `group`, `kind`, `plural` or `scope`.
        what: &'static str,
        /// The value in the first CRD.
        first: String,
        /// The other value.
        other: String,
    },
    /// Two CRDs define the same version.
    #[error("version `{0}` is defined more than once")]
    DuplicateVersion(String),
    /// `stored_version` is not among the versions.
    #[error("stored version `{0}` is not one of the versions")]
    UnknownStoredVersion(String),
}

/// Merge the CRDs of several versions of one kind into one CRD.
///
/// Every CRD must have the same group, kind, plural and scope. The result has
/// all their versions, in the order given, with `storage: true` only on
/// `stored_version`. Names, short names and categories come from the first CRD.
pub fn merge_crds(
    crds: Vec<CustomResourceDefinition>,
    stored_version: &str,
) -> Result<CustomResourceDefinition, MergeError> {
    let mut iter = crds.into_iter();
    let mut merged = iter.next().ok_or(MergeError::Empty)?;
    for crd in iter {
        let checks = [
            ("group", &merged.spec.group, &crd.spec.group),
            ("kind", &merged.spec.names.kind, &crd.spec.names.kind),
            ("plural", &merged.spec.names.plural, &crd.spec.names.plural),
            ("scope", &merged.spec.scope, &crd.spec.scope),
        ];
        for (what, first, other) in checks {
            if first != other {
                return Err(MergeError::Mismatch {
                    what,
                    first: first.clone(),
                    other: other.clone(),
                });
            }
        }
        for v in crd.spec.versions {
            if merged.spec.versions.iter().any(|m| m.name == v.name) {
                return Err(MergeError::DuplicateVersion(v.name));
            }
            merged.spec.versions.push(v);
        }
    }
    if !merged
        .spec
        .versions
        .iter()
        .any(|v| v.name == stored_version)
    {
        return Err(MergeError::UnknownStoredVersion(stored_version.to_owned()));
    }
    for v in &mut merged.spec.versions {
        v.storage = v.name == stored_version;
    }
    Ok(merged)
}

/// Pieces of a CRD that only the derive knows; used by generated code.
#[doc(hidden)]
pub mod parts {
    use super::*;

    /// The `#[resource(...)]` data `crd()` needs beyond the `Resource` consts.
    #[derive(Debug)]
    pub struct CrdParts {
        /// Namespaced or cluster-scoped.
        pub namespaced: bool,
        /// `categories(...)`.
        pub categories: &'static [&'static str],
        /// Whether the status subresource is on.
        pub status: bool,
        /// `scale(...)`.
        pub scale: Option<ScaleParts>,
        /// `printcolumn(...)`.
        pub printer_columns: &'static [ColumnParts],
        /// `served`.
        pub served: bool,
        /// `storage`.
        pub storage: bool,
    }

    /// `scale(...)`.
    #[derive(Debug)]
    pub struct ScaleParts {
        /// `.spec` path of the desired replicas.
        pub spec_replicas_path: &'static str,
        /// `.status` path of the observed replicas.
        pub status_replicas_path: &'static str,
        /// Path of the label selector.
        pub label_selector_path: Option<&'static str>,
    }

    /// One `printcolumn(...)`.
    #[derive(Debug)]
    pub struct ColumnParts {
        /// Header.
        pub name: &'static str,
        /// Column type.
        pub type_: &'static str,
        /// JSON path.
        pub json_path: &'static str,
        /// Description.
        pub description: Option<&'static str>,
        /// Format.
        pub format: Option<&'static str>,
        /// Priority.
        pub priority: i32,
    }

    /// Build the CRD of `K` from its consts, `parts` and its schema.
    pub fn build<K: Resource>(
        parts: &CrdParts,
        schema: JSONSchemaProps,
    ) -> CustomResourceDefinition {
        let strings = |s: &[&str]| -> Option<Vec<String>> {
            (!s.is_empty()).then(|| s.iter().map(|x| (*x).to_owned()).collect())
        };
        let subresources =
            (parts.status || parts.scale.is_some()).then(|| CustomResourceSubresources {
                status: parts.status.then_some(CustomResourceSubresourceStatus {}),
                scale: parts.scale.as_ref().map(|s| {
                    Box::new(CustomResourceSubresourceScale {
                        spec_replicas_path: s.spec_replicas_path.to_owned(),
                        status_replicas_path: s.status_replicas_path.to_owned(),
                        label_selector_path: s.label_selector_path.map(str::to_owned),
                    })
                }),
            });
        let columns: Vec<CustomResourceColumnDefinition> = parts
            .printer_columns
            .iter()
            .map(|c| CustomResourceColumnDefinition {
                name: c.name.to_owned(),
                type_: c.type_.to_owned(),
                format: c.format.map(str::to_owned),
                description: c.description.map(str::to_owned),
                priority: (c.priority != 0).then_some(c.priority),
                json_path: c.json_path.to_owned(),
            })
            .collect();
        CustomResourceDefinition {
            metadata: ObjectMeta {
                name: Some(format!("{}.{}", K::PLURAL, K::GROUP)),
                ..Default::default()
            },
            spec: CustomResourceDefinitionSpec {
                group: K::GROUP.to_owned(),
                names: CustomResourceDefinitionNames {
                    plural: K::PLURAL.to_owned(),
                    singular: Some(K::SINGULAR.to_owned()),
                    kind: K::KIND.to_owned(),
                    list_kind: Some(format!("{}List", K::KIND)),
                    short_names: strings(K::SHORT_NAMES),
                    categories: strings(parts.categories),
                },
                scope: if parts.namespaced {
                    "Namespaced"
                } else {
                    "Cluster"
                }
                .to_owned(),
                versions: vec![CustomResourceDefinitionVersion {
                    name: K::VERSION.to_owned(),
                    served: parts.served,
                    storage: parts.storage,
                    schema: Some(CustomResourceValidation {
                        open_api_v3_schema: Some(Box::new(schema)),
                    }),
                    subresources,
                    additional_printer_columns: (!columns.is_empty()).then_some(columns),
                    ..Default::default()
                }],
                ..Default::default()
            },
            status: None,
        }
    }
}

// The tests derive schemas, so they need the feature.
#[cfg(all(test, feature = "schemars"))]
mod tests;
