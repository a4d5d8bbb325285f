//! Watch stream framing: the splitter that cuts a response body into one
//! JSON value per event, its frame limit, and the frame decoder.

use k8s_client::__fuzz::{TooLarge, WatchFrames, decode_watch_frame};
use k8s_client::api::core::v1::ConfigMap;
use k8s_client::meta::WatchEvent;
use k8s_client::rest::MAX_WATCH_FRAME;
use serde_json::Value;

use crate::chunks::splittings;
use crate::targets::hash;

/// The most bytes of a frame in the small-limit runs: small enough that
/// inputs of a few KiB cross it.
const SMALL_LIMIT: u64 = 300;

/// Splits `data` as a watch body, with the real limit and with a small one;
/// checks that:
/// - every splitting into chunks gives the frames the whole body gives;
/// - the frames are the body's bytes in order with only whitespace between;
/// - no frame is over the limit, and the splitter never holds more than the
///   limit once it has taken the frames it can;
/// - the frames are the values serde_json finds in the body;
/// - each frame the decoder accepts is what serde_json reads in it.
pub fn watch(data: &[u8]) {
    let h = hash(data);
    let small = 1 + (h % SMALL_LIMIT) as usize;
    for limit in [MAX_WATCH_FRAME, small] {
        let whole = split(&[data], limit);
        check_layout(data, &whole);
        for chunks in splittings(data, h) {
            assert_eq!(split(&chunks, limit), whole, "chunked, limit {limit}");
        }
    }
    let frames = split(&[data], MAX_WATCH_FRAME).frames;
    let stream = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    for (frame, value) in frames.iter().zip(stream) {
        let Ok(value) = value else { break };
        let Ok(framed) = serde_json::from_slice::<Value>(frame) else {
            break;
        };
        assert_eq!(framed, value, "frame vs serde_json's stream");
    }
    for frame in &frames {
        check_decode::<Value>(frame);
        check_decode::<ConfigMap>(frame);
    }
}

#[derive(Debug, PartialEq)]
struct Split {
    frames: Vec<Vec<u8>>,
    too_large: bool,
    remainder: Vec<u8>,
}

fn split(chunks: &[&[u8]], limit: usize) -> Split {
    let mut f = WatchFrames::with_limit(limit);
    let mut frames = Vec::new();
    for chunk in chunks {
        f.push(chunk);
        loop {
            match f.next_frame() {
                Ok(Some(frame)) => {
                    assert!(frame.len() <= limit, "a frame of {} bytes", frame.len());
                    frames.push(frame.to_vec());
                }
                Ok(None) => break,
                Err(TooLarge) => {
                    return Split {
                        frames,
                        too_large: true,
                        remainder: Vec::new(),
                    };
                }
            }
        }
        assert!(
            f.buffered() <= limit,
            "holds {} bytes with limit {limit}",
            f.buffered()
        );
    }
    Split {
        frames,
        too_large: false,
        remainder: f.remainder().to_vec(),
    }
}

/// The frames, and then the remainder, are the body's bytes in order, with
/// whitespace before each.
fn check_layout(body: &[u8], split: &Split) {
    let mut rest = body;
    let skip_space = |r: &mut &[u8]| {
        let n = r.iter().take_while(|c| c.is_ascii_whitespace()).count();
        *r = &r[n..];
    };
    for frame in &split.frames {
        skip_space(&mut rest);
        assert!(rest.starts_with(frame), "a frame is not the next bytes");
        rest = &rest[frame.len()..];
    }
    if !split.too_large {
        skip_space(&mut rest);
        assert_eq!(rest, split.remainder.as_slice(), "the remainder");
    }
}

/// A frame the decoder accepts is JSON whose `type` and `object` are the event's.
fn check_decode<K>(frame: &[u8])
where
    K: serde::de::DeserializeOwned + serde::Serialize,
{
    let Ok(event) = decode_watch_frame::<K>(frame) else {
        return;
    };
    let json: Value = match serde_json::from_slice(frame) {
        Ok(json) => json,
        // serde_json skips fields a type does not have without checking
        // their escapes (a lone surrogate, `\ud800`, passes); that is
        // serde_json's reading, not the decoder's.
        Err(_) if serde_json::from_slice::<serde::de::IgnoredAny>(frame).is_ok() => return,
        Err(e) => panic!("an accepted frame is not JSON: {e}"),
    };
    let (name, object) = match &event {
        WatchEvent::Added(o) => ("ADDED", Some(o)),
        WatchEvent::Modified(o) => ("MODIFIED", Some(o)),
        WatchEvent::Deleted(o) => ("DELETED", Some(o)),
        WatchEvent::Bookmark(_) => ("BOOKMARK", None),
    };
    assert_eq!(json["type"], name, "event type");
    if let Some(o) = object {
        // Typed objects drop unknown fields: compare what they kept, read
        // from the frame's object the same way.
        let kept = serde_json::to_value(o).expect("an object serializes");
        let reread: K = serde_json::from_value(json["object"].clone())
            .unwrap_or_else(|e| panic!("the frame's object does not decode alone: {e}"));
        assert_eq!(
            kept,
            serde_json::to_value(reread).expect("an object serializes"),
            "event object"
        );
    }
}
