//! YAML text as kubectl prints it (`kubectl get -o yaml`).
//!
//! kubectl encodes the object as JSON and converts it with sigs.k8s.io/yaml,
//! which re-reads the JSON with go-yaml v2 and writes it back with go-yaml
//! v2's emitter (a port of libyaml). This module reproduces what that emitter
//! does for JSON-shaped data, because that is what the golden tests compare:
//! - keys in go-yaml's "natural" order (digit runs compare as numbers, letters
//!   after other characters);
//! - 2-space indentation, sequences in mappings not indented, `{}` and `[]` for
//!   empty collections;
//! - strings plain when they would read back as strings, else double-quoted
//!   (`"true"`, `"123"`, timestamps, `""`); single-quoted when plain is not
//!   allowed (`': x'`); literal blocks (`|`, `|-`, `|+`) for multi-line text;
//! - plain and quoted scalars folded at spaces past column 80, as go-yaml v2 does.

use std::cmp::Ordering;

use serde_json::Value;

use crate::json::go_number;

/// go-yaml's line width: scalars are folded at a space once past this column.
const BEST_WIDTH: usize = 80;
/// Keys longer than this are written as complex keys (`? key`).
const MAX_SIMPLE_KEY_LEN: usize = 128;

/// `value` as kubectl's YAML printer writes it, ending with a newline.
pub(crate) fn to_yaml(value: &Value) -> String {
    // libyaml starts a stream as if after indentation, so the first key needs no break.
    let mut e = Emitter {
        whitespace: true,
        indention: true,
        ..Emitter::default()
    };
    e.node(value, Ctx::Root, 0);
    if !e.out.ends_with('\n') {
        e.out.push('\n');
    }
    e.out
}

/// Where a node sits, which decides how collections start.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Root,
    /// The value of a mapping key.
    MappingValue,
    /// An item of a sequence (after `- `).
    SequenceItem,
}

#[derive(Default)]
struct Emitter {
    out: String,
    /// Characters on the current line.
    column: usize,
    /// The last thing written was whitespace (or nothing).
    whitespace: bool,
    /// Only indentation (and indicators like `-`) are on the current line.
    indention: bool,
}

