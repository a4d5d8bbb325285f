//! The REST layer's pure half: building requests and decoding responses.
//!
//! Nothing here does IO. A [`Request`] is a value; [`Client`](crate::Client)
//! executes it. That keeps URL construction, parameters and decoding testable
//! without a server.

mod content;
mod decode;
mod go_duration;
mod json_path;
mod json_scan;
mod list_decoder;
#[cfg(feature = "protobuf")]
mod negotiated;
mod request;
mod response;
mod status;
mod watch_event;
mod watch_frames;

pub use content::Accept;
pub(crate) use decode::{decode_json, redacted};
pub use list_decoder::ListDecoder;
#[cfg(feature = "protobuf")]
pub(crate) use negotiated::{
    LengthFrames, Negotiated, NegotiatedList, decode_protobuf_watch_frame, is_protobuf_response,
};
pub use request::{Body, IntoRequest, Request, RequestBuilder, Verb};
pub(crate) use response::{
    BodySink, BufferedResponse, ResponseDecoder, ResponseHead, Whole, buffered, bytes, json,
};
pub(crate) use status::{MAX_ERROR_BODY, status_from_response};
pub(crate) use watch_event::decode_watch_frame;
pub use watch_frames::MAX_WATCH_FRAME;
pub(crate) use watch_frames::{FrameTooLarge, JsonFrames};
