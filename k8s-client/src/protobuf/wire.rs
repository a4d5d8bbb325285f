//! The protobuf wire format, as much of it as Kubernetes uses: varints,
//! field keys, length-delimited fields, and skipping what a type does not know.
//!
//! [`Reader`] reads forward over a borrowed buffer and never panics on
//! hostile input: every length is checked against what is left, nesting is
//! capped, and the memory decoded values may take is budgeted against the
//! input's size. [`Writer`] writes backwards, as gogo-protobuf does, so a
//! nested message's length is known when its key is written and the output
//! is the bytes Go writes, in one pass.

use std::fmt;

/// How a field's value is laid out on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireType {
    /// A base-128 varint (int32, int64, bool, enum).
    Varint,
    /// Eight little-endian bytes (fixed64, double; no Kubernetes type uses it).
    Fixed64,
    /// A varint length and that many bytes (string, bytes, messages, packed).
    Len,
    /// Four little-endian bytes (fixed32, float; unused by Kubernetes).
    Fixed32,
}

impl WireType {
    fn from_bits(bits: u64) -> Result<Self> {
        Ok(match bits {
            0 => WireType::Varint,
            1 => WireType::Fixed64,
            2 => WireType::Len,
            5 => WireType::Fixed32,
            // 3 and 4 are proto2 groups, which gogo rejects too.
            other => return Err(DecodeError::new(format!("unsupported wire type {other}"))),
        })
    }

    const fn bits(self) -> u64 {
        match self {
            WireType::Varint => 0,
            WireType::Fixed64 => 1,
            WireType::Len => 2,
            WireType::Fixed32 => 5,
        }
    }
}

/// Messages nest at most this deep (Kubernetes objects nest about a dozen
/// levels; a JSON schema a few more per level of `properties`).
pub const MAX_DEPTH: u32 = 100;

/// Decoded values may take this many bytes of memory per input byte, plus
/// [`BUDGET_BASE`]: an empty element of a repeated message field costs two
/// input bytes but a whole struct of memory, so a hostile body of empty
/// elements would otherwise allocate hundreds of times its size.
pub const BUDGET_PER_BYTE: usize = 64;
/// See [`BUDGET_PER_BYTE`].
pub const BUDGET_BASE: usize = 1 << 20;

/// Why a protobuf body did not decode, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    message: String,
    /// Path segments, innermost first (reversed when shown).
    path: Vec<PathSegment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PathSegment {
    Field(&'static str),
    Index(usize),
    Key(String),
}

impl DecodeError {
    /// An error with no path yet.
    pub fn new(message: impl Into<String>) -> Self {
        DecodeError {
            message: message.into(),
            path: Vec::new(),
        }
    }

    /// The same error, inside field `name`.
    #[must_use]
    pub fn in_field(mut self, name: &'static str) -> Self {
        self.path.push(PathSegment::Field(name));
        self
    }

    /// The same error, inside element `index` of a list.
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.path.push(PathSegment::Index(index));
        self
    }

    /// The same error, inside the map value under `key`.
    #[must_use]
    pub fn at_key(mut self, key: &str) -> Self {
        self.path.push(PathSegment::Key(key.to_owned()));
        self
    }

    /// The field path, as JSON errors write it (`spec.containers[0].image`).
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.path.iter().rev() {
            match seg {
                PathSegment::Field(f) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(f);
                }
                PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
                PathSegment::Key(k) => out.push_str(&format!("[{k:?}]")),
            }
        }
        out
    }

    /// What was wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path() {
            p if p.is_empty() => f.write_str(&self.message),
            p => write!(f, "{} at {p}", self.message),
        }
    }
}

impl std::error::Error for DecodeError {}

/// This module's result type.
pub type Result<T> = std::result::Result<T, DecodeError>;

fn truncated() -> DecodeError {
    DecodeError::new("unexpected end of data")
}

/// Reads a protobuf message from a borrowed buffer.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    depth: u32,
    /// Bytes of memory decoded values may still take (see [`BUDGET_PER_BYTE`]).
    budget: usize,
}

