//! Splits a JSON watch stream into one frame per event.
//!
//! The API server writes concatenated JSON objects; newlines between them are
//! customary but not promised, so frames are found by tracking braces and
//! strings rather than by splitting on `\n`.

use bytes::{Buf, Bytes, BytesMut};

use super::json_scan::ValueScanner;

/// The largest watch frame accepted, as client-go's stream decoder: a server
/// that sends one endless object must not grow memory without bound.
pub const MAX_WATCH_FRAME: usize = 16 << 20;

/// A frame grew past [`MAX_WATCH_FRAME`] before it ended.
#[derive(Debug)]
pub(crate) struct FrameTooLarge;

/// Incremental splitter: feed chunks with [`push`](JsonFrames::push), take
/// complete objects with [`next_frame`](JsonFrames::next_frame).
#[derive(Debug)]
pub(crate) struct JsonFrames {
    /// The most bytes one frame may take.
    limit: usize,
    buf: BytesMut,
    /// How far `buf` has been scanned, and the scanner state there.
    scanned: usize,
    scanner: ValueScanner,
    started: bool,
}

impl Default for JsonFrames {
    fn default() -> Self {
        JsonFrames::with_limit(MAX_WATCH_FRAME)
    }
}

impl JsonFrames {
    /// A splitter that refuses frames larger than `limit` bytes.
    pub(crate) fn with_limit(limit: usize) -> Self {
        JsonFrames {
            limit,
            buf: BytesMut::new(),
            scanned: 0,
            scanner: ValueScanner::default(),
            started: false,
        }
    }

    pub(crate) fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete top-level JSON value, if the buffer holds one.
    pub(crate) fn next_frame(&mut self) -> Result<Option<Bytes>, FrameTooLarge> {
        if !self.started {
            // Whitespace before a frame is dropped as it comes: a server
            // that sends only newlines must not fill memory either.
            let n = self
                .buf
                .iter()
                .position(|c| !c.is_ascii_whitespace())
                .unwrap_or(self.buf.len());
            self.buf.advance(n);
            if self.buf.is_empty() {
                return Ok(None);
            }
            self.started = true;
        }
        match self.scanner.scan(&self.buf[self.scanned..]) {
            Some(n) => {
                self.scanned += n;
                let frame = self.take_frame();
                if frame.len() > self.limit {
                    return Err(FrameTooLarge);
                }
                Ok(Some(frame))
            }
            None => {
                self.scanned = self.buf.len();
                if self.remainder().len() > self.limit {
                    return Err(FrameTooLarge);
                }
                Ok(None)
            }
        }
    }

    /// How many bytes are held: the frame in progress and any after it.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The frame scanned so far, which starts at the buffer's first byte
    /// (the whitespace before it is gone).
    fn take_frame(&mut self) -> Bytes {
        let frame = self.buf.split_to(self.scanned).freeze();
        self.scanned = 0;
        self.started = false;
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
            while let Some(fr) = f.next_frame().unwrap() {
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
        assert!(f.next_frame().unwrap().is_some());
        assert!(f.next_frame().unwrap().is_none());
        assert_eq!(f.remainder(), br#"{"b":"#);
    }

    #[test]
    fn whitespace_between_frames_is_not_kept() {
        // Found by fuzzing (watch target): newlines before a frame were
        // kept until the frame ended, outside the limit, so a stream of
        // only newlines grew without bound.
        let mut f = JsonFrames::with_limit(10);
        for _ in 0..1000 {
            f.push(b"\n\n\r\n \t");
            assert!(f.next_frame().unwrap().is_none());
            assert!(f.buffered() <= 10, "holds {} bytes", f.buffered());
        }
        f.push(b"\n{\"a\":");
        assert!(f.next_frame().unwrap().is_none());
        assert_eq!(f.buffered(), 5);
        f.push(b"1}\n");
        assert_eq!(f.next_frame().unwrap().as_deref(), Some(&b"{\"a\":1}"[..]));
    }

    #[test]
    fn refuses_a_frame_past_the_limit() {
        let mut f = JsonFrames::with_limit(10);
        f.push(br#"{"a":1} "#);
        assert!(f.next_frame().unwrap().is_some());
        f.push(br#"{"long":"#);
        assert!(f.next_frame().unwrap().is_none());
        f.push(br#""0123456789"#);
        assert!(f.next_frame().is_err());
        // A frame that completes in one chunk is measured too.
        let mut f = JsonFrames::with_limit(10);
        f.push(br#"{"b":"0123456789"}"#);
        assert!(f.next_frame().is_err());
    }
}
