//! The `k8s\0` envelope every protobuf body is wrapped in, and the watch
//! event each protobuf watch frame holds.
//!
//! A body is the four bytes `k8s\0` and a `runtime.Unknown`:
//! `{TypeMeta typeMeta = 1 {apiVersion = 1, kind = 2}; bytes raw = 2;
//! string contentEncoding = 3; string contentType = 4}`, where `raw` is the
//! object's own message. (`runtime.TypeMeta` numbers its fields the other
//! way round from `metav1.TypeMeta`.)

use super::codec::Value;
use super::wire::{DecodeError, Reader, Result, WireType, Writer, expect};

/// The bytes every protobuf body starts with.
pub const PREFIX: &[u8; 4] = b"k8s\0";

/// An envelope's contents, borrowing the body.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Unknown<'a> {
    /// `typeMeta.apiVersion`.
    pub api_version: String,
    /// `typeMeta.kind`.
    pub kind: String,
    /// The object's message.
    pub raw: &'a [u8],
    /// `contentEncoding`; the server writes it empty.
    pub content_encoding: String,
    /// `contentType`; the server writes it empty (the body's own type).
    pub content_type: String,
}

/// Opens an envelope.
pub fn open(body: &[u8]) -> Result<Unknown<'_>> {
    let rest = body
        .strip_prefix(PREFIX)
        .ok_or_else(|| DecodeError::new("protobuf body does not start with the k8s\\0 prefix"))?;
    let mut r = Reader::new(rest);
    let mut out = Unknown::default();
    while let Some((tag, wt)) = r.key()? {
        match tag {
            1 => {
                let mut tm = r.enter(wt)?;
                while let Some((tag, wt)) = tm.key()? {
                    match tag {
                        1 => out.api_version = String::decode(wt, &mut tm)?,
                        2 => out.kind = String::decode(wt, &mut tm)?,
                        _ => tm.skip(wt)?,
                    }
                }
            }
            2 => {
                expect(wt, WireType::Len)?;
                out.raw = r.bytes()?;
            }
            3 => out.content_encoding = String::decode(wt, &mut r)?,
            4 => out.content_type = String::decode(wt, &mut r)?,
            _ => r.skip(wt)?,
        }
    }
    if !out.content_encoding.is_empty() {
        return Err(DecodeError::new(format!(
            "unsupported envelope contentEncoding {:?}",
            out.content_encoding
        )));
    }
    Ok(out)
}

/// Wraps an object's message in an envelope, as Go writes it (all four
/// fields, the last two empty).
pub fn seal(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.bytes_field(4, b"");
    w.bytes_field(3, b"");
    w.bytes_field(2, raw);
    w.nested(1, |w| {
        w.bytes_field(2, kind.as_bytes());
        w.bytes_field(1, api_version.as_bytes());
    });
    w.put(PREFIX);
    w.into_vec()
}

/// One protobuf watch frame: `metav1.WatchEvent{string type = 1;
/// RawExtension object = 2}`, whose object's `raw` is a whole envelope.
#[derive(Debug, PartialEq, Eq)]
pub struct WatchFrame<'a> {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    pub event_type: String,
    /// The object's envelope (`k8s\0…`).
    pub object: &'a [u8],
}

/// Decodes a watch frame's body.
pub fn watch_frame(frame: &[u8]) -> Result<WatchFrame<'_>> {
    let mut r = Reader::new(frame);
    let mut event_type = String::new();
    let mut object: &[u8] = &[];
    while let Some((tag, wt)) = r.key()? {
        match tag {
            1 => event_type = String::decode(wt, &mut r).map_err(|e| e.in_field("type"))?,
            2 => {
                let mut ext = r.enter(wt)?;
                while let Some((tag, wt)) = ext.key()? {
                    match tag {
                        1 => {
                            expect(wt, WireType::Len)?;
                            object = ext.bytes()?;
                        }
                        _ => ext.skip(wt)?,
                    }
                }
            }
            _ => r.skip(wt)?,
        }
    }
    Ok(WatchFrame { event_type, object })
}

/// Encodes a watch frame's body (for tests of the client's watch path).
pub fn encode_watch_frame(event_type: &str, object_envelope: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.nested(2, |w| w.bytes_field(1, object_envelope));
    w.bytes_field(1, event_type.as_bytes());
    w.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_round_trips_and_matches_go_bytes() {
        let body = seal("v1", "Status", b"\x30\x01");
        assert_eq!(
            body,
            b"k8s\0\x0a\x0c\x0a\x02v1\x12\x06Status\x12\x02\x30\x01\x1a\x00\x22\x00"
        );
        let u = open(&body).unwrap();
        assert_eq!((u.api_version.as_str(), u.kind.as_str()), ("v1", "Status"));
        assert_eq!(u.raw, b"\x30\x01");
    }

    #[test]
    fn bodies_without_the_prefix_are_refused() {
        assert!(open(b"").is_err());
        assert!(open(b"{\"kind\":\"Pod\"}").is_err());
        assert!(open(b"k8s\x01").is_err());
        // The prefix alone is an empty envelope.
        assert_eq!(open(b"k8s\0").unwrap(), Unknown::default());
    }

    #[test]
    fn the_watch_frame_from_kubernetes_108071() {
        // type ERROR, object raw = an envelope of a 410 Status.
        let status = seal("v1", "Status", b"\x30\x9a\x03");
        let frame = encode_watch_frame("ERROR", &status);
        let f = watch_frame(&frame).unwrap();
        assert_eq!(f.event_type, "ERROR");
        assert_eq!(open(f.object).unwrap().kind, "Status");
    }
}
