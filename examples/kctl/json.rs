//! JSON text as kubectl prints it (`kubectl get -o json`): Go's `encoding/json`
//! with 4-space indentation.
//!
//! kubectl decodes objects into maps, so keys come out sorted bytewise (as
//! `serde_json::Map` keeps them), and it re-encodes numbers the way Go does:
//! integers as integers, other numbers as Go formats a float64.

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::io;

/// `value` as `json.MarshalIndent(value, "", "    ")` writes it (no trailing newline).
/// Maps (`Value`) come out with sorted keys, structs in field order, as in Go.
pub(crate) fn to_go_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, GoFormatter::new());
    // Writing JSON data into a Vec cannot fail: keys are strings and IO is infallible.
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Go's text for a float64, as `encoding/json` writes it: the shortest decimal that
/// round-trips, in exponent form (`1e+21`, `1e-7`) outside `[1e-6, 1e21)`.
pub(crate) fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust writes `1e21` / `1.5e-7`; Go writes `1e+21` / `1.5e-7`.
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => s,
        }
    } else {
        // Rust's Display is the shortest round-trip decimal without an exponent, as Go's 'f'.
        format!("{f}")
    }
}

/// Go's text for a JSON number of an unstructured object: integers that fit an
/// int64 stay integers, everything else is a float64 (as apimachinery decodes them).
pub(crate) fn go_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else {
        go_float(n.as_f64().unwrap_or(0.0))
    }
}

/// serde_json's pretty printer with Go's number text and Go's HTML-safe escapes.
struct GoFormatter<'a> {
    pretty: PrettyFormatter<'a>,
}

impl GoFormatter<'_> {
    fn new() -> Self {
        GoFormatter {
            pretty: PrettyFormatter::with_indent(b"    "),
        }
    }
}

impl Formatter for GoFormatter<'_> {
    fn write_u64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: u64) -> io::Result<()> {
        // Above int64 Go holds the number as a float64.
        match i64::try_from(value) {
            Ok(_) => write!(w, "{value}"),
            Err(_) => w.write_all(go_float(value as f64).as_bytes()),
        }
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(go_float(value).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Go escapes these even though JSON does not require it.
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escaped = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(escaped.as_bytes())?;
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_number_text() {
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1e-7), "1e-7");
        assert_eq!(go_float(1e20), "100000000000000000000");
        assert_eq!(go_float(0.000001), "0.000001");
    }

    #[test]
    fn indentation_escapes_and_empty_collections() {
        let v = json!({"b": [], "a": {"x": "<&>", "e": {}}, "n": 2.0});
        assert_eq!(
            to_go_json(&v),
            "{\n    \"a\": {\n        \"e\": {},\n        \"x\": \"\\u003c\\u0026\\u003e\"\n    },\n    \"b\": [],\n    \"n\": 2\n}"
        );
    }
}
