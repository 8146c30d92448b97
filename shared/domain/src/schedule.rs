//! Wall-clock time: recurrences that keep local time across daylight-saving changes, times of
//! day, and quiet hours.
//!
//! A recurrence is expanded by the `rrule` crate in *floating* local time (the rule sees the
//! user's wall clock, never an offset), and each local time is then placed on the timeline in
//! the user's zone: a time skipped by a spring-forward gap moves forward by the gap (RFC 5545:
//! it is read with the offset before the gap), and a time repeated by a fall-back fold is the
//! first of the two. So "every day at 08:00" is 08:00 local all year, and a fold fires once.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, NaiveTime, TimeZone as _, Timelike, Utc};
use chrono_tz::Tz;
use rrule::{Frequency, RRule, RRuleSet, Unvalidated};
use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// One occurrence of a recurrence: when it fires, and the wall-clock time the rule produced
/// (they differ in a gap: the rule's 02:30 fires at 03:30). The rule's time is where a later
/// expansion can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
}

/// The instant a local wall-clock time names in `tz` (gap: moved forward; fold: the first).
pub fn resolve(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // In a gap: read the time with the offset in force just before it.
            let before = tz.offset_from_utc_datetime(&(local - Duration::hours(24)));
            let offset = chrono::Offset::fix(&before);
            DateTime::from_naive_utc_and_offset(
                local - Duration::seconds(offset.local_minus_utc().into()),
                Utc,
            )
        }
    }
}

fn floating(local: NaiveDateTime) -> DateTime<rrule::Tz> {
    rrule::Tz::UTC.from_utc_datetime(&local)
}

/// An RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=MO,WE`), without DTSTART: the reminder's first time
/// is its start. Every frequency from hourly up is allowed; minutely only every 5 minutes or
/// more, secondly never (a reminder that fires every second helps no one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")]
pub struct Recurrence(String);

impl Recurrence {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let upper = raw.trim().to_ascii_uppercase();
        let s = upper.strip_prefix("RRULE:").unwrap_or(&upper).to_owned();
        let bad = |m: String| ValidationError::new("recurrence", m);
        if s.contains('\n') || s.contains("DTSTART") || s.len() > 500 {
            return Err(bad("must be one RRULE line without DTSTART".into()));
        }
        let rule: RRule<Unvalidated> = s.parse().map_err(|e| bad(format!("not a valid RRULE: {e}")))?;
        if rule.get_count().is_some_and(|c| c > 10_000) {
            return Err(bad("COUNT must be at most 10000".into()));
        }
        match rule.get_freq() {
            Frequency::Secondly => return Err(bad("FREQ=SECONDLY is not supported".into())),
            Frequency::Minutely if rule.get_interval() < 5 => {
                return Err(bad("FREQ=MINUTELY needs INTERVAL=5 or more".into()));
            }
            _ => {}
        }
        // Checked against a start, as it will be used.
        let me = Self(s);
        let start = NaiveDateTime::parse_from_str("2026-01-01T09:00:00", "%Y-%m-%dT%H:%M:%S").expect("const");
        me.set(chrono_tz::UTC, start).map_err(bad)?;
        Ok(me)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The rule starting at `start` (local), in floating time. UNTIL, which RFC 5545 gives in
    /// UTC, is moved to the same floating local time.
    fn set(&self, tz: Tz, start: NaiveDateTime) -> Result<RRuleSet, String> {
        let mut rule: RRule<Unvalidated> = self.0.parse().map_err(|e| format!("not a valid RRULE: {e}"))?;
        if let Some(until) = rule.get_until() {
            let local = until.with_timezone(&Utc).with_timezone(&tz).naive_local();
            rule = rule.until(floating(local));
        }
        let start = floating(start.with_nanosecond(0).unwrap_or(start));
        // `limit` caps the crate's search (a rule that never matches, such as 30 February, would
        // otherwise look forever).
        rule.build(start).map(RRuleSet::limit).map_err(|e| format!("invalid RRULE: {e}"))
    }

    /// Whether the rule counts its occurrences (COUNT): only then does its expansion have to
    /// start from the very first one; otherwise any occurrence can serve as the start.
    pub fn counts(&self) -> bool {
        self.0.split(';').any(|part| part.starts_with("COUNT="))
    }

