//! Replies from the tools over connected accounts: the calendar of a day or a few, Notion and
//! YouTube search results, actions waiting for a yes, and what to do when an account is not
//! connected or needs renewing.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde_json::Value;

use super::{Pending, SHOWN, items, numbered, quoted, s};
use crate::calls::*;
use crate::clock::{clock, day, local_loose, on_day, when};
use crate::when::Ctx;

/// One event as shown: the day it is listed under, and its line.
struct Shown {
    day: NaiveDate,
    all_day: bool,
    line: String,
}

/// "Today on your calendar: 9:00-9:15 AM Standup; 2:30-3:00 PM Dentist (Main St); all day:
/// Sam's birthday." Several days are a line each, for the days with something on.
pub(super) fn calendar(args: &Value, c: &Value, ctx: &Ctx, now: NaiveDateTime) -> String {
    let today = now.date();
    let date = |v: &Value| s(v, "day").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let first = date(c).or_else(|| date(args)).unwrap_or(today);
    let days = c
        .get("days")
        .or_else(|| args.get("days"))
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .clamp(1, u64::from(CALENDAR_MAX_DAYS));
    let last = first.checked_add_days(Days::new(days - 1)).unwrap_or(first);
    let mut shown: Vec<Shown> =
        items(c, "events").iter().filter_map(|e| event(e, first, last, ctx)).collect();
    // By day, all-day events after the timed ones; otherwise in the tool's order (by start).
    shown.sort_by_key(|e| (e.day, e.all_day));
    let note = unavailable(c);
    if shown.is_empty() {
        let span = if days == 1 {
            on_day(first, today)
        } else {
            format!("from {} to {}", day(first, today), day(last, today))
        };
        return format!("Nothing on your calendar {span}.{note}");
    }
    let hidden = shown.len().saturating_sub(SHOWN);
    shown.truncate(SHOWN);
    let more = if hidden > 0 { format!(" ...and {hidden} more.") } else { String::new() };
    if days == 1 {
        let lines: Vec<String> = shown.into_iter().map(|e| e.line).collect();
        return format!(
            "{} on your calendar: {}.{more}{note}",
            capital(&day(first, today)),
            lines.join("; ")
        );
    }
    let mut out = vec![format!("Your calendar, {} to {}:", day(first, today), day(last, today))];
    let mut rest = shown.as_slice();
    while let Some(head) = rest.first() {
        let n = rest.iter().take_while(|e| e.day == head.day).count();
        let lines: Vec<&str> = rest[..n].iter().map(|e| e.line.as_str()).collect();
        out.push(format!("{}: {}.", capital(&day(head.day, today)), lines.join("; ")));
        rest = &rest[n..];
    }
    format!("{}{more}{note}", out.join("\n"))
}

fn event(e: &Value, first: NaiveDate, last: NaiveDate, ctx: &Ctx) -> Option<Shown> {
    let title = s(e, "title").unwrap_or("(no title)");
    let all_day = e.get("all_day").and_then(Value::as_bool).unwrap_or(false);
    let start = s(e, "start").and_then(|t| local_loose(t, ctx.tz));
    let end = s(e, "end").and_then(|t| local_loose(t, ctx.tz));
    // Listed under the day it starts, or the first day shown when it began before.
    let on = start.map_or(first, |t| t.date().max(first));
    if on > last {
        return None;
    }
    let place = s(e, "location").map(|l| format!(" ({l})")).unwrap_or_default();
    let line = match (all_day, start) {
        (false, Some(start)) if start.date() >= on => format!("{} {title}{place}", span(start, end)),
        // Began on an earlier day: until when, or the whole of it.
        (false, Some(_)) => match end.filter(|e| e.date() == on && e.time() != NaiveTime::MIN) {
            Some(end) => format!("until {} {title}{place}", clock(end.time())),
            None => format!("all day: {title}{place}"),
        },
        _ => format!("all day: {title}{place}"),
    };
    Some(Shown { day: on, all_day: line.starts_with("all day:"), line })
}

/// "9:00-9:15 AM", "11:30 AM-12:30 PM", or the start alone when the end says nothing more.
fn span(start: NaiveDateTime, end: Option<NaiveDateTime>) -> String {
    let Some(end) = end.filter(|e| *e > start && (*e - start).num_hours() < 24) else {
        return clock(start.time());
    };
    let (a, b) = (start.time(), end.time());
    if a.hour12().0 == b.hour12().0 {
        format!("{}:{:02}-{}", a.hour12().1, a.minute(), clock(b))
    } else {
        format!("{}-{}", clock(a), clock(b))
    }
}

/// The calendars that could not be read, said after the rest.
fn unavailable(c: &Value) -> String {
    let names: Vec<String> =
        items(c, "unavailable").iter().filter_map(|u| s(u, "calendar")).map(provider).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!(" I couldn't read your {one} calendar just now."),
        many => format!(" I couldn't read your {} calendars just now.", many.join(" and ")),
    }
}

/// A provider's name as people write it.
fn provider(id: &str) -> String {
    match id {
        "google" => "Google".to_owned(),
        "microsoft" => "Microsoft".to_owned(),
        "notion" => "Notion".to_owned(),
        "youtube" => "YouTube".to_owned(),
        other => other.to_owned(),
    }
}

