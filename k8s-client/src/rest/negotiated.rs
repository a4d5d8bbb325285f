//! Bodies decoded by the response's `Content-Type`, as client-go does: a
//! built-in type's request accepts protobuf first, and the server answers
//! protobuf, or JSON where it has no protobuf (custom resources, some
//! aggregated servers). Also the protobuf watch framing: 4-byte big-endian
//! lengths, each followed by a `metav1.WatchEvent`.

use std::fmt::Display;

use bytes::{Buf, Bytes, BytesMut};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;

use super::decode_json;
use super::list_decoder::ListDecoder;
use super::response::{BodySink, ResponseDecoder, ResponseHead};
use super::watch_frames::FrameTooLarge;
use crate::error::ApiError;
use crate::meta::{List, Status, WatchEvent};
use crate::protobuf::{self, Codec, DecodeError, envelope};
use crate::{Error, Result};

/// Whether a response's `Content-Type` says protobuf.
pub(crate) fn is_protobuf_response(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(protobuf::is_protobuf)
}

/// A protobuf decode failure as the same error a JSON one is, with the
/// field path.
pub(crate) fn protobuf_error(operation: &dyn Display, what: &dyn Display, e: DecodeError) -> Error {
    Error::Decode {
        operation: operation.to_string(),
        what: what.to_string(),
        path: e.path(),
        cause: serde::de::Error::custom(format!("protobuf: {}", e.message())),
    }
}

/// An enveloped `metav1.Status`, with apiVersion and kind from its envelope.
pub(crate) fn protobuf_status(body: &[u8]) -> std::result::Result<Status, DecodeError> {
    let (mut status, env): (Status, _) = protobuf::decode_object_with_type(body)?;
    status.api_version = env.api_version;
    status.kind = env.kind;
    Ok(status)
}

/// One object, protobuf or JSON.
pub(crate) struct Negotiated<K, O, W> {
    body: BytesMut,
    protobuf: bool,
    codec: Codec<K>,
    operation: O,
    what: W,
}

impl<K, O, W> Negotiated<K, O, W> {
    pub(crate) fn new(codec: Codec<K>, operation: O, what: W) -> Self {
        Negotiated {
            body: BytesMut::new(),
            protobuf: false,
            codec,
            operation,
            what,
        }
    }
}

impl<K, O: Send, W: Send> BodySink for Negotiated<K, O, W> {
    fn begin(&mut self, head: &ResponseHead<'_>) {
        self.body.clear();
        self.protobuf = is_protobuf_response(head.headers);
    }
    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.body.extend_from_slice(chunk);
        Ok(())
    }
}

impl<K: DeserializeOwned, O: Display + Send, W: Display + Send> ResponseDecoder
    for Negotiated<K, O, W>
{
    type Output = K;
    fn finish(self) -> Result<K> {
        if self.protobuf {
            (self.codec.decode)(&self.body)
                .map_err(|e| protobuf_error(&self.operation, &self.what, e))
        } else {
            decode_json(&self.body, &self.operation, &self.what)
        }
    }
}

/// A list: protobuf gathered whole, or JSON decoded as it arrives.
pub(crate) struct NegotiatedList<K> {
    json: ListDecoder<K>,
    body: BytesMut,
    protobuf: bool,
    codec: Codec<K>,
    operation: String,
    what: String,
}

impl<K: DeserializeOwned> NegotiatedList<K> {
    pub(crate) fn new(codec: Codec<K>, operation: String, what: String) -> Self {
        NegotiatedList {
            json: ListDecoder::new(operation.clone(), what.clone()),
            body: BytesMut::new(),
            protobuf: false,
            codec,
            operation,
            what,
        }
    }
}

impl<K: DeserializeOwned + Send> BodySink for NegotiatedList<K> {
    fn begin(&mut self, head: &ResponseHead<'_>) {
        self.protobuf = is_protobuf_response(head.headers);
        self.body.clear();
        BodySink::begin(&mut self.json, head);
    }
    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        if self.protobuf {
            self.body.extend_from_slice(chunk);
            Ok(())
        } else {
            BodySink::feed(&mut self.json, chunk)
        }
    }
}

impl<K: DeserializeOwned + Send> ResponseDecoder for NegotiatedList<K> {
    type Output = List<K>;
    fn finish(self) -> Result<List<K>> {
        if !self.protobuf {
            return ResponseDecoder::finish(self.json);
        }
        (self.codec.decode_list)(&self.body)
            .map_err(|e| protobuf_error(&self.operation, &self.what, e))
    }
}

/// Splits a protobuf watch stream into frames: a 4-byte big-endian length,
/// then that many bytes.
#[derive(Debug, Default)]
pub(crate) struct LengthFrames {
    buf: BytesMut,
}

impl LengthFrames {
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next whole frame, if buffered; a length over
    /// [`protobuf::MAX_FRAME`] is refused before its bytes arrive.
    pub(crate) fn next_frame(&mut self) -> std::result::Result<Option<Bytes>, FrameTooLarge> {
        let Some(len) = self
            .buf
            .first_chunk::<4>()
            .map(|b| u32::from_be_bytes(*b) as usize)
        else {
            return Ok(None);
        };
        if len > protobuf::MAX_FRAME {
            return Err(FrameTooLarge);
        }
        if self.buf.len() < 4 + len {
            return Ok(None);
        }
        self.buf.advance(4);
        Ok(Some(self.buf.split_to(len).freeze()))
    }

