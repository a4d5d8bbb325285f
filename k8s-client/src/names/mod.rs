//! Names every layer shares: group/version/kind/resource, field paths, and DNS-1123 rules.
//!
//! A leaf: it depends on nothing else in the crate, so the REST layer, YAML,
//! dynamic objects and the derive's output can all use it without cycles.
//! `group/version` is formatted here and nowhere else.

mod dns;
mod field_path;
mod gvk;

pub(crate) use dns::{is_dns1123_label, is_dns1123_subdomain};
pub(crate) use field_path::{push_index, push_key};
pub use gvk::{GroupVersion, GroupVersionKind, GroupVersionResource, ParseGroupVersionError};
pub(crate) use gvk::{api_version, url_prefix};
