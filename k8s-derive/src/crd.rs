//! Stage 3b: code for `CustomResourceExt`, when the model is a custom resource.
//!
//! The generated code only lists the model's data; building the
//! CustomResourceDefinition and its schema is ordinary, tested library code
//! in `k8s_client::crd`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Model, SchemaMode};

/// `impl CustomResourceExt`, or nothing when `crd` is off.
pub(crate) fn expand(m: &Model) -> TokenStream {
    if !m.crd {
        return TokenStream::new();
    }
    let ident = &m.ident;
    let (impl_generics, ty_generics, where_clause) = m.generics.split_for_impl();
    let namespaced = m.namespaced;
    let categories = &m.categories;
    let has_status = m.status.is_some();
    let served = m.served;
    let storage = m.storage;
    let scale = match &m.scale {
        Some(s) => {
            let spec = &s.spec_replicas_path;
            let status = &s.status_replicas_path;
            let selector = match &s.label_selector_path {
                Some(l) => quote!(::core::option::Option::Some(#l)),
                None => quote!(::core::option::Option::None),
            };
            quote!(::core::option::Option::Some(::k8s_client::__private::crd::ScaleParts {
                spec_replicas_path: #spec,
                status_replicas_path: #status,
                label_selector_path: #selector,
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let columns = m.print_columns.iter().map(|c| {
        let name = &c.name;
        let ty = &c.ty;
        let json_path = &c.json_path;
        let description = opt_str(c.description.as_deref());
        let format = opt_str(c.format.as_deref());
        let priority = c.priority;
        quote!(::k8s_client::__private::crd::ColumnParts {
            name: #name,
            type_: #ty,
            json_path: #json_path,
            description: #description,
            format: #format,
            priority: #priority,
        })
    });
    let schema = match m.schema {
        SchemaMode::Derived => {
            quote!(::k8s_client::crd::schema::structural_schema_for::<Self>())
        }
        SchemaMode::PreserveUnknownFields => {
            quote!(::k8s_client::crd::schema::preserve_unknown_fields_schema())
        }
    };

    quote! {
        #[automatically_derived]
        impl #impl_generics ::k8s_client::CustomResourceExt for #ident #ty_generics #where_clause {
            fn crd() -> ::k8s_client::crd::CustomResourceDefinition {
                ::k8s_client::__private::crd::build::<Self>(
                    &::k8s_client::__private::crd::CrdParts {
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

    fn expand_str(input: syn::DeriveInput) -> String {
        expand(&Model::from_input(&input).unwrap()).to_string()
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
}
