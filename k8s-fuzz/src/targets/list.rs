//! The streaming list decoder ([`ListDecoder`]) that `Api::list` decodes
//! response bodies with, fed bodies cut at arbitrary points.

use std::fmt::Debug;

use k8s_client::api::core::v1::ConfigMap;
use k8s_client::meta::List;
use k8s_client::rest::ListDecoder;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;

use crate::chunks::splittings;
use crate::targets::hash;

/// Decodes `data` as a list body of untyped and of typed items; checks that
/// every splitting of it into chunks decodes as the whole body does (the same
/// list, or an error), and that the whole body decodes as serde_json decodes
/// it at once (but for malformed JSON in members the decoder skips).
pub fn list(data: &[u8]) {
    check::<Value>(data);
    check::<ConfigMap>(data);
}

fn check<K: DeserializeOwned + PartialEq + Debug>(data: &[u8]) {
    let whole = decode::<K>(&[data]);
    for chunks in splittings(data, hash(data)) {
        let split = decode::<K>(&chunks);
        match (&whole, &split) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "chunked decode differs"),
            (Err(_), Err(_)) => {}
            _ => panic!(
                "whole: {:?}\nchunked ({} chunks): {:?}",
                whole.as_ref().map(|_| "ok"),
                chunks.len(),
                split.as_ref().map(|_| "ok")
            ),
        }
    }
    let reference = serde_json::from_slice::<List<K>>(data);
    match (&whole, &reference) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "streamed decode differs from serde_json's"),
        (Err(_), Err(_)) => {}
        // The decoder skips members other than items, apiVersion, kind and
        // metadata unread (only their nesting is tracked), so malformed JSON
        // inside them goes unnoticed. Any other difference is a bug.
        (Ok(_), Err(e)) if serde_json::from_slice::<IgnoredAny>(data).is_ok() => {
            panic!("serde_json rejects what the decoder accepts: {e}")
        }
        (Ok(_), Err(_)) => {}
        // JSON is UTF-8: the decoder checks all of it, serde_json not the
        // strings it skips.
        (Err(e), Ok(_)) if std::str::from_utf8(data).is_ok() => {
            panic!("the decoder rejects what serde_json accepts: {e}")
        }
        (Err(_), Ok(_)) => {}
    }
}

fn decode<K: DeserializeOwned>(chunks: &[&[u8]]) -> k8s_client::Result<List<K>> {
    let mut decoder = ListDecoder::<K>::new("GET /fuzz", "fuzz list");
    for c in chunks {
        decoder.feed(c)?;
    }
    decoder.finish()
}
