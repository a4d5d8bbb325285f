//! Stage 1: `#[resource(...)]` attributes → a typed, validated [`Model`].
//!
//! darling reads the raw attribute ([`ResourceArgs`]); [`Model::from_input`]
//! fills in defaults and runs the checks in [`crate::validate`], so every error
//! carries the span of the token that caused it.

use darling::{FromDeriveInput, FromMeta, util::Flag};
use proc_macro2::Span;
use syn::{DeriveInput, LitStr, spanned::Spanned};

use crate::validate;

/// The attribute exactly as written, before defaults and validation.
#[derive(Debug, FromDeriveInput)]
#[darling(attributes(resource), supports(struct_named))]
pub(crate) struct ResourceArgs {
    ident: syn::Ident,
    generics: syn::Generics,
    data: darling::ast::Data<(), syn::Field>,
    #[darling(default)]
    group: Option<LitStr>,
    version: Option<LitStr>,
    #[darling(default)]
    kind: Option<LitStr>,
    #[darling(default)]
    plural: Option<LitStr>,
    #[darling(default)]
    singular: Option<LitStr>,
    namespaced: Flag,
    #[darling(default)]
    shortnames: Vec<LitStr>,
    #[darling(default)]
    categories: Vec<LitStr>,
    #[darling(default)]
    subresources: Vec<LitStr>,
    #[darling(default)]
    status: Option<syn::Path>,
    #[darling(default)]
    scale: Option<ScaleArgs>,
    #[darling(default, multiple, rename = "printcolumn")]
    printcolumns: Vec<PrintColumnArgs>,
    #[darling(default)]
    served: Option<syn::LitBool>,
    #[darling(default)]
    storage: Option<syn::LitBool>,
    #[darling(default)]
    crd: Option<syn::LitBool>,
    #[darling(default)]
    schema: Option<LitStr>,
}

/// `scale(spec_replicas_path = ..., status_replicas_path = ..., label_selector_path = ...)`.
#[derive(Debug, Clone, FromMeta)]
pub(crate) struct ScaleArgs {
    spec_replicas_path: LitStr,
    status_replicas_path: LitStr,
    #[darling(default)]
    label_selector_path: Option<LitStr>,
}

/// `printcolumn(name = ..., type = ..., json_path = ..., description = ..., format = ..., priority = ...)`.
#[derive(Debug, Clone, FromMeta)]
pub(crate) struct PrintColumnArgs {
    name: LitStr,
    #[darling(rename = "type")]
    ty: LitStr,
    json_path: LitStr,
    #[darling(default)]
    description: Option<LitStr>,
    #[darling(default)]
    format: Option<LitStr>,
    #[darling(default)]
    priority: Option<syn::LitInt>,
}

/// How `crd()` builds the OpenAPI schema of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaMode {
    /// From the type's `schemars::JsonSchema` impl (the default).
    Derived,
    /// No schema: `spec` and `status` keep unknown fields.
    PreserveUnknownFields,
}

/// The scale subresource, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scale {
    pub(crate) spec_replicas_path: String,
    pub(crate) status_replicas_path: String,
    pub(crate) label_selector_path: Option<String>,
}

/// One additional printer column, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrintColumn {
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) json_path: String,
    pub(crate) description: Option<String>,
    pub(crate) format: Option<String>,
    pub(crate) priority: i32,
}

/// Everything code generation needs, with defaults applied and checked.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) ident: syn::Ident,
    pub(crate) generics: syn::Generics,
    /// The `metadata` field, for spans in generated code.
    pub(crate) metadata_field: syn::Field,
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) kind: String,
    pub(crate) plural: String,
    pub(crate) singular: String,
    pub(crate) namespaced: bool,
    pub(crate) short_names: Vec<String>,
    pub(crate) categories: Vec<String>,
    /// Subresources beyond `status` and `scale` (`log`, `exec`, …), for built-in kinds.
    pub(crate) extra_subresources: Vec<String>,
    pub(crate) status: Option<syn::Path>,
    pub(crate) scale: Option<Scale>,
    pub(crate) print_columns: Vec<PrintColumn>,
    pub(crate) served: bool,
    pub(crate) storage: bool,
    pub(crate) crd: bool,
    pub(crate) schema: SchemaMode,
}

