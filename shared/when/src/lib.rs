//! Understands the time expressions people type to an assistant — "tmrw @ 5", "in 20 mins",
//! "every weekday at 8", "next friday at noon" — and places them on the timeline of a zone.
//!
//! [`find`] spells out SMS shorthand first ([`normalize`]), then finds the time expression in
//! the text, and says when it is: one moment ([`Schedule::Once`]) or a repetition
//! ([`Schedule::Every`], an RFC 5545 RRULE and its first firing). [`Found::rest`] is the text
//! without it ("take my meds at 9pm" → "take my meds"). Matching ignores case and trailing
//! punctuation. Nothing is placed in the past: every result is strictly after `now`.
//!
//! # Rules
//!
//! **Times of day.** "9pm", "9:30pm", "9.30pm", "9 pm", "21:00", "at 14:30", "@ 5pm", "noon"
//! and "midday" (12:00), "midnight" (00:00 at the *end* of the day named: "friday at midnight"
//! is as Saturday begins; alone, the coming midnight). Four digits ("2130") are not a time.
//! A plain number is a time only after "at", "@", "by", "around" or right after a day
//! ("tomorrow 5"); "9.30" needs "at" or am/pm. Seconds are always zero.
//!
//! **Bare hours** (no am/pm): with no day, 1–6 are pm, 12 is noon, and 7–11 are whichever of
//! h:00 and (h+12):00 comes first today, else h:00 tomorrow ("at 9" at 14:05 is 21:00). With a
//! day ("tomorrow at 7") 1–6 are pm and 7–11 am. Written with a leading zero ("09:00") or as
//! 0 or 13–23, the hour is taken as is. Within a part of the day the part decides: "tonight at
//! 9" is 21:00, "in the morning at 10" is 10:00, "at night at 1" is the 01:00 after the night's
//! midnight.
//!
//! **A time with no day** is the next time it comes: today if still ahead, else tomorrow.
//! Several times ("at 8am and 8pm") are the soonest of them.
//!
//! **Parts of the day**: "morning" 09:00, "afternoon" 15:00, "evening" 19:00, "night" and
//! "tonight" 20:00, "first thing" 08:00, "at lunch" 12:00, "after lunch" 13:00, "after work"
//! 17:30, "at dinner" 18:00, "after dinner" 19:00, "at bedtime" and "before bed" 22:00, "end
//! of day"/"eod"/"cob" 17:00. Alone ("in the morning") a part is the next time it comes. Said
//! as "this afternoon" or "tonight" once its time has passed, it means in a bit (now + 30
//! minutes) while the part lasts (morning to 12:00, afternoon to 17:00, evening to 22:00,
//! night to midnight), and tomorrow's after that.
//!
//! **Days**, at 09:00 unless a time is said: "today" alone is 09:00 if still ahead, else 17:00
//! if still ahead, else in a bit; "tomorrow"; "day after tomorrow"; "next week" (Monday);
//! "next month" (the 1st); "weekend" (Saturday 10:00: the coming Saturday, today's if before
//! 10:00); "end of week"/"eow" (Friday 17:00); "end of month" (its last day, 17:00). Between
//! midnight and 04:00 "tomorrow" means the day after the night: the calendar's today (and
//! "day after tomorrow" the day after that). A day's time that has passed (said "today at 9am"
//! at 14:00) moves to the next day.
//!
//! **Weekdays**: "friday", "on friday", "this friday" and "next friday" all mean the soonest
//! Friday strictly after today (never today: say "today" for today). "next" does not skip a
//! week; "friday next week" and "next week friday" name the Friday of next week (weeks start
//! on Monday). A list ("mon or tue", "wed and fri at 7") is the soonest of its days; "monday
//! the 23rd" is the 23rd.
//!
//! **Dates**: "march 3", "3 march", "mar 3rd", "the 3rd of march", "2026-12-24", "12/24" are
//! this year's if still ahead, else next year's. "the 3rd", "on the 21st" are the next such day
//! of a month still ahead. Numeric dates read month/day in zones named "America/…" and
//! day/month everywhere else (the other order when only it makes a date: "15/3" in New York);
//! small fractions ("1/2", "3/4") are dates only after "on". A date with a year that has passed
//! is not found.
//!
//! **Durations**: "in 20 mins", "in an hour", "in half an hour", "in 1 hr 30 min", "in 2h",
//! "in 90 min", "20 minutes from now", "in 20" (minutes) are exact: now + the span, truncated
//! to the whole minute after adding, with `local` read from that instant. Days, weeks, months
//! and years count on the calendar: "in 3 days" is the same wall-clock time (to the minute) 3
//! days later, and takes a time ("in 3 days at 5pm"). "a few" is 5 minutes or 3 of anything
//! longer; "in a bit" is 30 minutes, "in a while" an hour, "later" 3 hours.
//!
//! **Repetition**: "every day", "daily", "every morning", "every night at 10", "every weekday"
//! (`FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR`), "weekdays at 8", "every weekend" (`SA,SU`, 10:00),
//! "every mon and wed", "every tue/thu", "every mon-fri", "mondays", "every other day"
//! (`FREQ=DAILY;INTERVAL=2`), "every 3 days", "weekly on friday", "biweekly", "every month on
//! the 1st" (`FREQ=MONTHLY;BYMONTHDAY=1`), "every year on march 3"
//! (`FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3`), "every day except sunday" (the other six days),
//! "mornings at 7", "weeknights" (Monday to Friday, 20:00).
//! - A day-or-longer rule fires at the time said, else 09:00 (10:00 on weekends); a time with
//!   no am/pm follows the rule for a day (1–6 pm, 7–11 am). Several times a day with the same
//!   minutes ("at 8am and 8pm daily") are one rule with `BYHOUR=8,20`; with different minutes
//!   only the first time is kept.
//! - "every 2 hours", "hourly", "every 30 minutes" (`FREQ=MINUTELY;INTERVAL=30`; a whole number
//!   of hours is `HOURLY`) start one interval from now, truncated to the minute, or at the time
//!   said ("every 4 hours starting at 6pm"). A minutely rule under 5 minutes ("every minute")
//!   is not found.
//! - "until friday" adds `UNTIL` at the end of that day, "until 5pm" at that time (in UTC, as
//!   RFC 5545 wants); "starting monday" moves the start.
//! - `first` is the first firing strictly after now that the rule allows.
//!
//! **Daylight saving.** A wall-clock time is placed with the rules RFC 5545 uses (and
//! `nudge-domain` too): one inside a spring-forward gap moves forward by the gap (02:30 on the
//! spring-forward day is 03:30), one in a fall-back fold is the first (earlier) of the two.
//! [`Schedule::Once::local`] is what the clock will read (03:30 in the gap);
//! [`Schedule::Every::first`] is the rule's own wall-clock time (02:30, as DTSTART), with
//! `first_at` the instant it fires.
//!
//! **Finding.** When a text has several expressions, one that clearly speaks of time wins over
//! a lone "today", "morning", "weekend" or "later"; an expression is completed by the nearest
//! other one that adds a missing day or time ("remind me tomorrow to call mom at 5"), and then
//! [`Found::span`] runs from the first to the last of them, [`Found::parts`] lists each, and
//! [`Found::rest`] removes only those.

