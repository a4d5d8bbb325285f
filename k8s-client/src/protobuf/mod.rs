//! Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`)
//! for the built-in types, behind the `protobuf` feature (on by default).
//!
//! The built-in types have one set of Rust types and two codecs: serde for
//! JSON and, generated from the `.proto` files of the pinned release
//! (`codegen`), a protobuf decoder and encoder for the same structs. Both
//! are compiled once, inside this crate. Custom resources, dynamic objects
//! and patches stay JSON, as the API server requires.
//!
//! What the client does with it:
//! - requests for built-in types send `Accept:
//!   application/vnd.kubernetes.protobuf, application/json`, and the answer
//!   is decoded by its `Content-Type` (a JSON answer, such as a CRD's or an
//!   aggregated server's, decodes as JSON);
//! - create and replace send protobuf bodies;
//! - watches read length-prefixed protobuf frames;
//! - [`ClientBuilder::protobuf`](crate::ClientBuilder::protobuf) turns it all off.
//!
//! This module's items are the codec's building blocks; programs rarely
//! need them directly.
//!
//! ```
//! # #[cfg(feature = "core")] {
//! use k8s_client::api::core::v1::ConfigMap;
//! use k8s_client::protobuf;
//!
//! let mut cm = ConfigMap::default();
//! cm.metadata.name = Some("settings".into());
//! cm.data = Some([("mode".to_owned(), "fast".to_owned())].into());
//! let body = protobuf::encode_object(&cm, "v1", "ConfigMap");
//! assert!(body.starts_with(b"k8s\0"));
//! let back: ConfigMap = protobuf::decode_object(&body).unwrap();
//! assert_eq!(back.data, cm.data);
//! # }
//! ```

mod codec;
pub mod envelope;
mod leaf;
mod meta;
mod wire;

#[doc(hidden)]
pub use codec::*;
pub use wire::{BUDGET_BASE, BUDGET_PER_BYTE, DecodeError, MAX_DEPTH, Reader, WireType, Writer};
#[doc(hidden)]
pub use wire::{Result, expect};

use crate::meta::List;

/// The media type of protobuf bodies.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// What requests for built-in types accept: protobuf first, JSON for
/// servers (or resources) that do not speak it.
pub const ACCEPT: &str = "application/vnd.kubernetes.protobuf, application/json";

/// A protobuf watch frame is at most this large (client-go's limit).
pub const MAX_FRAME: usize = 16 << 20;

/// Whether a `Content-Type` is protobuf (any parameters, such as
/// `;stream=watch`, ignored).
pub fn is_protobuf(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(CONTENT_TYPE))
}

/// Decodes an enveloped body (`k8s\0…`) into `T`.
pub fn decode_object<T: Message>(body: &[u8]) -> std::result::Result<T, DecodeError> {
    let env = envelope::open(body)?;
    codec::decode(env.raw)
}

/// Decodes an enveloped body into `T`, with the envelope's apiVersion and
/// kind beside it: lists and `Status` carry their type only there.
pub(crate) fn decode_object_with_type<T: Message>(
    body: &[u8],
) -> std::result::Result<(T, envelope::Unknown<'_>), DecodeError> {
    let env = envelope::open(body)?;
    Ok((codec::decode(env.raw)?, env))
}

/// Decodes an enveloped list, its apiVersion and kind from the envelope.
fn decode_list<K: Message>(body: &[u8]) -> std::result::Result<List<K>, DecodeError> {
    let (mut list, env): (List<K>, _) = decode_object_with_type(body)?;
    list.api_version = env.api_version;
    list.kind = env.kind;
    Ok(list)
}

/// Encodes `value` as an enveloped body with the given `apiVersion` and `kind`.
pub fn encode_object<T: Message>(value: &T, api_version: &str, kind: &str) -> Vec<u8> {
    envelope::seal(api_version, kind, &codec::encode(value))
}

/// The protobuf codec of a built-in kind, reached through
/// [`Resource`](crate::Resource): plain function pointers into code
/// compiled inside this crate, so a program using the kind compiles no
/// decoder of its own.
pub struct Codec<K> {
    pub(crate) decode: fn(&[u8]) -> std::result::Result<K, DecodeError>,
    pub(crate) decode_list: fn(&[u8]) -> std::result::Result<List<K>, DecodeError>,
    pub(crate) encode: fn(&K, &str, &str) -> Vec<u8>,
}

impl<K> Clone for Codec<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for Codec<K> {}

impl<K> std::fmt::Debug for Codec<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Codec")
    }
}

impl<K: Message> Codec<K> {
    /// The codec of a [`Message`] type.
    pub fn of() -> Self {
        Codec {
            decode: decode_object::<K>,
            decode_list: decode_list::<K>,
            encode: encode_object::<K>,
        }
    }
}
