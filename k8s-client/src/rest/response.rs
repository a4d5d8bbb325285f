//! Response bodies decoded as they arrive.
//!
//! The client reads a successful response's body chunk by chunk into a
//! [`ResponseDecoder`] and, once the body has ended, asks it for its
//! value. A retried request starts a body over: [`BodySink::begin`] is
//! called at the start of every attempt's body. Pure: nothing here does IO.

use std::fmt::Display;

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_LENGTH, HeaderMap};
use serde::de::DeserializeOwned;

use super::decode_json;
use super::list_decoder::ListDecoder;
use crate::Result;
use crate::meta::List;

/// The status line and headers of a response whose body is about to be read.
pub(crate) struct ResponseHead<'a> {
    pub(crate) code: u16,
    pub(crate) headers: &'a HeaderMap,
}

/// The half of a decoder the client drives, object-safe so the retry loop
/// is compiled once for every body type.
pub(crate) trait BodySink: Send {
    /// A body begins; whatever an earlier attempt fed is forgotten.
    fn begin(&mut self, head: &ResponseHead<'_>);
    /// The body's next chunk.
    fn feed(&mut self, chunk: &[u8]) -> Result<()>;
}

/// A [`BodySink`] that yields a value once the body has ended.
pub(crate) trait ResponseDecoder: BodySink + Sized {
    /// What the body decodes to.
    type Output;
    /// The value of the whole body.
    fn finish(self) -> Result<Self::Output>;
}

/// Ask no more than this of the allocator up front, whatever
/// `Content-Length` a server claims; a body that is really larger still
/// grows as it arrives.
const MAX_RESERVE: usize = 16 << 20;

/// A body gathered whole, then handed to a decoding function.
pub(crate) struct Whole<F> {
    body: BytesMut,
    decode: F,
}

/// A response read whole, with what discovery's caches need from it: the
/// code (a conditional GET may answer 304) and the headers (`ETag`, and the
/// `Content-Type` that tells aggregated discovery from the legacy format).
#[derive(Debug)]
pub(crate) struct BufferedResponse {
    pub(crate) code: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl<F> Whole<F> {
    /// A body decoded by `decode` once it is whole.
    pub(crate) fn new(decode: F) -> Self {
        Whole {
            body: BytesMut::new(),
            decode,
        }
    }
}

/// Makes room for the body a response announces, within reason.
fn reserve_announced(body: &mut BytesMut, head: &ResponseHead<'_>) {
    body.clear();
    let announced = head
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    body.reserve(announced.min(MAX_RESERVE));
}

/// The body as bytes.
pub(crate) fn bytes() -> Whole<fn(Bytes) -> Result<Bytes>> {
    Whole::new(Ok)
}

/// The body decoded as JSON into `T`; `operation` and `what` name it in errors.
pub(crate) fn json<T: DeserializeOwned>(
    operation: impl Display + Send,
    what: impl Display + Send,
) -> Whole<impl FnOnce(Bytes) -> Result<T> + Send> {
    Whole::new(move |body: Bytes| decode_json(&body, operation, what))
}

/// The body with the response's code and headers.
pub(crate) fn buffered() -> Buffered {
    Buffered {
        code: 0,
        headers: HeaderMap::new(),
        body: BytesMut::new(),
    }
}

/// Gathers a [`BufferedResponse`].
pub(crate) struct Buffered {
    code: u16,
    headers: HeaderMap,
    body: BytesMut,
}

impl BodySink for Buffered {
    fn begin(&mut self, head: &ResponseHead<'_>) {
        reserve_announced(&mut self.body, head);
        self.code = head.code;
        self.headers = head.headers.clone();
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.body.extend_from_slice(chunk);
        Ok(())
    }
}

impl ResponseDecoder for Buffered {
    type Output = BufferedResponse;
    fn finish(self) -> Result<BufferedResponse> {
        Ok(BufferedResponse {
            code: self.code,
            headers: self.headers,
            body: self.body.freeze(),
        })
    }
}

impl<F: Send> BodySink for Whole<F> {
    fn begin(&mut self, head: &ResponseHead<'_>) {
        reserve_announced(&mut self.body, head);
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.body.extend_from_slice(chunk);
        Ok(())
    }
}

impl<T, F: FnOnce(Bytes) -> Result<T> + Send> ResponseDecoder for Whole<F> {
    type Output = T;
    fn finish(self) -> Result<T> {
        (self.decode)(self.body.freeze())
    }
}

impl<K: DeserializeOwned + Send> BodySink for ListDecoder<K> {
    fn begin(&mut self, _head: &ResponseHead<'_>) {
        self.reset();
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        ListDecoder::feed(self, chunk)
    }
}

impl<K: DeserializeOwned + Send> ResponseDecoder for ListDecoder<K> {
    type Output = List<K>;
    fn finish(self) -> Result<List<K>> {
        ListDecoder::finish(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(headers: &HeaderMap) -> ResponseHead<'_> {
        ResponseHead { code: 200, headers }
    }

    #[test]
    fn a_retried_body_starts_over() {
        let headers = HeaderMap::new();
        let mut d = json::<serde_json::Value>("GET /x", "x");
        d.begin(&head(&headers));
        d.feed(br#"{"half":"#).unwrap();
        d.begin(&head(&headers));
        d.feed(br#"{"whole":true}"#).unwrap();
        assert_eq!(d.finish().unwrap()["whole"], true);

        let mut list = ListDecoder::<serde_json::Value>::new("GET /l", "l");
        list.begin(&head(&headers));
        list.feed(br#"{"items":[{"a":1},"#).unwrap();
        list.begin(&head(&headers));
        list.feed(br#"{"items":[{"b":2}]}"#).unwrap();
        let list = ResponseDecoder::finish(list).unwrap();
        assert_eq!(list.items.len(), 1);
        assert_eq!(list.items[0]["b"], 2);
    }

    #[test]
    fn content_length_reserves_at_most_the_cap() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_LENGTH, "99999999999".parse().unwrap());
        let mut d = bytes();
        d.begin(&head(&headers));
        assert!(d.body.capacity() <= MAX_RESERVE);
        d.feed(b"abc").unwrap();
        assert_eq!(&d.finish().unwrap()[..], b"abc");
    }
}
