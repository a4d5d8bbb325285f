//! Parser events to JSON values, in one pass without recursion, within the limits, and
//! noting where each value starts so that type errors can point at it.

use std::collections::HashMap;

use granit_parser::{Event, Options, Parser, ScalarStyle, Tag};
use serde_json::Value;

use super::error::{Mark, YamlError};
use super::merge::{Entries, Key, is_merge_key};
use super::positions::Positions;
use super::scalar;
use super::{MAX_ALIAS_BYTES, MAX_DEPTH, MAX_NODES};
use crate::names::{push_index, push_key};

/// The one document of `text` (`null` if there is none), and where its values start.
pub(super) fn single(text: &str) -> Result<(Value, Positions), YamlError> {
    let (documents, positions) = run(text, true)?;
    Ok((
        documents.into_iter().next().unwrap_or(Value::Null),
        positions,
    ))
}

/// Every document of `text`.
pub(super) fn all(text: &str) -> Result<Vec<Value>, YamlError> {
    run(text, false).map(|(documents, _)| documents)
}

fn run(text: &str, single: bool) -> Result<(Vec<Value>, Positions), YamlError> {
    let mut builder = Builder {
        // Only a typed decode reports positions: manifests need none.
        positions: if single {
            Positions::recording()
        } else {
            Positions::default()
        },
        ..Builder::default()
    };
    for next in Parser::new_from_str_with_options(text, options()) {
        let (event, span) = next.map_err(|e| YamlError::syntax(&e))?;
        let mark = Mark::from(span.start);
        if single && matches!(event, Event::DocumentStart(..)) && !builder.documents.is_empty() {
            return Err(YamlError::at(
                mark,
                "a second document, where one was expected",
            ));
        }
        builder.event(event, mark)?;
    }
    Ok((builder.documents, builder.positions))
}

fn options() -> Options {
    granit_parser::options! {
        // go-yaml (a port of libyaml) adds no line feed to a block scalar that ends the text.
        block_scalar_eof_without_line_feed: true,
        // Our own limit counts both kinds together, so it must be the one that trips.
        flow_nesting_limit: MAX_DEPTH + 1,
        block_nesting_limit: MAX_DEPTH + 1,
        // Another crate in the build may enable the parser's `comments` feature.
        emit_comments: false,
    }
}

/// A finished value, with what the limits need to know about it.
#[derive(Clone)]
struct Node {
    value: Value,
    /// Collections nested in it, itself included (0 for a scalar).
    height: usize,
    /// Values in it, itself included.
    nodes: usize,
    /// Bytes of text (scalars and keys) in it.
    bytes: usize,
}

/// A collection being built.
struct Frame {
    collection: Collection,
    anchor: usize,
    /// Its path, when positions are recorded.
    path: String,
    /// The greatest height among its children.
    height: usize,
    /// Values in it so far, itself included.
    nodes: usize,
    /// Bytes of text (scalars and keys) in it so far.
    bytes: usize,
}

enum Collection {
    Seq(Vec<Value>),
    Map(Entries),
}