/// The style go-yaml picks for a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// libyaml's `write_indent`: a new line unless already at the indentation.
    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    /// libyaml's `write_indicator`.
    fn indicator(
        &mut self,
        s: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.put_str(s);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// Writes a node whose parent collection is indented at `indent`.
    fn node(&mut self, value: &Value, ctx: Ctx, indent: usize) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                let keys_at = if ctx == Ctx::Root { 0 } else { indent + 2 };
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| natural_cmp(a.0, b.0));
                for (key, v) in entries {
                    self.mapping_entry(key, v, keys_at);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                // Sequences that are mapping values are "indentless".
                let dash_at = match ctx {
                    Ctx::Root => 0,
                    Ctx::MappingValue => indent,
                    Ctx::SequenceItem => indent + 2,
                };
                for item in items {
                    self.write_indent(dash_at);
                    self.indicator("-", true, false, true);
                    self.node(item, Ctx::SequenceItem, dash_at);
                }
            }
            Value::Object(_) => self.indicator("{}", true, false, false),
            Value::Array(_) => self.indicator("[]", true, false, false),
            // Scalars are indented one step past their parent when folded.
            scalar => self.scalar(scalar, indent + 2, false),
        }
    }

    fn mapping_entry(&mut self, key: &str, value: &Value, indent: usize) {
        let simple = key.len() <= MAX_SIMPLE_KEY_LEN && !key.chars().any(is_break);
        self.write_indent(indent);
        if simple {
            self.string(key, indent + 2, true);
            self.indicator(":", false, false, false);
        } else {
            self.indicator("?", true, false, true);
            self.string(key, indent + 2, false);
            self.write_indent(indent);
            self.indicator(":", true, false, true);
        }
        self.node(value, Ctx::MappingValue, indent);
    }

    fn scalar(&mut self, value: &Value, indent: usize, simple_key: bool) {
        match value {
            Value::String(s) => self.string(s, indent, simple_key),
            Value::Null => self.plain("null", indent, simple_key),
            Value::Bool(b) => self.plain(if *b { "true" } else { "false" }, indent, simple_key),
            Value::Number(n) => self.plain(&yaml_number(&go_number(n)), indent, simple_key),
            // Collections never reach here.
            Value::Array(_) | Value::Object(_) => {}
        }
    }

    fn string(&mut self, s: &str, indent: usize, simple_key: bool) {
        let style = select_style(s, simple_key);
        match style {
            Style::Plain => self.plain(s, indent, simple_key),
            Style::Single => self.single_quoted(s, indent, !simple_key),
            Style::Double => self.double_quoted(s, indent, !simple_key),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, simple_key: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        self.folded(s, indent, !simple_key, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("'", true, false, false);
        self.folded(s, indent, allow_breaks, true);
        self.indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// The text of a plain or single-quoted scalar (libyaml's
    /// `write_plain_scalar` / `write_single_quoted_scalar`): folded at a single
    /// space past [`BEST_WIDTH`], line breaks kept, `'` doubled when quoted.
    /// (Plain text never starts or ends with a space, so the quoted rule that
    /// those spaces never fold holds for both.)
    fn folded(&mut self, s: &str, indent: usize, allow_breaks: bool, quoted: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                    && chars[i + 1] != ' '
                {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                if quoted && c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    other => {
                        let v = u32::from(other);
                        let text = if v <= 0xff {
                            format!("x{v:02X}")
                        } else if v <= 0xffff {
                            format!("u{v:04X}")
                        } else {
                            format!("U{v:08X}")
                        };
                        self.put_str(&text);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < chars.len() - 1
                {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        // Block scalar header: an indentation indicator when the text starts with
        // whitespace, and the chomping indicator for its trailing line breaks.
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.indicator("2", false, false, false);
        }
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                    breaks = false;
                }
                self.put(c);
                self.indention = false;
            }
        }
        // libyaml leaves `whitespace` set; the next line starts fresh only after a break.
        self.whitespace = true;
        self.indention = breaks;
    }
}

/// go-yaml v2's choice of style for a string value or key.
fn select_style(s: &str, simple_key: bool) -> Style {
    let requested = if s.contains('\n') {
        Style::Literal
    } else if resolves_to_string(s) {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(s);
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::Double;
    }
    style
}

/// What libyaml's `analyze_scalar` allows for a string in block context.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| n == ' ' || n == '\t');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c) || c == '\0';
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// go-yaml's `is_printable`: it checks UTF-8 lead bytes up to 0xEF only, so
/// characters outside the Basic Multilingual Plane (emoji) count as special and
/// are written as `\UXXXXXXXX` escapes.
fn is_printable(c: char) -> bool {
    match c {
        '\n' => true,
        '\u{20}'..='\u{7e}' => true,
        '\u{a0}'..='\u{d7ff}' => true,
        '\u{e000}'..='\u{fffd}' => c != '\u{feff}',
        _ => false,
    }
}

/// Whether go-yaml v2 reads `s`, written plain, back as a string (and not as
/// null, a bool, a number, a timestamp or a base-60 float).
fn resolves_to_string(s: &str) -> bool {
    const NON_STRINGS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null",
        "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    if NON_STRINGS.contains(&s) {
        return false;
    }
    let resolved = match s.as_bytes().first() {
        Some(b'.') => s.parse::<f64>().is_ok_and(f64::is_finite),
        Some(b'+' | b'-' | b'0'..=b'9') => {
            is_timestamp(s) || {
                let plain = s.replace('_', "");
                parse_go_int(&plain)
                    || (is_yaml_float(&plain) && plain.parse::<f64>().is_ok_and(f64::is_finite))
            }
        }
        _ => false,
    };
    !resolved && !is_base60_float(s)
}

