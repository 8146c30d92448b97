//! Placing wall-clock times on the timeline of a zone, across daylight-saving changes.

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset as _, TimeZone as _,
    Timelike, Utc,
};
use chrono_tz::Tz;

use crate::Schedule;

/// The instant a wall-clock time names in `tz`. A time skipped by a spring-forward gap is read
/// with the offset in force before the gap, so it moves forward by the gap (02:30 → 03:30), as
/// RFC 5545 says; a time repeated by a fall-back fold is the first (earlier) of the two.
pub(crate) fn instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            let before = tz.offset_from_utc_datetime(&(local - Duration::hours(24))).fix();
            let utc = local - Duration::seconds(before.local_minus_utc().into());
            DateTime::from_naive_utc_and_offset(utc, Utc)
        }
    }
}

/// `date` at `minutes` past its midnight; 1440 and more run into the next day (midnight is the
/// end of the day it is named with).
pub(crate) fn wall(date: NaiveDate, minutes: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) + Duration::minutes(minutes.into())
}

/// The instant truncated to the whole minute.
fn to_minute(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(at)
}

/// The moment a phrase is read at, in its zone.
pub(crate) struct Now {
    pub at: DateTime<Utc>,
    pub tz: Tz,
    /// The wall clock now.
    pub local: NaiveDateTime,
    pub today: NaiveDate,
}

impl Now {
    pub fn new(at: DateTime<Utc>, tz: Tz) -> Self {
        let local = at.with_timezone(&tz).naive_local();
        Self { at, tz, local, today: local.date() }
    }

    /// Minutes past midnight on the wall clock now.
    pub fn minutes(&self) -> u32 {
        self.local.hour() * 60 + self.local.minute()
    }

    pub fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        instant(self.tz, local)
    }

    /// Whether a wall-clock time is still to come.
    pub fn ahead(&self, local: NaiveDateTime) -> bool {
        self.instant(local) > self.at
    }

    pub fn local_of(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.tz).naive_local()
    }

    /// One moment at a wall-clock time; `local` is what the clock will read then (later than
    /// asked in a gap).
    pub fn once(&self, local: NaiveDateTime) -> Schedule {
        let at = self.instant(local);
        Schedule::Once { local: self.local_of(at), at }
    }

    /// One moment at an instant, truncated to the whole minute.
    pub fn exact(&self, at: DateTime<Utc>) -> Schedule {
        let at = to_minute(at);
        Schedule::Once { local: self.local_of(at), at }
    }

    /// The instant `minutes` from now, truncated to the whole minute.
    pub fn after(&self, minutes: i64) -> DateTime<Utc> {
        to_minute(self.at + Duration::minutes(minutes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn gap_moves_forward_fold_takes_the_first() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(instant(ny, local("2026-03-08T02:30")).to_rfc3339(), "2026-03-08T07:30:00+00:00");
        assert_eq!(instant(ny, local("2026-11-01T01:30")).to_rfc3339(), "2026-11-01T05:30:00+00:00");
        let syd: Tz = "Australia/Sydney".parse().unwrap();
        assert_eq!(instant(syd, local("2026-10-04T02:30")).to_rfc3339(), "2026-10-03T16:30:00+00:00");
        assert_eq!(instant(syd, local("2026-04-05T02:30")).to_rfc3339(), "2026-04-04T15:30:00+00:00");
    }
}
