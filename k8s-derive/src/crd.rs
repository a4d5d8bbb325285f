//! Stage 3b: code for `CustomResourceExt`, when the model is a custom resource.
//!
//! The generated code only lists the model's data; building the
//! CustomResourceDefinition and its schema is ordinary, tested library code
//! in `k8s_client::crd`.
//!
//! The impl is wrapped in `k8s_client::__private::custom_resource_ext!`,
//! which expands to it when k8s-client's `apiextensions` feature is on and
//! to nothing when it is off: a derive cannot see another crate's features.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Model, SchemaMode};

/// `impl CustomResourceExt`, or nothing when `crd` is off.
pub(crate) fn expand(m: &Model) -> TokenStream {
    if !m.crd.value {
        return TokenStream::new();
    }
    let krate = &m.krate;
    let parts = quote!(#krate::__private::crd);
    let ident = &m.ident;
    let (impl_generics, ty_generics, where_clause) = m.generics.split_for_impl();
    let namespaced = m.namespaced;
    let categories = m.categories.iter().map(|c| &c.value);
    let has_status = m.status.is_some();
    let served = m.served;
    let storage = m.storage;
    let scale = match &m.scale {
        Some(s) => {
            let spec = &s.spec_replicas_path.value;
            let status = &s.status_replicas_path.value;
            let selector = opt_str(s.label_selector_path.as_ref().map(|l| l.value.as_str()));
            quote!(::core::option::Option::Some(#parts::ScaleParts {
                spec_replicas_path: #spec,
                status_replicas_path: #status,
                label_selector_path: #selector,
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let columns = m.print_columns.iter().map(|c| {
        let name = &c.name;
        let ty = &c.ty.value;
        let json_path = &c.json_path.value;
        let description = opt_str(c.description.as_deref());
        let format = opt_str(c.format.as_ref().map(|f| f.value.as_str()));
        let priority = c.priority();
        quote!(#parts::ColumnParts {
            name: #name,
            type_: #ty,
            json_path: #json_path,
            description: #description,
            format: #format,
            priority: #priority,
        })
    });
    let schema = match m.schema_mode() {
        SchemaMode::Derived => {
            quote!(#krate::crd::schema::structural_schema_for::<Self>())
        }
        SchemaMode::PreserveUnknownFields => {
            quote!(#krate::crd::schema::preserve_unknown_fields_schema())
        }
    };

    quote! {
        #krate::__private::custom_resource_ext! {
            #[automatically_derived]
            impl #impl_generics #krate::CustomResourceExt for #ident #ty_generics #where_clause {
                fn crd() -> #krate::crd::CustomResourceDefinition {
                    #parts::build::<Self>(
                        &#parts::CrdParts {
                            namespaced: #namespaced,
                            categories: &[#(#categories),*],
                            status: #has_status,
                            scale: #scale,
                            printer_columns: &[#(#columns),*],
                            served: #served,
                            storage: #storage,
                        },
                        #schema,
                    )
                }
            }
        }
    }
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::tests::model_of;

    fn expand_str(input: syn::DeriveInput) -> String {
        expand(&model_of(&input).unwrap()).to_string()
    }

    #[test]
    fn only_for_custom_resources() {
        assert!(
            expand_str(syn::parse_quote! {
                #[resource(version = "v1")] struct Pod { metadata: M }
            })
            .is_empty()
        );
        let out = expand_str(syn::parse_quote! {
            #[resource(group = "example.com", version = "v1", schema = "preserve-unknown-fields")]
            struct Widget { metadata: M }
        });
        assert!(out.contains("preserve_unknown_fields_schema"), "{out}");
        assert!(out.contains(":: k8s_client :: CustomResourceExt"), "{out}");
    }

    #[test]
    fn behind_the_feature_macro() {
        let out = expand_str(syn::parse_quote! {
            #[resource(group = "example.com", version = "v1")]
            struct Widget { metadata: M }
        });
        assert!(
            out.starts_with(":: k8s_client :: __private :: custom_resource_ext !"),
            "{out}"
        );
    }

    #[test]
    fn every_path_through_the_crate_key() {
        let out = expand_str(syn::parse_quote! {
            #[resource(crate = "crate::reexported", group = "example.com", version = "v1",
                       status = "S", scale(spec_replicas_path = ".spec.r", status_replicas_path = ".status.r"),
                       printcolumn(name = "R", type = "integer", json_path = ".spec.r"))]
            struct Widget { metadata: M, status: S }
        });
        assert!(!out.contains("k8s_client"), "{out}");
        assert!(
            out.contains("crate :: reexported :: __private :: crd :: ScaleParts"),
            "{out}"
        );
    }
}
