//! The two traits the generated code implements, and the field helpers it
//! calls: one helper per field shape (plain, `Option`, `Option<Box>`, `Vec`,
//! map), so each generated match arm is one call.
//!
//! A [`Message`] is a Rust struct that is a protobuf message field by
//! field. A [`Value`] is anything that fills one field: a scalar, or a type
//! whose protobuf form is a small message but whose Rust form is a leaf
//! (`Time`, `Quantity`, `IntOrString`, `RawExtension` as JSON, …).

use std::collections::BTreeMap;

use super::wire::{DecodeError, Reader, Result, WireType, Writer, expect};

/// A struct decoded and encoded field by field.
pub trait Message: Default {
    /// Decodes one field into `self`; a field the type does not know is skipped.
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()>;
    /// The JSON name of field `tag`, for error paths.
    fn field_name(tag: u32) -> &'static str;
    /// Writes every field, backwards (the highest field number first).
    fn encode(&self, w: &mut Writer);
}

/// Decodes a message body into `msg` (fields seen again merge or replace,
/// as protobuf says).
pub fn merge_message<T: Message>(msg: &mut T, r: &mut Reader<'_>) -> Result<()> {
    while let Some((tag, wt)) = r.key()? {
        msg.merge_field(tag, wt, r)
            .map_err(|e| e.in_field(T::field_name(tag)))?;
    }
    Ok(())
}

/// Decodes the nested message of a length-delimited field into `msg`.
#[inline]
pub fn merge_nested<T: Message>(msg: &mut T, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
    let mut inner = r.enter(wt)?;
    merge_message(msg, &mut inner)?;
    r.leave(inner);
    Ok(())
}

/// The fields of an embedded message (a Go struct JSON flattens into its
/// parent) or of a small message decoded by hand, each handed to `field`.
pub fn embedded<'a>(
    wt: WireType,
    r: &mut Reader<'a>,
    mut field: impl FnMut(u32, WireType, &mut Reader<'a>) -> Result<()>,
) -> Result<()> {
    let mut inner = r.enter(wt)?;
    while let Some((tag, wt)) = inner.key()? {
        field(tag, wt, &mut inner)?;
    }
    r.leave(inner);
    Ok(())
}

/// A new `T` for a field, charged to the reader's memory budget.
#[inline]
fn fresh<T: Default>(r: &mut Reader<'_>) -> Result<T> {
    r.charge(std::mem::size_of::<T>())?;
    Ok(T::default())
}

/// A type that fills one field.
pub trait Value: Sized {
    /// The wire type it is written with (packed repeated fields are
    /// accepted for varint types).
    const WIRE: WireType;
    /// Decodes one occurrence.
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self>;
    /// Decodes one occurrence of an optional field: `None` where the wire
    /// form means "unset" (a zero `Time` is an empty message).
    fn decode_opt(wt: WireType, r: &mut Reader<'_>) -> Result<Option<Self>> {
        Self::decode(wt, r).map(Some)
    }
    /// Writes the field with its key.
    fn encode(&self, tag: u32, w: &mut Writer);
    /// Writes the field of a Go non-pointer whose Rust form is `None`: Go
    /// always writes those, with the zero value.
    fn encode_zero(tag: u32, w: &mut Writer);
    /// Whether this is Go's zero value (a non-pointer `omitempty` field
    /// with it is absent in JSON, so `None` in Rust).
    fn is_zero(&self) -> bool;
    /// The value of a map entry that has none on the wire, where Go's zero
    /// value has a Rust form.
    fn zero() -> Option<Self> {
        None
    }
}

// ---- scalars ----

impl Value for String {
    const WIRE: WireType = WireType::Len;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        expect(wt, WireType::Len)?;
        let b = r.bytes()?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|e| DecodeError::new(format!("string is not UTF-8 ({e})")))
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        w.bytes_field(tag, self.as_bytes());
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.bytes_field(tag, b"");
    }
    fn is_zero(&self) -> bool {
        self.is_empty()
    }
    fn zero() -> Option<Self> {
        Some(String::new())
    }
}

