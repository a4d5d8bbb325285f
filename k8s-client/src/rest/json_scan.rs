//! Finding where a JSON value ends in a body that arrives in chunks.
//!
//! Chunks split values anywhere, even inside a string or between a
//! backslash and the character it escapes. Watch framing and list decoding
//! both cut values out of such streams; this is the one place that knows
//! how. It tracks only nesting, strings and escapes: the bytes it cuts out
//! are validated by serde_json.

/// What one byte did to the value being scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// The value goes on after this byte.
    More,
    /// This byte is the value's last.
    End,
    /// The value ended just before this byte, which belongs to what follows:
    /// a number or a literal (`true`, `null`) has no closing byte of its own.
    EndBefore,
}

/// The scanner's state between chunks, so a value may span any number of
/// them. Feed it a value's bytes from its first non-whitespace byte on; once
/// it has found the value's end it is ready for the next value.
#[derive(Clone, Debug, Default)]
pub(crate) struct ValueScanner {
    /// Open `{` and `[`.
    depth: u32,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escaped: bool,
    /// Inside a top-level number or literal.
    in_scalar: bool,
}

impl ValueScanner {
    /// Takes the value's next bytes. If the value ends among them, returns
    /// how many of them are its own (the rest follow it); if not, all of
    /// them were taken and the value goes on in the next chunk.
    pub(crate) fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &c) in bytes.iter().enumerate() {
            match self.step(c) {
                Step::More => {}
                Step::End => return Some(i + 1),
                Step::EndBefore => return Some(i),
            }
        }
        None
    }

    /// Takes the value's next byte.
    fn step(&mut self, c: u8) -> Step {
        if self.in_string {
            match (self.escaped, c) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Step::End;
                    }
                }
                _ => {}
            }
            return Step::More;
        }
        if self.in_scalar {
            if is_delimiter(c) {
                self.in_scalar = false;
                return Step::EndBefore;
            }
            return Step::More;
        }
        match c {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            // A stray closer at the top level ends a one-byte value that
            // serde_json then rejects, so malformed input is still cut short.
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    return Step::End;
                }
            }
            _ if self.depth == 0 => self.in_scalar = true,
            _ => {}
        }
        Step::More
    }
}

/// Whitespace as JSON defines it (narrower than ASCII's: no form feed).
pub(crate) fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Bytes that end a number or literal.
fn is_delimiter(c: u8) -> bool {
    is_whitespace(c) || matches!(c, b',' | b':' | b'{' | b'}' | b'[' | b']' | b'"')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the first value in `input` ends: the length of its bytes, the
    /// same whether the bytes come at once or one at a time.
    fn value_len(input: &[u8]) -> Option<usize> {
        let whole = ValueScanner::default().scan(input);
        let mut s = ValueScanner::default();
        let bytewise = (0..input.len()).find_map(|i| s.scan(&input[i..=i]).map(|n| i + n));
        assert_eq!(whole, bytewise, "{}", input.escape_ascii());
        whole
    }

    #[test]
    fn values_end_where_json_says() {
        assert_eq!(value_len(br#"{"a":[1,{"b":"}"}]},"#), Some(19));
        assert_eq!(value_len(br#""x\"y\\",1"#), Some(8));
        assert_eq!(value_len(b"-12.5e3]"), Some(7));
        assert_eq!(value_len(b"null,"), Some(4));
        assert_eq!(value_len(b"true "), Some(4));
        assert_eq!(value_len(br#"["a\u005d"] "#), Some(11));
        assert_eq!(
            value_len(br#"{"long":"no quote or backslash for a while","#),
            None
        );
    }

    #[test]
    fn an_escaped_quote_does_not_close_a_string() {
        let mut s = ValueScanner::default();
        for &c in br#"{"a":"\"#.iter() {
            assert_eq!(s.step(c), Step::More);
        }
        assert_eq!(s.step(b'"'), Step::More, "an escaped quote");
        assert_eq!(s.step(b'"'), Step::More, "closes the string only");
        assert_eq!(s.step(b'}'), Step::End);
    }
}