impl Model {
    /// `GROUP/VERSION`, or `VERSION` for the core group.
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
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
            if !v.contains(&s.as_str()) {
                v.push(s);
            }
        }
        v
    }

    /// Parse and validate a derive input. All errors found are reported together.
    pub(crate) fn from_input(input: &DeriveInput) -> syn::Result<Model> {
        match &input.data {
            syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => {}
            syn::Data::Struct(s) => {
                return Err(syn::Error::new(
                    s.fields.span(),
                    "#[derive(Resource)] needs a struct with named fields, one of them `metadata`",
                ));
            }
            syn::Data::Enum(e) => {
                return Err(syn::Error::new(
                    e.enum_token.span,
                    "#[derive(Resource)] only works on structs with a `metadata` field",
                ));
            }
            syn::Data::Union(u) => {
                return Err(syn::Error::new(
                    u.union_token.span,
                    "#[derive(Resource)] only works on structs with a `metadata` field",
                ));
            }
        }
        let args = ResourceArgs::from_derive_input(input).map_err(syn::Error::from)?;
        let mut errs = Errors::default();
        // Errors about the attribute as a whole point at it.
        let call_site = input
            .attrs
            .iter()
            .find(|a| a.path().is_ident("resource"))
            .map_or_else(Span::call_site, |a| a.path().span());

        let group = match &args.group {
            Some(g) => errs.check(g.span(), validate::group(&g.value()), g.value()),
            None => String::new(),
        };
        let version = match &args.version {
            Some(v) => errs.check(v.span(), validate::version(&v.value()), v.value()),
            None => {
                errs.push(syn::Error::new(
                    call_site,
                    "missing `version` in #[resource(...)], e.g. #[resource(version = \"v1\")]",
                ));
                String::new()
            }
        };
        let kind = match &args.kind {
            Some(k) => errs.check(k.span(), validate::kind(&k.value()), k.value()),
            None => {
                let k = args.ident.to_string();
                errs.check(args.ident.span(), validate::kind(&k), k)
            }
        };
        let singular = match &args.singular {
            Some(s) => errs.check(
                s.span(),
                validate::lower_label("singular", &s.value()),
                s.value(),
            ),
            None => kind.to_lowercase(),
        };
        let plural = match &args.plural {
            Some(p) => errs.check(
                p.span(),
                validate::lower_label("plural", &p.value()),
                p.value(),
            ),
            None => crate::names::plural(&kind),
        };
        let short_names = args
            .shortnames
            .iter()
            .map(|s| {
                errs.check(
                    s.span(),
                    validate::lower_label("short name", &s.value()),
                    s.value(),
                )
            })
            .collect();
        let categories = args
            .categories
            .iter()
            .map(|s| {
                errs.check(
                    s.span(),
                    validate::lower_label("category", &s.value()),
                    s.value(),
                )
            })
            .collect();
        let extra_subresources = args
            .subresources
            .iter()
            .map(|s| {
                errs.check(
                    s.span(),
                    validate::lower_label("subresource", &s.value()),
                    s.value(),
                )
            })
            .collect();
        let scale = args.scale.as_ref().map(|s| Scale {
            spec_replicas_path: errs.check(
                s.spec_replicas_path.span(),
                validate::json_path_under(&s.spec_replicas_path.value(), &[".spec."]),
                s.spec_replicas_path.value(),
            ),
            status_replicas_path: errs.check(
                s.status_replicas_path.span(),
                validate::json_path_under(&s.status_replicas_path.value(), &[".status."]),
                s.status_replicas_path.value(),
            ),
            label_selector_path: s.label_selector_path.as_ref().map(|l| {
                errs.check(
                    l.span(),
                    validate::json_path_under(&l.value(), &[".spec.", ".status."]),
                    l.value(),
                )
            }),
        });
        let print_columns =
            args.printcolumns
                .iter()
                .map(|c| PrintColumn {
                    name: c.name.value(),
                    ty: errs.check(
                        c.ty.span(),
                        validate::column_type(&c.ty.value()),
                        c.ty.value(),
                    ),
                    json_path: errs.check(
                        c.json_path.span(),
                        validate::json_path_under(&c.json_path.value(), &["."]),
                        c.json_path.value(),
                    ),
                    description: c.description.as_ref().map(LitStr::value),
                    format: c.format.as_ref().map(|f| {
                        errs.check(f.span(), validate::column_format(&f.value()), f.value())
                    }),
                    priority: match &c.priority {
                        Some(p) => match p.base10_parse::<i32>() {
                            Ok(v) if v >= 0 => v,
                            _ => {
                                errs.push(syn::Error::new(
                                    p.span(),
                                    "`priority` must be a non-negative 32-bit integer",
                                ));
                                0
                            }
                        },
                        None => 0,
                    },
                })
                .collect();
        let schema = match &args.schema {
            None => SchemaMode::Derived,
            Some(s) => match s.value().as_str() {
                "derived" => SchemaMode::Derived,
                "preserve-unknown-fields" => SchemaMode::PreserveUnknownFields,
                _ => {
                    errs.push(syn::Error::new(
                        s.span(),
                        "`schema` must be \"derived\" or \"preserve-unknown-fields\"",
                    ));
                    SchemaMode::Derived
                }
            },
        };
        let crd = match &args.crd {
            Some(b) => {
                if b.value && group.is_empty() {
                    errs.push(syn::Error::new(
                        b.span(),
                        "`crd = true` needs a `group`: the core group cannot hold custom resources",
                    ));
                } else if b.value && !group.contains('.') {
                    errs.push(syn::Error::new(
                        b.span(),
                        "a CustomResourceDefinition's group must contain a dot, such as `example.com`",
                    ));
                }
                b.value
            }
            None => group.contains('.'),
        };

        let metadata_field = match &args.data {
            darling::ast::Data::Struct(fields) => fields
                .fields
                .iter()
                .find(|f| f.ident.as_ref().is_some_and(|i| i == "metadata"))
                .cloned(),
            darling::ast::Data::Enum(_) => None,
        };
        let metadata_field = match metadata_field {
            Some(f) => Some(f),
            None => {
                errs.push(syn::Error::new(
                    args.ident.span(),
                    "#[derive(Resource)] needs a field `metadata: ::k8s_client::meta::ObjectMeta`",
                ));
                None
            }
        };
        if let Some(status) = &args.status {
            let has_status = match &args.data {
                darling::ast::Data::Struct(fields) => fields
                    .fields
                    .iter()
                    .any(|f| f.ident.as_ref().is_some_and(|i| i == "status")),
                darling::ast::Data::Enum(_) => false,
            };
            if !has_status {
                errs.push(syn::Error::new(
                    status.span(),
                    "`status = ...` needs a field named `status` on the struct",
                ));
            }
        }

        errs.finish()?;
        let Some(metadata_field) = metadata_field else {
            return Err(syn::Error::new(
                args.ident.span(),
                "missing `metadata` field",
            ));
        };
        Ok(Model {
            ident: args.ident,
            generics: args.generics,
            metadata_field,
            group,
            version,
            kind,
            plural,
            singular,
            namespaced: args.namespaced.is_present(),
            short_names,
            categories,
            extra_subresources,
            status: args.status,
            scale,
            print_columns,
            served: args.served.is_none_or(|b| b.value),
            storage: args.storage.is_none_or(|b| b.value),
            crd,
            schema,
        })
    }
}

