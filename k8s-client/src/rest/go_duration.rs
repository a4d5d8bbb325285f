//! Formats a duration the way Go's `time.Duration.String` does, because the
//! API server parses the `timeout` query parameter with Go's parser.

use std::time::Duration;

/// Go's longest duration (`time.Duration` is an `int64` of nanoseconds,
/// about 292 years).
const GO_MAX: Duration = Duration::from_nanos(i64::MAX as u64);

/// `d` as Go writes it; a longer duration than Go can hold is written as
/// Go's longest, because the server cannot parse more (and falls back to
/// its default timeout when it cannot parse one).
pub(crate) fn format(d: Duration) -> String {
    let d = d.min(GO_MAX);
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    if nanos < 1_000_000_000 {
        // Below one second Go picks ms, µs or ns; whole milliseconds cover our use.
        return if nanos.is_multiple_of(1_000_000) {
            format!("{}ms", nanos / 1_000_000)
        } else if nanos.is_multiple_of(1_000) {
            format!("{}µs", nanos / 1_000)
        } else {
            format!("{nanos}ns")
        };
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let frac = d.subsec_nanos();
    let mut seconds = s.to_string();
    if frac != 0 {
        let digits = format!("{frac:09}");
        seconds.push('.');
        seconds.push_str(digits.trim_end_matches('0'));
    }
    match (h, m) {
        (0, 0) => format!("{seconds}s"),
        (0, m) => format!("{m}m{seconds}s"),
        (h, m) => format!("{h}h{m}m{seconds}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_go_formatting() {
        assert_eq!(format(Duration::from_secs(0)), "0s");
        assert_eq!(format(Duration::from_millis(500)), "500ms");
        assert_eq!(format(Duration::from_secs(30)), "30s");
        assert_eq!(format(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format(Duration::from_secs(90)), "1m30s");
        assert_eq!(format(Duration::from_secs(3600)), "1h0m0s");
    }

    #[test]
    fn longer_than_go_can_hold_is_go_longest() {
        // Found by fuzzing (scalars target): Duration::MAX was written as
        // "5124095576030431h0m15.999999999s", which Go's ParseDuration
        // rejects as an overflow.
        assert_eq!(format(GO_MAX), "2562047h47m16.854775807s");
        assert_eq!(format(Duration::MAX), "2562047h47m16.854775807s");
        assert_eq!(format(GO_MAX + Duration::from_nanos(1)), format(GO_MAX));
    }
}
