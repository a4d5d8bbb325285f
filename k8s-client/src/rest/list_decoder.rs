//! Decoding a LIST response while it streams in.
//!
//! A list is one JSON object whose `items` array holds every object. Reading
//! the body whole before decoding it holds the whole JSON text and all the
//! decoded objects at once, for a large list more than twice what the
//! objects alone need. [`ListDecoder`] takes the body chunk by chunk instead:
//! it cuts each item out as soon as its last byte arrives, decodes it and
//! drops its bytes, so at most one item's JSON is held at a time. The small
//! members beside `items` (apiVersion, kind, metadata) are kept as text and
//! decoded at the end by [`List`]'s own serde rules, so a streamed list means
//! exactly what a whole one does.

use serde::de::DeserializeOwned;

use super::decode::{decode_json, decode_json_at};
use super::json_scan::{Step, ValueScanner, is_whitespace};
use crate::meta::List;
use crate::{Error, Result};

/// The members of [`List`] other than `items`: the ones worth keeping.
/// Others are skipped unread, whatever their size.
const HEAD_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Incremental decoder of one list body: [`feed`](ListDecoder::feed) it the
/// chunks in order, then [`finish`](ListDecoder::finish) it.
#[derive(Debug)]
pub(crate) struct ListDecoder<K> {
    operation: String,
    what: String,
    expect: Expect,
    /// Bytes of the body taken before the current chunk, for positions in errors.
    offset: usize,
    scanner: ValueScanner,
    /// The start of a key or value that a chunk boundary cut: its bytes
    /// from earlier chunks. Empty while values fit in one chunk.
    pending: Vec<u8>,
    /// The current top-level key, decoded (for errors and to tell members apart).
    key: String,
    /// The current member's key, as it came.
    raw_key: Vec<u8>,
    /// The kept members, as a JSON object's text without its closing `}`.
    head: Vec<u8>,
    items: Vec<K>,
    /// Whether an `items` member was seen, to reject a second one (as serde
    /// does for a duplicate field).
    items_seen: bool,
}

/// Where the scan is in the body, and what the next byte may be.
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
    InItem,
    /// `,` or `]` after an item.
    ItemComma,
    /// The object is closed; only whitespace may follow.
    Done,
}

impl Expect {
    /// Whether the bytes of what is being scanned must be kept.
    fn keeps_bytes(self) -> bool {
        matches!(self, Expect::InKey | Expect::InValue(true) | Expect::InItem)
    }
}

impl<K: DeserializeOwned> ListDecoder<K> {
    /// A decoder whose errors name `operation` (the request) and `what` (the list).
    pub(crate) fn new(operation: String, what: String) -> Self {
        ListDecoder {
            operation,
            what,
            expect: Expect::Open,
            offset: 0,
            scanner: ValueScanner::default(),
            pending: Vec::new(),
            key: String::new(),
            raw_key: Vec::new(),
            head: b"{".to_vec(),
            items: Vec::new(),
            items_seen: false,
        }
    }

