//! `Time` and `MicroTime`: RFC 3339 timestamps as the API server writes them.
//!
//! They are kept as integers (no date library dependency) and formatted the
//! way Go's `metav1.Time` does: UTC, `Z`, whole seconds for `Time` and six
//! fractional digits for `MicroTime`.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A timestamp with second precision (`metav1.Time`), such as `creationTimestamp`.
///
/// ```
/// use k8s_client::meta::Time;
/// let t: Time = "2024-02-29T12:30:00Z".parse().unwrap();
/// assert_eq!(t.to_string(), "2024-02-29T12:30:00Z");
/// assert_eq!(t.unix_seconds(), 1_709_209_800);
/// ```
///
/// The default is the Unix epoch; it exists so that types with a required
/// timestamp can derive `Default`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(i64);

/// A timestamp with microsecond precision (`metav1.MicroTime`), as in Leases and Events.
///
/// ```
/// use k8s_client::meta::MicroTime;
/// let t: MicroTime = "2024-02-29T12:30:00.000250Z".parse().unwrap();
/// assert_eq!(t.to_string(), "2024-02-29T12:30:00.000250Z");
/// ```
///
/// The default is the Unix epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MicroTime(i64);

/// A timestamp that is not RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 3339 timestamp {input:?}: {reason}")]
pub struct TimeParseError {
    input: String,
    reason: &'static str,
}

impl Time {
    /// The time from seconds since the Unix epoch.
    pub const fn from_unix_seconds(secs: i64) -> Self {
        Time(secs)
    }
    /// Seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }
    /// The current time, truncated to seconds.
    pub fn now() -> Self {
        Time::from(SystemTime::now())
    }
}

impl MicroTime {
    /// The time from microseconds since the Unix epoch.
    pub const fn from_unix_micros(micros: i64) -> Self {
        MicroTime(micros)
    }
    /// Microseconds since the Unix epoch.
    pub const fn unix_micros(self) -> i64 {
        self.0
    }
    /// The current time, truncated to microseconds.
    pub fn now() -> Self {
        MicroTime::from(SystemTime::now())
    }
}

impl From<SystemTime> for Time {
    fn from(t: SystemTime) -> Self {
        Time(signed_duration_since_epoch(t).div_euclid(1_000_000_000) as i64)
    }
}

impl From<SystemTime> for MicroTime {
    fn from(t: SystemTime) -> Self {
        MicroTime(signed_duration_since_epoch(t).div_euclid(1_000) as i64)
    }
}

impl From<Time> for SystemTime {
    fn from(t: Time) -> Self {
        from_epoch_nanos(i128::from(t.0) * 1_000_000_000)
    }
}

impl From<MicroTime> for SystemTime {
    fn from(t: MicroTime) -> Self {
        from_epoch_nanos(i128::from(t.0) * 1_000)
    }
}

impl From<MicroTime> for Time {
    fn from(t: MicroTime) -> Self {
        Time(t.0.div_euclid(1_000_000))
    }
}

fn signed_duration_since_epoch(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

fn from_epoch_nanos(nanos: i128) -> SystemTime {
    let magnitude = Duration::new(
        (nanos.unsigned_abs() / 1_000_000_000) as u64,
        (nanos.unsigned_abs() % 1_000_000_000) as u32,
    );
    if nanos >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_civil(f, self.0)?;
        f.write_str("Z")
    }
}

impl fmt::Display for MicroTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_civil(f, self.0.div_euclid(1_000_000))?;
        write!(f, ".{:06}Z", self.0.rem_euclid(1_000_000))
    }
}

impl FromStr for Time {
    type Err = TimeParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_rfc3339(s).map(|(secs, _)| Time(secs))
    }
}

impl FromStr for MicroTime {
    type Err = TimeParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_rfc3339(s).map(|(secs, nanos)| MicroTime(secs * 1_000_000 + i64::from(nanos / 1_000)))
    }
}

macro_rules! serde_via_string {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(TimeVisitor(PhantomData))
            }
        }
    };
}

/// Parses the timestamp from the decoder's text without copying it out: a
/// `String` (or serde's `Cow<str>`, which is always owned) would allocate
/// and free once per timestamp, and objects carry many of them.
struct TimeVisitor<T>(PhantomData<T>);

impl<T: FromStr<Err = TimeParseError>> serde::de::Visitor<'_> for TimeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}
serde_via_string!(Time);
serde_via_string!(MicroTime);

