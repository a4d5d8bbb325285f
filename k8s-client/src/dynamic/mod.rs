//! Resources known at run time rather than compile time.
//!
//! - [`DynamicObject`]: any object, with its metadata typed and everything else as JSON.
//! - [`ApiResource`]: how to address a resource; use it with
//!   [`Api::namespaced_with`](crate::Api::namespaced_with) and
//!   [`Api::all_with`](crate::Api::all_with).
//! - [`GroupVersion`], [`GroupVersionKind`], [`GroupVersionResource`]: names.

mod api_resource;
mod object;

pub use crate::names::{
    GroupVersion, GroupVersionKind, GroupVersionResource, ParseGroupVersionError,
};
pub use api_resource::{ApiResource, ApiSubresource};
pub use object::DynamicObject;