    /// Runs `f` over the occurrences after `after_local`, placed on the timeline; `None` if the
    /// rule cannot start at `start`.
    fn scan<R>(
        &self,
        tz: Tz,
        start: NaiveDateTime,
        after_local: Option<NaiveDateTime>,
        f: impl FnOnce(Box<dyn Iterator<Item = Occurrence> + '_>) -> Option<R>,
    ) -> Option<R> {
        let set = self.set(tz, start).ok()?;
        let occurrences = (&set)
            .into_iter()
            .map(|t| t.naive_utc())
            .filter(|local| after_local.is_none_or(|a| *local > a))
            .map(|local| Occurrence { at: resolve(tz, local), local });
        f(Box::new(occurrences))
    }

    /// The latest occurrence after `after_local` that is not after `until`, in one pass.
    pub fn latest(
        &self,
        tz: Tz,
        start: NaiveDateTime,
        after_local: Option<NaiveDateTime>,
        until: DateTime<Utc>,
    ) -> Option<Occurrence> {
        self.scan(tz, start, after_local, |o| o.take_while(|o| o.at <= until).last())
    }

    /// The first occurrence whose local time is after `after_local` and whose instant is after
    /// `not_before`; `None` when the rule has ended (COUNT or UNTIL).
    pub fn next(
        &self,
        tz: Tz,
        start: NaiveDateTime,
        after_local: Option<NaiveDateTime>,
        not_before: DateTime<Utc>,
    ) -> Option<Occurrence> {
        self.scan(tz, start, after_local, |mut o| o.find(|o| o.at > not_before))
    }
}

impl TryFrom<String> for Recurrence {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Recurrence> for String {
    fn from(r: Recurrence) -> Self {
        r.0
    }
}

/// A time of day on the wall clock, `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "22:00")]
pub struct LocalTime(NaiveTime);

impl LocalTime {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        NaiveTime::parse_from_str(raw.trim(), "%H:%M")
            .map(Self)
            .map_err(|_| ValidationError::new("time", "must be a time of day as HH:MM, e.g. 07:30"))
    }
    pub fn time(&self) -> NaiveTime {
        self.0
    }
    /// The first instant after `after` at which the wall clock in `tz` reads this time.
    pub fn next_after(&self, tz: Tz, after: DateTime<Utc>) -> DateTime<Utc> {
        let mut day = after.with_timezone(&tz).date_naive();
        loop {
            let t = resolve(tz, day.and_time(self.0));
            if t > after {
                return t;
            }
            day = day.succ_opt().expect("date in range");
        }
    }
}

impl FromStr for LocalTime {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
impl TryFrom<String> for LocalTime {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<LocalTime> for String {
    fn from(t: LocalTime) -> Self {
        t.to_string()
    }
}
impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

/// Hours in which nothing is sent; what falls in them waits for their end. `start` after
/// `end` spans midnight (22:00–07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuietHours {
    pub start: LocalTime,
    pub end: LocalTime,
}

impl QuietHours {
    pub fn new(start: LocalTime, end: LocalTime) -> Result<Self, ValidationError> {
        if start == end {
            return Err(ValidationError::new("quiet_hours", "start and end must differ"));
        }
        Ok(Self { start, end })
    }

    /// When quiet hours that hold at `at` end; `None` if `at` is not in them.
    pub fn ends_after(&self, tz: Tz, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let now = at.with_timezone(&tz).time();
        let (s, e) = (self.start.time(), self.end.time());
        let quiet = if s < e { s <= now && now < e } else { now >= s || now < e };
        quiet.then(|| self.end.next_after(tz, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn gaps_move_forward_and_folds_take_the_first() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(resolve(ny, local("2026-03-08 02:30")), utc("2026-03-08T07:30:00Z")); // 03:30 EDT
        assert_eq!(resolve(ny, local("2026-11-01 01:30")), utc("2026-11-01T05:30:00Z")); // EDT, first
        let lh = chrono_tz::Australia::Lord_Howe; // +10:30 ↔ +11, a 30-minute shift
        assert_eq!(resolve(lh, local("2026-10-04 02:15")), utc("2026-10-03T15:45:00Z")); // 02:45 +11
    }

    #[test]
    fn recurrences_are_checked() {
        assert!(Recurrence::parse("FREQ=DAILY").is_ok());
        assert_eq!(Recurrence::parse("rrule:freq=weekly;byday=mo").unwrap().as_str(), "FREQ=WEEKLY;BYDAY=MO");
        for bad in ["FREQ=SECONDLY", "FREQ=MINUTELY", "FREQ=DAILY;BYHOUR=25", "nonsense", "DTSTART:2026"] {
            assert!(Recurrence::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(Recurrence::parse("FREQ=MINUTELY;INTERVAL=15").is_ok());
    }

    #[test]
    fn quiet_hours_span_midnight() {
        let paris = chrono_tz::Europe::Paris;
        let q =
            QuietHours::new(LocalTime::parse("22:00").unwrap(), LocalTime::parse("07:00").unwrap()).unwrap();
        assert_eq!(q.ends_after(paris, utc("2026-11-22T22:30:00Z")), Some(utc("2026-11-23T06:00:00Z")));
        assert_eq!(q.ends_after(paris, utc("2026-11-23T05:59:00Z")), Some(utc("2026-11-23T06:00:00Z")));
        assert_eq!(q.ends_after(paris, utc("2026-11-23T06:00:00Z")), None);
        assert_eq!(q.ends_after(paris, utc("2026-11-22T12:00:00Z")), None);
    }
}
