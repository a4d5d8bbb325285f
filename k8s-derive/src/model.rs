//! Stage 1b: the attribute as written ([`ResourceArgs`]) → a [`Model`] with
//! every default applied.
//!
//! Values keep the span of the token they came from, so that the checks in
//! [`crate::check`] can point at it. Building the model only fails when
//! something without a default is missing (`version`, the `metadata`
//! field); whether the values are well-formed is for the checks to say.

use proc_macro2::Span;
use syn::LitStr;

use crate::parse::{ResourceArgs, error_at};

/// A value and the token it came from.
#[derive(Debug, Clone)]
pub(crate) struct Setting<T> {
    pub(crate) value: T,
    /// The token that gave the value: the literal, or the struct's name for
    /// the default kind. `None` for a default formed from other settings,
    /// which is right when they are, so the checks skip it.
    pub(crate) origin: Option<Span>,
}

impl<T> Setting<T> {
    fn default_value(value: T) -> Self {
        Setting {
            value,
            origin: None,
        }
    }
}

impl Setting<String> {
    fn from_lit(lit: &LitStr) -> Self {
        Setting {
            value: lit.value(),
            origin: Some(lit.span()),
        }
    }
}

/// How `crd()` builds the OpenAPI schema of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaMode {
    /// From the type's `schemars::JsonSchema` impl (the default).
    Derived,
    /// No schema: `spec` and `status` keep unknown fields.
    PreserveUnknownFields,
}

impl SchemaMode {
    /// The values `schema = "..."` accepts, and the mode each names.
    pub(crate) const NAMES: [(&'static str, SchemaMode); 2] = [
        ("derived", SchemaMode::Derived),
        ("preserve-unknown-fields", SchemaMode::PreserveUnknownFields),
    ];

    /// The mode `name` names, if any.
    pub(crate) fn from_name(name: &str) -> Option<SchemaMode> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, mode)| *mode)
    }
}

/// The scale subresource.
#[derive(Debug, Clone)]
pub(crate) struct Scale {
    pub(crate) spec_replicas_path: Setting<String>,
    pub(crate) status_replicas_path: Setting<String>,
    pub(crate) label_selector_path: Option<Setting<String>>,
}

/// One additional printer column.
#[derive(Debug, Clone)]
pub(crate) struct PrintColumn {
    pub(crate) name: String,
    pub(crate) ty: Setting<String>,
    pub(crate) json_path: Setting<String>,
    pub(crate) description: Option<String>,
    pub(crate) format: Option<Setting<String>>,
    /// As written; [`PrintColumn::priority`] applies the default.
    pub(crate) priority: Option<syn::LitInt>,
}

impl PrintColumn {
    /// The priority, 0 unless given.
    pub(crate) fn priority(&self) -> i32 {
        self.priority
            .as_ref()
            .and_then(priority_value)
            .unwrap_or_default()
    }
}

/// The value of a `priority = N`: a non-negative 32-bit integer, or `None`.
pub(crate) fn priority_value(lit: &syn::LitInt) -> Option<i32> {
    lit.base10_parse::<i32>().ok().filter(|p| *p >= 0)
}

/// Everything code generation needs, with defaults applied.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) ident: syn::Ident,
    pub(crate) generics: syn::Generics,
    /// The path of the `k8s_client` crate that generated code names
    /// (`crate = "..."`; `::k8s_client` by default).
    pub(crate) krate: syn::Path,
    /// The `metadata` field, for spans in generated code.
    pub(crate) metadata_field: syn::Field,
    /// Whether the struct has a field named `status`.
    pub(crate) has_status_field: bool,
    pub(crate) group: Setting<String>,
    pub(crate) version: Setting<String>,
    pub(crate) kind: Setting<String>,
    pub(crate) plural: Setting<String>,
    pub(crate) singular: Setting<String>,
    pub(crate) namespaced: bool,
    pub(crate) short_names: Vec<Setting<String>>,
    pub(crate) categories: Vec<Setting<String>>,
    /// Subresources beyond `status` and `scale` (`log`, `exec`, …), for built-in kinds.
    pub(crate) extra_subresources: Vec<Setting<String>>,
    pub(crate) status: Option<syn::Path>,
    pub(crate) scale: Option<Scale>,
    pub(crate) print_columns: Vec<PrintColumn>,
    pub(crate) served: bool,
    pub(crate) storage: bool,
    /// Whether to implement `CustomResourceExt`; the span is that of an
    /// explicit `crd = ...`.
    pub(crate) crd: Setting<bool>,
    /// As written; [`Model::schema_mode`] applies the default.
    pub(crate) schema: Option<Setting<String>>,
    /// Whether the type has a protobuf codec (k8s-client's built-in types).
    pub(crate) protobuf: bool,
}

