//! [`YamlError`], and keeping values of the text out of it.

use granit_parser::{Marker, ScanError};
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

/// Why YAML text could not be read or decoded, and where.
///
/// The message describes structure and types and may name a key, but never quotes a value
/// of the text: kubeconfigs hold tokens and passwords. serde's own messages are rewritten
/// (`invalid type: string "hunter2", expected a sequence` becomes `invalid type: string,
/// expected a sequence`); a message of some type's own `Deserialize` impl has the offending
/// value cut out.
///
/// Its `Display` is `line L, column C: path: message` (without `path: ` when there is none).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {}, column {}: {}{message}", .mark.line, .mark.column, path_prefix(.path.as_deref()))]
pub struct YamlError {
    mark: Mark,
    path: Option<String>,
    message: String,
}

fn path_prefix(path: Option<&str>) -> String {
    path.map(|p| format!("{p}: ")).unwrap_or_default()
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Mark {
    pub(super) line: usize,
    pub(super) column: usize,
}

impl Mark {
    /// Where an error with no better place is reported: the start of the text.
    pub(super) const START: Mark = Mark { line: 1, column: 1 };
}

impl From<Marker> for Mark {
    fn from(m: Marker) -> Self {
        // The parser counts lines from 1 and columns from 0.
        Mark {
            line: m.line().max(1),
            column: m.col().saturating_add(1),
        }
    }
}

impl YamlError {
    /// The 1-based line of the error.
    pub fn line(&self) -> usize {
        self.mark.line
    }

    /// The 1-based column of the error (in characters).
    pub fn column(&self) -> usize {
        self.mark.column
    }

    /// For a type error, the path of the offending field, like `users[0].user.as-groups`
    /// (`None` for syntax errors and for the document itself).
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// What is wrong, without the line, column and path.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(super) fn at(mark: Mark, message: impl Into<String>) -> Self {
        Self {
            mark,
            path: None,
            message: message.into(),
        }
    }

    /// A syntax error. The parser's messages name tokens and indicators, not scalar text.
    pub(super) fn syntax(e: &ScanError) -> Self {
        Self::at(Mark::from(*e.marker()), e.kind().to_string())
    }

    /// A type error from decoding `root` at `path`.
    pub(super) fn data(mark: Mark, path: &Path, e: &serde_json::Error, root: &Value) -> Self {
        let shown = path.to_string();
        Self {
            mark,
            // serde_path_to_error shows the document itself as `.`.
            path: (shown != ".").then_some(shown),
            message: redact(&e.to_string(), value_at(root, path)),
        }
    }
}

/// `message` without the value it rejects, `offending` (the value at the error's path).
/// JSON decode errors go through here too: response bodies hold secrets as well.
pub(crate) fn redact(message: &str, offending: Option<&Value>) -> String {
    if let Some(known) = redact_serde(message) {
        return known;
    }
    // A type's own message may quote the value: cut it out wherever it appears, quoted
    // with escapes as `{:?}` writes it, or as it is.
    match offending {
        Some(Value::String(s)) if !s.is_empty() => message
            .replace(&format!("{s:?}"), "[REDACTED]")
            .replace(s.as_str(), "[REDACTED]"),
        Some(Value::Number(n)) => message.replace(&n.to_string(), "[REDACTED]"),
        _ => message.to_owned(),
    }
}

/// serde's messages without the value they quote, or `None` if `message` is not one of
/// serde's (`invalid type: string "x", expected …`, `unknown variant `x`, expected …`).
fn redact_serde(message: &str) -> Option<String> {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return Some(format!("{prefix}{}", drop_quoted(rest)));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        // The expected variants come from the type and never contain "`, expected ", so the
        // last one ends the (raw, unescaped) variant that was found.
        let tail = ["`, expected ", "`, there are no variants"]
            .iter()
            .find_map(|end| rest.rfind(end).map(|i| rest.get(i + 1..).unwrap_or("")))
            .unwrap_or("");
        return Some(format!("unknown variant{tail}"));
    }
    let keeps_names = [
        "invalid length ",
        "missing field ",
        "duplicate field ",
        "unknown field ",
    ];
    keeps_names
        .iter()
        .any(|p| message.starts_with(p))
        .then(|| message.to_owned())
}

/// `string "x", expected …` → `string, expected …`; `integer `1`, …` → `integer, …`.
fn drop_quoted(rest: &str) -> String {
    // What comes before the value (`string`, `floating point`) has no quote or comma.
    let Some(open) = rest.find(['"', '`', ',']) else {
        return rest.to_owned();
    };
    let kind = rest.get(..open).unwrap_or("").trim_end();
    let after = rest.get(open + 1..).unwrap_or("");
    let close = match rest.get(open..open + 1) {
        Some("\"") => closing_quote(after),
        Some("`") => after.find('`'),
        _ => return rest.to_owned(),
    };
    match close.and_then(|c| after.get(c + 1..)) {
        Some(tail) => format!("{kind}{tail}"),
        // Unterminated: keep nothing of it.
        None => kind.to_owned(),
    }
}

/// The index of the `"` that ends a Rust-`Debug`-escaped string (inner `"` are `\"`).
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

fn value_at<'v>(root: &'v Value, path: &Path) -> Option<&'v Value> {
    path.iter().try_fold(root, |v, segment| match segment {
        Segment::Seq { index } => v.get(index),
        Segment::Map { key } | Segment::Enum { variant: key } => v.get(key),
        Segment::Unknown => None,
    })
}
