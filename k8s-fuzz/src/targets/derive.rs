//! `#[derive(Resource)]`'s attribute parsing and checks, on token streams
//! lexed from arbitrary text.

use std::str::FromStr;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, Item};

use crate::expand::expand;

/// Lexes `data` as Rust tokens and runs the derive on them twice: as the
/// arguments of `#[resource(...)]` on a struct it accepts, and as the whole
/// item. Checks that it never panics, that a failure is a `compile_error!`,
/// and that what it generates parses as Rust items (the items inside
/// k8s-client's `custom_resource_ext!` too).
pub fn derive(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tokens) = TokenStream::from_str(text) else {
        return;
    };
    run(quote! {
        #[resource(#tokens)]
        struct Widget {
            metadata: ObjectMeta,
            spec: WidgetSpec,
            status: Option<WidgetStatus>,
        }
    });
    run(tokens);
}

fn run(tokens: TokenStream) {
    let Ok(input) = syn::parse2::<DeriveInput>(tokens) else {
        return;
    };
    match expand(&input) {
        Ok(out) => {
            let file = syn::parse2::<syn::File>(out.clone())
                .unwrap_or_else(|e| panic!("generated code does not parse: {e}\n{out}"));
            for item in file.items {
                if let Item::Macro(m) = item {
                    let body = m.mac.tokens;
                    syn::parse2::<syn::File>(body.clone()).unwrap_or_else(|e| {
                        panic!("generated code in a macro does not parse: {e}\n{body}")
                    });
                }
            }
        }
        Err(e) => {
            let out = e.write_errors().to_string();
            assert!(
                out.contains("compile_error"),
                "an error without compile_error!: {out}"
            );
        }
    }
}
