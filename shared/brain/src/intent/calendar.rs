//! The user's connected calendars: "what's on my calendar today", "what meetings do i have
//! tomorrow", "my schedule for friday", "am i free this afternoon?", "calendar next week" →
//! `calendar_events`; "add dentist to my calendar tomorrow at 3pm" → `create_calendar_event`
//! (which asks the user first, like an email).
//!
//! Only a message that names the calendar (or its meetings, events, appointments, schedule) or
//! asks whether the user is free is about it: "what do i have today" stays the agenda of tasks
//! and reminders. "how do i connect my calendar" is answered in words: that is done in Nudge.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::{Msg, Plan, one, say};
use crate::calls::{self, CALENDAR_MAX_DAYS, CREATE_CALENDAR_EVENT};
use crate::extract::{Span, Text};
use crate::talk;
use crate::when::{self, Ctx};

/// Words that put a question about the calendar: asked with one of [`ASKING`].
const CALENDAR_NOUNS: &[&str] = &[
    "calendar",
    "calendars",
    "calender",
    "schedule",
    "meetings",
    "events",
    "appointments",
    "appts",
    "a meeting",
    "any meeting",
    "next meeting",
    "an event",
    "any event",
    "next event",
    "an appointment",
    "any appointment",
    "next appointment",
];

/// How a question about the calendar opens.
const ASKING: &[&str] = &[
    "what",
    "what's",
    "what is",
    "what are",
    "what does",
    "what do",
    "which",
    "how",
    "how's",
    "how does",
    "how many",
    "do i have",
    "have i got",
    "got any",
    "any",
    "anything",
    "is there",
    "are there",
    "is my",
    "show",
    "show me",
    "list",
    "check",
    "tell me",
    "give me",
    "read",
    "read me",
    "pull up",
    "open",
    "see",
    "view",
    "get",
    "can i see",
    "let me see",
    "when is my next",
    "when's my next",
    "when is the next",
    "when's the next",
];

/// Questions about free time, answered from the day's events.
const FREE_ASKS: &[&str] = &[
    "am i free",
    "am i busy",
    "am i available",
    "am i booked",
    "am i booked up",
    "when am i free",
    "when am i busy",
    "when am i available",
    "what time am i free",
    "do i have time",
    "do i have any time",
    "do i have free time",
    "do i have any free time",
    "any free time",
    "got any free time",
    "is my day free",
    "is my morning free",
    "is my afternoon free",
    "is my evening free",
];

/// What a message may start with that is only the calendar's name ("calendar next week",
/// "my schedule for friday"); the rest must say no more than when.
const NAMED: &[&str] = &[
    "calendar",
    "calender",
    "my calendar",
    "the calendar",
    "meetings",
    "my meetings",
    "events",
    "my events",
    "appointments",
    "my appointments",
    "my schedule",
    "the schedule",
];

/// Words that name today, whatever time of it is past.
const TODAY: &[&str] = &[
    "today",
    "tonight",
    "this morning",
    "this afternoon",
    "this evening",
    "now",
    "right now",
    "rest of the day",
    "rest of today",
];

/// The calendar of a day or a few, read.
pub(super) fn calendar(m: Msg) -> Option<Plan> {
    let u = m.u;
    // "how do i connect my calendar": that is done in Nudge itself.
    let accounts = ["calendar", "calender", "google", "outlook", "microsoft", "notion", "youtube"];
    let asking_how = u
        .after_any(&["how do i", "how can i", "how to", "can i", "where do i", "i want to", "i'd like to"])
        .or_else(|| u.after_any(&["connect", "reconnect", "link", "sync", "hook up"]))
        .is_some();
    if asking_how && u.has_any(&["connect", "reconnect", "link", "sync", "hook up"]) && u.has_any(&accounts) {
        return say(talk::how_to_connect());
    }
    let free = u.after_any(FREE_ASKS).is_some();
    let asked = u.has_any(CALENDAR_NOUNS) && u.after_any(ASKING).is_some();
    let named = u.after_any(NAMED).is_some_and(|(_, rest)| says_only_when(rest, m.ctx));
    if !(free || asked || named) {
        return None;
    }
    let (day, days) = span(u, m.ctx);
    let day = (day != m.ctx.today()).then_some(day);
    one(calls::calendar_events(day, (days > 1).then_some(days)))
}

/// Whether what follows the calendar's name says only when ("for friday", "next week",
/// "tomorrow look like").
fn says_only_when(rest: Span, ctx: &Ctx) -> bool {
    const FILLER: &[&str] =
        &["for", "on", "from", "in", "like", "look like", "looks like", "looking like", "the", "this", "of"];
    let rest =
        rest.strip_leading(FILLER).strip_trailing(&["look like", "looks like", "looking like", "like"]);
    if rest.is_empty() || rest.is_any(TODAY) || rest.has("week") || rest.has("weekend") {
        return true;
    }
    if days_said(rest).is_some() {
        return true;
    }
    when::find(rest.orig, ctx).is_some_and(|h| {
        let rest = Text::new(&h.rest);
        rest.span().words().iter().all(|w| FILLER.contains(w) || ["at", "by", "next"].contains(w))
    })
}

