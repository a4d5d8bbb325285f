//! The meta types that are one Rust value but a small protobuf message:
//! times, quantities, int-or-strings, bytes, managed fields and embedded
//! JSON (`RawExtension`, apiextensions' `JSON`), and the `ExtraValue`
//! wrapper around a list of strings.

use serde_json::value::RawValue;

use super::codec::Value;
use super::wire::{DecodeError, Reader, Result, WireType, Writer, expect};
use crate::meta::{ByteString, FieldsV1, IntOrString, MicroTime, Quantity, Time};

/// `Timestamp{seconds = 1, nanos = 2}`: seconds and nanoseconds, or None
/// for the empty message Go writes for a zero time.
fn read_timestamp(wt: WireType, r: &mut Reader<'_>) -> Result<Option<(i64, i32)>> {
    let mut inner = r.enter(wt)?;
    if inner.is_empty() {
        r.leave(inner);
        return Ok(None);
    }
    let (mut secs, mut nanos) = (0i64, 0i32);
    while let Some((tag, wt)) = inner.key()? {
        match tag {
            1 => secs = i64::decode(wt, &mut inner)?,
            2 => nanos = i32::decode(wt, &mut inner)?,
            _ => inner.skip(wt)?,
        }
    }
    r.leave(inner);
    Ok(Some((secs, nanos)))
}

fn write_timestamp(w: &mut Writer, tag: u32, secs: i64, nanos: i32) {
    // gogo writes both fields, even when zero.
    w.nested(tag, |w| {
        nanos.encode(2, w);
        secs.encode(1, w);
    });
}

impl Value for Time {
    const WIRE: WireType = WireType::Len;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        // Go reads seconds only (its JSON has second precision).
        Ok(Time::decode_opt(wt, r)?.unwrap_or_default())
    }
    fn decode_opt(wt: WireType, r: &mut Reader<'_>) -> Result<Option<Self>> {
        Ok(read_timestamp(wt, r)?.map(|(s, _)| Time::from_unix_seconds(s)))
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        write_timestamp(w, tag, self.unix_seconds(), 0);
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.bytes_field(tag, b"");
    }
    fn is_zero(&self) -> bool {
        false
    }
    fn zero() -> Option<Self> {
        Some(Time::default())
    }
}

impl Value for MicroTime {
    const WIRE: WireType = WireType::Len;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        Ok(MicroTime::decode_opt(wt, r)?.unwrap_or_default())
    }
    fn decode_opt(wt: WireType, r: &mut Reader<'_>) -> Result<Option<Self>> {
        Ok(read_timestamp(wt, r)?.map(|(s, n)| {
            MicroTime::from_unix_micros(
                s.saturating_mul(1_000_000)
                    .saturating_add(i64::from(n) / 1000),
            )
        }))
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        let micros = self.unix_micros();
        let secs = micros.div_euclid(1_000_000);
        let nanos = (micros.rem_euclid(1_000_000) * 1000) as i32;
        write_timestamp(w, tag, secs, nanos);
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.bytes_field(tag, b"");
    }
    fn is_zero(&self) -> bool {
        false
    }
    fn zero() -> Option<Self> {
        Some(MicroTime::default())
    }
}

/// Reads a message with one string field `1` (Quantity's `string`).
fn read_string_message(wt: WireType, r: &mut Reader<'_>) -> Result<String> {
    let mut inner = r.enter(wt)?;
    let mut s = String::new();
    while let Some((tag, wt)) = inner.key()? {
        match tag {
            1 => s = String::decode(wt, &mut inner)?,
            _ => inner.skip(wt)?,
        }
    }
    r.leave(inner);
    Ok(s)
}

impl Value for Quantity {
    const WIRE: WireType = WireType::Len;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        read_string_message(wt, r).map(Quantity)
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        w.nested(tag, |w| self.0.encode(1, w));
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        Quantity::from("0").encode(tag, w);
    }
    fn is_zero(&self) -> bool {
        false
    }
    fn zero() -> Option<Self> {
        Some(Quantity::from("0"))
    }
}