/// `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds.
fn parse_go_int(s: &str) -> bool {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    match u64::from_str_radix(digits, radix) {
        Ok(v) if negative => v <= 1 << 63,
        Ok(_) => true,
        Err(_) => false,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && frac.bytes().all(|b| b.is_ascii_digit()),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: go-yaml quotes these for
/// YAML 1.1 readers.
fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (body, frac) = match s.split_once('.') {
        Some((b, f)) => (b, Some(f)),
        None => (s, None),
    };
    if frac.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_digit() || b == b'_')) {
        return false;
    }
    let mut parts = body.split(':');
    let head_ok = parts.next().is_some_and(|h| {
        h.as_bytes().first().is_some_and(u8::is_ascii_digit)
            && h.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    });
    let mut sexagesimal = 0;
    for p in parts {
        let ok = match p.as_bytes() {
            [d] => d.is_ascii_digit(),
            [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
        sexagesimal += 1;
    }
    head_ok && sexagesimal > 0
}

/// go-yaml v2's timestamp check: `YYYY-M-D`, optionally followed by a time
/// (`T`/`t` with a zone, or a space without one), as Go's `time.Parse` accepts it.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut p = Parser { s: b, i: 5 };
    let Some(year) = std::str::from_utf8(&b[..4])
        .ok()
        .and_then(|y| y.parse::<u32>().ok())
    else {
        return false;
    };
    let Some(month) = p.num12() else { return false };
    if !p.eat(b'-') {
        return false;
    }
    let Some(day) = p.num12() else { return false };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if p.done() {
        return true;
    }
    let zone_required = match p.next() {
        Some(b'T' | b't') => true,
        Some(b' ') => false,
        _ => return false,
    };
    let (Some(h), true, Some(m), true, Some(sec)) =
        (p.num12(), p.eat(b':'), p.num12(), p.eat(b':'), p.num12())
    else {
        return false;
    };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if p.peek() == Some(b'.') {
        p.i += 1;
        let start = p.i;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
        }
        if p.i == start {
            return false;
        }
    }
    if !zone_required {
        return p.done();
    }
    match p.next() {
        Some(b'Z') => p.done(),
        Some(b'+' | b'-') => {
            let rest = &b[p.i..];
            rest.len() == 5
                && rest[..2].iter().all(u8::is_ascii_digit)
                && rest[2] == b':'
                && rest[3..].iter().all(u8::is_ascii_digit)
                && (rest[0] - b'0') * 10 + (rest[1] - b'0') < 24
                && (rest[3] - b'0') * 10 + (rest[4] - b'0') < 60
        }
        _ => false,
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += 1;
        c
    }
    fn eat(&mut self, c: u8) -> bool {
        let ok = self.peek() == Some(c);
        if ok {
            self.i += 1;
        }
        ok
    }
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    /// One or two digits (Go's non-padded layout fields).
    fn num12(&mut self) -> Option<u32> {
        let mut n = 0;
        let start = self.i;
        while self.i - start < 2 && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            n = n * 10 + u32::from(self.s[self.i] - b'0');
            self.i += 1;
        }
        (self.i > start).then_some(n)
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A JSON number (Go's text) as go-yaml v2 re-reads and writes it: integers
/// stay integers, floats are written with Go's `%g` (shortest, exponent from 1e+06).
fn yaml_number(go_text: &str) -> String {
    if parse_go_int(go_text) {
        return go_text.to_owned();
    }
    let Ok(f) = go_text.parse::<f64>() else {
        return go_text.to_owned();
    };
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// go-yaml v2's key order: runs of digits compare by value, letters sort after
/// other characters, otherwise by code point.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let less = |x: &[char], y: &[char]| -> bool {
        for i in 0..x.len().min(y.len()) {
            if x[i] == y[i] {
                continue;
            }
            let xl = x[i].is_alphabetic();
            let yl = y[i].is_alphabetic();
            if xl && yl {
                return x[i] < y[i];
            }
            if xl || yl {
                return yl;
            }
            let (mut xn, mut yn): (i64, i64) = (0, 0);
            if x[i] == '0' || y[i] == '0' {
                // A zero inside a number that began earlier is significant.
                for j in (0..i).rev() {
                    if !x[j].is_ascii_digit() {
                        break;
                    }
                    if x[j] != '0' {
                        xn = 1;
                        yn = 1;
                        break;
                    }
                }
            }
            let mut xi = i;
            while xi < x.len() && x[xi].is_ascii_digit() {
                xn = xn
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(x[xi] as u8 - b'0'));
                xi += 1;
            }
            let mut yi = i;
            while yi < y.len() && y[yi].is_ascii_digit() {
                yn = yn
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(y[yi] as u8 - b'0'));
                yi += 1;
            }
            if xn != yn {
                return xn < yn;
            }
            if xi != yi {
                return xi < yi;
            }
            return x[i] < y[i];
        }
        x.len() < y.len()
    };
    if less(&ar, &br) {
        Ordering::Less
    } else if less(&br, &ar) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layout() {
        let v = json!({
            "kind": "Pod",
            "metadata": {"name": "x", "labels": {}},
            "spec": {"containers": [{"name": "c", "args": ["a", "b"]}], "volumes": []},
            "list": [["a", "b"], {"k": 1}],
        });
        assert_eq!(
            to_yaml(&v),
            "kind: Pod\nlist:\n- - a\n  - b\n- k: 1\nmetadata:\n  labels: {}\n  name: x\nspec:\n  containers:\n  - args:\n    - a\n    - b\n    name: c\n  volumes: []\n"
        );
    }

    #[test]
    fn string_styles() {
        let cases = [
            ("plain", "plain"),
            ("", "\"\""),
            ("true", "\"true\""),
            ("yes", "\"yes\""),
            ("123", "\"123\""),
            ("0x1F", "\"0x1F\""),
            ("1.5", "\"1.5\""),
            ("1e3", "\"1e3\""),
            ("1:20", "\"1:20\""),
            ("2026-11-23T11:42:33Z", "\"2026-11-23T11:42:33Z\""),
            ("2026-02-30", "2026-02-30"),
            ("a: b", "'a: b'"),
            ("- x", "'- x'"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            (" lead", "' lead'"),
            ("tab\there", "\"tab\\there\""),
            ("a\nb", "|-\n  a\n  b"),
            ("a\nb\n", "|\n  a\n  b"),
            ("a\n\n", "|+\n  a\n"),
            (" a\nb", "|2-\n   a\n  b"),
            ("a \nb", "\"a \\nb\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
            ("-", "'-'"),
            ("x#y", "x#y"),
            ("x #y", "'x #y'"),
            ("@at", "'@at'"),
            ("héllo", "héllo"),
            ("😀", "\"\\U0001F600\""),
        ];
        for (input, want) in cases {
            assert_eq!(
                to_yaml(&json!({"k": input})),
                format!("k: {want}\n"),
                "{input:?}"
            );
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(
            to_yaml(&json!({"a": 1, "b": 1.5, "c": 1234567.5, "d": 2.0, "e": 0.00001})),
            "a: 1\nb: 1.5\nc: 1.2345675e+06\nd: 2\ne: 1e-05\n"
        );
    }

    #[test]
    fn long_plain_strings_fold_past_column_80() {
        let words = vec!["word"; 30].join(" ");
        let out = to_yaml(&json!({"key": words}));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(lines[0].len() > 80 && lines[0].len() <= 85, "{out}");
        assert!(lines[1].starts_with("  word"), "{out}");
    }

    #[test]
    fn key_order() {
        let mut keys = vec!["a10", "a2", "b", "_x", "Z", "a-b", "ab"];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, vec!["_x", "Z", "a-b", "a2", "a10", "ab", "b"]);
    }
}
