//! Stage 1c: the `.proto` files in `specs/proto` → messages and their fields.
//!
//! A hand-written parser of the proto2 subset go-to-protobuf writes:
//! `syntax`, `package`, `import`, `option`, and `message` blocks of
//! `optional`/`repeated` fields and `map<K, V>` fields, with comments.
//! Anything else (enums, nested messages, `oneof`, groups, `required`,
//! field options) is an error naming the file and line, so a new release
//! that uses more of the language fails loudly rather than silently. A
//! crate such as protobuf-parse would accept all of proto2 and proto3, but
//! would pull a larger dependency tree into the workspace for the few
//! constructs used here.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Error, Result};

/// A field's type as the `.proto` writes it, with message names resolved
/// to full names (`.k8s.io.api.core.v1.PodSpec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PType {
    String,
    Int32,
    Int64,
    Bool,
    Bytes,
    Double,
    Message(String),
}

/// How a field repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    Optional,
    Repeated,
    /// `map<string, V>`: `ty` is V.
    Map,
}

/// One field of a message.
#[derive(Debug, Clone)]
pub(crate) struct PField {
    pub(crate) name: String,
    pub(crate) number: u32,
    pub(crate) label: Label,
    pub(crate) ty: PType,
}

/// One message.
#[derive(Debug, Clone)]
pub(crate) struct PMessage {
    /// The package, such as `k8s.io.api.core.v1`.
    pub(crate) package: String,
    pub(crate) fields: Vec<PField>,
}

/// Every message, by full name (`.k8s.io.api.core.v1.Pod`).
pub(crate) type Messages = BTreeMap<String, PMessage>;

/// Reads every `generated.proto` under `dir`.
pub(crate) fn load(dir: &Path) -> Result<Messages> {
    let mut files = Vec::new();
    find_protos(dir, &mut files)?;
    files.sort();
    let mut out = Messages::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Error::new(format!("reading {}: {e}", file.display())))?;
        parse(&text, &mut out).map_err(|e| Error::new(format!("{}: {e}", file.display())))?;
    }
    Ok(out)
}

fn find_protos(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?
            .path();
        if path.is_dir() {
            find_protos(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            out.push(path);
        }
    }
    Ok(())
}

/// A token and the line it is on.
struct Tok {
    text: String,
    line: usize,
}

fn tokenize(text: &str) -> Result<Vec<Tok>> {
    let mut toks = Vec::new();
    let b = text.as_bytes();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let end = text[i + 2..]
                .find("*/")
                .ok_or_else(|| Error::new(format!("line {line}: unterminated comment")))?;
            line += text[i..i + 2 + end].matches('\n').count();
            i += end + 4;
        } else if c == b'"' {
            let end = text[i + 1..]
                .find('"')
                .ok_or_else(|| Error::new(format!("line {line}: unterminated string")))?;
            toks.push(Tok {
                text: text[i..i + end + 2].to_owned(),
                line,
            });
            i += end + 2;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            toks.push(Tok {
                text: text[start..i].to_owned(),
                line,
            });
        } else {
            toks.push(Tok {
                text: (c as char).to_string(),
                line,
            });
            i += 1;
        }
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.pos).map(|t| t.text.as_str())
    }
    fn line(&self) -> usize {
        self.toks
            .get(self.pos.min(self.toks.len().saturating_sub(1)))
            .map_or(0, |t| t.line)
    }
    fn next(&mut self) -> Result<String> {
        let t = self
            .toks
            .get(self.pos)
            .ok_or_else(|| Error::new("unexpected end of file"))?;
        self.pos += 1;
        Ok(t.text.clone())
    }
    fn eat(&mut self, want: &str) -> Result<()> {
        let line = self.line();
        let got = self.next()?;
        if got == want {
            Ok(())
        } else {
            Err(Error::new(format!(
                "line {line}: expected `{want}`, found `{got}`"
            )))
        }
    }
    /// Skips to just after the next `;`.
    fn statement(&mut self) -> Result<()> {
        while self.next()? != ";" {}
        Ok(())
    }
}

