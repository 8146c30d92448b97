//! Time zones as the calendar APIs name them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The IANA zone `name` names (`UTC` included); `None` for any other name (Graph may answer a
/// Windows name such as "Pacific Standard Time" when not asked for UTC).
pub(crate) fn parse(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// `local` wall-clock time in `zone`, as an instant. A time skipped by a clock change (a DST
/// gap) is read as the same wall-clock time an hour later, which does exist; a time lived twice
/// is its first occurrence.
pub(crate) fn instant(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| zone.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest())
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// The start of `date` in `zone`.
pub(crate) fn midnight(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    instant(date.and_time(NaiveTime::MIN), zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnight_is_in_the_zone() {
        let day = NaiveDate::from_ymd_opt(2025, 7, 14).unwrap();
        assert_eq!(midnight(day, Tz::UTC).to_rfc3339(), "2025-07-14T00:00:00+00:00");
        assert_eq!(midnight(day, chrono_tz::Europe::Paris).to_rfc3339(), "2025-07-13T22:00:00+00:00");
    }

    #[test]
    fn a_skipped_time_moves_forward() {
        // Clocks went from 02:00 to 03:00 in Paris on 30 March 2025.
        let gap = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap().and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(instant(gap, chrono_tz::Europe::Paris).to_rfc3339(), "2025-03-30T01:30:00+00:00");
    }

    #[test]
    fn names() {
        assert_eq!(parse("UTC"), Some(Tz::UTC));
        assert_eq!(parse("America/New_York"), Some(chrono_tz::America::New_York));
        assert_eq!(parse("Pacific Standard Time"), None);
    }
}