impl Model {
    /// Apply the defaults to the attribute as written. Fails only when
    /// `version` or the `metadata` field is missing (both are reported).
    pub(crate) fn from_args(args: ResourceArgs) -> darling::Result<Model> {
        let attribute_span = args.attribute_span.unwrap_or_else(Span::call_site);
        let fields = match &args.data {
            darling::ast::Data::Struct(fields) => fields.fields.as_slice(),
            darling::ast::Data::Enum(_) => &[],
        };
        let field_named = |name: &str| {
            fields
                .iter()
                .find(|f| f.ident.as_ref().is_some_and(|i| i == name))
        };
        let version = args.version.as_ref().map(Setting::from_lit).ok_or_else(|| {
            error_at(
                attribute_span,
                "missing `version` in #[resource(...)], e.g. #[resource(version = \"v1\")]",
            )
        });
        let metadata_field = field_named("metadata").cloned().ok_or_else(|| {
            error_at(
                args.ident.span(),
                "#[derive(Resource)] needs a field `metadata: ::k8s_client::meta::ObjectMeta`",
            )
        });
        let (version, metadata_field) = match (version, metadata_field) {
            (Ok(version), Ok(field)) => (version, field),
            (version, field) => {
                let missing = version.err().into_iter().chain(field.err()).collect();
                return Err(darling::Error::multiple(missing));
            }
        };
        let has_status_field = field_named("status").is_some();

        let group = args
            .group
            .as_ref()
            .map_or_else(|| Setting::default_value(String::new()), Setting::from_lit);
        let kind = args.kind.as_ref().map_or_else(
            || Setting {
                value: args.ident.to_string(),
                origin: Some(args.ident.span()),
            },
            Setting::from_lit,
        );
        let singular = args.singular.as_ref().map_or_else(
            || Setting::default_value(kind.value.to_lowercase()),
            Setting::from_lit,
        );
        let plural = args.plural.as_ref().map_or_else(
            || Setting::default_value(crate::names::plural(&kind.value)),
            Setting::from_lit,
        );
        let crd = match &args.crd {
            Some(b) => Setting {
                value: b.value,
                origin: Some(b.span()),
            },
            None => Setting::default_value(group.value.contains('.')),
        };
        let strings = |lits: &[LitStr]| lits.iter().map(Setting::from_lit).collect();
        Ok(Model {
            krate: args
                .krate
                .clone()
                .unwrap_or_else(|| syn::parse_quote!(::k8s_client)),
            metadata_field,
            has_status_field,
            group,
            version,
            kind,
            plural,
            singular,
            namespaced: args.namespaced.is_present(),
            protobuf: args.protobuf.is_present(),
            short_names: strings(&args.shortnames),
            categories: strings(&args.categories),
            extra_subresources: strings(&args.subresources),
            scale: args.scale.as_ref().map(|s| Scale {
                spec_replicas_path: Setting::from_lit(&s.spec_replicas_path),
                status_replicas_path: Setting::from_lit(&s.status_replicas_path),
                label_selector_path: s.label_selector_path.as_ref().map(Setting::from_lit),
            }),
            print_columns: args
                .printcolumns
                .iter()
                .map(|c| PrintColumn {
                    name: c.name.value(),
                    ty: Setting::from_lit(&c.ty),
                    json_path: Setting::from_lit(&c.json_path),
                    description: c.description.as_ref().map(LitStr::value),
                    format: c.format.as_ref().map(Setting::from_lit),
                    priority: c.priority.clone(),
                })
                .collect(),
            served: args.served.is_none_or(|b| b.value),
            storage: args.storage.is_none_or(|b| b.value),
            crd,
            schema: args.schema.as_ref().map(Setting::from_lit),
            status: args.status,
            ident: args.ident,
            generics: args.generics,
        })
    }

    /// `GROUP/VERSION`, or `VERSION` for the core group.
    pub(crate) fn api_version(&self) -> String {
        if self.group.value.is_empty() {
            self.version.value.clone()
        } else {
            format!("{}/{}", self.group.value, self.version.value)
        }
    }

    /// Subresources: `status`, `scale`, then the extra ones as written.
    pub(crate) fn subresources(&self) -> Vec<&str> {
        let mut v = Vec::new();
        if self.status.is_some() {
            v.push("status");
        }
        if self.scale.is_some() {
            v.push("scale");
        }
        for s in &self.extra_subresources {
            if !v.contains(&s.value.as_str()) {
                v.push(&s.value);
            }
        }
        v
    }