impl Value for IntOrString {
    const WIRE: WireType = WireType::Len;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        let mut inner = r.enter(wt)?;
        let (mut kind, mut int, mut string) = (0i64, 0i32, String::new());
        while let Some((tag, wt)) = inner.key()? {
            match tag {
                1 => kind = i64::decode(wt, &mut inner)?,
                2 => int = i32::decode(wt, &mut inner)?,
                3 => string = String::decode(wt, &mut inner)?,
                _ => inner.skip(wt)?,
            }
        }
        r.leave(inner);
        match kind {
            0 => Ok(IntOrString::Int(int)),
            1 => Ok(IntOrString::String(string)),
            other => Err(DecodeError::new(format!(
                "IntOrString of unknown type {other}"
            ))),
        }
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        // Go writes all three fields.
        let (kind, int, string) = match self {
            IntOrString::Int(i) => (0i64, *i, ""),
            IntOrString::String(s) => (1, 0, s.as_str()),
        };
        w.nested(tag, |w| {
            w.bytes_field(3, string.as_bytes());
            int.encode(2, w);
            kind.encode(1, w);
        });
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        IntOrString::Int(0).encode(tag, w);
    }
    fn is_zero(&self) -> bool {
        false
    }
    fn zero() -> Option<Self> {
        Some(IntOrString::Int(0))
    }
}

impl Value for ByteString {
    const WIRE: WireType = WireType::Len;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        expect(wt, WireType::Len)?;
        Ok(ByteString(r.bytes()?.to_vec()))
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        w.bytes_field(tag, &self.0);
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.bytes_field(tag, b"");
    }
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
    fn zero() -> Option<Self> {
        Some(ByteString::default())
    }
}

/// The `raw = 1` bytes of a `RawExtension`, `JSON` or `FieldsV1` message.
fn read_raw<'a>(wt: WireType, r: &mut Reader<'a>) -> Result<&'a [u8]> {
    let mut inner = r.enter(wt)?;
    let mut raw: &[u8] = &[];
    while let Some((tag, wt)) = inner.key()? {
        match tag {
            1 => {
                expect(wt, WireType::Len)?;
                raw = inner.bytes()?;
            }
            _ => inner.skip(wt)?,
        }
    }
    r.leave(inner);
    Ok(raw)
}

impl Value for FieldsV1 {
    const WIRE: WireType = WireType::Len;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        let raw = read_raw(wt, r)?;
        let text = std::str::from_utf8(raw)
            .map_err(|e| DecodeError::new(format!("FieldsV1 is not UTF-8 ({e})")))?;
        let value: Box<RawValue> = serde_json::from_str(text)
            .map_err(|e| DecodeError::new(format!("FieldsV1 is not JSON ({e})")))?;
        Ok(FieldsV1(value))
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        w.nested(tag, |w| w.bytes_field(1, self.as_json().as_bytes()));
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.bytes_field(tag, b"");
    }
    fn is_zero(&self) -> bool {
        false
    }
}

/// `RawExtension` and apiextensions' `JSON`: JSON bytes in field `raw`.
/// Inside built-in objects the server writes them as JSON.
impl Value for serde_json::Value {
    const WIRE: WireType = WireType::Len;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        let raw = read_raw(wt, r)?;
        if raw.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(raw)
            .map_err(|e| DecodeError::new(format!("embedded object is not JSON ({e})")))
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        // Serializing a Value cannot fail (its keys are strings).
        let json = serde_json::to_vec(self).unwrap_or_default();
        w.nested(tag, |w| w.bytes_field(1, &json));
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.bytes_field(tag, b"");
    }
    fn is_zero(&self) -> bool {
        self.is_null()
    }
    fn zero() -> Option<Self> {
        Some(serde_json::Value::Null)
    }
}

/// `ExtraValue` (and `Verbs`): a message `{repeated string items = 1}`
/// that JSON writes as a plain list.
impl Value for Vec<String> {
    const WIRE: WireType = WireType::Len;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        let mut inner = r.enter(wt)?;
        let mut items = Vec::new();
        while let Some((tag, wt)) = inner.key()? {
            match tag {
                1 => super::codec::vec_val(&mut items, wt, &mut inner)?,
                _ => inner.skip(wt)?,
            }
        }
        r.leave(inner);
        Ok(items)
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        w.nested(tag, |w| super::codec::put_vec_val(w, 1, self));
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.bytes_field(tag, b"");
    }
    fn is_zero(&self) -> bool {
        self.is_empty()
    }
    fn zero() -> Option<Self> {
        Some(Vec::new())
    }
}
