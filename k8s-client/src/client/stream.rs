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

/// The body as watch events.
pub(super) fn watch_events<K: DeserializeOwned + Send + 'static>(
    opened: Opened,
    operation: String,
) -> impl Stream<Item = Result<WatchEvent<K>>> + Send + 'static {
    let Opened { response, lease } = opened;
    let state = WatchState {
        chunks: response.bytes_stream().boxed(),
        frames: JsonFrames::default(),
        operation,
        done: false,
        _lease: lease,
    };
    futures::stream::unfold(state, |mut st| async move {
        let item = st.next_event::<K>().await?;
        Some((item, st))
    })
}

struct WatchState {
    chunks: BoxStream<'static, reqwest::Result<Bytes>>,
    frames: JsonFrames,
    operation: String,
    done: bool,
    _lease: super::pool::Lease,
}

impl WatchState {
    async fn next_event<K: DeserializeOwned>(&mut self) -> Option<Result<WatchEvent<K>>> {
        loop {
            if self.done {
                return None;
            }
            match self.frames.next_frame() {
                Ok(Some(frame)) => return Some(decode_watch_frame(&frame, &self.operation)),
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
