//! Stage 3a: code for `HasMetadata` and `Resource`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::Model;

/// `impl HasMetadata` and `impl Resource` for the model's type.
pub(crate) fn expand(m: &Model) -> TokenStream {
    let krate = &m.krate;
    let ident = &m.ident;
    let (impl_generics, ty_generics, where_clause) = m.generics.split_for_impl();
    let scope = if m.namespaced {
        quote!(#krate::NamespaceScope)
    } else {
        quote!(#krate::ClusterScope)
    };
    let group = &m.group.value;
    let version = &m.version.value;
    let api_version = m.api_version();
    let kind = &m.kind.value;
    let plural = &m.plural.value;
    let singular = &m.singular.value;
    let short_names = m.short_names.iter().map(|s| &s.value);
    let subresources = m.subresources();
    // Spanned on the field's type, so a `metadata` of the wrong type is
    // reported there rather than on the derive.
    let ty_span = m.metadata_field.ty.span();
    let meta = quote_spanned!(ty_span=> &self.metadata);
    let meta_mut = quote_spanned!(ty_span=> &mut self.metadata);
    // Kept only when k8s-client's `protobuf` feature is on, which the
    // derive cannot see.
    let protobuf = m.protobuf.then(|| {
        quote! {
            #krate::__private::if_protobuf! {
                fn protobuf_codec() -> ::core::option::Option<#krate::__private::ProtobufCodec<Self>> {
                    ::core::option::Option::Some(#krate::__private::ProtobufCodec::of())
                }
            }
        }
    });

    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::HasMetadata for #ident #ty_generics #where_clause {
            fn metadata(&self) -> &#krate::meta::ObjectMeta {
                #meta
            }
            fn metadata_mut(&mut self) -> &mut #krate::meta::ObjectMeta {
                #meta_mut
            }
        }

        #[automatically_derived]
        impl #impl_generics #krate::Resource for #ident #ty_generics #where_clause {
            type Scope = #scope;
            const GROUP: &'static str = #group;
            const VERSION: &'static str = #version;
            const API_VERSION: &'static str = #api_version;
            const KIND: &'static str = #kind;
            const PLURAL: &'static str = #plural;
            const SINGULAR: &'static str = #singular;
            const SHORT_NAMES: &'static [&'static str] = &[#(#short_names),*];
            const SUBRESOURCES: &'static [&'static str] = &[#(#subresources),*];
            #protobuf
        }
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
    fn full_paths_and_consts() {
        let out = expand_str(syn::parse_quote! {
            #[resource(group = "example.com", version = "v1", namespaced, shortnames("wd"))]
            struct Widget { metadata: ObjectMeta }
        });
        assert!(out.contains(":: k8s_client :: NamespaceScope"), "{out}");
        assert!(out.contains("\"example.com/v1\""), "{out}");
        assert!(out.contains("\"widgets\""), "{out}");
        assert!(out.contains("& [\"wd\"]"), "{out}");
    }

    #[test]
    fn every_path_through_the_crate_key() {
        let out = expand_str(syn::parse_quote! {
            #[resource(crate = "crate::reexported", version = "v1")]
            struct Node { metadata: ObjectMeta }
        });
        assert!(!out.contains("k8s_client"), "{out}");
        assert!(out.contains("crate :: reexported :: ClusterScope"), "{out}");
        assert!(
            out.contains("crate :: reexported :: meta :: ObjectMeta"),
            "{out}"
        );
    }
}
