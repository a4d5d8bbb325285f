//! Stage 1d: the Go `types*.go` files beside each `.proto` → which fields
//! are pointers and which are `omitempty`, which the `.proto` cannot say.
//!
//! Go's protobuf always writes a non-pointer field, zero or not, and JSON
//! leaves out a zero non-pointer `omitempty` field; a pointer is written in
//! both only when set. The generator needs both facts to decode a field to
//! what the JSON decoder makes of the same object, and to write what Go
//! writes. Only struct fields with a `protobuf:"…"` tag are read, one per
//! line, as gofmt lays them out.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Error, Result};

/// What the Go declaration says about one protobuf field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GoField {
    /// `*T`.
    pub(crate) pointer: bool,
    /// `json:"…,omitempty"`.
    pub(crate) omitempty: bool,
}

/// Fields by proto package (`k8s.io.api.core.v1`), struct name and field number.
pub(crate) type GoTypes = BTreeMap<(String, String), BTreeMap<u32, GoField>>;

/// Reads the Go files under `dir`; the proto package of each directory is
/// read from its `generated.proto`.
pub(crate) fn load(dir: &Path, out: &mut GoTypes) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?;
    let mut paths: Vec<_> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?;
    paths.sort();
    let package = std::fs::read_to_string(dir.join("generated.proto"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("package "))
                .map(|p| p.trim_end_matches(';').trim().to_owned())
        });
    for path in paths {
        if path.is_dir() {
            load(&path, out)?;
        } else if let Some(package) = &package
            && path.extension().is_some_and(|e| e == "go")
        {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::new(format!("reading {}: {e}", path.display())))?;
            parse(&text, package, out);
        }
    }
    Ok(())
}

fn parse(text: &str, package: &str, out: &mut GoTypes) {
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("type ") {
            current = rest
                .strip_suffix(" struct {")
                .map(|name| name.trim().to_owned());
            continue;
        }
        if line == "}" {
            current = None;
            continue;
        }
        let Some(name) = &current else { continue };
        let Some((decl, tag)) = line.split_once('`') else {
            continue;
        };
        let Some(proto) = tag_value(tag, "protobuf") else {
            continue;
        };
        let Some(number) = proto.split(',').nth(1).and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let words: Vec<&str> = decl.split_whitespace().collect();
        // `Name Type` or an embedded `Type`.
        let ty = match words.as_slice() {
            [_, ty] | [ty] => *ty,
            _ => continue,
        };
        let omitempty =
            tag_value(tag, "json").is_some_and(|j| j.split(',').skip(1).any(|o| o == "omitempty"));
        out.entry((package.to_owned(), name.clone()))
            .or_default()
            .insert(
                number,
                GoField {
                    pointer: ty.starts_with('*'),
                    omitempty,
                },
            );
    }
}

/// The value of `key:"…"` in a struct tag.
fn tag_value<'a>(tag: &'a str, key: &str) -> Option<&'a str> {
    let start = tag.find(&format!("{key}:\""))? + key.len() + 2;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pointers_and_omitempty_by_field_number() {
        let mut out = GoTypes::new();
        parse(
            "type DeploymentSpec struct {\n\
             \t// comment\n\
             \tReplicas *int32 `json:\"replicas,omitempty\" protobuf:\"varint,1,opt,name=replicas\"`\n\
             \tPaused bool `json:\"paused,omitempty\" protobuf:\"varint,7,opt,name=paused\"`\n\
             \tMinReadySeconds int32 `json:\"minReadySeconds\" protobuf:\"varint,5,opt,name=minReadySeconds\"`\n\
             \tLocalObjectReference `json:\",inline\" protobuf:\"bytes,9,opt,name=localObjectReference\"`\n\
             }\n",
            "k8s.io.api.apps.v1",
            &mut out,
        );
        let f = &out[&("k8s.io.api.apps.v1".to_owned(), "DeploymentSpec".to_owned())];
        assert_eq!(
            f[&1],
            GoField {
                pointer: true,
                omitempty: true
            }
        );
        assert_eq!(
            f[&7],
            GoField {
                pointer: false,
                omitempty: true
            }
        );
        assert_eq!(
            f[&5],
            GoField {
                pointer: false,
                omitempty: false
            }
        );
        assert_eq!(
            f[&9],
            GoField {
                pointer: false,
                omitempty: false
            }
        );
    }
}