/// The first day and the number of days a message asks about.
fn span(u: Span, ctx: &Ctx) -> (NaiveDate, u32) {
    let today = ctx.today();
    let from_monday = today.weekday().num_days_from_monday();
    if let Some(n) = days_said(u) {
        return (today, n);
    }
    if u.has("next week") {
        return (today.checked_add_days(Days::new(u64::from(7 - from_monday))).unwrap_or(today), 7);
    }
    if u.has_any(&["this week", "rest of the week", "rest of this week"]) {
        return (today, 7 - from_monday);
    }
    if u.has("week") {
        return (today, 7);
    }
    if u.has("weekend") {
        return match today.weekday() {
            Weekday::Sat => (today, 2),
            Weekday::Sun => (today, 1),
            _ => (today.checked_add_days(Days::new(u64::from(5 - from_monday))).unwrap_or(today), 2),
        };
    }
    if u.has_any(TODAY) {
        return (today, 1);
    }
    if let Some(hit) = when::find(u.orig, ctx) {
        return (hit.local().date(), 1);
    }
    // "when's my next meeting": the week ahead.
    if u.has_any(&["next meeting", "next event", "next appointment"]) {
        return (today, 7);
    }
    (today, 1)
}

/// "the next 3 days", "next few days", "a couple of days", "the next 2 weeks": how many days.
fn days_said(u: Span) -> Option<u32> {
    let words = u.words();
    let (at, per) = words.iter().enumerate().find_map(|(i, w)| match *w {
        "days" => Some((i, 1)),
        "weeks" => Some((i, 7)),
        _ => None,
    })?;
    let mut before = words[..at].iter().rev().copied();
    let mut n = before.next()?;
    if n == "of" {
        n = before.next()?;
    }
    // "in 3 days" is a day, not a span.
    if before.next() == Some("in") {
        return None;
    }
    let count: u32 = match n {
        "couple" | "two" => 2,
        "few" | "three" => 3,
        "four" => 4,
        "five" => 5,
        "several" | "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        digits => digits.parse().ok()?,
    };
    Some(count.saturating_mul(per).clamp(1, CALENDAR_MAX_DAYS))
}

/// How an event to add is asked for: a verb, then somewhere "to my calendar".
const ADD_VERBS: &[&str] =
    &["add", "put", "schedule", "book", "block", "block off", "block out", "pop", "stick"];

const CALENDAR_PLACES: &[&str] = &[
    "to my calendar",
    "on my calendar",
    "in my calendar",
    "into my calendar",
    "to the calendar",
    "on the calendar",
    "in the calendar",
    "to calendar",
    "on calendar",
    "to my calender",
    "on my calender",
    "in my calender",
];

/// Openers that say an event without naming the calendar.
const EVENT_OPENERS: &[&str] = &[
    "add an event",
    "add event",
    "add a calendar event",
    "add calendar event",
    "create an event",
    "create event",
    "create a calendar event",
    "make an event",
    "new event",
    "new calendar event",
    "calendar event",
    "schedule an event",
    "put an event",
];

/// "add dentist to my calendar tomorrow at 3pm", "put lunch with sam on my calendar friday at
/// noon", "new event: team dinner on the 3rd at 7pm".
pub(super) fn add_event(m: Msg) -> Option<Plan> {
    let u = m.u;
    let said = if let Some((_, r)) = u.after_any(EVENT_OPENERS) {
        let r = r.strip_leading(&["called", "named", "titled", "for", "to"]);
        let r = r.strip_leading(CALENDAR_PLACES);
        match r.find_any(CALENDAR_PLACES) {
            Some((at, place)) => format!("{} {}", r.until(at).orig, r.from(at + place.len()).orig),
            None => r.text(),
        }
    } else {
        let (_, r) = u.after_any(ADD_VERBS)?;
        let (at, place) = r.find_any(CALENDAR_PLACES)?;
        format!("{} {}", r.until(at).orig, r.from(at + place.len()).orig)
    };
    let said = said.trim();
    let Some(hit) = when::find(said, m.ctx) else {
        let title = Text::new(said);
        let title = title.span().strip_leading(&["a", "an"]);
        if title.is_empty() {
            return say(talk::event_what());
        }
        return Some(Plan::Ask {
            tool: CREATE_CALENDAR_EVENT,
            question: talk::ask_event_when(&title.text()),
        });
    };
    if hit.rrule().is_some() {
        return say(talk::no_repeating_events());
    }
    let rest = Text::new(&hit.rest);
    let title = rest.span().strip_leading(&["a", "an"]).strip_trailing(&["at", "on", "for", "from"]);
    if title.is_empty() {
        return say(talk::event_what());
    }
    one(calls::create_calendar_event(&title.text(), hit.local()))
}
