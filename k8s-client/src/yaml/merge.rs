//! YAML 1.1 merge keys (`<<`), read as go-yaml v2 reads them (and so kubectl).
//!
//! A plain, untagged `<<` key (or one tagged `!!merge`) takes a mapping, or a sequence of
//! mappings, whose entries are copied into the mapping that holds the key. Entries are
//! applied in order, each replacing what is there: entries written after the merge win
//! over it, and the merge wins over entries written before it. In a sequence, earlier
//! mappings win over later ones. Anything else after `<<` is an error.

use std::collections::HashSet;

use granit_parser::{ScalarStyle, Tag};
use serde_json::{Map, Value};

use super::error::{Mark, YamlError};
use super::scalar;

/// A mapping being built.
#[derive(Default)]
pub(super) struct Entries {
    pub(super) map: Map<String, Value>,
    /// The key whose value comes next.
    pub(super) pending: Option<Key>,
    /// Keys whose value came from a merge: an explicit entry may replace those, while an
    /// explicit key written twice is an error.
    merged: HashSet<String>,
}

/// A mapping key.
pub(super) enum Key {
    Named(String),
    /// `<<`, and where it was written (where a bad merge is reported).
    Merge(Mark),
}

impl Key {
    /// The key as a path segment.
    pub(super) fn name(&self) -> &str {
        match self {
            Key::Named(name) => name,
            Key::Merge(_) => "<<",
        }
    }
}

/// Whether a key scalar is go-yaml's merge key.
pub(super) fn is_merge_key(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> bool {
    text == "<<"
        && match tag {
            None => matches!(style, ScalarStyle::Plain),
            Some(tag) => scalar::tag_name(tag).as_deref() == Some("merge"),
        }
}

impl Entries {
    /// Whether `key` may be written now: not already written explicitly.
    pub(super) fn accepts(&self, key: &str) -> bool {
        !self.map.contains_key(key) || self.merged.contains(key)
    }

    /// Sets the value of the pending key.
    pub(super) fn insert(&mut self, value: Value) -> Result<(), YamlError> {
        match self.pending.take() {
            Some(Key::Merge(mark)) => self.merge(value, mark),
            Some(Key::Named(key)) => {
                self.merged.remove(&key);
                self.map.insert(key, value);
                Ok(())
            }
            // The parser gives every value a key; this is defence.
            None => Ok(()),
        }
    }

    fn merge(&mut self, value: Value, mark: Mark) -> Result<(), YamlError> {
        let sources = match value {
            Value::Object(map) => vec![map],
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::Object(map) => Ok(map),
                    _ => Err(not_mergeable(mark)),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(not_mergeable(mark)),
        };
        // Applied last first, so that the earlier mappings of a sequence win.
        for source in sources.into_iter().rev() {
            for (key, value) in source {
                self.merged.insert(key.clone());
                self.map.insert(key, value);
            }
        }
        Ok(())
    }
}

fn not_mergeable(mark: Mark) -> YamlError {
    // go-yaml's words.
    YamlError::at(
        mark,
        "map merge requires map or sequence of maps as the value",
    )
}