#[derive(Default)]
struct Builder {
    frames: Vec<Frame>,
    root: Option<Value>,
    documents: Vec<Value>,
    anchors: HashMap<usize, Node>,
    /// Values produced by this call: the alias-bomb budget.
    nodes: usize,
    /// Bytes copied by aliases and anchors in this call: the budget of a bomb of few, large
    /// values, which the count of values misses.
    copied: usize,
    positions: Positions,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, mark: Mark) -> Result<(), YamlError> {
        match event {
            // Anchors belong to one document.
            Event::DocumentStart(..) => self.anchors.clear(),
            Event::DocumentEnd => {
                let root = self.root.take().unwrap_or(Value::Null);
                self.documents.push(root);
            }
            Event::Scalar(text, style, anchor, tag) => {
                return self.scalar(&text, style, anchor, tag.as_deref(), mark);
            }
            Event::SequenceStart(_, anchor, tag) => {
                return self.open(Collection::Seq(Vec::new()), anchor, tag.as_deref(), mark);
            }
            Event::MappingStart(_, anchor, tag) => {
                let map = Collection::Map(Entries::default());
                return self.open(map, anchor, tag.as_deref(), mark);
            }
            Event::SequenceEnd | Event::MappingEnd => return self.close(mark),
            Event::Alias(id) => return self.alias(id, mark),
            Event::UnresolvedAlias(_) => return Err(undefined_alias(mark)),
            // The stream's start and end, comments and anchor names carry no data.
            _ => {}
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        mark: Mark,
    ) -> Result<(), YamlError> {
        if self.wants_key() && is_merge_key(text, style, tag) {
            count(&mut self.nodes, 1, mark)?;
            return self.key(Key::Merge(mark), mark);
        }
        let value = scalar::resolve(text, style, tag, mark)?;
        count(&mut self.nodes, 1, mark)?;
        let node = Node {
            value,
            height: 0,
            nodes: 1,
            bytes: text.len(),
        };
        self.anchor(anchor, &node, mark)?;
        if self.wants_key() {
            // sigs.k8s.io/yaml turns number and boolean keys into text too.
            let key = match node.value {
                Value::String(s) => s,
                _ => text.to_owned(),
            };
            return self.key(Key::Named(key), mark);
        }
        self.enter(mark);
        self.place(node)
    }

    fn alias(&mut self, id: usize, mark: Mark) -> Result<(), YamlError> {
        // Also an alias inside the very node it names, which is not finished yet.
        let anchored = self.anchors.get(&id).ok_or_else(|| undefined_alias(mark))?;
        // Copying is what makes an alias bomb: check the budget before copying.
        count(&mut self.nodes, anchored.nodes, mark)?;
        count_copied(&mut self.copied, anchored.bytes, mark)?;
        if self.wants_key() {
            let key = match &anchored.value {
                Value::String(s) => s.clone(),
                Value::Array(_) | Value::Object(_) => return Err(complex_key(mark)),
                scalar => scalar.to_string(),
            };
            return self.key(Key::Named(key), mark);
        }
        if self.frames.len() + anchored.height > MAX_DEPTH {
            return Err(too_deep(mark));
        }
        let node = anchored.clone();
        self.enter(mark);
        self.place(node)
    }

    fn open(
        &mut self,
        collection: Collection,
        anchor: usize,
        tag: Option<&Tag>,
        mark: Mark,
    ) -> Result<(), YamlError> {
        let (what, tag_name) = match collection {
            Collection::Seq(_) => ("a sequence", "seq"),
            Collection::Map(..) => ("a mapping", "map"),
        };
        if let Some(tag) = tag
            && scalar::tag_name(tag).is_some_and(|name| name != tag_name)
        {
            return Err(scalar::unsupported(tag, what, mark));
        }
        if self.wants_key() {
            return Err(complex_key(mark));
        }
        if self.frames.len() >= MAX_DEPTH {
            return Err(too_deep(mark));
        }
        count(&mut self.nodes, 1, mark)?;
        let path = self.enter(mark);
        self.frames.push(Frame {
            collection,
            anchor,
            path,
            height: 0,
            nodes: 1,
            bytes: 0,
        });
        Ok(())
    }

    fn close(&mut self, mark: Mark) -> Result<(), YamlError> {
        // The parser balances starts and ends.
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        let value = match frame.collection {
            Collection::Seq(items) => Value::Array(items),
            Collection::Map(mut entries) => {
                // The parser gives every key a value (an empty one is null); this is defence.
                if entries.pending.is_some() {
                    entries.insert(Value::Null)?;
                }
                Value::Object(entries.map)
            }
        };
        let node = Node {
            value,
            height: frame.height + 1,
            nodes: frame.nodes,
            bytes: frame.bytes,
        };
        self.anchor(frame.anchor, &node, mark)?;
        self.place(node)
    }

    fn anchor(&mut self, id: usize, node: &Node, mark: Mark) -> Result<(), YamlError> {
        if id == 0 {
            return Ok(());
        }
        // Anchors nested in anchors are copied again and again: they count too.
        count(&mut self.nodes, node.nodes, mark)?;
        count_copied(&mut self.copied, node.bytes, mark)?;
        self.anchors.insert(id, node.clone());
        Ok(())
    }

    /// Whether the next node is a mapping key.
    fn wants_key(&self) -> bool {
        matches!(
            self.frames.last(),
            Some(Frame {
                collection: Collection::Map(Entries { pending: None, .. }),
                ..
            })
        )
    }

    fn key(&mut self, key: Key, mark: Mark) -> Result<(), YamlError> {
        if let Some(Frame {
            collection: Collection::Map(entries),
            bytes,
            ..
        }) = self.frames.last_mut()
        {
            if let Key::Named(name) = &key {
                // Keys are names, not secrets: showing one is fine.
                if !entries.accepts(name) {
                    return Err(YamlError::at(mark, format!("duplicate key {name:?}")));
                }
                *bytes = bytes.saturating_add(name.len());
            }
            entries.pending = Some(key);
        }
        Ok(())
    }

    /// Records where the next value starts; returns its path.
    fn enter(&mut self, mark: Mark) -> String {
        if !self.positions.is_recording() {
            return String::new();
        }
        let path = match self.frames.last() {
            None => String::new(),
            Some(frame) => {
                let mut path = frame.path.clone();
                match &frame.collection {
                    Collection::Seq(items) => push_index(&mut path, items.len()),
                    Collection::Map(entries) => {
                        push_key(&mut path, entries.pending.as_ref().map_or("", Key::name));
                    }
                }
                path
            }
        };
        self.positions.record(path.clone(), mark);
        path
    }

    fn place(&mut self, node: Node) -> Result<(), YamlError> {
        let Some(parent) = self.frames.last_mut() else {
            self.root = Some(node.value);
            return Ok(());
        };
        parent.height = parent.height.max(node.height);
        parent.nodes = parent.nodes.saturating_add(node.nodes);
        parent.bytes = parent.bytes.saturating_add(node.bytes);
        match &mut parent.collection {
            Collection::Seq(items) => {
                items.push(node.value);
                Ok(())
            }
            Collection::Map(entries) => entries.insert(node.value),
        }
    }
}