impl<'a> Reader<'a> {
    /// A reader over a whole body.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            depth: 0,
            budget: buf
                .len()
                .saturating_mul(BUDGET_PER_BYTE)
                .saturating_add(BUDGET_BASE),
        }
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes `n` bytes of the memory budget, for a value about to be made.
    pub fn charge(&mut self, n: usize) -> Result<()> {
        self.budget = self.budget.checked_sub(n).ok_or_else(|| {
            DecodeError::new("the decoded value would take too much memory for the body's size")
        })?;
        Ok(())
    }

    /// A varint.
    #[inline]
    pub fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for (i, &b) in self.buf.iter().enumerate().take(10) {
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.buf = &self.buf[i + 1..];
                return Ok(value);
            }
        }
        if self.buf.len() >= 10 {
            Err(DecodeError::new("varint longer than 10 bytes"))
        } else {
            Err(truncated())
        }
    }

    /// The next field's number and wire type, or `None` at the end.
    #[inline]
    pub fn key(&mut self) -> Result<Option<(u32, WireType)>> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let tag = key >> 3;
        if tag == 0 || tag > u64::from(u32::MAX >> 3) {
            return Err(DecodeError::new(format!("invalid field number {tag}")));
        }
        Ok(Some((tag as u32, WireType::from_bits(key & 7)?)))
    }

    /// The bytes of a length-delimited field.
    #[inline]
    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| truncated())?;
        if len > self.buf.len() {
            return Err(truncated());
        }
        let (head, rest) = self.buf.split_at(len);
        self.buf = rest;
        Ok(head)
    }

    /// A reader over a nested message, one level deeper, sharing the budget
    /// (hand it back with [`Reader::leave`]).
    pub fn enter(&mut self, wt: WireType) -> Result<Reader<'a>> {
        expect(wt, WireType::Len)?;
        if self.depth >= MAX_DEPTH {
            return Err(DecodeError::new(format!(
                "messages nested more than {MAX_DEPTH} deep"
            )));
        }
        let buf = self.bytes()?;
        Ok(Reader {
            buf,
            depth: self.depth + 1,
            budget: self.budget,
        })
    }

    /// Takes back the budget a nested reader left.
    pub fn leave(&mut self, inner: Reader<'a>) {
        self.budget = inner.budget;
    }

    /// Skips a value of a field this type does not know.
    pub fn skip(&mut self, wt: WireType) -> Result<()> {
        match wt {
            WireType::Varint => {
                self.varint()?;
            }
            WireType::Len => {
                self.bytes()?;
            }
            WireType::Fixed64 => self.advance(8)?,
            WireType::Fixed32 => self.advance(4)?,
        }
        Ok(())
    }

    /// `N` raw bytes (a fixed-width value).
    pub fn fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        let Some((head, rest)) = self.buf.split_first_chunk::<N>() else {
            return Err(truncated());
        };
        self.buf = rest;
        Ok(*head)
    }

    fn advance(&mut self, n: usize) -> Result<()> {
        if self.buf.len() < n {
            return Err(truncated());
        }
        self.buf = &self.buf[n..];
        Ok(())
    }
}

/// Checks a field arrived with the wire type its type has.
#[inline]
pub fn expect(got: WireType, want: WireType) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(DecodeError::new(format!(
            "wire type {got:?} where {want:?} was expected"
        )))
    }
}

