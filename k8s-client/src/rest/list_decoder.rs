//! Decoding a LIST response while it streams in.
//!
//! A list is one JSON object whose `items` array holds every object. Reading
//! the body whole before decoding it holds the whole JSON text and all the
//! decoded objects at once, for a large list more than twice what the
//! objects alone need. [`ListDecoder`] takes the body chunk by chunk instead
//! and decodes each item as soon as its last byte has arrived, then drops
//! its bytes, so little more than one item's JSON is held at a time.
//!
//! Items are cut out by serde_json itself, which finds where an item ends as
//! it decodes it, so item bytes are read once rather than scanned and then
//! decoded (a separate scan made a list about a third slower). An item decoded
//! from too few bytes fails with an end-of-input error and is decoded again
//! once more bytes are in; to make that rare, bytes are gathered until they
//! are at least as many as the largest item so far.
//!
//! The members beside `items` (apiVersion, kind, metadata) are small: they
//! are cut out with json_scan's [`ValueScanner`], kept as text and decoded at
//! the end by [`List`]'s own serde rules, so a streamed list means exactly
//! what a whole one does. Other members are skipped unread.

use serde::de::DeserializeOwned;

use super::decode::{decode_error, decode_json};
use super::json_scan::{ValueScanner, is_whitespace};
use crate::meta::List;
use crate::{Error, Result};

/// The members of [`List`] other than `items`: the ones worth keeping.
/// Others are skipped unread, whatever their size.
const HEAD_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Incremental decoder of one list body: [`feed`](ListDecoder::feed) it the
/// chunks in order, then [`finish`](ListDecoder::finish) it.
///
/// This is what [`Api::list`](crate::Api::list) decodes its response with.
/// Use it for list bodies that come some other way (a file, another
/// transport). Chunks may split the text anywhere.
///
/// ```
/// use k8s_client::{api::core::v1::ConfigMap, rest::ListDecoder};
///
/// let body = br#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7"},
///   "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#;
/// let mut decoder = ListDecoder::<ConfigMap>::new("configmaps.json", "ConfigMap list");
/// for chunk in body.chunks(16) {
///     decoder.feed(chunk)?;
/// }
/// let list = decoder.finish()?;
/// assert_eq!(list.metadata.resource_version.as_deref(), Some("7"));
/// assert_eq!(list.items[1].metadata.name.as_deref(), Some("b"));
/// # Ok::<(), k8s_client::Error>(())
/// ```
#[derive(Debug)]
pub struct ListDecoder<K> {
    operation: String,
    what: String,
    expect: Expect,
    /// Bytes of the body received so far. Every slice the decoder works on
    /// ends where the received bytes end, so a byte's position in the body
    /// is `received` less the bytes from it to the slice's end.
    received: usize,
    scanner: ValueScanner,
    /// The start of a key or kept value that a chunk boundary cut: its bytes
    /// from earlier chunks. Empty while values fit in one chunk.
    pending: Vec<u8>,
    /// The current top-level key, decoded (for errors and to tell members apart).
    key: String,
    /// The current member's key, as it came.
    raw_key: Vec<u8>,
    /// The kept members, as a JSON object's text without its closing `}`.
    head: Vec<u8>,
    /// Inside the `items` array: the text received and not yet decoded.
    /// Held as text (checked to be UTF-8 once, as it arrives) so items
    /// decode from `&str`, which spares serde_json checking every string.
    array: String,
    /// The first bytes of a character a chunk boundary cut (at most three).
    cut_char: Vec<u8>,
    /// How many bytes `array` must hold before the next item is tried.
    want: usize,
    /// The body has ended: what is held must do, however few bytes.
    ended: bool,
    /// The most bytes an item has taken so far.
    largest: usize,
    items: Vec<K>,
    /// Whether an `items` member was seen, to reject a second one (as serde
    /// does for a duplicate field).
    items_seen: bool,
}

/// Where the decoder is in the body, and what the next byte may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The body's opening `{`.
    Open,
    /// A key, or `}` for an empty object.
    FirstKey,
    /// A key (after a comma).
    Key,
    /// Inside a key.
    InKey,
    Colon,
    /// A member's value.
    Value,
    /// Inside a value that is kept (true) or skipped (false).
    InValue(bool),
    /// `,` or `}` after a member.
    Comma,
    /// An item, or `]` for an empty array.
    FirstItem,
    /// An item (after a comma).
    Item,
    /// `,` or `]` after an item.
    ItemComma,
    /// The object is closed; only whitespace may follow.
    Done,
}