    /// Takes the body's next chunk, decoding every item it completes.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        // Where the key or value being scanned starts in this chunk.
        let mut start = 0;
        let mut i = 0;
        while i < chunk.len() {
            let c = chunk[i];
            if matches!(
                self.expect,
                Expect::InKey | Expect::InValue(_) | Expect::InItem
            ) {
                match self.scanner.step(c) {
                    Step::More => i += 1,
                    Step::End => {
                        i += 1;
                        self.end_value(&chunk[start..i], i)?;
                    }
                    // The delimiter is looked at again as structure.
                    Step::EndBefore => self.end_value(&chunk[start..i], i)?,
                }
                continue;
            }
            if is_whitespace(c) {
                i += 1;
                continue;
            }
            // `consumed`: the byte was structure. Otherwise a key, value or
            // item starts at it, and the loop scans it from this byte on.
            let (next, consumed) = match (self.expect, c) {
                (Expect::Open, b'{') => (Expect::FirstKey, true),
                (Expect::FirstKey | Expect::Comma, b'}') => (Expect::Done, true),
                (Expect::FirstKey | Expect::Key, b'"') => (Expect::InKey, false),
                (Expect::Colon, b':') => (Expect::Value, true),
                (Expect::Value, b'[') if self.key == "items" => {
                    self.take_items(i)?;
                    (Expect::FirstItem, true)
                }
                (Expect::Comma, b',') => (Expect::Key, true),
                (Expect::FirstItem | Expect::ItemComma, b']') => (Expect::Comma, true),
                (Expect::ItemComma, b',') => (Expect::Item, true),
                (Expect::Value | Expect::FirstItem | Expect::Item, b',' | b':' | b'}' | b']') => {
                    return Err(self.unexpected(i, "a value", c));
                }
                (Expect::Value, _) => (Expect::InValue(self.keep_member(i)?), false),
                (Expect::FirstItem | Expect::Item, _) => (Expect::InItem, false),
                (Expect::Done, _) => return Err(self.syntax(i, "trailing characters")),
                (expect, _) => {
                    let wanted = match expect {
                        Expect::Open => "`{` (a list is a JSON object)",
                        Expect::FirstKey | Expect::Key => "a key",
                        Expect::Colon => "`:`",
                        Expect::Comma => "`,` or `}`",
                        _ => "`,` or `]`",
                    };
                    return Err(self.unexpected(i, wanted, c));
                }
            };
            self.expect = next;
            if consumed {
                i += 1;
            } else {
                start = i;
            }
        }
        if self.expect.keeps_bytes() {
            self.pending.extend_from_slice(&chunk[start..]);
        }
        self.offset += chunk.len();
        Ok(())
    }

    /// The whole list, once the body has ended.
    pub(crate) fn finish(mut self) -> Result<List<K>> {
        if self.expect != Expect::Done {
            let message = format!(
                "the body ended after {} bytes, before the list was complete",
                self.offset
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

    /// A key, kept value or item has ended: `tail` is its last bytes, from
    /// this chunk; `at` is where the scan goes on in the chunk.
    fn end_value(&mut self, tail: &[u8], at: usize) -> Result<()> {
        let mut pending = std::mem::take(&mut self.pending);
        let bytes = if pending.is_empty() {
            tail
        } else {
            pending.extend_from_slice(tail);
            &pending[..]
        };
        let result = self.take_value(bytes, at);
        pending.clear();
        self.pending = pending;
        result
    }

    fn take_value(&mut self, bytes: &[u8], at: usize) -> Result<()> {
        match self.expect {
            Expect::InKey => {
                self.key = serde_json::from_slice(bytes)
                    .map_err(|e| self.decode_error(String::new(), e))?;
                self.raw_key.clear();
                self.raw_key.extend_from_slice(bytes);
                self.expect = Expect::Colon;
            }
            Expect::InValue(keep) => {
                if keep {
                    self.head.extend_from_slice(bytes);
                }
                self.expect = Expect::Comma;
            }
            Expect::InItem => {
                let at = format!("items[{}]", self.items.len());
                let item = decode_json_at(bytes, &self.operation, &self.what, &at)?;
                self.items.push(item);
                self.expect = Expect::ItemComma;
            }
            _ => return Err(self.syntax(at, "a value ended outside any value")),
        }
        Ok(())
    }

    /// The `items` array starts at `at`.
    fn take_items(&mut self, at: usize) -> Result<()> {
        if std::mem::replace(&mut self.items_seen, true) {
            return Err(self.syntax(at, "duplicate field `items`"));
        }
        Ok(())
    }

    /// Whether the member whose value starts at `at` is kept, and if so
    /// starts it in the head.
    fn keep_member(&mut self, at: usize) -> Result<bool> {
        let is_items = self.key == "items";
        if is_items {
            self.take_items(at)?;
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

    /// Where the scan is, as a field path.
    fn path(&self) -> String {
        match self.expect {
            Expect::FirstItem | Expect::Item | Expect::ItemComma => "items".to_owned(),
            Expect::InItem => format!("items[{}]", self.items.len()),
            Expect::Colon | Expect::Value | Expect::InValue(_) => self.key.clone(),
            _ => String::new(),
        }
    }

    /// Byte `c`, at `at` in the current chunk, where `wanted` should be.
    fn unexpected(&self, at: usize, wanted: &str, c: u8) -> Error {
        let found = c.escape_ascii();
        self.syntax(at, format!("expected {wanted}, found `{found}`"))
    }

    /// A malformed body, at byte `at` of the current chunk.
    fn syntax(&self, at: usize, message: impl std::fmt::Display) -> Error {
        self.error(format!("{message} at byte {}", self.offset + at))
    }

    fn error(&self, message: String) -> Error {
        self.decode_error(self.path(), serde::de::Error::custom(message))
    }

    fn decode_error(&self, path: String, source: serde_json::Error) -> Error {
        Error::Decode {
            operation: self.operation.clone(),
            what: self.what.clone(),
            path,
            source,
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
                source,
                ..
            }) => {
                assert_eq!(operation, OPERATION);
                (path, source.to_string())
            }
            other => panic!("expected a decode error, got {other:?}"),
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
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Widget {
            spec: Spec,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Spec {
            replicas: u32,
        }
        let body = r#"{"items":[{"spec":{"replicas":1}},{"spec":{"replicas":2}},{"spec":{"replicas":3}},{"spec":{"replicas":"four"}}]}"#;
        let err = decode::<Widget>(&[body.as_bytes()]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "GET /api/v1/pods: cannot decode pods list at items[3].spec.replicas:"
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