impl Value for bool {
    const WIRE: WireType = WireType::Varint;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        expect(wt, WireType::Varint)?;
        Ok(r.varint()? != 0)
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        w.varint_field(tag, u64::from(*self));
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.varint_field(tag, 0);
    }
    fn is_zero(&self) -> bool {
        !*self
    }
    fn zero() -> Option<Self> {
        Some(false)
    }
}

impl Value for i64 {
    const WIRE: WireType = WireType::Varint;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        expect(wt, WireType::Varint)?;
        Ok(r.varint()? as i64)
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        w.varint_field(tag, *self as u64);
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.varint_field(tag, 0);
    }
    fn is_zero(&self) -> bool {
        *self == 0
    }
    fn zero() -> Option<Self> {
        Some(0)
    }
}

impl Value for i32 {
    const WIRE: WireType = WireType::Varint;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        expect(wt, WireType::Varint)?;
        // int32 is written sign-extended to 64 bits; protobuf truncates.
        Ok(r.varint()? as i32)
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        w.varint_field(tag, i64::from(*self) as u64);
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        w.varint_field(tag, 0);
    }
    fn is_zero(&self) -> bool {
        *self == 0
    }
    fn zero() -> Option<Self> {
        Some(0)
    }
}

impl Value for f64 {
    // No Kubernetes .proto has a double; a number in the OpenAPI schema is
    // carried as a string or JSON there. Kept for completeness of the types.
    const WIRE: WireType = WireType::Fixed64;
    fn decode(wt: WireType, r: &mut Reader<'_>) -> Result<Self> {
        expect(wt, WireType::Fixed64)?;
        let b = r.fixed::<8>()?;
        Ok(f64::from_le_bytes(b))
    }
    fn encode(&self, tag: u32, w: &mut Writer) {
        w.put(&self.to_le_bytes());
        w.key(tag, WireType::Fixed64);
    }
    fn encode_zero(tag: u32, w: &mut Writer) {
        0f64.encode(tag, w);
    }
    fn is_zero(&self) -> bool {
        *self == 0.0
    }
    fn zero() -> Option<Self> {
        Some(0.0)
    }
}

// ---- field helpers: decoding ----

/// A plain field (`T`): the last occurrence wins.
#[inline]
pub fn val<T: Value>(slot: &mut T, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
    *slot = T::decode(wt, r)?;
    Ok(())
}

/// An `Option<T>` field.
#[inline]
pub fn opt_val<T: Value>(slot: &mut Option<T>, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
    *slot = T::decode_opt(wt, r)?;
    Ok(())
}

/// An `Option<T>` field for a Go non-pointer `omitempty` field: its zero
/// value is what JSON leaves out, so it decodes to `None`.
#[inline]
pub fn opt_val_nz<T: Value>(slot: &mut Option<T>, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
    *slot = T::decode_opt(wt, r)?.filter(|v| !v.is_zero());
    Ok(())
}

/// One element of a repeated field; packed varints are accepted too.
#[inline]
pub fn vec_val<T: Value>(slot: &mut Vec<T>, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
    if wt == WireType::Len && T::WIRE != WireType::Len {
        let mut inner = r.enter(wt)?;
        while !inner.is_empty() {
            inner.charge(std::mem::size_of::<T>())?;
            let v = T::decode(T::WIRE, &mut inner).map_err(|e| e.at_index(slot.len()))?;
            slot.push(v);
        }
        r.leave(inner);
        return Ok(());
    }
    r.charge(std::mem::size_of::<T>())?;
    let v = T::decode(wt, r).map_err(|e| e.at_index(slot.len()))?;
    slot.push(v);
    Ok(())
}

/// One element of an `Option<Vec<T>>` field.
#[inline]
pub fn opt_vec_val<T: Value>(
    slot: &mut Option<Vec<T>>,
    wt: WireType,
    r: &mut Reader<'_>,
) -> Result<()> {
    vec_val(slot.get_or_insert_with(Vec::new), wt, r)
}