/// Collects errors so that one compile shows all of them.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// Record `result`'s error at `span`, and pass `value` through either way.
    fn check<T>(&mut self, span: Span, result: Result<(), String>, value: T) -> T {
        if let Err(msg) = result {
            self.push(syn::Error::new(span, msg));
        }
        value
    }

    fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use syn::parse_quote;

    fn model(input: DeriveInput) -> Model {
        Model::from_input(&input).unwrap()
    }

    fn err(input: DeriveInput) -> String {
        Model::from_input(&input).unwrap_err().to_string()
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
                served = true, storage = false, subresources("log", "status"))]
            struct W { metadata: ObjectMeta, status: Option<WidgetStatus> }
        });
        assert_eq!(m.api_version(), "example.com/v1");
        assert_eq!(
            (m.kind.as_str(), m.plural.as_str(), m.singular.as_str()),
            ("Widget", "widgets", "widget")
        );
        assert!(m.namespaced && m.served && !m.storage && m.crd);
        assert_eq!(m.short_names, ["wd", "wdg"]);
        assert_eq!(m.categories, ["all"]);
        assert_eq!(m.subresources(), ["status", "scale", "log"]);
        assert_eq!(m.print_columns.len(), 2);
        assert_eq!(m.print_columns[0].priority, 1);
        assert_eq!(
            m.scale.unwrap().label_selector_path.as_deref(),
            Some(".status.selector")
        );
        assert_eq!(m.schema, SchemaMode::Derived);
    }

    #[test]
    fn defaults() {
        let m = model(parse_quote! {
            #[resource(version = "v1")]
            struct NetworkPolicy { metadata: ObjectMeta }
        });
        assert_eq!(m.group, "");
        assert_eq!(m.api_version(), "v1");
        assert_eq!(m.kind, "NetworkPolicy");
        assert_eq!(m.plural, "networkpolicies");
        assert_eq!(m.singular, "networkpolicy");
        assert!(!m.namespaced && !m.crd && m.served && m.storage);
        assert!(m.subresources().is_empty());
    }

    #[test]
    fn crd_defaults_to_dotted_groups() {
        let m = model(parse_quote! {
            #[resource(group = "apps", version = "v1")]
            struct Deployment { metadata: ObjectMeta }
        });
        assert!(!m.crd);
        let m = model(parse_quote! {
            #[resource(group = "apiextensions.k8s.io", version = "v1", crd = false)]
            struct CustomResourceDefinition { metadata: ObjectMeta }
        });
        assert!(!m.crd);
    }

    #[test]
    fn reports_every_error() {
        let e = err(parse_quote! {
            #[resource(group = "Example.com", version = "1", kind = "widget")]
            struct W { metadata: ObjectMeta }
        });
        assert!(e.contains("group"), "{e}");
        let input: DeriveInput = parse_quote! {
            #[resource(group = "Example.com", version = "1", kind = "widget")]
            struct W { metadata: ObjectMeta }
        };
        let n = Model::from_input(&input).unwrap_err().into_iter().count();
        assert_eq!(n, 3);
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
        assert!(
            err(
                parse_quote! { #[resource(version = "v1", status = "S")] struct W { metadata: M } }
            )
            .contains("status")
        );
        assert!(err(parse_quote! { #[resource(version = "v1", colour = "red")] struct W { metadata: M } }).contains("colour"));
        assert!(
            err(parse_quote! { #[resource(version = "v1", crd = true)] struct W { metadata: M } })
                .contains("core group")
        );
        assert!(
            err(
                parse_quote! { #[resource(version = "v1", schema = "x")] struct W { metadata: M } }
            )
            .contains("schema")
        );
    }
}
