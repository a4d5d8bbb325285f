//! The ways a network may cut a body into chunks.

use crate::mutate::Rng;

/// Bodies longer than this are not also fed a byte at a time (that is
/// quadratic for a decoder that retries an item until it is complete).
const BYTEWISE_MAX: usize = 16 << 10;

/// Splittings of `body` to feed a streaming decoder, besides the whole body
/// in one chunk: a byte at a time (when short), and chunks of sizes drawn
/// from `seed`, small and large mixed.
pub(crate) fn splittings(body: &[u8], seed: u64) -> Vec<Vec<&[u8]>> {
    let mut out = Vec::new();
    if body.len() <= BYTEWISE_MAX {
        out.push(body.chunks(1).collect());
    }
    let mut rng = Rng::new(seed);
    let mut chunks = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let max = match rng.below(4) {
            0 => 3,
            1 => 17,
            2 => 300,
            _ => rest.len(),
        };
        let n = 1 + rng.below(max.min(rest.len()));
        let (chunk, tail) = rest.split_at(n);
        chunks.push(chunk);
        rest = tail;
    }
    out.push(chunks);
    out
}