fn write_civil(f: &mut fmt::Formatter<'_>, secs: i64) -> fmt::Result {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    write!(
        f,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

// Howard Hinnant's days <-> civil date algorithms (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` into UTC seconds and nanoseconds.
fn parse_rfc3339(input: &str) -> Result<(i64, u32), TimeParseError> {
    let err = |reason| TimeParseError {
        input: input.to_owned(),
        reason,
    };
    let b = input.as_bytes();
    if b.len() < 20 {
        return Err(err("too short"));
    }
    let num = |range: std::ops::Range<usize>| -> Result<u32, TimeParseError> {
        let part = &b[range];
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(err("expected digits"));
        }
        Ok(part.iter().fold(0, |acc, c| acc * 10 + u32::from(c - b'0')))
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(err("expected YYYY-MM-DDTHH:MM:SS"));
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(err("date out of range"));
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(err("time out of range"));
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return Err(err("empty fraction"));
        }
        for _ in (i - start).min(9)..9 {
            nanos *= 10;
        }
    }
    let offset_secs: i64 = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let h = i64::from(num(i + 1..i + 3)?);
            let m = i64::from(num(i + 4..i + 6)?);
            if h > 23 || m > 59 {
                return Err(err("offset out of range"));
            }
            let off = h * 3600 + m * 60;
            if *sign == b'-' { -off } else { off }
        }
        _ => return Err(err("expected Z or an offset like +01:00")),
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second.min(59)) - offset_secs;
    // The offset can carry the time out of years 0000 to 9999 in UTC,
    // where it has no four-digit year to be written back with (Go writes
    // such a year as `-001` or `10000`, which no RFC 3339 parser reads).
    if !(MIN_SECS..=MAX_SECS).contains(&secs) {
        return Err(err("outside years 0000 to 9999 in UTC"));
    }
    Ok((secs, nanos))
}

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since the epoch.
const MIN_SECS: i64 = -62_167_219_200;
const MAX_SECS: i64 = 253_402_300_799;

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_server_format() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "1969-12-31T23:59:59Z",
            "2100-03-01T00:00:00Z",
        ] {
            assert_eq!(s.parse::<Time>().unwrap().to_string(), s);
        }
        let t: MicroTime = "2025-06-01T10:00:00.123456Z".parse().unwrap();
        assert_eq!(t.to_string(), "2025-06-01T10:00:00.123456Z");
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        let t: Time = "2024-01-01T01:30:00+01:30".parse().unwrap();
        assert_eq!(t.to_string(), "2024-01-01T00:00:00Z");
        let t: Time = "2023-12-31T23:00:00-01:00".parse().unwrap();
        assert_eq!(t.to_string(), "2024-01-01T00:00:00Z");
    }

    #[test]
    fn fractions_truncate_for_time() {
        let t: Time = "2024-01-01T00:00:00.999999999Z".parse().unwrap();
        assert_eq!(t.to_string(), "2024-01-01T00:00:00Z");
        let m: MicroTime = "2024-01-01T00:00:00.5Z".parse().unwrap();
        assert_eq!(m.to_string(), "2024-01-01T00:00:00.500000Z");
    }

    #[test]
    fn rejects_malformed_input_with_reason() {
        for bad in [
            "",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-01-01 00:00:00",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00.Z",
            "２０２４-01-01T00:00:00Z",
        ] {
            let e = bad.parse::<Time>().unwrap_err();
            assert!(e.to_string().contains("invalid RFC 3339"), "{bad}: {e}");
        }
    }

    #[test]
    fn offsets_may_not_leave_four_digit_years() {
        // Found by fuzzing (scalars target): these parsed, and were written
        // back as "-001-12-31T22:30:00Z" and "10000-01-01T23:58:59Z", which
        // do not parse.
        for bad in ["0000-01-01T00:00:00+01:30", "9999-12-31T23:59:59-23:59"] {
            let e = bad.parse::<Time>().unwrap_err();
            assert!(e.to_string().contains("outside years 0000 to 9999"), "{e}");
            assert!(bad.parse::<MicroTime>().is_err());
        }
        for edge in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
            let t: Time = edge.parse().unwrap();
            assert_eq!(t.to_string(), edge);
        }
        assert_eq!(days_from_civil(0, 1, 1) * 86_400, MIN_SECS);
        assert_eq!(days_from_civil(10_000, 1, 1) * 86_400 - 1, MAX_SECS);
    }

    #[test]
    fn converts_with_system_time() {
        let t = Time::from_unix_seconds(-1);
        assert_eq!(Time::from(SystemTime::from(t)), t);
        let m = MicroTime::from_unix_micros(1_234_567);
        assert_eq!(MicroTime::from(SystemTime::from(m)), m);
    }

    #[test]
    fn serde_uses_strings() {
        let t: Time = serde_json::from_str("\"2024-05-06T07:08:09Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2024-05-06T07:08:09Z\""
        );
        assert!(serde_json::from_str::<Time>("12").is_err());
    }
}
