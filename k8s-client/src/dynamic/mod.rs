//! Resources known at run time rather than compile time.

mod api_resource;

pub use api_resource::ApiResource;
