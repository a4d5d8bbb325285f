//! Where each value of a document starts, so that a type error can point at it.

use std::collections::HashMap;

use serde_path_to_error::{Path, Segment};

use super::error::Mark;
use crate::names::{push_index, push_key};

/// Where each value starts, keyed by the path serde_path_to_error reports for it
/// (`users[0].user.token`; the document itself is the empty string).
#[derive(Default)]
pub(super) struct Positions(Option<HashMap<String, Mark>>);

impl Positions {
    pub(super) fn recording() -> Self {
        Positions(Some(HashMap::new()))
    }

    pub(super) fn is_recording(&self) -> bool {
        self.0.is_some()
    }

    pub(super) fn record(&mut self, path: String, mark: Mark) {
        if let Some(map) = &mut self.0 {
            map.entry(path).or_insert(mark);
        }
    }

    /// The start of the value at `path`, or of its deepest recorded ancestor: values copied
    /// by an alias have no position of their own, and a missing field has only its mapping.
    pub(super) fn find(&self, path: &Path) -> Mark {
        let Some(map) = &self.0 else {
            return Mark::START;
        };
        let mut best = map.get("").copied().unwrap_or(Mark::START);
        let mut key = String::new();
        for segment in path {
            match segment {
                Segment::Seq { index } => push_index(&mut key, *index),
                Segment::Map { key: k } | Segment::Enum { variant: k } => push_key(&mut key, k),
                Segment::Unknown => break,
            }
            match map.get(&key) {
                Some(mark) => best = *mark,
                None => break,
            }
        }
        best
    }
}