fn capital(s: &str) -> String {
    let mut cs = s.chars();
    cs.next().map(|f| f.to_uppercase().chain(cs).collect()).unwrap_or_default()
}

/// The titles of the pages found, and which are databases.
pub(super) fn notion(args: &Value, c: &Value) -> String {
    let list = items(c, "results");
    let q = s(args, "query");
    if list.is_empty() {
        return match q {
            Some(q) => format!("Nothing in your Notion matches {}.", quoted(q)),
            None => "Nothing in your Notion matches that.".to_owned(),
        };
    }
    let header = match q {
        Some(q) => format!("In your Notion, for {}:", quoted(q)),
        None => "In your Notion:".to_owned(),
    };
    let lines = list.iter().map(|p| {
        let title = s(p, "title").unwrap_or("(untitled)");
        match s(p, "object") {
            Some("database") => format!("{title} (database)"),
            _ => title.to_owned(),
        }
    });
    numbered(&header, lines, list.len())
}

/// The videos found: title, channel and link.
pub(super) fn youtube(args: &Value, c: &Value) -> String {
    let list = items(c, "videos");
    let q = s(args, "query");
    if list.is_empty() {
        return match q {
            Some(q) => format!("I didn't find any YouTube videos for {}.", quoted(q)),
            None => "I didn't find any YouTube videos for that.".to_owned(),
        };
    }
    let header = match q {
        Some(q) => format!("On YouTube, for {}:", quoted(q)),
        None => "On YouTube:".to_owned(),
    };
    let lines = list.iter().map(|v| {
        let mut line = s(v, "title").unwrap_or("(untitled)").to_owned();
        if let Some(channel) = s(v, "channel") {
            line.push_str(&format!(" ({channel})"));
        }
        if let Some(url) = s(v, "url") {
            line.push_str(&format!(" {url}"));
        }
        line
    });
    numbered(&header, lines, list.len())
}

/// What an event, a page or a playlist item waiting for a yes will do.
pub(super) fn pending(name: &str, args: &Value, c: &Value, ctx: &Ctx, now: NaiveDateTime) -> Pending {
    match name {
        CREATE_CALENDAR_EVENT => {
            let title = quoted(s(args, "title").unwrap_or("the event"));
            let at = s(args, "start")
                .and_then(|t| local_loose(t, ctx.tz))
                .map(|t| format!(" {}", when(t, now)))
                .unwrap_or_default();
            Pending {
                will: format!("add {title} to your calendar{at}"),
                done: format!("Done. {title} is in your calendar."),
                not_done: format!("{title} wasn't added to your calendar."),
            }
        }
        CREATE_NOTION_PAGE => {
            let title = quoted(s(args, "title").or_else(|| s(c, "title")).unwrap_or("the page"));
            Pending {
                will: format!("add the page {title} to your Notion database"),
                done: format!("Done. The page {title} is in Notion."),
                not_done: format!("The page {title} wasn't added to Notion."),
            }
        }
        _ => Pending {
            will: "add that video to your YouTube playlist".to_owned(),
            done: "Done. The video is in your playlist.".to_owned(),
            not_done: "The video wasn't added to your playlist.".to_owned(),
        },
    }
}

/// A friendly way forward when an account tool failed for want of a connection, or the
/// provider did not answer; `None` for other errors (and other tools).
pub(super) fn trouble(name: &str, err: &str) -> Option<String> {
    let (what, yours) = match name {
        CALENDAR_EVENTS | CREATE_CALENDAR_EVENT => ("calendar", "your calendar"),
        NOTION_SEARCH | CREATE_NOTION_PAGE => ("Notion", "your Notion"),
        YOUTUBE_SEARCH | ADD_TO_YOUTUBE_PLAYLIST => ("YouTube", "YouTube"),
        _ => return None,
    };
    let lower = err.to_lowercase();
    if lower.contains("no calendar is connected") {
        return Some(
            "Your calendar isn't connected yet: connect Google or Microsoft in Nudge and ask me again."
                .to_owned(),
        );
    }
    if lower.contains("no accounts can be connected") {
        return Some(format!("This Nudge isn't set up to connect accounts, so I can't reach {yours}."));
    }
    if let Some(at) = err.find(" is not connected") {
        let who = err[..at].trim();
        let who = if who.is_empty() { what } else { who };
        return Some(format!("{} isn't connected yet: connect it in Nudge and ask me again.", capital(who)));
    }
    if lower.contains("needs renewing") || lower.contains("refused the connection") {
        // "the Google Calendar connection needs renewing: …"
        let who = err
            .find(" connection needs renewing")
            .map(|end| err[..end].trim())
            .map(|w| w.strip_prefix("the ").unwrap_or(w))
            .filter(|w| !w.is_empty())
            .unwrap_or(what);
        return Some(format!(
            "Your {who} connection needs renewing: reconnect it in Nudge and ask me again."
        ));
    }
    let out_of_reach =
        ["could not be read", "could not be reached", "unavailable", "is busy", "try again", "timed out"];
    if out_of_reach.iter().any(|p| lower.contains(p)) {
        return Some(format!("I couldn't reach {yours} just now. Try again in a minute."));
    }
    None
}