/// One entry of a `map<string, V>` field: a message `{key = 1, value = 2}`.
pub fn map_val<T: Value>(
    slot: &mut BTreeMap<String, T>,
    wt: WireType,
    r: &mut Reader<'_>,
) -> Result<()> {
    let mut inner = r.enter(wt)?;
    let mut key = String::new();
    let mut value: Option<T> = None;
    while let Some((tag, wt)) = inner.key()? {
        match tag {
            1 => key = String::decode(wt, &mut inner).map_err(|e| e.in_field("key"))?,
            2 => value = Some(T::decode(wt, &mut inner).map_err(|e| e.in_field("value"))?),
            _ => inner.skip(wt)?,
        }
    }
    inner.charge(std::mem::size_of::<(String, T)>() + key.len())?;
    r.leave(inner);
    let value = value
        .or_else(T::zero)
        .ok_or_else(|| DecodeError::new("map entry without a value").at_key(&key))?;
    slot.insert(key, value);
    Ok(())
}

/// One entry of an `Option<BTreeMap<String, V>>` field.
#[inline]
pub fn opt_map_val<T: Value>(
    slot: &mut Option<BTreeMap<String, T>>,
    wt: WireType,
    r: &mut Reader<'_>,
) -> Result<()> {
    map_val(slot.get_or_insert_with(BTreeMap::new), wt, r)
}

/// A message field (`T`): occurrences merge.
#[inline]
pub fn msg<T: Message>(slot: &mut T, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
    merge_nested(slot, wt, r)
}

/// An `Option<T>` message field.
#[inline]
pub fn opt_msg<T: Message>(slot: &mut Option<T>, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
    if slot.is_none() {
        *slot = Some(fresh(r)?);
    }
    match slot {
        Some(v) => merge_nested(v, wt, r),
        None => Ok(()),
    }
}

/// An `Option<Box<T>>` message field.
#[inline]
pub fn opt_box_msg<T: Message>(
    slot: &mut Option<Box<T>>,
    wt: WireType,
    r: &mut Reader<'_>,
) -> Result<()> {
    if slot.is_none() {
        *slot = Some(Box::new(fresh(r)?));
    }
    match slot {
        Some(v) => merge_nested(&mut **v, wt, r),
        None => Ok(()),
    }
}

/// One element of a repeated message field.
#[inline]
pub fn vec_msg<T: Message>(slot: &mut Vec<T>, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
    let mut v: T = fresh(r)?;
    merge_nested(&mut v, wt, r).map_err(|e| e.at_index(slot.len()))?;
    slot.push(v);
    Ok(())
}

/// One element of an `Option<Vec<T>>` message field.
#[inline]
pub fn opt_vec_msg<T: Message>(
    slot: &mut Option<Vec<T>>,
    wt: WireType,
    r: &mut Reader<'_>,
) -> Result<()> {
    vec_msg(slot.get_or_insert_with(Vec::new), wt, r)
}

/// One entry of a `map<string, M>` field with a message value.
pub fn map_msg<T: Message>(
    slot: &mut BTreeMap<String, T>,
    wt: WireType,
    r: &mut Reader<'_>,
) -> Result<()> {
    let mut inner = r.enter(wt)?;
    let mut key = String::new();
    let mut value: T = fresh(&mut inner)?;
    while let Some((tag, wt)) = inner.key()? {
        match tag {
            1 => key = String::decode(wt, &mut inner).map_err(|e| e.in_field("key"))?,
            2 => merge_nested(&mut value, wt, &mut inner).map_err(|e| e.in_field("value"))?,
            _ => inner.skip(wt)?,
        }
    }
    r.leave(inner);
    slot.insert(key, value);
    Ok(())
}

/// One entry of an `Option<BTreeMap<String, M>>` field with a message value.
#[inline]
pub fn opt_map_msg<T: Message>(
    slot: &mut Option<BTreeMap<String, T>>,
    wt: WireType,
    r: &mut Reader<'_>,
) -> Result<()> {
    map_msg(slot.get_or_insert_with(BTreeMap::new), wt, r)
}

// ---- field helpers: encoding (backwards) ----

/// Writes a plain field.
#[inline]
pub fn put_val<T: Value>(w: &mut Writer, tag: u32, v: &T) {
    v.encode(tag, w);
}

