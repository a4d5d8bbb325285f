//! The three stages: parse and apply defaults, check, generate.
//!
//! Kept apart from the `proc_macro` entry point so it runs outside a macro
//! too: the fuzz targets (`k8s-fuzz`) compile these modules into an ordinary
//! library and feed `expand` arbitrary token streams.

use syn::DeriveInput;

use crate::{check, crd, model, parse, resource};

/// The derive's whole work on one input: its items, or every error found.
pub(crate) fn expand(input: &DeriveInput) -> darling::Result<proc_macro2::TokenStream> {
    let model = model::Model::from_args(parse::parse(input)?)?;
    check::check(&model)?;
    let mut out = resource::expand(&model);
    out.extend(crd::expand(&model));
    Ok(out)
}
