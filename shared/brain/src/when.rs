//! Finding times in a message, through the `nudge-when` crate, and handing them over in the
//! shapes the tools take. This crate parses no time itself.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use nudge_when::Schedule;

/// The turn's "now" and the user's zone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub now: DateTime<Utc>,
    pub tz: Tz,
}

impl Ctx {
    pub fn local_now(&self) -> NaiveDateTime {
        self.now.with_timezone(&self.tz).naive_local()
    }

    pub fn today(&self) -> NaiveDate {
        self.local_now().date()
    }
}

/// A time expression found in a message, and the message without it.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub schedule: Schedule,
    pub rest: String,
}

impl Hit {
    /// The first wall-clock time it names, in the user's zone.
    pub fn local(&self) -> NaiveDateTime {
        match &self.schedule {
            Schedule::Once { local, .. } => *local,
            Schedule::Every { first, .. } => *first,
        }
    }

    pub fn rrule(&self) -> Option<&str> {
        match &self.schedule {
            Schedule::Once { .. } => None,
            Schedule::Every { rrule, .. } => Some(rrule),
        }
    }

    /// Whole minutes from now to a one-off time; none for a recurrence.
    pub fn minutes_from_now(&self, ctx: &Ctx) -> Option<i64> {
        match &self.schedule {
            Schedule::Once { at, .. } => Some(((*at - ctx.now).num_seconds() + 30).div_euclid(60)),
            Schedule::Every { .. } => None,
        }
    }
}

pub(crate) fn normalize(text: &str) -> String {
    nudge_when::normalize(text)
}

pub(crate) fn find(text: &str, ctx: &Ctx) -> Option<Hit> {
    let found = nudge_when::find(text, ctx.now, ctx.tz)?;
    Some(Hit { rest: found.rest(), schedule: found.schedule })
}

/// A time as the tools take it: local wall-clock, to the minute.
pub(crate) fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// How long "snooze …" means, in minutes: "10", "an hour", "until 5pm", "later".
pub(crate) fn duration(text: &str, ctx: &Ctx) -> Option<i64> {
    let t = text.trim().trim_start_matches("for ").trim_start_matches("another ").trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    if matches!(t, "later" | "a bit" | "a while" | "a little" | "a little while" | "a sec" | "a second") {
        // Said loosely; half an hour is what "later" usually means to someone putting a thing off.
        return Some(30);
    }
    let until = ["until ", "till ", "til ", "'til ", "to ", "at "].iter().find_map(|p| t.strip_prefix(p));
    let hit = match until {
        Some(when) => find(when, ctx)?,
        None if t.starts_with("in ") => find(t, ctx)?,
        None => find(&format!("in {t}"), ctx)?,
    };
    let minutes = hit.minutes_from_now(ctx)?;
    hit.rest.trim().is_empty().then_some(minutes)
}
