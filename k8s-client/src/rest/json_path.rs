//! The field path at a position in a JSON text, for decode errors.
//!
//! serde_json reports where decoding failed as a line and column. Walking
//! the text up to there gives the path (`spec.containers[0].ports[1]`)
//! without decoding it again. Decoding again with path tracking would need
//! the target type, and so compile a second copy of every type's
//! deserializer, once per type, in every crate that decodes one.

use super::json_scan::{ValueScanner, is_whitespace};
use crate::names::{push_index, push_key};

/// What an open container is doing at the scan position.
enum Frame {
    /// An object: the key whose value is being read, once its name is read.
    Object {
        key: Option<String>,
        wants_key: bool,
    },
    /// An array: the index of the element being read, once one has started.
    Array { index: usize, started: bool },
}

/// The path of the value being read where serde_json stopped: `line` and
/// `column` (both 1-based, as [`serde_json::Error`] reports them) name the
/// last byte it consumed. Written as serde_path_to_error writes paths; empty
/// for the top-level value.
pub(crate) fn path_at(text: &[u8], line: usize, column: usize) -> String {
    path_after(text, byte_offset(text, line, column))
}

/// The path of the value being read once the first `consumed` bytes of
/// `text` have been read.
pub(crate) fn path_after(text: &[u8], consumed: usize) -> String {
    let consumed = consumed.min(text.len());
    let mut stack: Vec<Frame> = Vec::new();
    // The path of the container closed by the last byte consumed: an error
    // there (a missing field, a trailing comma) is about that container.
    let mut just_closed = None;
    let mut i = 0;
    while i < consumed {
        let c = text[i];
        just_closed = None;
        match c {
            b'{' => {
                begin_value(&mut stack);
                stack.push(Frame::Object {
                    key: None,
                    wants_key: true,
                });
            }
            b'[' => {
                begin_value(&mut stack);
                stack.push(Frame::Array {
                    index: 0,
                    started: false,
                });
            }
            b'}' | b']' => {
                stack.pop();
                just_closed = Some(render(&stack));
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, wants_key }) => {
                    *key = None;
                    *wants_key = true;
                }
                Some(Frame::Array { index, .. }) => *index += 1,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { wants_key, .. }) = stack.last_mut() {
                    *wants_key = false;
                }
            }
            b'"' => {
                let end = string_end(text, i);
                if let Some(Frame::Object {
                    key,
                    wants_key: true,
                }) = stack.last_mut()
                {
                    *key = Some(unescape(&text[i..end.min(text.len())]));
                } else {
                    begin_value(&mut stack);
                }
                i = end;
                continue;
            }
            c if !is_whitespace(c) => begin_value(&mut stack),
            _ => {}
        }
        i += 1;
    }
    just_closed.unwrap_or_else(|| render(&stack))
}

/// A value starts in the innermost container.
fn begin_value(stack: &mut [Frame]) {
    if let Some(Frame::Array { started, .. }) = stack.last_mut() {
        *started = true;
    }
}

/// The offset just past the string starting at `start` (its opening quote),
/// or the end of `text` if the string is cut short.
fn string_end(text: &[u8], start: usize) -> usize {
    let rest = text.get(start..).unwrap_or_default();
    ValueScanner::default()
        .scan(rest)
        .map_or(text.len(), |len| start + len)
}

/// A key's text with its escapes resolved (as written if it is cut short).
fn unescape(quoted: &[u8]) -> String {
    serde_json::from_slice::<String>(quoted)
        .unwrap_or_else(|_| String::from_utf8_lossy(quoted).trim_matches('"').to_owned())
}

fn render(stack: &[Frame]) -> String {
    let mut path = String::new();
    for frame in stack {
        match frame {
            Frame::Object { key: Some(key), .. } => push_key(&mut path, key),
            Frame::Array { index, started } if *started || *index > 0 => {
                push_index(&mut path, *index);
            }
            _ => {}
        }
    }
    path
}

