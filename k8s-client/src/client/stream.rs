//! Response bodies read after the request has returned: byte streams (logs)
//! and watch event streams. Each holds its connection's lease until dropped,
//! so the pool counts it as a stream in use.

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;

use super::attempt::Opened;
use super::transport_error::classify;
use crate::error::TransportErrorKind;
use crate::meta::WatchEvent;
use crate::rest::{FrameTooLarge, JsonFrames, MAX_WATCH_FRAME, decode_watch_frame};
use crate::{Error, Result};

fn transport_error(
    operation: &str,
    kind: TransportErrorKind,
    error: Option<reqwest::Error>,
) -> Error {
    Error::Transport {
        operation: operation.to_owned(),
        kind,
        attempts: 1,
        source: error.map(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
    }
}

/// The body as it arrives.
pub(super) fn byte_stream(
    opened: Opened,
    operation: String,
) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
    let Opened { response, lease } = opened;
    response.bytes_stream().map(move |chunk| {
        // The lease lives as long as the stream.
        let _ = &lease;
        chunk.map_err(|e| transport_error(&operation, classify(&e), Some(e)))
    })
}

/// How a watch stream's frames are laid out and decoded.
enum Frames<K> {
    /// Concatenated JSON objects.
    Json(JsonFrames),
    /// Length-prefixed protobuf `WatchEvent`s, decoded by the kind's codec.
    #[cfg(feature = "protobuf")]
    Protobuf(crate::rest::LengthFrames, crate::protobuf::Codec<K>),
    #[cfg(not(feature = "protobuf"))]
    _Never(std::marker::PhantomData<fn() -> K>),
}

impl<K: DeserializeOwned> Frames<K> {
    fn push(&mut self, chunk: &[u8]) {
        match self {
            Frames::Json(f) => f.push(chunk),
            #[cfg(feature = "protobuf")]
            Frames::Protobuf(f, _) => f.push(chunk),
            #[cfg(not(feature = "protobuf"))]
            Frames::_Never(_) => {}
        }
    }

    fn remainder(&self) -> &[u8] {
        match self {
            Frames::Json(f) => f.remainder(),
            #[cfg(feature = "protobuf")]
            Frames::Protobuf(f, _) => f.remainder(),
            #[cfg(not(feature = "protobuf"))]
            Frames::_Never(_) => &[],
        }
    }

    /// The next whole event, if buffered.
    fn next_event(
        &mut self,
        operation: &str,
    ) -> std::result::Result<Option<Result<WatchEvent<K>>>, FrameTooLarge> {
        match self {
            Frames::Json(f) => Ok(f
                .next_frame()?
                .map(|frame| decode_watch_frame(&frame, operation))),
            #[cfg(feature = "protobuf")]
            Frames::Protobuf(f, codec) => Ok(f
                .next_frame()?
                .map(|frame| crate::rest::decode_protobuf_watch_frame(&frame, *codec, operation))),
            #[cfg(not(feature = "protobuf"))]
            Frames::_Never(_) => Ok(None),
        }
    }
}

/// The body as watch events: protobuf frames when the server answered
/// protobuf and the kind has a codec (`codec`), else JSON.
pub(super) fn watch_events<K: DeserializeOwned + Send + 'static>(
    opened: Opened,
    operation: String,
    #[cfg(feature = "protobuf")] codec: Option<crate::protobuf::Codec<K>>,
) -> impl Stream<Item = Result<WatchEvent<K>>> + Send + 'static {
    let Opened { response, lease } = opened;
    #[cfg(feature = "protobuf")]
    let frames = {
        match codec {
            Some(codec) if crate::rest::is_protobuf_response(response.headers()) => {
                Frames::Protobuf(crate::rest::LengthFrames::default(), codec)
            }
            _ => Frames::Json(JsonFrames::default()),
        }
    };
    #[cfg(not(feature = "protobuf"))]
    let frames = Frames::Json(JsonFrames::default());
    let state = WatchState {
        chunks: response.bytes_stream().boxed(),
        frames,
        operation,
        done: false,
        _lease: lease,
    };
    futures::stream::unfold(state, |mut st| async move {
        let item = st.next_event().await?;
        Some((item, st))
    })
}

struct WatchState<K> {
    chunks: BoxStream<'static, reqwest::Result<Bytes>>,
    frames: Frames<K>,
    operation: String,
    done: bool,
    _lease: super::pool::Lease,
}

impl<K: DeserializeOwned> WatchState<K> {
    async fn next_event(&mut self) -> Option<Result<WatchEvent<K>>> {
        loop {
            if self.done {
                return None;
            }
            match self.frames.next_event(&self.operation) {
                Ok(Some(event)) => return Some(event),
                Ok(None) => {}
                Err(FrameTooLarge) => {
                    self.done = true;
                    return Some(Err(Error::TooLarge {
                        operation: self.operation.clone(),
                        what: "watch frame",
                        limit: MAX_WATCH_FRAME,
                    }));
                }
            }
            match self.chunks.next().await {
                Some(Ok(chunk)) => self.frames.push(&chunk),
                Some(Err(e)) => {
                    self.done = true;
                    let kind = classify(&e);
                    // Between events, a broken or timed-out stream is the
                    // normal end of a long watch (client-go's `IsProbableEOF`
                    // and `IsTimeout`): the caller watches again.
                    let quiet = kind.is_broken_connection() || kind == TransportErrorKind::TimedOut;
                    if self.frames.remainder().is_empty() && quiet {
                        tracing::debug!(operation = self.operation, %kind, "watch stream ended");
                        return None;
                    }
                    return Some(Err(transport_error(&self.operation, kind, Some(e))));
                }
                None => {
                    self.done = true;
                    if self.frames.remainder().is_empty() {
                        return None;
                    }
                    tracing::debug!(
                        operation = self.operation,
                        unread = self.frames.remainder().len(),
                        "watch stream ended inside an event"
                    );
                    return Some(Err(transport_error(
                        &self.operation,
                        TransportErrorKind::EndedEarly,
                        None,
                    )));
                }
            }
        }
    }
}