use std::ops::Range;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

mod clock;
mod day;
mod expr;
mod normalize;
mod place;
mod recur;
mod relative;
mod resolve;
mod rest;
mod token;
mod words;

pub use normalize::normalize;

/// What a phrase says about time.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// One moment. `local` is the wall-clock time in the zone; `at` is the instant.
    Once { local: NaiveDateTime, at: DateTime<Utc> },
    /// A repetition: an RFC 5545 RRULE body without "RRULE:" and without DTSTART (such as
    /// "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"), whose first occurrence is `first` (local wall clock;
    /// it acts as DTSTART, so its time of day is the time of every occurrence unless the rule
    /// says otherwise), with `first_at` the instant of it.
    Every { rrule: String, first: NaiveDateTime, first_at: DateTime<Utc> },
}

/// A time expression found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub schedule: Schedule,
    /// The byte range of the time expression in the *normalized* text (from its first part to
    /// its last, when it is in two parts).
    pub span: Range<usize>,
    /// The normalized text.
    pub text: String,
    parts: Vec<Range<usize>>,
}

impl Found {
    /// The byte ranges of the expression's parts in [`Found::text`]: one, or two when a day and
    /// a time stand apart ("tomorrow ... at 5").
    pub fn parts(&self) -> &[Range<usize>] {
        &self.parts
    }

    /// The text with the time expression removed and tidied (no dangling "at", "on", "in",
    /// double spaces or trailing punctuation): "take my meds at 9pm" → "take my meds".
    pub fn rest(&self) -> String {
        rest::rest(&self.text, &self.parts)
    }
}

/// Finds the time expression in `text` (normalized first with [`normalize`]), relative to
/// `now` in zone `tz`; `None` when there is none.
///
/// ```
/// use chrono::{TimeZone as _, Utc};
/// use nudge_when::{Schedule, find};
///
/// // Wednesday 18 November 2026, 14:05 in New York.
/// let now = Utc.with_ymd_and_hms(2026, 11, 18, 19, 5, 0).unwrap();
/// let found = find("remind me 2 call mom tmrw @ 5", now, chrono_tz::America::New_York).unwrap();
/// assert_eq!(found.rest(), "remind me to call mom");
/// let Schedule::Once { local, .. } = found.schedule else { panic!("one moment") };
/// assert_eq!(local.to_string(), "2026-11-19 17:00:00");
///
/// let found = find("every weekday at 8", now, chrono_tz::America::New_York).unwrap();
/// let Schedule::Every { rrule, first, .. } = found.schedule else { panic!("a repetition") };
/// assert_eq!(rrule, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
/// assert_eq!(first.to_string(), "2026-11-19 08:00:00");
/// ```
pub fn find(text: &str, now: DateTime<Utc>, tz: Tz) -> Option<Found> {
    let text = normalize(text);
    let toks = token::tokenize(&text);
    let words = token::Words { toks: &toks, month_first: tz.name().starts_with("America/") };
    let now = place::Now::new(now, tz);
    let groups = expr::groups(&words);
    expr::readings(&groups).into_iter().find_map(|(frame, ranges)| {
        let schedule = resolve::schedule(&frame, &now)?;
        let parts: Vec<Range<usize>> =
            ranges.iter().map(|r| toks[r.start].start..toks[r.end - 1].end).collect();
        let span = parts.first()?.start..parts.last()?.end;
        Some(Found { schedule, span, text: text.clone(), parts })
    })
}