    /// How `crd()` gets its schema: as written, `Derived` by default.
    pub(crate) fn schema_mode(&self) -> SchemaMode {
        self.schema
            .as_ref()
            .and_then(|s| SchemaMode::from_name(&s.value))
            .unwrap_or(SchemaMode::Derived)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use syn::{DeriveInput, parse_quote};

    /// The model of `input`, before any check.
    pub(crate) fn model_of(input: &DeriveInput) -> darling::Result<Model> {
        crate::parse::parse(input).and_then(Model::from_args)
    }

    fn model(input: DeriveInput) -> Model {
        model_of(&input).unwrap()
    }

    fn err(input: DeriveInput) -> String {
        syn::Error::from(model_of(&input).unwrap_err()).to_string()
    }

    #[test]
    fn full_attribute() {
        let m = model(parse_quote! {
            #[resource(group = "example.com", version = "v1", kind = "Widget", plural = "widgets",
                singular = "widget", namespaced, shortnames("wd", "wdg"), categories("all"),
                status = "WidgetStatus",
                scale(spec_replicas_path = ".spec.replicas", status_replicas_path = ".status.replicas",
                      label_selector_path = ".status.selector"),
                printcolumn(name = "Replicas", type = "integer", json_path = ".spec.replicas",
                            description = "desired", priority = 1),
                printcolumn(name = "Age", type = "date", json_path = ".metadata.creationTimestamp"),
                served = true, storage = false, subresources("log", "status"),
                schema = "preserve-unknown-fields")]
            struct W { metadata: ObjectMeta, status: Option<WidgetStatus> }
        });
        assert_eq!(m.api_version(), "example.com/v1");
        assert_eq!(
            [&m.kind.value, &m.plural.value, &m.singular.value],
            ["Widget", "widgets", "widget"]
        );
        assert!(m.namespaced && m.served && !m.storage && m.crd.value);
        assert!(m.has_status_field);
        let names = |v: &[Setting<String>]| v.iter().map(|s| s.value.clone()).collect::<Vec<_>>();
        assert_eq!(names(&m.short_names), ["wd", "wdg"]);
        assert_eq!(names(&m.categories), ["all"]);
        assert_eq!(m.subresources(), ["status", "scale", "log"]);
        assert_eq!(m.print_columns.len(), 2);
        assert_eq!(m.print_columns[0].priority(), 1);
        assert_eq!(m.print_columns[1].priority(), 0);
        assert_eq!(
            m.scale
                .as_ref()
                .unwrap()
                .label_selector_path
                .as_ref()
                .unwrap()
                .value,
            ".status.selector"
        );
        assert_eq!(m.schema_mode(), SchemaMode::PreserveUnknownFields);
    }

    #[test]
    fn defaults() {
        let m = model(parse_quote! {
            #[resource(version = "v1")]
            struct NetworkPolicy { metadata: ObjectMeta }
        });
        assert_eq!(m.group.value, "");
        assert_eq!(m.api_version(), "v1");
        assert_eq!(m.kind.value, "NetworkPolicy");
        assert!(
            m.kind.origin.is_some(),
            "the kind comes from the struct's name"
        );
        assert_eq!(m.plural.value, "networkpolicies");
        assert_eq!(m.singular.value, "networkpolicy");
        assert!(m.plural.origin.is_none() && m.singular.origin.is_none());
        assert!(!m.namespaced && !m.crd.value && m.served && m.storage);
        assert!(!m.has_status_field);
        assert!(m.subresources().is_empty());
        assert_eq!(m.schema_mode(), SchemaMode::Derived);
    }

    #[test]
    fn crate_path() {
        let krate = |input: DeriveInput| {
            let path = model(input).krate;
            quote::quote!(#path).to_string()
        };
        assert_eq!(
            krate(parse_quote! { #[resource(version = "v1")] struct Pod { metadata: M } }),
            ":: k8s_client"
        );
        assert_eq!(
            krate(parse_quote! {
                #[resource(crate = "crate::reexported", version = "v1")]
                struct Pod { metadata: M }
            }),
            "crate :: reexported"
        );
    }

    #[test]
    fn crd_defaults_to_dotted_groups() {
        let m = model(parse_quote! {
            #[resource(group = "apps", version = "v1")]
            struct Deployment { metadata: ObjectMeta }
        });
        assert!(!m.crd.value);
        let m = model(parse_quote! {
            #[resource(group = "example.com", version = "v1")]
            struct Widget { metadata: ObjectMeta }
        });
        assert!(m.crd.value && m.crd.origin.is_none());
        let m = model(parse_quote! {
            #[resource(group = "apiextensions.k8s.io", version = "v1", crd = false)]
            struct CustomResourceDefinition { metadata: ObjectMeta }
        });
        assert!(!m.crd.value && m.crd.origin.is_some());
    }

    #[test]
    fn missing_pieces() {
        assert!(
            err(parse_quote! { #[resource(group = "a.b")] struct W { metadata: M } })
                .contains("missing `version`")
        );
        assert!(
            err(parse_quote! { #[resource(version = "v1")] struct W { spec: S } })
                .contains("metadata")
        );
        let input: DeriveInput = parse_quote! { #[resource(group = "a.b")] struct W { spec: S } };
        let both = model_of(&input).unwrap_err();
        assert_eq!(both.len(), 2, "{both}");
    }
}
