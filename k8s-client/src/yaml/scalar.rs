//! What a scalar means in JSON: the YAML 1.2 core schema, explicit tags, and Go's number
//! rules where JSON forces a choice.

use granit_parser::{ScalarStyle, Tag};
use serde_json::{Number, Value};

use super::error::{Mark, YamlError};

const YAML_TAGS: &str = "tag:yaml.org,2002:";

/// The JSON value of one scalar. Errors never quote `text`.
pub(super) fn resolve(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    mark: Mark,
) -> Result<Value, YamlError> {
    let Some(tag) = tag else {
        return match style {
            ScalarStyle::Plain => plain(text, mark),
            _ => Ok(Value::String(text.to_owned())),
        };
    };
    let invalid = || YamlError::at(mark, format!("the value is not a valid {}", tag.original()));
    match tag_name(tag).as_deref() {
        // `!` alone: "not resolved by content", which for a scalar means a string.
        None => Ok(Value::String(text.to_owned())),
        Some("str") => Ok(Value::String(text.to_owned())),
        Some("null") => is_null(text).then_some(Value::Null).ok_or_else(invalid),
        Some("bool") => boolean(text).map(Value::Bool).ok_or_else(invalid),
        Some("int") => match integer(text) {
            Some(n @ Value::Number(_)) => Ok(n),
            _ => Err(invalid()),
        },
        Some("float") => match integer(text) {
            Some(n @ Value::Number(_)) => Ok(n),
            _ if is_float(text) => match float(text) {
                n @ Value::Number(_) => Ok(n),
                _ => Err(invalid()),
            },
            _ => infinite_or_nan(text, mark).and(Err(invalid())),
        },
        // go-yaml decodes it to bytes, which Go's JSON encoder writes as unbroken base64.
        Some("binary") => Ok(Value::String(text.split_ascii_whitespace().collect())),
        Some(_) => Err(unsupported(tag, "a scalar", mark)),
    }
}

/// A core-schema or `!!binary` tag by its short name (`int`); `None` for the non-specific
/// `!`; the full spelling for any other tag, which callers reject.
pub(super) fn tag_name(tag: &Tag) -> Option<String> {
    if tag.original() == "!" {
        return None;
    }
    match tag.suffix_in_namespace(YAML_TAGS) {
        Some(name) => Some(name.into_owned()),
        None => Some(tag.original()),
    }
}

/// The error for `tag` on a node it does not fit (`!!int` on a mapping, `!custom` anywhere).
pub(super) fn unsupported(tag: &Tag, node: &str, mark: Mark) -> YamlError {
    YamlError::at(
        mark,
        format!(
            "unsupported tag {} on {node} (JSON has no such type)",
            tag.original()
        ),
    )
}

/// An untagged plain scalar.
fn plain(text: &str, mark: Mark) -> Result<Value, YamlError> {
    if is_null(text) {
        return Ok(Value::Null);
    }
    if let Some(b) = boolean(text) {
        return Ok(Value::Bool(b));
    }
    if let Some(v) = integer(text) {
        return Ok(v);
    }
    if is_float(text) {
        return Ok(float(text));
    }
    infinite_or_nan(text, mark).map(|()| Value::String(text.to_owned()))
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn boolean(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// `[-+]?` then decimal digits, `0x` hex, `0o` octal, or `0` and octal digits (YAML 1.1's
/// octal, which go-yaml reads: manifests write `defaultMode: 0644`). `None` when `text` is
/// not written as an integer; a string when a hex or octal one does not fit 64 bits.
fn integer(text: &str) -> Option<Value> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (radix, digits) = if let Some(hex) = unsigned.strip_prefix("0x") {
        (16, hex)
    } else if let Some(octal) = unsigned.strip_prefix("0o") {
        (8, octal)
    } else if let Some(octal) = unsigned.strip_prefix('0').filter(|d| is_digits(d, 8)) {
        (8, octal)
    } else {
        (10, unsigned)
    };
    if !is_digits(digits, radix) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok();
    match magnitude.and_then(|m| signed(negative, m)) {
        Some(n) => Some(Value::Number(n)),
        // Go's fallbacks: ParseFloat reads long decimals, and nothing reads long hex.
        None if radix == 10 => Some(finite(text).unwrap_or_else(|| Value::String(text.to_owned()))),
        None => Some(Value::String(text.to_owned())),
    }
}

fn is_digits(s: &str, radix: u32) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_digit(radix))
}

fn signed(negative: bool, magnitude: u64) -> Option<Number> {
    if negative {
        0i64.checked_sub_unsigned(magnitude).map(Number::from)
    } else {
        Some(Number::from(magnitude))
    }
}

/// The core schema's float: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_float(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => is_digits(fraction, 10),
        Some((whole, fraction)) => {
            is_digits(whole, 10) && (fraction.is_empty() || is_digits(fraction, 10))
        }
        None => is_digits(mantissa, 10),
    };
    mantissa_ok && exponent.is_none_or(|e| is_digits(e, 10))
}

/// A number written as the core schema's float (never `.inf` or `.nan`).
fn float(text: &str) -> Value {
    // Out of f64's range, Go's ParseFloat fails and go-yaml keeps the text as a string.
    finite(text).unwrap_or_else(|| Value::String(text.to_owned()))
}

/// `text` as a JSON number. Go's JSON encoder writes an integral float64 without a fraction,
/// so there `1e3` decodes into an integer field; an integer here does the same.
fn finite(text: &str) -> Option<Value> {
    let f: f64 = text.parse().ok().filter(|f: &f64| f.is_finite())?;
    let integral = f.fract() == 0.0;
    let as_int = if integral && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        Some(Number::from(f as i64))
    } else if integral && f >= 0.0 && f < u64::MAX as f64 {
        Some(Number::from(f as u64))
    } else {
        None
    };
    as_int.or_else(|| Number::from_f64(f)).map(Value::Number)
}

/// `.inf` and `.nan` are floats in YAML, but JSON cannot hold them (Go's encoder fails too).
fn infinite_or_nan(text: &str, mark: Mark) -> Result<(), YamlError> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let infinite = matches!(unsigned, ".inf" | ".Inf" | ".INF");
    let nan = unsigned == text && matches!(text, ".nan" | ".NaN" | ".NAN");
    if infinite || nan {
        Err(YamlError::at(
            mark,
            "infinity and NaN cannot be represented in JSON",
        ))
    } else {
        Ok(())
    }
}
