//! Splits a JSON watch stream into one frame per event.
//!
//! The API server writes concatenated JSON objects; newlines between them are
//! customary but not promised, so frames are found by tracking braces and
//! strings rather than by splitting on `\n`.

use bytes::{Buf, Bytes, BytesMut};

/// Incremental splitter: feed chunks with [`push`](JsonFrames::push), take
/// complete objects with [`next_frame`](JsonFrames::next_frame).
#[derive(Debug, Default)]
pub(crate) struct JsonFrames {
    buf: BytesMut,
    /// How far `buf` has been scanned, and the scanner state there.
    scanned: usize,
    depth: u32,
    in_string: bool,
    escaped: bool,
    started: bool,
}

impl JsonFrames {
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete top-level JSON value, if the buffer holds one.
    pub(crate) fn next_frame(&mut self) -> Option<Bytes> {
        while self.scanned < self.buf.len() {
            let c = self.buf[self.scanned];
            self.scanned += 1;
            if !self.started {
                if c.is_ascii_whitespace() {
                    continue;
                }
                self.started = true;
            }
            if self.in_string {
                match (self.escaped, c) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(self.take_frame());
                    }
                }
                _ if self.depth == 0 && c.is_ascii_whitespace() => {
                    // A bare scalar at the top level ends at whitespace.
                    return Some(self.take_frame());
                }
                _ => {}
            }
        }
        None
    }

    fn take_frame(&mut self) -> Bytes {
        let frame = self.buf.split_to(self.scanned).freeze();
        self.scanned = 0;
        self.started = false;
        let start = frame
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(frame.len());
        let mut frame = frame;
        frame.advance(start);
        frame
    }

    /// Whatever is left once the stream has ended: a partial frame means the
    /// body was cut short.
    pub(crate) fn remainder(&self) -> &[u8] {
        let rest = &self.buf[..];
        let start = rest
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        &rest[start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(chunks: &[&[u8]]) -> Vec<String> {
        let mut f = JsonFrames::default();
        let mut out = Vec::new();
        for c in chunks {
            f.push(c);
            while let Some(fr) = f.next_frame() {
                out.push(String::from_utf8(fr.to_vec()).unwrap());
            }
        }
        out
    }

    #[test]
    fn splits_concatenated_objects_without_newlines() {
        assert_eq!(
            frames(&[br#"{"a":1}{"b":{"c":[1,2]}}"#]),
            vec![r#"{"a":1}"#, r#"{"b":{"c":[1,2]}}"#]
        );
    }

    #[test]
    fn handles_braces_inside_strings_and_escapes() {
        let input = br#"{"m":"}{\"x\\"} {"n":"\\"}"#;
        assert_eq!(
            frames(&[input]),
            vec![r#"{"m":"}{\"x\\"}"#, r#"{"n":"\\"}"#]
        );
    }

    #[test]
    fn reassembles_frames_split_across_chunks() {
        let whole = b"{\"type\":\"ADDED\",\"object\":{\"k\":\"v\"}}\n{\"type\":\"DELETED\",\"object\":{}}\n";
        for cut in 1..whole.len() {
            let got = frames(&[&whole[..cut], &whole[cut..]]);
            assert_eq!(got.len(), 2, "cut at {cut}");
        }
    }

    #[test]
    fn reports_partial_remainder() {
        let mut f = JsonFrames::default();
        f.push(br#"{"a":1} {"b":"#);
        assert!(f.next_frame().is_some());
        assert!(f.next_frame().is_none());
        assert_eq!(f.remainder(), br#"{"b":"#);
    }
}
