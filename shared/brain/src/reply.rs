//! Composing the answer from what the tools returned: one short line per result (a short list
//! for listings), in the user's time, and a way forward when a tool failed.

use chrono::{DateTime, NaiveDateTime};
use nudge_domain::LlmMessage;
use serde_json::Value;

mod accounts;

use crate::calls::*;
use crate::clock::{clock, day, local, local_loose, repeat, when};
use crate::extract::VERBS;
use crate::when::Ctx;

/// Items shown from a listing; an SMS with more is a wall of text.
const SHOWN: usize = 10;

/// The answer to the tool results after the last user message, in order.
pub(crate) fn compose(after_user: &[LlmMessage], ctx: &Ctx) -> String {
    let calls: Vec<&nudge_domain::ToolCall> = after_user
        .iter()
        .flat_map(|m| match m {
            LlmMessage::Assistant { tool_calls, .. } => tool_calls.iter().collect(),
            _ => Vec::new(),
        })
        .collect();
    let lines: Vec<String> = after_user
        .iter()
        .filter_map(|m| match m {
            LlmMessage::Tool { call_id, name, content, is_error } => {
                let args =
                    calls.iter().find(|c| &c.id == call_id).map_or(Value::Null, |c| c.arguments.clone());
                let content: Value =
                    serde_json::from_str(content).unwrap_or_else(|_| Value::String(content.clone()));
                Some(if *is_error || content.get("error").is_some() {
                    failed(name, &args, &content)
                } else {
                    succeeded(name, &args, &content, ctx)
                })
            }
            _ => None,
        })
        .collect();
    if lines.is_empty() { "Done.".to_owned() } else { lines.join("\n") }
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// First person to second: "take my meds" → "take your meds", "i'm allergic" → "you're allergic".
pub(crate) fn you(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut prev_i = false;
    for word in text.split(' ') {
        let (lead, core, trail) = crate::extract::word_parts(word, |_| false);
        let lower = core.to_lowercase();
        let swapped = match lower.as_str() {
            "my" => Some("your"),
            "me" => Some("you"),
            "i" => Some("you"),
            "i'm" => Some("you're"),
            "i've" => Some("you've"),
            "i'll" => Some("you'll"),
            "i'd" => Some("you'd"),
            "myself" => Some("yourself"),
            "mine" => Some("yours"),
            "am" if prev_i => Some("are"),
            "was" if prev_i => Some("were"),
            _ => None,
        };
        prev_i = lower == "i";
        let replaced = match swapped {
            Some(w) if core.starts_with(|c: char| c.is_uppercase()) && lower != "i" => {
                let mut cs = w.chars();
                cs.next().map(|f| f.to_uppercase().chain(cs).collect()).unwrap_or_default()
            }
            Some(w) => w.to_owned(),
            None => core.to_owned(),
        };
        out.push(format!("{lead}{replaced}{trail}"));
    }
    out.join(" ")
}

/// Words that start a whole statement: "remind you that you have a call".
const STATEMENT_STARTS: &[&str] = &[
    "i", "i'm", "i've", "i'll", "i'd", "we", "we're", "it's", "there's", "there", "it", "he", "she", "they",
];

/// "to take your meds", "about the oven", "that you have a call at 3".
pub(crate) fn remind_phrase(text: &str) -> String {
    let first = text.split_whitespace().next().unwrap_or("").to_lowercase();
    let joiner = if STATEMENT_STARTS.contains(&first.as_str()) {
        "that"
    } else if VERBS.contains(&first.as_str()) {
        "to"
    } else {
        "about"
    };
    format!("{joiner} {}", you(text))
}

/// A fact said back: "that your locker code is 4411", or after a colon when it is no sentence.
fn fact_phrase(content: &str) -> String {
    let sentence = content.split_whitespace().any(|w| {
        matches!(
            w.to_lowercase().as_str(),
            "is" | "are" | "was" | "were" | "i'm" | "am" | "has" | "have" | "i've" | "it's" | "'s"
        )
    });
    if sentence { format!("that {}", you(content)) } else { format!(": {}", you(content)) }
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn sentence(s: String) -> String {
    if s.ends_with(['.', '!', '?']) { s } else { format!("{s}.") }
}

fn local_now(ctx: &Ctx) -> NaiveDateTime {
    ctx.local_now()
}

fn succeeded(name: &str, args: &Value, c: &Value, ctx: &Ctx) -> String {
    let now = local_now(ctx);
    match name {
        CREATE_REMINDER => {
            let text = s(c, "text").or_else(|| s(args, "text")).unwrap_or("that");
            let about = remind_phrase(text);
            let next = s(c, "next_fire_at").and_then(|t| local(t, ctx.tz));
            match (s(c, "recurrence"), next) {
                (Some(rule), Some(next)) => match repeat(rule, next) {
                    // The description already says the time of day: the start needs only its day.
                    Some(how) if how.contains(" at ") => {
                        format!(
                            "Got it. I'll remind you {about} {how}, starting {}.",
                            day(next.date(), now.date())
                        )
                    }
                    Some(how) => {
                        format!("Got it. I'll remind you {about} {how}, starting {}.", when(next, now))
                    }
                    None => format!(
                        "Got it. I'll remind you {about} on a repeating schedule, starting {}.",
                        when(next, now)
                    ),
                },
                (None, Some(next)) => format!("Got it. I'll remind you {about} {}.", when(next, now)),
                (_, None) => format!("Got it. I'll remind you {about}."),
            }
        }
        LIST_REMINDERS => {
            let list = items(c, "reminders");
            if list.is_empty() {
                return "You have no reminders set. Want one? Try \"remind me to stretch in 20 minutes\"."
                    .to_owned();
            }
            let lines = list.iter().map(|r| {
                let text = s(r, "text").unwrap_or("(no text)");
                let next = s(r, "next_fire_at").and_then(|t| local(t, ctx.tz));
                let how = match (s(r, "recurrence"), next) {
                    (Some(rule), Some(n)) => {
                        repeat(rule, n).unwrap_or_else(|| format!("repeats, next {}", when(n, now)))
                    }
                    (None, Some(n)) => when(n, now),
                    (_, None) => s(r, "status").unwrap_or("not scheduled").replace('_', " "),
                };
                format!("{text} - {how}")
            });
            numbered("Your reminders:", lines, list.len())
        }
        CANCEL_REMINDER => {
            let r = c.get("cancelled").unwrap_or(c);
            match s(r, "text") {
                Some(text) => format!("Done. I cancelled your reminder {}.", remind_phrase(text)),
                None => "Done. That reminder is cancelled.".to_owned(),
            }
        }
        SNOOZE_REMINDER => {
            let about = s(c, "text").map(|t| format!(" {}", remind_phrase(t))).unwrap_or_default();
            match s(c, "next_fire_at").and_then(|t| local(t, ctx.tz)) {
                Some(next) => format!("Snoozed. I'll remind you{about} again {}.", when(next, now)),
                None => "Snoozed.".to_owned(),
            }
        }
        CREATE_TASK => {
            let title = s(c, "title").or_else(|| s(args, "title")).unwrap_or("that");
            let due = s(c, "due")
                .and_then(|d| local_loose(d, ctx.tz))
                .map(|d| format!(", due {}", when(d, now)))
                .unwrap_or_default();
            let level = match s(c, "priority") {
                Some(p @ ("high" | "critical")) => format!(" ({p} priority)"),
                _ => String::new(),
            };
            format!("Added {} to your list{due}{level}.", quoted(title))
        }
        LIST_TASKS => {
            let list = items(c, "tasks");
            let status = s(args, "status");
            if list.is_empty() {
                return match status {
                    Some("completed") => "Nothing checked off yet. One small thing counts!".to_owned(),
                    Some("all") => "You don't have any tasks yet. Add one with \"add buy milk\".".to_owned(),
                    _ => "Your list is clear! Add something with \"add buy milk\".".to_owned(),
                };
            }
            let header = match status {
                Some("completed") => "Done so far:",
                Some("all") => "All your tasks:",
                _ => "Your tasks:",
            };
            let lines = list.iter().map(|t| task_line(t, ctx, now));
            numbered(header, lines, list.len())
        }
        UPDATE_TASK => {
            let title =
                s(c, "title").or_else(|| s(args, "title")).or_else(|| s(args, "task")).unwrap_or("that task");
            let mut out = Vec::new();
            if let (Some(old), Some(_)) = (s(args, "task"), s(args, "title")) {
                out.push(format!("Renamed {} to {}.", quoted(old), quoted(title)));
            }
            let mut changes = Vec::new();
            if let Some(p) =
                s(args, "priority").or(s(c, "priority")).filter(|_| args.get("priority").is_some())
            {
                changes.push(format!("{p} priority"));
            }
            let due = s(c, "due").or_else(|| s(args, "due")).and_then(|d| local_loose(d, ctx.tz));
            if let (true, Some(d)) = (args.get("due").is_some(), due) {
                changes.push(format!("due {}", when(d, now)));
            }
            if !changes.is_empty() {
                out.push(format!("{} is now {}.", quoted(title), changes.join(" and ")));
            }
            if out.is_empty() { format!("Updated {}.", quoted(title)) } else { out.join(" ") }
        }
        COMPLETE_TASK => {
            let t = c.get("completed").unwrap_or(c);
            match s(t, "title") {
                Some(title) => format!("Nice work! {} is checked off.", quoted(title)),
                None => "Nice work! Checked off.".to_owned(),
            }
        }
        AGENDA => agenda(c, ctx, now),
        REMEMBER => match s(c, "content").or_else(|| s(args, "content")) {
            Some(content) => {
                format!("Got it. I'll remember {}.", fact_phrase(content)).replace("remember :", "remember:")
            }
            None => "Got it, I'll remember that.".to_owned(),
        },
        RECALL => {
            let list = items(c, "memories");
            let q = s(args, "query").unwrap_or("that");
            match list {
                [] => format!(
                    "I don't have anything saved about {}. Tell me with \"remember that ...\".",
                    quoted(q)
                ),
                [one] => sentence(format!("Here's what I have: {}", you(s(one, "content").unwrap_or("")))),
                many => {
                    let lines: Vec<String> = many
                        .iter()
                        .take(5)
                        .map(|m| format!("- {}", you(s(m, "content").unwrap_or(""))))
                        .collect();
                    format!("Here's what I have:\n{}", lines.join("\n"))
                }
            }
        }
        FORGET => {
            let m = c.get("forgotten").unwrap_or(c);
            match s(m, "content") {
                Some(content) => format!("Done. I've forgotten {}.", fact_phrase(content))
                    .replace("forgotten :", "forgotten:"),
                None => "Done, forgotten.".to_owned(),
            }
        }
        CURRENT_TIME => match s(c, "now").and_then(|t| DateTime::parse_from_rfc3339(t).ok()) {
            Some(t) => {
                let zone = s(c, "timezone").map(|z| format!(" ({z})")).unwrap_or_default();
                format!("It's {} on {}{zone}.", clock(t.time()), t.format("%A, %-d %B"))
            }
            None => "Sorry, I couldn't read the time.".to_owned(),
        },
        SEND_EMAIL => waiting(email(args, c), c, ctx),
        CALENDAR_EVENTS => accounts::calendar(args, c, ctx, now),
        NOTION_SEARCH => accounts::notion(args, c),
        YOUTUBE_SEARCH => accounts::youtube(args, c),
        CREATE_CALENDAR_EVENT | CREATE_NOTION_PAGE | ADD_TO_YOUTUBE_PLAYLIST => {
            waiting(accounts::pending(name, args, c, ctx, now), c, ctx)
        }
        _ => "Done.".to_owned(),
    }
}

/// "15 minutes", "a minute", "an hour", "2 hours".
fn minutes(n: i64) -> String {
    match n {
        1 => "a minute".to_owned(),
        60 => "an hour".to_owned(),
        n if n > 60 && n % 60 == 0 => format!("{} hours", n / 60),
        n => format!("{n} minutes"),
    }
}

/// An action that runs only once the user says yes: what it will do ("email sam@…", said after
/// "I'll"), and what to say when it already ran, or did not.
pub(crate) struct Pending {
    pub will: String,
    pub done: String,
    pub not_done: String,
}

/// An email waits for the user's yes.
fn email(args: &Value, c: &Value) -> Pending {
    let to = s(c, "to").or_else(|| s(args, "to")).unwrap_or("them");
    Pending {
        will: format!("email {to}"),
        done: format!("Done. I emailed {to}."),
        not_done: format!("The email to {to} wasn't sent."),
    }
}

/// What waits for a yes, and how to say yes (or no) in time.
fn waiting(p: Pending, c: &Value, ctx: &Ctx) -> String {
    let code = match c.get("code") {
        Some(Value::String(code)) if !code.is_empty() => Some(code.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let will = p.will;
    match s(c, "status") {
        Some("waiting_for_approval") | None => {
            let within = match (c.get("expires_in_minutes").and_then(Value::as_i64), s(c, "expires_at")) {
                (Some(n), _) if n > 0 => format!(", within {}", minutes(n)),
                (_, Some(at)) => {
                    local(at, ctx.tz).map(|t| format!(", by {}", clock(t.time()))).unwrap_or_default()
                }
                _ => String::new(),
            };
            match code {
                Some(code) => {
                    let how = match s(c, "asked_on") {
                        Some("sms") => "to the text I just sent",
                        _ => "by text or in the app",
                    };
                    format!("I'll {will} once you say yes: reply YES {code} (or NO {code}) {how}{within}.")
                }
                None => format!("I'll {will} once you approve it{within}."),
            }
        }
        Some("sent" | "executed" | "delivered" | "done") => p.done,
        Some(_) => p.not_done,
    }
}

fn numbered(header: &str, lines: impl Iterator<Item = String>, total: usize) -> String {
    let mut out = vec![header.to_owned()];
    out.extend(lines.take(SHOWN).enumerate().map(|(i, l)| format!("{}. {l}", i + 1)));
    if total > SHOWN {
        out.push(format!("...and {} more.", total - SHOWN));
    }
    out.join("\n")
}

fn task_line(t: &Value, ctx: &Ctx, now: NaiveDateTime) -> String {
    let title = s(t, "title").unwrap_or("(untitled)");
    let mut notes = Vec::new();
    if let Some(p @ ("high" | "critical")) = s(t, "priority") {
        notes.push(format!("{p} priority"));
    }
    if let Some(d) = s(t, "due").and_then(|d| local_loose(d, ctx.tz)) {
        notes.push(if d < now && s(t, "status") != Some("completed") {
            "overdue".to_owned()
        } else {
            format!("due {}", when(d, now))
        });
    }
    if s(t, "status") == Some("completed") {
        notes.push("done".to_owned());
    }
    if notes.is_empty() { title.to_owned() } else { format!("{title} ({})", notes.join(", ")) }
}

fn agenda(c: &Value, ctx: &Ctx, now: NaiveDateTime) -> String {
    let today = now.date();
    let the_day =
        s(c, "day").and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(today);
    let label = day(the_day, today);
    let tasks = items(c, "tasks");
    let reminders = items(c, "reminders");
    if tasks.is_empty() && reminders.is_empty() {
        return format!("Nothing on for {label}. Enjoy the breathing room.");
    }
    let mut cap = label.clone();
    if let Some(f) = cap.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    let mut out = vec![format!("{cap}:")];
    if !reminders.is_empty() {
        out.push("Reminders:".to_owned());
        for r in reminders.iter().take(SHOWN) {
            let at = s(r, "next_fire_at")
                .and_then(|t| local(t, ctx.tz))
                .map(|t| format!("{} ", clock(t.time())))
                .unwrap_or_default();
            out.push(format!("- {at}{}", s(r, "text").unwrap_or("(no text)")));
        }
    }
    if !tasks.is_empty() {
        out.push("Tasks:".to_owned());
        for t in tasks.iter().take(SHOWN) {
            let title = s(t, "title").unwrap_or("(untitled)");
            let due = s(t, "due").and_then(|d| local_loose(d, ctx.tz));
            let note = match due {
                Some(d) if d.date() < the_day || (d < now && the_day == today) => " (overdue)".to_owned(),
                Some(d) if d.date() == the_day && d.time() != chrono::NaiveTime::MIN => {
                    format!(" (due {})", clock(d.time()))
                }
                _ => String::new(),
            };
            out.push(format!("- {title}{note}"));
        }
    }
    let hidden = tasks.len().saturating_sub(SHOWN) + reminders.len().saturating_sub(SHOWN);
    if hidden > 0 {
        out.push(format!("...and {hidden} more."));
    }
    out.join("\n")
}

/// What a failed call was trying to do, for "Sorry, I couldn't …".
fn attempt(name: &str) -> &'static str {
    match name {
        CREATE_REMINDER => "set that reminder",
        LIST_REMINDERS => "get your reminders",
        CANCEL_REMINDER => "cancel that reminder",
        SNOOZE_REMINDER => "snooze that reminder",
        CREATE_TASK => "add that task",
        LIST_TASKS => "get your tasks",
        UPDATE_TASK => "update that task",
        COMPLETE_TASK => "check that off",
        AGENDA => "get your agenda",
        REMEMBER => "save that",
        RECALL => "look that up",
        FORGET => "forget that",
        CURRENT_TIME => "check the time",
        SEND_EMAIL => "send that email",
        CALENDAR_EVENTS => "read your calendar",
        CREATE_CALENDAR_EVENT => "add that to your calendar",
        NOTION_SEARCH => "search your Notion",
        CREATE_NOTION_PAGE => "add that page to Notion",
        YOUTUBE_SEARCH => "search YouTube",
        ADD_TO_YOUTUBE_PLAYLIST => "add that video to your playlist",
        _ => "do that",
    }
}

fn failed(name: &str, args: &Value, c: &Value) -> String {
    let err =
        s(c, "error").or_else(|| c.as_str()).unwrap_or("something went wrong").trim().trim_end_matches('.');
    if let Some(said) = accounts::trouble(name, err) {
        return said;
    }
    let lower = err.to_lowercase();
    let not_found = [
        "not found",
        "no task",
        "no reminder",
        "no memory",
        "no matching",
        "couldn't find",
        "could not find",
        "no match",
        "nothing match",
        "matches no",
        "does not exist",
        "doesn't exist",
        "unknown",
    ]
    .iter()
    .any(|p| lower.contains(p));
    let ambiguous =
        ["ambiguous", "more than one", "several", "multiple", "which one"].iter().any(|p| lower.contains(p));
    let (kind, key, see) = match name {
        COMPLETE_TASK | UPDATE_TASK => ("task", "task", "Say \"my tasks\" to see your list."),
        CANCEL_REMINDER | SNOOZE_REMINDER => ("reminder", "reminder", "Say \"my reminders\" to see them."),
        FORGET => ("note", "memory", "Say \"what do you know about ...\" to look."),
        _ => ("", "", ""),
    };
    let q = s(args, key);
    if !kind.is_empty() && not_found {
        return match (name, q) {
            (FORGET, Some(q)) => format!("I don't have anything saved about {}.", quoted(q)),
            (_, Some(q)) => format!("I couldn't find a {kind} matching {}. {see}", quoted(q)),
            (_, None) => format!(
                "I couldn't find a {kind} to {}. {see}",
                attempt(name).split(' ').next().unwrap_or("use")
            ),
        };
    }
    if !kind.is_empty() && ambiguous {
        let which = q.map(|q| format!(" {}", quoted(q))).unwrap_or_default();
        // The executor names the candidates: "several match 'call': 'call mom', 'call the bank'; which one?"
        let options =
            err.split_once("': ").and_then(|(_, rest)| rest.split_once("; which one")).map(|(o, _)| o);
        return match options {
            Some(o) => format!("More than one {kind} matches{which}: {o}. Which one?"),
            None => format!("More than one {kind} matches{which}. Which one? Use a few more words from it."),
        };
    }
    format!("Sorry, I couldn't {}: {err}.", attempt(name))
}