/// Counts `more` values against [`MAX_NODES`].
fn count(nodes: &mut usize, more: usize, mark: Mark) -> Result<(), YamlError> {
    spend(
        nodes,
        more,
        MAX_NODES,
        "values (each alias counts as a copy)",
        mark,
    )
}

/// Counts `more` bytes copied against [`MAX_ALIAS_BYTES`].
fn count_copied(copied: &mut usize, more: usize, mark: Mark) -> Result<(), YamlError> {
    spend(
        copied,
        more,
        MAX_ALIAS_BYTES,
        "bytes copied by aliases",
        mark,
    )
}

fn spend(
    used: &mut usize,
    more: usize,
    limit: usize,
    what: &str,
    mark: Mark,
) -> Result<(), YamlError> {
    *used = used.saturating_add(more);
    if *used > limit {
        return Err(YamlError::at(mark, format!("more than {limit} {what}")));
    }
    Ok(())
}

fn too_deep(mark: Mark) -> YamlError {
    YamlError::at(
        mark,
        format!("collections nested more than {MAX_DEPTH} deep"),
    )
}

fn complex_key(mark: Mark) -> YamlError {
    YamlError::at(
        mark,
        "a mapping or sequence as a mapping key (JSON keys are strings)",
    )
}

fn undefined_alias(mark: Mark) -> YamlError {
    YamlError::at(
        mark,
        "alias to an undefined anchor, or to a collection it is inside",
    )
}
