//! Reading libfuzzer dictionaries (`fuzz/dict/<target>.dict`), so the stable
//! mutator inserts the same tokens libfuzzer is given.
//!
//! The format: one `"token"` per line, optionally `name=` before it, with
//! `\\`, `\"` and `\xNN` escapes; blank lines and `#` comments are skipped.

/// The tokens of a dictionary file's text. Lines that do not parse are skipped.
pub fn parse(text: &str) -> Vec<Vec<u8>> {
    text.lines().filter_map(token).collect()
}

fn token(line: &str) -> Option<Vec<u8>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let quoted = &line[line.find('"')?..];
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = Vec::new();
    let mut bytes = inner.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next()? {
            b'x' => {
                let hex = [bytes.next()?, bytes.next()?];
                out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
            }
            other => out.push(other),
        }
    }
    Some(out)
}
