//! YAML read the way client-go reads it: converted to JSON, then decoded as JSON.
//!
//! client-go never decodes YAML into its types directly. `sigs.k8s.io/yaml` turns the
//! text into JSON and `json.Unmarshal`s that. This module does the same: each document
//! becomes a [`serde_json::Value`], and [`from_str`] decodes it with serde_json. A
//! kubeconfig or a manifest therefore means here what it means to kubectl: `name: 123` is
//! a number and fails for a string field, and only JSON's types exist.
//!
//! ```
//! #[derive(Debug, serde::Deserialize)]
//! struct Cluster {
//!     server: String,
//! }
//! let c: Cluster = k8s_client::yaml::from_str("server: https://c:6443\n")?;
//! assert_eq!(c.server, "https://c:6443");
//!
//! let err = k8s_client::yaml::from_str::<Cluster>("server: 123\n").unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "line 1, column 9: server: invalid type: integer, expected a string"
//! );
//! # Ok::<(), k8s_client::yaml::YamlError>(())
//! ```
//!
//! # Scalars
//!
//! Quoted and block (`|`, `>`) scalars are strings. Plain scalars follow the YAML 1.2 core
//! schema:
//!
//! | Text | JSON |
//! |------|------|
//! | empty, `~`, `null`, `Null`, `NULL` | `null` |
//! | `true`, `True`, `TRUE`, `false`, `False`, `FALSE` | `true`, `false` |
//! | `12`, `-3`, `0o17`, `0x1F`, and `0644` (octal, as go-yaml reads it) | integer |
//! | `1.5`, `.5`, `-2.`, `1e3` | number (`1e3` is the integer `1000`) |
//! | `.inf`, `-.inf`, `.nan` | an error: JSON has no such numbers |
//! | anything else | string |
//!
//! An integer that does not fit 64 bits becomes a float when decimal and a string when hex
//! or octal, and a float with an integral value that fits 64 bits becomes an integer (`1e3`
//! is `1000`): the values go-yaml and Go's JSON encoder produce. The tags `!!str`, `!!int`,
//! `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq` and `!!binary` (kept as its base64 text)
//! are honoured; any other tag is an error.
//!
//! Mapping keys become strings: a plain `1:` or `true:` is the key `"1"` or `"true"`. A
//! mapping or sequence as a key, and a key written twice in one mapping, are errors.
//! Anchors and aliases work (an alias is a copy of the anchored value), and so do YAML 1.1
//! merge keys, as go-yaml reads them: a plain `<<` (or `!!merge <<`) key copies the entries
//! of a mapping, or of a sequence of mappings (the earlier ones win), into its mapping;
//! entries written after it win over it, entries written before it lose. A quoted `'<<'`
//! is an ordinary key.
//!
//! ```
//! let v = k8s_client::yaml::documents("base: &b {a: 1, b: 1}\nc: {<<: *b, b: 2}\n")?;
//! assert_eq!(v[0]["c"], serde_json::json!({"a": 1, "b": 2}));
//! # Ok::<(), k8s_client::yaml::YamlError>(())
//! ```
//!
//! # Differences from go-yaml v2 (which `sigs.k8s.io/yaml` uses)
//!
//! go-yaml v2 follows YAML 1.1 in places this module does not: it also reads `yes`, `no`,
//! `on`, `off`, `y` and `n` as booleans and `0b1010` and `1_000` as integers (here they are
//! strings). It rewrites number keys (`0x10:` is `"16"`) and rejects a `null` key; here a key is its
//! text. It ignores the documents after the first; [`from_str`] rejects them.
//!
//! # Limits and secrets
//!
//! Collections nest at most [`MAX_DEPTH`] deep, one call produces at most [`MAX_NODES`]
//! values, aliases counted in full, and its aliases copy at most [`MAX_ALIAS_BYTES`] bytes of
//! text, so neither deep nesting nor alias bombs (of many small values or of few large ones)
//! can exhaust the stack or memory. Errors ([`YamlError`]) never quote a value of the text (a key may
//! appear: keys are names), because kubeconfigs hold tokens and passwords.

mod build;
mod error;
mod merge;
mod positions;
mod scalar;
#[cfg(test)]
mod tests;

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use error::YamlError;
pub(crate) use error::redact;

/// How deep collections may nest.
pub const MAX_DEPTH: usize = 256;

/// How many values (scalars and collections, each alias counted as the values it copies)
/// one call may produce: an alias bomb fails here instead of filling memory.
pub const MAX_NODES: usize = 1_000_000;

/// How many bytes of text (scalars and mapping keys) aliases may copy in one call: a few
/// large anchored strings aliased many times fail here instead of filling memory. Anchoring
/// a value copies it once too.
pub const MAX_ALIAS_BYTES: usize = 64 << 20;

/// Decodes the one document of `text` into `T`.
///
/// Empty text, or a document that is only `null` or comments, decodes from JSON `null`, so
/// `Option<T>` gives `None`. More than one document is an error. A type error names the line,
/// column and field path of the offending value, without quoting it.
///
/// ```
/// let groups: Option<Vec<String>> = k8s_client::yaml::from_str("# nothing yet\n")?;
/// assert_eq!(groups, None);
/// # Ok::<(), k8s_client::yaml::YamlError>(())
/// ```
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let (value, positions) = build::single(text)?;
    // Decoding from a borrowed value keeps it for the error: the path is looked up in it.
    serde_path_to_error::deserialize(&value)
        .map_err(|e| YamlError::data(positions.find(e.path()), e.path(), e.inner(), &value))
}

/// Every document of a `---`-separated stream, in order, as JSON values (for manifests).
///
/// An empty document is `Value::Null`; empty text has no documents.
///
/// ```
/// let docs = k8s_client::yaml::documents("a: 1\n---\n[x, y]\n...\n")?;
/// assert_eq!(docs, [serde_json::json!({"a": 1}), serde_json::json!(["x", "y"])]);
/// # Ok::<(), k8s_client::yaml::YamlError>(())
/// ```
pub fn documents(text: &str) -> Result<Vec<Value>, YamlError> {
    build::all(text)
}
