//! Times are stored as milliseconds since the Unix epoch.

use time::OffsetDateTime;

/// Now, in milliseconds.
pub(crate) fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

/// A time in milliseconds.
pub(crate) fn to_ms(time: OffsetDateTime) -> i64 {
    i64::try_from(time.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Milliseconds back to a time; out-of-range values clamp to the epoch.
pub(crate) fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Milliseconds in `days` days.
pub(crate) fn days_ms(days: u16) -> i64 {
    i64::from(days) * 86_400_000
}
