//! Splits a JSON watch stream into one frame per event.
//!
//! The API server writes concatenated JSON objects; newlines between them are
//! customary but not promised, so frames are found by tracking braces and
//! strings rather than by splitting on `\n`.

use bytes::{Buf, Bytes, BytesMut};

use super::json_scan::ValueScanner;

/// Incremental splitter: feed chunks with [`push`](JsonFrames::push), take
/// complete objects with [`next_frame`](JsonFrames::next_frame).
#[derive(Debug, Default)]
pub(crate) struct JsonFrames {
    buf: BytesMut,
    /// How far `buf` has been scanned, and the scanner state there.
    scanned: usize,
    scanner: ValueScanner,
    started: bool,
}

impl JsonFrames {
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete top-level JSON value, if the buffer holds one.
    pub(crate) fn next_frame(&mut self) -> Option<Bytes> {
        let rest = &self.buf[self.scanned..];
        if !self.started {
            let Some(n) = rest.iter().position(|c| !c.is_ascii_whitespace()) else {
                self.scanned = self.buf.len();
                return None;
            };
            self.scanned += n;
            self.started = true;
        }
        match self.scanner.scan(&self.buf[self.scanned..]) {
            Some(n) => {
                self.scanned += n;
                Some(self.take_frame())
            }
            None => {
                self.scanned = self.buf.len();
                None
            }
        }
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