    /// Bytes of an unfinished frame.
    pub(crate) fn remainder(&self) -> &[u8] {
        &self.buf
    }
}

/// Decodes one protobuf watch frame, as the JSON path does: an `ERROR`
/// event is the error its Status reports.
pub(crate) fn decode_protobuf_watch_frame<K: DeserializeOwned>(
    frame: &[u8],
    codec: Codec<K>,
    operation: &str,
) -> Result<WatchEvent<K>> {
    let what = "watch event";
    let err = |e: DecodeError| protobuf_error(&operation, &what, e);
    let f = envelope::watch_frame(frame).map_err(err)?;
    let object = || (codec.decode)(f.object).map_err(err);
    Ok(match f.event_type.as_str() {
        "ADDED" => WatchEvent::Added(object()?),
        "MODIFIED" => WatchEvent::Modified(object()?),
        "DELETED" => WatchEvent::Deleted(object()?),
        "BOOKMARK" => {
            // A bookmark's object carries only metadata; read that much.
            let env = envelope::open(f.object).map_err(err)?;
            let meta: crate::meta::PartialObjectMetadata =
                protobuf::decode(env.raw).map_err(err)?;
            WatchEvent::Bookmark(crate::meta::Bookmark {
                resource_version: meta.metadata.resource_version.unwrap_or_default(),
                annotations: meta.metadata.annotations.unwrap_or_default(),
            })
        }
        "ERROR" => {
            let mut status = protobuf_status(f.object).map_err(err)?;
            status.code.get_or_insert(500);
            return Err(Error::Api(Box::new(ApiError {
                status,
                operation: operation.to_owned(),
                attempts: 1,
            })));
        }
        other => {
            return Err(err(DecodeError::new(format!(
                "unknown watch event type {other:?}"
            ))));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_frames_wait_for_whole_frames_across_chunks() {
        let mut f = LengthFrames::default();
        f.push(&[0, 0, 0]);
        assert!(f.next_frame().unwrap().is_none());
        f.push(&[3, b'a', b'b']);
        assert!(f.next_frame().unwrap().is_none());
        f.push(&[b'c', 0, 0, 0, 1, b'd']);
        assert_eq!(&f.next_frame().unwrap().unwrap()[..], b"abc");
        assert_eq!(&f.next_frame().unwrap().unwrap()[..], b"d");
        assert!(f.remainder().is_empty());
    }

    #[test]
    fn a_frame_over_16_mib_is_refused_from_its_length() {
        let mut f = LengthFrames::default();
        f.push(&((protobuf::MAX_FRAME as u32) + 1).to_be_bytes());
        assert!(f.next_frame().is_err());
    }

    #[cfg(feature = "core")]
    #[test]
    fn answers_decode_by_their_content_type() {
        use crate::api::core::v1::ConfigMap;
        use reqwest::header::{HeaderMap, HeaderValue};
        let codec = Codec::<ConfigMap>::of();
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some("c".into());
        let decode = |ct: &'static str, body: &[u8]| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
            let mut d = Negotiated::new(codec, "GET /c", "ConfigMap c");
            d.begin(&ResponseHead {
                code: 200,
                headers: &headers,
            });
            d.feed(body).unwrap();
            d.finish()
        };
        let pb = protobuf::encode_object(&cm, "v1", "ConfigMap");
        let got = decode("application/vnd.kubernetes.protobuf", &pb).unwrap();
        assert_eq!(got.metadata.name.as_deref(), Some("c"));
        // The JSON fallback (a CRD, an aggregated server).
        let got = decode("application/json", br#"{"metadata":{"name":"j"}}"#).unwrap();
        assert_eq!(got.metadata.name.as_deref(), Some("j"));
        // A protobuf error names the request, the object and the field.
        let bad = envelope::seal("v1", "ConfigMap", &[0x0a, 0x02, 0x08, 0x01]);
        let e = decode(
            "application/vnd.kubernetes.protobuf",
            &[&bad[..], &[][..]].concat(),
        )
        .map(|_| ())
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("GET /c") && text.contains("ConfigMap c"),
            "{text}"
        );
        // metadata.name arrived as a varint.
        assert!(text.contains("at metadata.name"), "{text}");
    }

    #[cfg(feature = "core")]
    #[test]
    fn protobuf_watch_frames_become_events_and_errors() {
        use crate::api::core::v1::ConfigMap;
        let codec = Codec::<ConfigMap>::of();
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some("c".into());
        let obj = protobuf::encode_object(&cm, "v1", "ConfigMap");
        let frame = envelope::encode_watch_frame("ADDED", &obj);
        match decode_protobuf_watch_frame(&frame, codec, "GET /w").unwrap() {
            WatchEvent::Added(c) => assert_eq!(c.metadata.name.as_deref(), Some("c")),
            other => panic!("{other:?}"),
        }
        let status = Status {
            code: Some(410),
            reason: Some("Expired".into()),
            ..Status::default()
        };
        let frame = envelope::encode_watch_frame(
            "ERROR",
            &protobuf::encode_object(&status, "v1", "Status"),
        );
        let e = decode_protobuf_watch_frame(&frame, codec, "GET /w").unwrap_err();
        assert_eq!(e.code(), Some(410), "{e}");
        let frame = envelope::encode_watch_frame("WAT", &obj);
        assert!(decode_protobuf_watch_frame(&frame, codec, "GET /w").is_err());
    }
}
