//! Resources known at run time rather than compile time.
//!
//! - [`DynamicObject`]: any object, with its metadata typed and everything else as JSON.
//! - [`ApiResource`]: how to address a resource; use it with
//!   [`Api::namespaced_with`](crate::Api::namespaced_with) and
//!   [`Api::all_with`](crate::Api::all_with).
//! - [`GroupVersion`], [`GroupVersionKind`], [`GroupVersionResource`]: names.

mod api_resource;
mod gvk;
mod object;

pub use api_resource::{ApiResource, ApiSubresource};
pub use gvk::{GroupVersion, GroupVersionKind, GroupVersionResource, ParseGroupVersionError};
pub use object::DynamicObject;
