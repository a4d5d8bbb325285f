//! The small values with a text form: RFC 3339 timestamps ([`Time`],
//! [`MicroTime`]), Go durations (a request's `timeout`), and [`Quantity`].

use std::time::Duration;

use k8s_client::meta::{MicroTime, Quantity, Time};
use k8s_client::rest::Request;

use crate::go_duration;

/// Reads `data` as each kind of value; checks that:
/// - a timestamp that parses writes back as text that parses to it, as
///   [`Time`] and [`MicroTime`] alike, and through serde;
/// - a duration (from the input's bytes, or its text read as Go reads
///   durations) is written into a request's `timeout` as text Go's
///   `ParseDuration` reads back as the same duration (Go's largest, if it
///   is longer);
/// - a quantity, from JSON or text, round-trips through serde.
pub fn scalars(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        time(text);
        if let Some(nanos) = go_duration::parse(text)
            && let Ok(nanos) = u64::try_from(nanos)
        {
            duration(Duration::from_nanos(nanos));
        }
        quantity(Quantity::from(text));
    }
    if let Ok(q) = serde_json::from_slice::<Quantity>(data) {
        quantity(q);
    }
    if let Some(b) = data.first_chunk::<12>() {
        let secs = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        let nanos = u32::from_le_bytes([b[8], b[9], b[10], b[11]]) % 1_000_000_000;
        duration(Duration::new(secs, nanos));
        // Durations of realistic sizes too: under a day, and under a second.
        duration(Duration::new(secs % 86_400, nanos));
        duration(Duration::from_nanos(u64::from(nanos)));
    }
}

fn time(text: &str) {
    let time = text.parse::<Time>();
    let micro = text.parse::<MicroTime>();
    assert_eq!(time.is_ok(), micro.is_ok(), "Time and MicroTime disagree");
    if let Ok(t) = time {
        let written = t.to_string();
        assert_eq!(
            written.parse::<Time>(),
            Ok(t),
            "{text:?} written as {written:?}"
        );
        let json = serde_json::to_string(&t).expect("a Time serializes");
        assert_eq!(serde_json::from_str::<Time>(&json).ok(), Some(t), "{json}");
    }
    if let Ok(m) = micro {
        let written = m.to_string();
        assert_eq!(
            written.parse::<MicroTime>(),
            Ok(m),
            "{text:?} written as {written:?}"
        );
        assert_eq!(Ok(Time::from(m)), time, "MicroTime {written} as a Time");
        let json = serde_json::to_string(&m).expect("a MicroTime serializes");
        assert_eq!(
            serde_json::from_str::<MicroTime>(&json).ok(),
            Some(m),
            "{json}"
        );
    }
}

fn duration(d: Duration) {
    let request = Request::get()
        .abs_path("/api")
        .timeout(d)
        .build()
        .expect("a GET of /api builds");
    let query = request
        .path_and_query()
        .split_once('?')
        .map_or("", |(_, q)| q);
    let written = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "timeout")
        .map(|(_, v)| v.into_owned());
    let Some(written) = written else {
        assert!(d.is_zero(), "no timeout parameter for {d:?}");
        return;
    };
    let expected = d.as_nanos().min(u128::from(go_duration::MAX_NANOS));
    let read = go_duration::parse(&written)
        .unwrap_or_else(|| panic!("Go cannot parse timeout={written:?} (for {d:?})"));
    assert_eq!(read, expected as i128, "timeout={written:?} for {d:?}");
}

fn quantity(q: Quantity) {
    let json = serde_json::to_string(&q).expect("a Quantity serializes");
    let back: Quantity = serde_json::from_str(&json).expect("a Quantity's JSON reads back");
    assert_eq!(back, q, "{json}");
    assert_eq!(back.to_string(), q.as_str());
}