fn parse(text: &str, out: &mut Messages) -> Result<()> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
    };
    let mut package = String::new();
    // (message name, [(label, type as written, field name, number)]).
    type RawFields = Vec<(Label, String, String, u32)>;
    let mut messages: Vec<(String, RawFields)> = Vec::new();
    while let Some(t) = p.peek() {
        match t {
            "syntax" => {
                p.next()?;
                p.eat("=")?;
                let line = p.line();
                let v = p.next()?;
                if v != "\"proto2\"" {
                    return Err(Error::new(format!("line {line}: syntax {v} is not proto2")));
                }
                p.eat(";")?;
            }
            "package" => {
                p.next()?;
                package = p.next()?;
                p.eat(";")?;
            }
            "import" | "option" => p.statement()?,
            "message" => {
                p.next()?;
                let name = p.next()?;
                p.eat("{")?;
                let mut fields = Vec::new();
                loop {
                    let line = p.line();
                    let first = p.next()?;
                    let (label, ty) = match first.as_str() {
                        "}" => break,
                        "optional" => (Label::Optional, p.next()?),
                        "repeated" => (Label::Repeated, p.next()?),
                        "map" => {
                            p.eat("<")?;
                            let k = p.next()?;
                            if k != "string" {
                                return Err(Error::new(format!(
                                    "line {line}: map key {k} is not string"
                                )));
                            }
                            p.eat(",")?;
                            let v = p.next()?;
                            p.eat(">")?;
                            (Label::Map, v)
                        }
                        other => {
                            return Err(Error::new(format!(
                                "line {line}: `{other}` in message {name} is outside the subset this parser reads"
                            )));
                        }
                    };
                    let fname = p.next()?;
                    p.eat("=")?;
                    let number = p.next()?;
                    let number: u32 = number
                        .parse()
                        .map_err(|_| Error::new(format!("line {line}: field number {number}")))?;
                    let line = p.line();
                    let end = p.next()?;
                    if end != ";" {
                        return Err(Error::new(format!(
                            "line {line}: field options (`{end}`) are outside the subset this parser reads"
                        )));
                    }
                    fields.push((label, ty, fname, number));
                }
                messages.push((name, fields));
            }
            other => {
                let line = p.line();
                return Err(Error::new(format!(
                    "line {line}: `{other}` is outside the subset this parser reads"
                )));
            }
        }
    }
    if package.is_empty() {
        return Err(Error::new("no package"));
    }
    for (name, fields) in messages {
        let fields = fields
            .into_iter()
            .map(|(label, ty, name, number)| PField {
                name,
                number,
                label,
                ty: resolve(&ty, &package),
            })
            .collect();
        out.insert(
            format!(".{package}.{name}"),
            PMessage {
                package: package.clone(),
                fields,
            },
        );
    }
    Ok(())
}

/// A type as written, resolved against the file's package: a leading dot
/// is a full name; anything else is in the same package (go-to-protobuf
/// writes other packages' types in full).
fn resolve(ty: &str, package: &str) -> PType {
    match ty {
        "string" => PType::String,
        "int32" => PType::Int32,
        "int64" => PType::Int64,
        "bool" => PType::Bool,
        "bytes" => PType::Bytes,
        "double" => PType::Double,
        t if t.starts_with('.') => PType::Message(t.to_owned()),
        t => PType::Message(format!(".{package}.{t}")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_subset_go_to_protobuf_writes() {
        let mut out = Messages::new();
        parse(
            r#"
            // comment
            syntax = "proto2";
            /* block
               comment */
            package k8s.io.api.core.v1;
            import "k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto";
            option go_package = "k8s.io/api/core/v1";
            message ConfigMap {
              optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
              map<string, bytes> binaryData = 3;
              repeated Container containers = 4;
              optional bool immutable = 5;
            }
            "#,
            &mut out,
        )
        .unwrap();
        let cm = &out[".k8s.io.api.core.v1.ConfigMap"];
        assert_eq!(cm.fields.len(), 4);
        assert_eq!(
            cm.fields[0].ty,
            PType::Message(".k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta".into())
        );
        assert_eq!(cm.fields[1].label, Label::Map);
        assert_eq!(cm.fields[1].ty, PType::Bytes);
        assert_eq!(
            cm.fields[2].ty,
            PType::Message(".k8s.io.api.core.v1.Container".into())
        );
        assert_eq!(cm.fields[3].number, 5);
    }

    #[test]
    fn constructs_outside_the_subset_are_errors() {
        for bad in [
            "syntax = \"proto3\"; package a;",
            "package a; enum E { A = 0; }",
            "package a; message M { required string s = 1; }",
            "package a; message M { optional string s = 1 [packed = true]; }",
        ] {
            assert!(parse(bad, &mut Messages::new()).is_err(), "{bad}");
        }
    }
}
