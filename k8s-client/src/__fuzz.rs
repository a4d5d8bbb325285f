//! Internals the fuzz targets (the workspace's `k8s-fuzz` crate) drive directly.
//!
//! Not a public API: hidden from the docs, and free to change in any release.
//! Everything a fuzz target can reach through the public API it reaches that
//! way ([`yaml`](crate::yaml), [`Kubeconfig`](crate::config::Kubeconfig),
//! [`ListDecoder`](crate::rest::ListDecoder), [`Time`](crate::meta::Time),
//! [`Request`](crate::rest::Request)'s `timeout`). What is here has no public
//! path without a server: the watch stream's framing and its frame decoder,
//! which [`Api::watch`](crate::Api::watch) runs on the response body.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::meta::WatchEvent;
use crate::rest::{FrameTooLarge, JsonFrames};

/// The watch stream's frame splitter ([`MAX_WATCH_FRAME`](crate::rest::MAX_WATCH_FRAME)
/// is its limit on a real stream).
#[derive(Debug)]
pub struct WatchFrames(JsonFrames);

/// A frame grew past the splitter's limit: the stream ends with an error.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge;

impl WatchFrames {
    /// A splitter that refuses frames larger than `limit` bytes.
    pub fn with_limit(limit: usize) -> Self {
        WatchFrames(JsonFrames::with_limit(limit))
    }

    /// Takes the body's next chunk.
    pub fn push(&mut self, chunk: &[u8]) {
        self.0.push(chunk);
    }

    /// The next complete frame, if the bytes pushed hold one.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, TooLarge> {
        self.0.next_frame().map_err(|FrameTooLarge| TooLarge)
    }

    /// What is left once the body has ended (not empty: the body was cut short).
    pub fn remainder(&self) -> &[u8] {
        self.0.remainder()
    }

    /// How many bytes the splitter holds: what a stream costs in memory.
    pub fn buffered(&self) -> usize {
        self.0.buffered()
    }
}

/// Decodes one frame as the watch stream does: an event, or the error an
/// `ERROR` event carries.
pub fn decode_watch_frame<K: DeserializeOwned>(frame: &[u8]) -> crate::Result<WatchEvent<K>> {
    crate::rest::decode_watch_frame(frame, "GET /fuzz")
}