/// Writes an optional field of a Go pointer: only when set.
#[inline]
pub fn put_opt_val<T: Value>(w: &mut Writer, tag: u32, v: &Option<T>) {
    if let Some(v) = v {
        v.encode(tag, w);
    }
}

/// Writes an optional field of a Go non-pointer: the zero value when unset.
#[inline]
pub fn put_opt_val_zero<T: Value>(w: &mut Writer, tag: u32, v: &Option<T>) {
    match v {
        Some(v) => v.encode(tag, w),
        None => T::encode_zero(tag, w),
    }
}

/// Writes a repeated field (unpacked, as Go writes proto2).
#[inline]
pub fn put_vec_val<T: Value>(w: &mut Writer, tag: u32, v: &[T]) {
    for item in v.iter().rev() {
        item.encode(tag, w);
    }
}

/// Writes an optional repeated field.
#[inline]
pub fn put_opt_vec_val<T: Value>(w: &mut Writer, tag: u32, v: &Option<Vec<T>>) {
    if let Some(v) = v {
        put_vec_val(w, tag, v);
    }
}

/// Writes a map field: one entry message per key, keys in order, both
/// fields always written (as Go does).
pub fn put_map_val<T: Value>(w: &mut Writer, tag: u32, m: &BTreeMap<String, T>) {
    for (k, v) in m.iter().rev() {
        w.nested(tag, |w| {
            v.encode(2, w);
            k.encode(1, w);
        });
    }
}

/// Writes an optional map field.
#[inline]
pub fn put_opt_map_val<T: Value>(w: &mut Writer, tag: u32, m: &Option<BTreeMap<String, T>>) {
    if let Some(m) = m {
        put_map_val(w, tag, m);
    }
}

/// Writes a message field.
#[inline]
pub fn put_msg<T: Message>(w: &mut Writer, tag: u32, v: &T) {
    w.nested(tag, |w| v.encode(w));
}

/// Writes an optional message field of a Go pointer: only when set.
#[inline]
pub fn put_opt_msg<T: Message, B: std::ops::Deref<Target = T>>(
    w: &mut Writer,
    tag: u32,
    v: &Option<B>,
) {
    if let Some(v) = v {
        put_msg(w, tag, &**v);
    }
}

/// Writes an optional message field of a Go non-pointer: an empty message
/// when unset.
#[inline]
pub fn put_opt_msg_zero<T: Message, B: std::ops::Deref<Target = T>>(
    w: &mut Writer,
    tag: u32,
    v: &Option<B>,
) {
    match v {
        Some(v) => put_msg(w, tag, &**v),
        None => w.bytes_field(tag, b""),
    }
}

/// Writes a repeated message field.
#[inline]
pub fn put_vec_msg<T: Message>(w: &mut Writer, tag: u32, v: &[T]) {
    for item in v.iter().rev() {
        put_msg(w, tag, item);
    }
}

/// Writes an optional repeated message field.
#[inline]
pub fn put_opt_vec_msg<T: Message>(w: &mut Writer, tag: u32, v: &Option<Vec<T>>) {
    if let Some(v) = v {
        put_vec_msg(w, tag, v);
    }
}

/// Writes a map field with message values.
pub fn put_map_msg<T: Message>(w: &mut Writer, tag: u32, m: &BTreeMap<String, T>) {
    for (k, v) in m.iter().rev() {
        w.nested(tag, |w| {
            put_msg(w, 2, v);
            k.encode(1, w);
        });
    }
}

/// Writes an optional map field with message values.
#[inline]
pub fn put_opt_map_msg<T: Message>(w: &mut Writer, tag: u32, m: &Option<BTreeMap<String, T>>) {
    if let Some(m) = m {
        put_map_msg(w, tag, m);
    }
}

/// Decodes a whole message (no envelope).
pub fn decode<T: Message>(bytes: &[u8]) -> Result<T> {
    let mut r = Reader::new(bytes);
    let mut v: T = fresh(&mut r)?;
    merge_message(&mut v, &mut r)?;
    Ok(v)
}

/// Encodes a whole message (no envelope).
pub fn encode<T: Message>(v: &T) -> Vec<u8> {
    let mut w = Writer::new();
    v.encode(&mut w);
    w.into_vec()
}
