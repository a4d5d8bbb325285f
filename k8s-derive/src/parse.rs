//! Stage 1a: the derive input → the `#[resource(...)]` attribute exactly as
//! written ([`ResourceArgs`]).
//!
//! darling reports unknown keys and values of the wrong type; the shapes a
//! resource cannot have (enums, unions, tuple structs) are refused here with
//! messages that say what is needed instead.

use darling::{FromDeriveInput, FromMeta, util::Flag};
use proc_macro2::Span;
use syn::{DeriveInput, LitStr, spanned::Spanned};

/// The attribute exactly as written, before defaults and checks.
#[derive(Debug, FromDeriveInput)]
#[darling(attributes(resource), supports(struct_named))]
pub(crate) struct ResourceArgs {
    pub(crate) ident: syn::Ident,
    pub(crate) generics: syn::Generics,
    pub(crate) data: darling::ast::Data<(), syn::Field>,
    #[darling(default, rename = "crate")]
    pub(crate) krate: Option<syn::Path>,
    #[darling(default)]
    pub(crate) group: Option<LitStr>,
    #[darling(default)]
    pub(crate) version: Option<LitStr>,
    #[darling(default)]
    pub(crate) kind: Option<LitStr>,
    #[darling(default)]
    pub(crate) plural: Option<LitStr>,
    #[darling(default)]
    pub(crate) singular: Option<LitStr>,
    pub(crate) namespaced: Flag,
    #[darling(default)]
    pub(crate) shortnames: Vec<LitStr>,
    #[darling(default)]
    pub(crate) categories: Vec<LitStr>,
    #[darling(default)]
    pub(crate) subresources: Vec<LitStr>,
    #[darling(default)]
    pub(crate) status: Option<syn::Path>,
    #[darling(default)]
    pub(crate) scale: Option<ScaleArgs>,
    #[darling(default, multiple, rename = "printcolumn")]
    pub(crate) printcolumns: Vec<PrintColumnArgs>,
    #[darling(default)]
    pub(crate) served: Option<syn::LitBool>,
    #[darling(default)]
    pub(crate) storage: Option<syn::LitBool>,
    #[darling(default)]
    pub(crate) crd: Option<syn::LitBool>,
    #[darling(default)]
    pub(crate) schema: Option<LitStr>,
    /// k8s-client's built-in types only: the type has a protobuf codec
    /// (`k8s_client::protobuf::Message`), used when the feature is on.
    pub(crate) protobuf: Flag,
    /// Where the attribute is, for errors about it as a whole; set by [`parse`].
    #[darling(skip)]
    pub(crate) attribute_span: Option<Span>,
}

/// `scale(spec_replicas_path = ..., status_replicas_path = ..., label_selector_path = ...)`.
#[derive(Debug, Clone, FromMeta)]
pub(crate) struct ScaleArgs {
    pub(crate) spec_replicas_path: LitStr,
    pub(crate) status_replicas_path: LitStr,
    #[darling(default)]
    pub(crate) label_selector_path: Option<LitStr>,
}

/// `printcolumn(name = ..., type = ..., json_path = ..., description = ..., format = ..., priority = ...)`.
#[derive(Debug, Clone, FromMeta)]
pub(crate) struct PrintColumnArgs {
    pub(crate) name: LitStr,
    #[darling(rename = "type")]
    pub(crate) ty: LitStr,
    pub(crate) json_path: LitStr,
    #[darling(default)]
    pub(crate) description: Option<LitStr>,
    #[darling(default)]
    pub(crate) format: Option<LitStr>,
    #[darling(default)]
    pub(crate) priority: Option<syn::LitInt>,
}

/// Read the attribute of a struct with named fields.
pub(crate) fn parse(input: &DeriveInput) -> darling::Result<ResourceArgs> {
    let not_a_struct = "#[derive(Resource)] only works on structs with a `metadata` field";
    match &input.data {
        syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => {}
        syn::Data::Struct(s) => {
            return Err(error_at(
                s.fields.span(),
                "#[derive(Resource)] needs a struct with named fields, one of them `metadata`",
            ));
        }
        syn::Data::Enum(e) => return Err(error_at(e.enum_token.span, not_a_struct)),
        syn::Data::Union(u) => return Err(error_at(u.union_token.span, not_a_struct)),
    }
    let mut args = ResourceArgs::from_derive_input(input)?;
    args.attribute_span = input
        .attrs
        .iter()
        .find(|a| a.path().is_ident("resource"))
        .map(|a| a.path().span());
    Ok(args)
}

/// An error with `msg` at `span`.
pub(crate) fn error_at(span: Span, msg: impl std::fmt::Display) -> darling::Error {
    syn::Error::new(span, msg).into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use syn::parse_quote;

    fn err(input: DeriveInput) -> String {
        syn::Error::from(parse(&input).unwrap_err()).to_string()
    }

    #[test]
    fn reads_every_key_as_written() {
        let args = parse(&parse_quote! {
            #[resource(crate = "::my_k8s", group = "example.com", version = "v1", kind = "W",
                plural = "ws", singular = "w", namespaced, shortnames("a", "b"), categories("all"),
                subresources("log"), status = "S",
                scale(spec_replicas_path = ".spec.r", status_replicas_path = ".status.r"),
                printcolumn(name = "N", type = "string", json_path = ".spec.n", priority = 2),
                printcolumn(name = "M", type = "date", json_path = ".metadata.x"),
                served = false, storage = true, crd = true, schema = "derived")]
            struct W { metadata: M }
        })
        .unwrap();
        let krate = args.krate.unwrap();
        assert_eq!(quote::quote!(#krate).to_string(), ":: my_k8s");
        assert_eq!(args.version.unwrap().value(), "v1");
        assert!(args.namespaced.is_present());
        assert_eq!(args.shortnames.len(), 2);
        assert_eq!(args.printcolumns.len(), 2);
        assert_eq!(
            args.printcolumns[0].priority.as_ref().unwrap().to_string(),
            "2"
        );
        assert!(args.scale.unwrap().label_selector_path.is_none());
        assert!(!args.served.unwrap().value);
        assert!(args.attribute_span.is_some());
    }

    #[test]
    fn absent_keys_stay_absent() {
        let args = parse(&parse_quote! { #[resource()] struct W { metadata: M } }).unwrap();
        assert!(args.version.is_none() && args.krate.is_none() && args.group.is_none());
        assert!(args.printcolumns.is_empty() && !args.namespaced.is_present());
    }

    #[test]
    fn refuses_other_shapes_and_unknown_keys() {
        assert!(err(parse_quote! { #[resource(version = "v1")] enum W { A } }).contains("structs"));
        assert!(err(parse_quote! { #[resource(version = "v1")] struct W(M); }).contains("named"));
        assert!(
            err(parse_quote! { #[resource(version = "v1")] union W { a: u8 } }).contains("structs")
        );
        assert!(
            err(parse_quote! { #[resource(colour = "red")] struct W { m: M } }).contains("colour")
        );
        assert!(err(parse_quote! { #[resource(version = 1)] struct W { m: M } }).contains("type"));
    }
}
