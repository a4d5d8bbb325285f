//! The common meta types of `meta.k8s.io/v1` that every object and request uses.
//!
//! These are hand-written and shared: the generated built-in types refer to
//! them rather than defining their own copies.

mod bytes;
mod condition;
mod delete;
pub(crate) mod exact;
mod int_or_string;
mod list;
pub(crate) mod null;
mod object_meta;
mod partial;
mod quantity;
#[cfg(feature = "schemars")]
mod schema;
mod selector;
mod status;
mod time;
mod type_meta;
mod watch;

pub use bytes::ByteString;
pub use condition::Condition;
pub use delete::{DeleteOptions, Preconditions, PropagationPolicy};
pub use int_or_string::IntOrString;
pub use list::{List, ListMeta};
pub use object_meta::{FieldsV1, ManagedFieldsEntry, ObjectMeta, OwnerReference};
pub use partial::PartialObjectMetadata;
pub use quantity::Quantity;
pub use selector::{FieldSelectorRequirement, LabelSelector, LabelSelectorRequirement};
pub use status::{Status, StatusCause, StatusDetails};
pub use time::{MicroTime, Time, TimeParseError};
pub use type_meta::TypeMeta;
pub use watch::{Bookmark, INITIAL_EVENTS_END_ANNOTATION, WatchEvent, WatchEventType};