/// Writes a protobuf message backwards: the last field first, and a
/// nested message's contents before its length and key.
#[derive(Debug, Default)]
pub struct Writer {
    /// The output lives in `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer::default()
    }

    /// Bytes written so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The message, in order.
    pub fn into_vec(mut self) -> Vec<u8> {
        self.buf.drain(..self.start);
        self.buf
    }

    /// Makes room for `n` more bytes in front.
    fn room(&mut self, n: usize) {
        if self.start >= n {
            return;
        }
        let len = self.len();
        let cap = (self.buf.len() * 2).max(len + n).max(256);
        let mut grown = vec![0u8; cap];
        let new_start = cap - len;
        grown[new_start..].copy_from_slice(&self.buf[self.start..]);
        self.buf = grown;
        self.start = new_start;
    }

    /// Prepends raw bytes.
    #[inline]
    pub fn put(&mut self, bytes: &[u8]) {
        self.room(bytes.len());
        self.start -= bytes.len();
        self.buf[self.start..self.start + bytes.len()].copy_from_slice(bytes);
    }

    /// Prepends a varint.
    #[inline]
    pub fn varint(&mut self, mut v: u64) {
        let mut tmp = [0u8; 10];
        let mut n = 0;
        loop {
            if v < 0x80 {
                tmp[n] = v as u8;
                n += 1;
                break;
            }
            tmp[n] = (v as u8) | 0x80;
            v >>= 7;
            n += 1;
        }
        self.put(&tmp[..n]);
    }

    /// Prepends a field key.
    #[inline]
    pub fn key(&mut self, tag: u32, wt: WireType) {
        self.varint((u64::from(tag) << 3) | wt.bits());
    }

    /// Prepends a length-delimited field whose contents are `bytes`.
    #[inline]
    pub fn bytes_field(&mut self, tag: u32, bytes: &[u8]) {
        self.put(bytes);
        self.varint(bytes.len() as u64);
        self.key(tag, WireType::Len);
    }

    /// Prepends a length-delimited field whose contents `body` writes
    /// (backwards, like everything else).
    #[inline]
    pub fn nested(&mut self, tag: u32, body: impl FnOnce(&mut Writer)) {
        let end = self.len();
        body(self);
        let n = self.len() - end;
        self.varint(n as u64);
        self.key(tag, WireType::Len);
    }

    /// Prepends a varint field.
    #[inline]
    pub fn varint_field(&mut self, tag: u32, v: u64) {
        self.varint(v);
        self.key(tag, WireType::Varint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_negative_ints_take_ten_bytes() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX, (-1i64) as u64] {
            let mut w = Writer::new();
            w.varint(v);
            let bytes = w.into_vec();
            let mut r = Reader::new(&bytes);
            assert_eq!(r.varint().unwrap(), v);
            assert!(r.is_empty());
        }
        let mut w = Writer::new();
        w.varint((-1i64) as u64);
        assert_eq!(w.len(), 10);
        let mut w = Writer::new();
        w.varint(300);
        assert_eq!(w.into_vec(), [0xac, 0x02]);
    }

    #[test]
    fn nested_fields_are_written_after_their_length() {
        let mut w = Writer::new();
        w.nested(1, |w| {
            w.bytes_field(2, b"Pod");
            w.bytes_field(1, b"v1");
        });
        assert_eq!(
            w.into_vec(),
            [
                0x0a, 0x09, 0x0a, 0x02, b'v', b'1', 0x12, 0x03, b'P', b'o', b'd'
            ]
        );
    }

    #[test]
    fn hostile_input_errors_rather_than_panics() {
        // A length beyond the end.
        let mut r = Reader::new(&[0x0a, 0x05, 1]);
        r.key().unwrap();
        assert!(r.bytes().is_err());
        // An endless varint.
        assert!(Reader::new(&[0xff; 11]).varint().is_err());
        assert!(Reader::new(&[0xff; 3]).varint().is_err());
        // Groups and field number 0.
        assert!(Reader::new(&[0x0b]).key().is_err());
        assert!(Reader::new(&[0x02]).key().is_err());
        // Skipping truncated fixed-width values.
        let mut r = Reader::new(&[1, 2]);
        assert!(r.skip(WireType::Fixed64).is_err());
    }

    #[test]
    fn the_memory_budget_runs_out() {
        let mut r = Reader::new(&[]);
        assert!(r.charge(BUDGET_BASE).is_ok());
        assert!(r.charge(1).is_err());
    }

    #[test]
    fn error_paths_read_like_json_paths() {
        let e = DecodeError::new("bad")
            .in_field("image")
            .at_index(2)
            .in_field("containers")
            .in_field("spec");
        assert_eq!(e.to_string(), "bad at spec.containers[2].image");
    }
}