/// The scalar that ends with the last byte serde_json consumed (`line` and `column` as
/// for [`path_at`]): the value a data error is about, so that it can be kept out of the
/// message. `None` when no scalar ends there.
pub(crate) fn scalar_at(text: &[u8], line: usize, column: usize) -> Option<serde_json::Value> {
    let end = byte_offset(text, line, column).min(text.len());
    let last = end.checked_sub(1)?;
    let start = if text.get(last) == Some(&b'"') {
        // The opening quote: the nearest one before that no odd run of `\` escapes.
        (0..last).rev().find(|&i| {
            text.get(i) == Some(&b'"')
                && text
                    .get(..i)
                    .unwrap_or_default()
                    .iter()
                    .rev()
                    .take_while(|&&c| c == b'\\')
                    .count()
                    % 2
                    == 0
        })?
    } else {
        let token = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.');
        let len = text
            .get(..end)?
            .iter()
            .rev()
            .take_while(|c| token(c))
            .count();
        end - len
    };
    serde_json::from_slice(text.get(start..end)?).ok()
}

/// The offset just past the byte at 1-based `line` and `column`.
fn byte_offset(text: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.iter()
            .enumerate()
            .filter(|&(_, &c)| c == b'\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    line_start + column
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::path_at;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Widget {
        spec: Spec,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Spec {
        replicas: Vec<u32>,
        name: String,
        #[serde(default)]
        mode: Option<Mode>,
        #[serde(default)]
        labels: std::collections::BTreeMap<String, u8>,
    }

    #[derive(Debug, Deserialize)]
    enum Mode {
        Fast,
    }

    /// The path found from serde_json's position, and the one
    /// serde_path_to_error finds by decoding again.
    fn both(json: &str) -> (String, String) {
        let err = serde_json::from_str::<Widget>(json).expect_err(json);
        let ours = path_at(json.as_bytes(), err.line(), err.column());
        let mut de = serde_json::Deserializer::from_str(json);
        let theirs = serde_path_to_error::deserialize::<_, Widget>(&mut de)
            .expect_err(json)
            .path()
            .to_string();
        (ours, theirs)
    }

    #[test]
    fn agrees_with_decoding_again_with_path_tracking() {
        for json in [
            r#"{"spec":{"replicas":[1,"two"],"name":"x"}}"#,
            r#"{"spec":{"replicas":[1,-2],"name":"x"}}"#,
            r#"{"spec":{"replicas":[1,2]}}"#,
            r#"{"spec":{"replicas":[1,2],"name":7}}"#,
            r#"{"spec":{"replicas":[1,2],"name":"n","mode":"Slow"}}"#,
            r#"{"spec":{"replicas":[1,2, ],"name":"n"}}"#,
            r#"{"spec":{"replicas":[],"name":"n","labels":{"a.b/c":1,"d":"x"}}}"#,
            r#"{"spec":{"name":"a \"quoted\" name","replicas":{}}}"#,
            "{\n  \"spec\": {\n    \"replicas\": [\n      1,\n      true\n    ],\n    \"name\": \"n\"\n  }\n}",
        ] {
            let (ours, theirs) = both(json);
            assert_eq!(ours, theirs, "{json}");
        }
    }

    #[test]
    fn keys_with_escapes_are_unescaped() {
        let json = r#"{"spec":{"replicas":[],"name":"n","labels":{"a\"b":"x"}}}"#;
        let (ours, theirs) = both(json);
        assert_eq!(ours, r#"spec.labels.a"b"#);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn positions_past_the_end_or_in_a_cut_text_do_not_panic() {
        assert_eq!(path_at(b"", 1, 5), "");
        assert_eq!(path_at(br#"{"a":[1,"#, 9, 99), "a[1]");
        assert_eq!(path_at(br#"{"a\"#, 1, 4), r"a\");
    }
}