impl Expect {
    fn in_array(self) -> bool {
        matches!(self, Expect::FirstItem | Expect::Item | Expect::ItemComma)
    }
}

impl<K: DeserializeOwned> ListDecoder<K> {
    /// A decoder whose errors name `operation` (the request, or wherever
    /// the body comes from) and `what` (the list).
    pub fn new(operation: impl Into<String>, what: impl Into<String>) -> Self {
        ListDecoder {
            operation: operation.into(),
            what: what.into(),
            expect: Expect::Open,
            received: 0,
            scanner: ValueScanner::default(),
            pending: Vec::new(),
            key: String::new(),
            raw_key: Vec::new(),
            head: b"{".to_vec(),
            array: String::new(),
            cut_char: Vec::new(),
            want: 0,
            ended: false,
            largest: 0,
            items: Vec::new(),
            items_seen: false,
        }
    }

    /// Forgets what was fed so far, to decode another body with the same
    /// names in its errors (a retried request starts its body over).
    pub(crate) fn reset(&mut self) {
        if self.received > 0 || self.expect != Expect::Open {
            let operation = std::mem::take(&mut self.operation);
            let what = std::mem::take(&mut self.what);
            *self = Self::new(operation, what);
        }
    }

    /// Takes the body's next chunk, decoding every item it completes.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] for text that is not a list of `K`, naming the
    /// item and field path. After an error, the decoder's state is unspecified.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.received += chunk.len();
        self.take(chunk)
    }

    /// The whole list, once the body has ended.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] if the body ended before the list did, or if the
    /// members beside `items` do not decode as [`List`]'s.
    pub fn finish(mut self) -> Result<List<K>> {
        self.ended = true;
        if self.expect.in_array() {
            self.take_array()?;
        }
        if self.expect != Expect::Done {
            let message = format!(
                "the body ended after {} bytes, before the list was complete",
                self.received
            );
            return Err(self.error(message));
        }
        self.head.push(b'}');
        // Decoding the kept members as a List applies List's rules to them,
        // including a non-array `items` (null means empty).
        let mut list: List<K> = decode_json(&self.head, &self.operation, &self.what)?;
        if !self.items.is_empty() {
            // The vector grew by doubling: give back the unused capacity that
            // would otherwise live as long as the list.
            self.items.shrink_to_fit();
            list.items = self.items;
        }
        Ok(list)
    }

    /// Takes `bytes`, the last of the bytes received.
    fn take(&mut self, bytes: &[u8]) -> Result<()> {
        if self.expect.in_array() {
            self.push_text(bytes)?;
            return self.take_array();
        }
        // Where the key or value being scanned starts in `bytes`.
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            if matches!(self.expect, Expect::InKey | Expect::InValue(_)) {
                match self.scanner.scan(&bytes[i..]) {
                    Some(n) => {
                        i += n;
                        self.end_value(&bytes[start..i])?;
                    }
                    None => i = bytes.len(),
                }
                continue;
            }
            let c = bytes[i];
            if is_whitespace(c) {
                i += 1;
                continue;
            }
            let at = bytes.len() - i;
            // `consumed`: the byte was structure. Otherwise a key or value
            // starts at it, and the loop scans it from this byte on.
            let (next, consumed) = match (self.expect, c) {
                (Expect::Open, b'{') => (Expect::FirstKey, true),
                (Expect::FirstKey | Expect::Comma, b'}') => (Expect::Done, true),
                (Expect::FirstKey | Expect::Key, b'"') => (Expect::InKey, false),
                (Expect::Colon, b':') => (Expect::Value, true),
                (Expect::Value, b'[') if self.key == "items" => {
                    self.check_utf8(&bytes[..=i])?;
                    self.start_items(at)?;
                    self.expect = Expect::FirstItem;
                    return self.take(&bytes[i + 1..]);
                }
                (Expect::Comma, b',') => (Expect::Key, true),
                (Expect::Value, b',' | b':' | b'}' | b']') => {
                    return Err(self.unexpected(at, "a value", c));
                }
                (Expect::Value, _) => (Expect::InValue(self.keep_member(at)?), false),
                (Expect::Done, _) => return Err(self.syntax(at, "trailing characters")),
                (expect, _) => {
                    let wanted = match expect {
                        Expect::Open => "`{` (a list is a JSON object)",
                        Expect::FirstKey | Expect::Key => "a key",
                        Expect::Colon => "`:`",
                        _ => "`,` or `}`",
                    };
                    return Err(self.unexpected(at, wanted, c));
                }
            };
            self.expect = next;
            if consumed {
                i += 1;
            } else {
                start = i;
            }
        }
        self.check_utf8(bytes)?;
        if matches!(self.expect, Expect::InKey | Expect::InValue(true)) {
            self.pending.extend_from_slice(&bytes[start..]);
        }
        Ok(())
    }

    /// Checks that `bytes`, taken outside the items array, are UTF-8 (the
    /// array's text is checked as it is pushed), holding back a character
    /// the chunk boundary cut. JSON is UTF-8 throughout: checking only the
    /// array would make a body's fate depend on where chunks end, since the
    /// bytes after the array arrive with it or apart from it.
    fn check_utf8(&mut self, bytes: &[u8]) -> Result<()> {
        let joined;
        let bytes = if self.cut_char.is_empty() {
            bytes
        } else {
            joined = [std::mem::take(&mut self.cut_char).as_slice(), bytes].concat();
            &joined
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                self.cut_char = bytes[e.valid_up_to()..].to_vec();
                Ok(())
            }
            Err(e) => Err(self.not_utf8(bytes, e.valid_up_to())),
        }
    }

    /// Appends `bytes` to the array's text, holding back a character the
    /// chunk boundary cut until the rest of it arrives.
    fn push_text(&mut self, bytes: &[u8]) -> Result<()> {
        let joined;
        let bytes = if self.cut_char.is_empty() {
            bytes
        } else {
            joined = [std::mem::take(&mut self.cut_char).as_slice(), bytes].concat();
            &joined
        };
        match std::str::from_utf8(bytes) {
            Ok(text) => self.array.push_str(text),
            // Cut short at the end: the character goes on in the next chunk.
            Err(e) if e.error_len().is_none() => {
                let (whole, cut) = bytes.split_at(e.valid_up_to());
                self.array
                    .push_str(std::str::from_utf8(whole).map_err(|_| self.not_utf8(bytes, 0))?);
                self.cut_char = cut.to_vec();
            }
            Err(e) => return Err(self.not_utf8(bytes, e.valid_up_to())),
        }
        Ok(())
    }

    /// `bytes`, the last received, are not UTF-8 from `offset` on.
    fn not_utf8(&self, bytes: &[u8], offset: usize) -> Error {
        self.syntax(bytes.len() - offset, "invalid UTF-8")
    }

    /// Decodes the items the held array text completes; once the array
    /// closes, goes on with what follows it.
    fn take_array(&mut self) -> Result<()> {
        let array = std::mem::take(&mut self.array);
        let mut pos = 0;
        let closed = self.decode_items(&array, &mut pos)?;
        if closed {
            // The array's text is no longer needed, nor its capacity.
            let cut_char = std::mem::take(&mut self.cut_char);
            self.take(&array.as_bytes()[pos..])?;
            return self.take(&cut_char);
        }
        let mut array = array;
        // `pos` follows an item, a comma or whitespace: ASCII, never inside a character.
        if !array.is_char_boundary(pos) {
            return Err(self.syntax(array.len() - pos, "an item ended inside a character"));
        }
        array.drain(..pos);
        self.array = array;
        Ok(())
    }

    /// Decodes items from `array[*pos..]`, moving `pos` past them; true once
    /// the array has closed.
    fn decode_items(&mut self, array: &str, pos: &mut usize) -> Result<bool> {
        let bytes = array.as_bytes();
        loop {
            while bytes.get(*pos).is_some_and(|&c| is_whitespace(c)) {
                *pos += 1;
            }
            let Some(&c) = bytes.get(*pos) else {
                return Ok(false);
            };
            // `c` is ASCII (whitespace was skipped and JSON structure is
            // ASCII), or the item starting at it is malformed and says so.
            let Some(rest) = array.get(*pos..) else {
                return Err(self.unexpected(
                    bytes.len() - *pos + self.cut_char.len(),
                    "a value",
                    c,
                ));
            };
            match (self.expect, c) {
                (Expect::FirstItem | Expect::ItemComma, b']') => {
                    *pos += 1;
                    self.expect = Expect::Comma;
                    return Ok(true);
                }
                (Expect::ItemComma, b',') => {
                    *pos += 1;
                    self.expect = Expect::Item;
                }
                (Expect::ItemComma, _) => {
                    return Err(self.unexpected(rest.len() + self.cut_char.len(), "`,` or `]`", c));
                }
                (_, b',' | b':' | b'}' | b']') => {
                    return Err(self.unexpected(rest.len() + self.cut_char.len(), "a value", c));
                }
                _ => match self.decode_item(rest)? {
                    Some(len) => {
                        *pos += len;
                        self.expect = Expect::ItemComma;
                    }
                    None => return Ok(false),
                },
            }
        }
    }

    /// Decodes the item `rest` starts with, if `rest` holds all of it: the
    /// bytes it took.
    fn decode_item(&mut self, rest: &str) -> Result<Option<usize>> {
        if rest.len() < self.want && !self.ended {
            return Ok(None);
        }
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<K>();
        match stream.next() {
            Some(Ok(item)) => {
                let len = stream.byte_offset();
                // A number or literal may go on in the next chunk.
                if len == rest.len() && !matches!(rest.as_bytes().first(), Some(b'{' | b'[' | b'"'))
                {
                    self.want = len + 1;
                    return Ok(None);
                }
                self.items.push(item);
                self.largest = self.largest.max(len);
                self.want = self.largest;
                Ok(Some(len))
            }
            Some(Err(e)) if e.is_eof() => {
                // Decoded in vain: wait for twice the bytes, so that no item
                // is decoded more than a few times however it is chunked.
                self.want = rest.len().saturating_mul(2);
                Ok(None)
            }
            Some(Err(e)) => {
                let at = format!("items[{}]", self.items.len());
                Err(decode_error(
                    rest.as_bytes(),
                    &self.operation,
                    &self.what,
                    &at,
                    e,
                ))
            }
            None => Ok(None),
        }
    }

    /// A key or kept value has ended: `tail` is its last bytes.
    fn end_value(&mut self, tail: &[u8]) -> Result<()> {
        let mut pending = std::mem::take(&mut self.pending);
        let bytes = if pending.is_empty() {
            tail
        } else {
            pending.extend_from_slice(tail);
            &pending[..]
        };
        let result = self.take_value(bytes);
        pending.clear();
        self.pending = pending;
        result
    }

    fn take_value(&mut self, bytes: &[u8]) -> Result<()> {
        if self.expect == Expect::InKey {
            self.key =
                serde_json::from_slice(bytes).map_err(|e| self.decode_error(String::new(), e))?;
            self.raw_key.clear();
            self.raw_key.extend_from_slice(bytes);
            self.expect = Expect::Colon;
        } else {
            if self.expect == Expect::InValue(true) {
                self.head.extend_from_slice(bytes);
            }
            self.expect = Expect::Comma;
        }
        Ok(())
    }

    /// An `items` member starts, `at` bytes from the end.
    fn start_items(&mut self, at: usize) -> Result<()> {
        if std::mem::replace(&mut self.items_seen, true) {
            return Err(self.syntax(at, "duplicate field `items`"));
        }
        Ok(())
    }

    /// Whether the member whose value starts `at` bytes from the end is
    /// kept, and if so starts it in the head.
    fn keep_member(&mut self, at: usize) -> Result<bool> {
        if self.key == "items" {
            self.start_items(at)?;
        } else if !HEAD_FIELDS.contains(&self.key.as_str()) {
            return Ok(false);
        }
        if self.head.len() > 1 {
            self.head.push(b',');
        }
        self.head.extend_from_slice(&self.raw_key);
        self.head.push(b':');
        Ok(true)
    }

    /// Where the decoder is, as a field path.
    fn path(&self) -> String {
        match self.expect {
            Expect::FirstItem | Expect::Item if !self.array.is_empty() => {
                format!("items[{}]", self.items.len())
            }
            Expect::FirstItem | Expect::Item | Expect::ItemComma => "items".to_owned(),
            Expect::Colon | Expect::Value | Expect::InValue(_) => self.key.clone(),
            _ => String::new(),
        }
    }

    /// Byte `c`, `at` bytes from the end, where `wanted` should be.
    fn unexpected(&self, at: usize, wanted: &str, c: u8) -> Error {
        let found = c.escape_ascii();
        self.syntax(at, format!("expected {wanted}, found `{found}`"))
    }

    /// A malformed body, `at` bytes from the end of what was received.
    fn syntax(&self, at: usize, message: impl std::fmt::Display) -> Error {
        self.error(format!("{message} at byte {}", self.received - at))
    }

    fn error(&self, message: String) -> Error {
        self.decode_error(self.path(), serde::de::Error::custom(message))
    }

    fn decode_error(&self, path: String, cause: serde_json::Error) -> Error {
        Error::Decode {
            operation: self.operation.clone(),
            what: self.what.clone(),
            path,
            cause,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// A list with everything a scanner can trip on: braces, brackets, quotes
    /// and escapes inside strings, unicode escapes (one of them a `]`),
    /// scalar items, unknown members, and whitespace everywhere.
    const TRICKY: &str = r#"
      { "kind" : "PodList",
        "metadata" : {"resourceVersion":"7", "continue":"c\"}]{["},
        "unknown": {"a": [1, "]}\"", {"b": null}], "c": "\\"},
        "items" : [
          {"name": "a{b}[c]\"d\\", "u": "\u00e9\u005d\ud83d\ude00", "n": [[], {}]},
          3 , "s{" ,null,
          [1, [2, "\\\""]],
          {"n": -1.5e3, "t": true, "f": false, "e": ""}
        ] ,
        "apiVersion":"v1"
      }
    "#;

    const OPERATION: &str = "GET /api/v1/pods";

    fn decode<K: DeserializeOwned>(chunks: &[&[u8]]) -> Result<List<K>> {
        let mut decoder = ListDecoder::new(OPERATION.to_owned(), "pods list".to_owned());
        for chunk in chunks {
            decoder.feed(chunk)?;
        }
        decoder.finish()
    }

    /// The list as decoding the whole body gives it: what streaming must match.
    fn whole(body: &str) -> List<Value> {
        serde_json::from_str(body).unwrap()
    }

    fn decode_error(chunks: &[&[u8]]) -> (String, String) {
        match decode::<Value>(chunks) {
            Err(Error::Decode {
                operation,
                path,
                cause,
                ..
            }) => {
                assert_eq!(operation, OPERATION);
                (path, cause.to_string())
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn item_errors_do_not_quote_the_offending_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Named {
            name: u32,
        }
        let body = br#"{"kind":"L","items":[{"name":1},{"name":"s3cr3t"}]}"#;
        for cut in [body.len(), 30] {
            let err = decode::<Named>(&[&body[..cut], &body[cut..]]).unwrap_err();
            let text = err.to_string();
            assert!(!text.contains("s3cr3t"), "{text}");
            assert!(
                text.contains("at items[1].name: invalid type: string, expected u32"),
                "{text}"
            );
        }
    }

    #[test]
    fn every_split_into_two_chunks_decodes_as_the_whole_body_does() {
        let body = TRICKY.as_bytes();
        let want = whole(TRICKY);
        assert_eq!(want.items.len(), 6);
        assert_eq!(want.metadata.continue_.as_deref(), Some("c\"}]{["));
        for cut in 0..=body.len() {
            let got = decode::<Value>(&[&body[..cut], &body[cut..]]).unwrap();
            assert_eq!(got, want, "cut at byte {cut}");
        }
    }

    #[test]
    fn one_byte_chunks_decode_as_the_whole_body_does() {
        let chunks: Vec<&[u8]> = TRICKY.as_bytes().chunks(1).collect();
        assert_eq!(decode::<Value>(&chunks).unwrap(), whole(TRICKY));
    }

    #[test]
    fn characters_cut_by_any_chunk_boundary_decode_whole() {
        // Two-, three- and four-byte characters in items, keys and the meta,
        // and one right before the array closes.
        let body =
            r#"{"metadata":{"continue":"é"},"items":[{"名前":"値","e":"😀"},"ß€😀"],"kind":"L"}"#;
        let want = whole(body);
        let bytes = body.as_bytes();
        for cut in 0..=bytes.len() {
            let got = decode::<Value>(&[&bytes[..cut], &bytes[cut..]]).unwrap();
            assert_eq!(got, want, "cut at byte {cut}");
        }
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(decode::<Value>(&chunks).unwrap(), want);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_error_naming_where() {
        let mut body = br#"{"items":[{"a":"x"},{"b":"#.to_vec();
        let bad_at = body.len();
        body.extend_from_slice(b"\"\xff\"}]}");
        for cut in [0, bad_at, bad_at + 1, body.len()] {
            let (_, message) = decode_error(&[&body[..cut], &body[cut..]]);
            assert!(
                message.contains(&format!("invalid UTF-8 at byte {}", bad_at + 1)),
                "cut at {cut}: {message}"
            );
        }
        // A character cut short by the end of the body, inside the items or after them.
        let (_, message) = decode_error(&[br#"{"items":[1,""#, b"\xe2\x82"]);
        assert!(
            message.contains("before the list was complete"),
            "{message}"
        );
        let (_, message) = decode_error(&[br#"{"items":[1]}"#, b"\xe2\x82"]);
        assert!(message.contains("trailing characters"), "{message}");
    }

    #[test]
    fn bytes_that_are_not_utf8_outside_the_items_fail_however_chunked() {
        // Found by fuzzing (list target): after the items, such bytes failed
        // when they came in the array's chunk and passed when they came
        // alone. Before the items they always passed.
        let bodies: [&[u8]; 3] = [
            b"{\"items\":[{\"a\":1}],\"extra\":{\"n\":[1,\"\x9b\"]}}",
            b"{\"extra\":\"\x9b\",\"items\":[]}",
            b"{\"kind\":\"L\xc3\",\"items\":[]}",
        ];
        for body in bodies {
            let bytewise: Vec<&[u8]> = body.chunks(1).collect();
            for chunks in [vec![body], bytewise] {
                let (_, message) = decode_error(&chunks);
                assert!(message.contains("invalid UTF-8"), "{message}");
            }
        }
        // A character cut by a chunk boundary outside the items is whole.
        let body = "{\"kind\":\"L\u{e9}\",\"items\":[],\"extra\":\"\u{20ac}\"}";
        let bytewise: Vec<&[u8]> = body.as_bytes().chunks(1).collect();
        assert_eq!(decode::<Value>(&bytewise).unwrap().kind, "L\u{e9}");
    }

    #[test]
    fn members_come_in_any_order() {
        let body = r#"{"items":[{"a":1}],"metadata":{"resourceVersion":"9"},"apiVersion":"v1","kind":"ConfigMapList"}"#;
        let got = decode::<Value>(&[body.as_bytes()]).unwrap();
        assert_eq!(got, whole(body));
        assert_eq!(got.kind, "ConfigMapList");
        assert_eq!(got.metadata.resource_version.as_deref(), Some("9"));
        assert_eq!(got.items, vec![json!({"a": 1})]);
    }

    #[test]
    fn null_empty_and_missing_items_are_an_empty_list() {
        for body in [
            r#"{"kind":"PodList","items":null}"#,
            r#"{"kind":"PodList","items" : [ ] }"#,
            r#"{"kind":"PodList"}"#,
            r#"{"kind":"PodList","items":[]}"#,
        ] {
            let got = decode::<Value>(&[body.as_bytes()]).unwrap();
            assert_eq!(got.kind, "PodList", "{body}");
            assert!(got.items.is_empty(), "{body}");
        }
        assert!(decode::<Value>(&[b"{}"]).unwrap().items.is_empty());
    }

    #[test]
    fn an_escaped_key_means_what_it_says() {
        let got = decode::<Value>(&[br#"{"it\u0065ms":[1,2]}"#]).unwrap();
        assert_eq!(got.items, vec![json!(1), json!(2)]);
    }

    #[test]
    fn unknown_members_are_skipped_whatever_they_hold() {
        let body = r#"{"status":{"x":["}",{"y":"\""}]},"items":[1],"code":5,"flag":true,"s":"]"}"#;
        let got = decode::<Value>(&[body.as_bytes()]).unwrap();
        assert_eq!(got.items, vec![json!(1)]);
    }

    #[test]
    fn the_list_meta_decodes_by_lists_own_rules() {
        let (path, message) = decode_error(&[br#"{"metadata":{"resourceVersion":5},"items":[]}"#]);
        assert_eq!(path, "metadata.resourceVersion");
        assert!(message.contains("invalid type"), "{message}");
        let (path, _) = decode_error(&[br#"{"items":{"a":1}}"#]);
        assert_eq!(path, "items");
    }

    #[test]
    fn an_item_that_does_not_decode_is_named_by_index_and_field_path() {
        type Item = std::collections::BTreeMap<String, Vec<u32>>;
        let body = r#"{"items":[{"replicas":[1]},{"replicas":[2]},{"replicas":[3]},{"replicas":[4,"five"]}]}"#;
        let err = decode::<Item>(&[body.as_bytes()]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "GET /api/v1/pods: cannot decode pods list at items[3].replicas[1]: invalid type"
            ),
            "{text}"
        );
    }

    #[test]
    fn every_truncation_is_an_error_naming_where_the_body_ended() {
        let body = TRICKY.trim_end().as_bytes();
        let items = [
            r#"{"name": "a{b}[c]\"d\\", "u": "\u00e9\u005d\ud83d\ude00", "n": [[], {}]}"#,
            "3",
            r#""s{""#,
            "null",
            r#"[1, [2, "\\\""]]"#,
            r#"{"n": -1.5e3, "t": true, "f": false, "e": ""}"#,
        ];
        let items_at = TRICKY.find("\"items\"").unwrap();
        let spans: Vec<(usize, usize)> = items
            .iter()
            .map(|item| {
                let start = items_at + TRICKY[items_at..].find(item).unwrap();
                (start, start + item.len())
            })
            .collect();
        for cut in 0..body.len() {
            let (path, message) = decode_error(&[&body[..cut]]);
            assert!(
                message.contains("the body ended"),
                "cut at {cut}: {message}"
            );
            if let Some(n) = spans.iter().position(|&(s, e)| s < cut && cut < e) {
                assert_eq!(path, format!("items[{n}]"), "cut at {cut}");
            }
        }
    }

    #[test]
    fn an_item_is_decoded_again_only_a_few_times_however_the_body_is_chunked() {
        use std::cell::Cell;
        thread_local! {
            static DECODES: Cell<usize> = const { Cell::new(0) };
        }
        /// An item that counts the attempts to decode it.
        struct Counted;
        impl<'de> serde::Deserialize<'de> for Counted {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                DECODES.set(DECODES.get() + 1);
                serde::de::IgnoredAny::deserialize(d).map(|_| Counted)
            }
        }
        // Items of varied sizes, so that some are larger than any before them.
        let items: Vec<Value> = (0..100)
            .map(|i| json!({"name": "x".repeat(50 + (i * 37) % 400)}))
            .collect();
        let body = serde_json::to_vec(&json!({"items": items})).unwrap();
        for size in [1, 7, 64, 1000, body.len()] {
            DECODES.set(0);
            let chunks: Vec<&[u8]> = body.chunks(size).collect();
            assert_eq!(decode::<Counted>(&chunks).unwrap().items.len(), 100);
            let decodes = DECODES.get();
            assert!(
                decodes <= 130,
                "chunks of {size} bytes: {decodes} decodes of 100 items"
            );
        }
    }

    #[test]
    fn malformed_bodies_are_errors() {
        for (body, wanted) in [
            ("", "the body ended after 0 bytes"),
            ("[]", "expected `{`"),
            ("null", "expected `{`"),
            ("\"x\"", "expected `{`"),
            (r#"{"items":[]} x"#, "trailing characters at byte 13"),
            (r#"{"items":[]}{}"#, "trailing characters"),
            (r#"{"items":[1,]}"#, "expected a value"),
            (r#"{"items":[1 2]}"#, "expected `,` or `]`"),
            (r#"{"kind":"x",}"#, "expected a key"),
            (r#"{"kind" "x"}"#, "expected `:`"),
            (r#"{"unknown":}"#, "expected a value"),
            (r#"{"items":[],"items":null}"#, "duplicate field `items`"),
            (r#"{"items":[1] "kind":"x"}"#, "expected `,` or `}`"),
        ] {
            let (_, message) = decode_error(&[body.as_bytes()]);
            assert!(message.contains(wanted), "{body}: {message}");
        }
    }

    #[test]
    fn the_kept_members_are_exactly_lists_fields() {
        let list = serde_json::to_value(List::<()>::default()).unwrap();
        let mut fields: Vec<&str> = list
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.retain(|f| *f != "items");
        fields.sort_unstable();
        let mut head = HEAD_FIELDS.to_vec();
        head.sort_unstable();
        assert_eq!(fields, head);
    }
}
