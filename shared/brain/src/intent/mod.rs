//! Reading one message: which tool call(s) it means, or what to say instead.
//!
//! A message is spelled out (SMS shorthand, typos of the command words), stripped of how it is
//! addressed ("hey nudge, can you…", "…please"), then tried against each intent in a fixed
//! order, most specific first: small talk, the time, emailing someone (only when the message
//! opens with it: "remind me to email…" is a reminder), snoozing, cancelling, listing reminders,
//! the calendar (adding an event, reading it), searching Notion and YouTube, listing tasks, the
//! agenda, forgetting, remembering, recalling, completing a task, updating a task, setting a
//! reminder, adding a task. A message none of them takes but that names a time
//! ("call mom at 5") is read as a reminder, which is what people text a reminder assistant for;
//! a short bare thing to do ("buy milk") is offered as a task, and added on "yes".

mod calendar;
mod chat;
mod email;
mod memory;
mod reminders;
mod search;
mod tasks;

use chrono::NaiveDateTime;

use crate::calls::{Call, SEND_EMAIL};
use crate::extract::{LEADING_FILLER, Span, TRAILING_FILLER, Text, canonical, tidy};
use crate::talk;
use crate::when::{self, Ctx};

use calendar::{add_event, calendar};
use chat::{canned, current_time, small_talk};
use email::send_email;
pub(crate) use email::{Email, address_in, answer_body, read as read_email};
use memory::{forget, recall, remember};
use reminders::{cancel, fallback_reminder, list_reminders, remind, snooze};
use search::{notion_search, youtube_search};
use tasks::{add_task, agenda, complete, list_tasks, offer_task, update};

/// What one message means.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    /// Run these tools.
    Calls(Vec<Call>),
    /// Answer with this text.
    Say(String),
    /// A reminder with nothing said about when: ask, keeping what it is about.
    AskWhen(String),
    /// A reminder time with nothing said about what: ask.
    AskWhat { at: NaiveDateTime, rrule: Option<String> },
    /// A question back before `tool` can be called (an email without an address); said only
    /// when the catalog offers the tool.
    Ask { tool: &'static str, question: String },
    /// "undo", "cancel that": depends on what was just done.
    Undo,
    /// Not understood.
    Unknown,
}

fn one(c: Call) -> Option<Plan> {
    Some(Plan::Calls(vec![c]))
}

fn say(s: String) -> Option<Plan> {
    Some(Plan::Say(s))
}

/// Reads a message. Several lines or sentences that are each a command are each run ("add
/// milk\nadd eggs", "add milk. what's on today?"); otherwise the message is read whole. An email
/// takes in all that follows it ("email sam@… that I'm late. Call me at 5" is one email).
pub(crate) fn read(message: &str, ctx: &Ctx) -> Plan {
    let lines: Vec<&str> = message.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    for pieces in [lines.clone(), sentences(&lines.join(" "))] {
        if pieces.len() > 1 {
            let plans: Vec<Plan> = pieces.iter().map(|l| read_one(l, l, ctx)).collect();
            let emails_before_the_end = plans[..plans.len() - 1].iter().any(|p| match p {
                Plan::Calls(calls) => calls.iter().any(|c| c.name == SEND_EMAIL),
                _ => false,
            });
            if plans.iter().all(|p| matches!(p, Plan::Calls(_))) && !emails_before_the_end {
                let calls =
                    plans.into_iter().flat_map(|p| if let Plan::Calls(c) = p { c } else { Vec::new() });
                return Plan::Calls(calls.collect());
            }
        }
    }
    read_one(&lines.join(" "), message, ctx)
}

/// The sentences of a line: split after `.`, `!` or `?` followed by a space ("9.30" and
/// "what?!" stay whole).
fn sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for i in 0..bytes.len().saturating_sub(1) {
        if matches!(bytes[i], b'.' | b'!' | b'?') && bytes[i + 1] == b' ' {
            out.push(line[start..=i].trim());
            start = i + 1;
        }
    }
    out.push(line[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// Whether a message says yes, to an offer just made.
pub(crate) fn is_yes(message: &str) -> bool {
    let (t, _) = tidy(&when::normalize(message));
    let t = t.to_lowercase();
    const YES: &[&str] = &[
        "yes",
        "y",
        "yep",
        "yeah",
        "yup",
        "ya",
        "sure",
        "ok",
        "okay",
        "k",
        "please",
        "yes please",
        "do it",
        "go ahead",
        "sounds good",
        "add it",
        "yes add it",
        "yes do it",
        "ok add it",
        "sure thing",
        "definitely",
        "absolutely",
    ];
    YES.contains(&t.trim_end_matches(['!', '.']))
}

/// The message as the intents see it.
#[derive(Clone, Copy)]
struct Msg<'a> {
    u: Span<'a>,
    question: bool,
    /// The message as typed, with its lines, for what is sent on as written (an email's body).
    raw: &'a str,
    ctx: &'a Ctx,
}

fn read_one(message: &str, raw: &str, ctx: &Ctx) -> Plan {
    // Caps lock on ("REMIND ME TO TAKE MY MEDS") is not a name written in capitals.
    let shouted = message.chars().any(char::is_alphabetic) && !message.chars().any(char::is_lowercase);
    let message = if shouted { message.to_lowercase() } else { message.to_owned() };
    let (tidied, question) = tidy(&canonical(&when::normalize(&message)));
    let text = Text::new(&tidied);
    let whole = text.span();
    if whole.is_empty() {
        // Only emoji or punctuation: a thumbs-up, or a lone "?".
        return Plan::Say(if question { talk::help() } else { talk::ack() });
    }
    if let Some(p) = small_talk(whole) {
        return p;
    }
    // "nudge, add milk" is addressed; "nudge me at 5" is a command.
    let addressed = whole.after("nudge,").or_else(|| whole.after("nudge:")).unwrap_or(whole);
    let u = addressed.strip_leading(LEADING_FILLER).strip_trailing(TRAILING_FILLER);
    if u.is_empty() {
        return Plan::Say(talk::greeting());
    }
    if let Some(p) = small_talk(u) {
        return p;
    }
    let m = Msg { u, question, raw, ctx };
    let intents: [fn(Msg) -> Option<Plan>; 21] = [
        canned,
        current_time,
        send_email,
        snooze,
        cancel,
        list_reminders,
        add_event,
        calendar,
        notion_search,
        youtube_search,
        list_tasks,
        agenda,
        forget,
        remember,
        recall,
        complete,
        update,
        remind,
        add_task,
        fallback_reminder,
        offer_task,
    ];
    intents.iter().find_map(|f| f(m)).unwrap_or(Plan::Unknown)
}

// ---- words several intents listen for --------------------------------------------------------

/// Words that point at a reminder rather than name it.
const REMINDER_NOUNS: &[&str] = &["reminder", "reminders", "alarm", "alarms", "nudge", "nudges"];

const TASK_NOUNS: &[&str] =
    &["task", "tasks", "todo", "todos", "to do", "to dos", "to do list", "todo list", "checklist"];

const LIST_PLACES: &[&str] = &[
    "from my list",
    "from the list",
    "off my list",
    "off the list",
    "from my todo list",
    "from my to do list",
    "off my todo list",
    "off my to do list",
    "from my tasks",
    "from my todos",
    "from list",
];

const LISTING_STARTERS: &[&str] = &[
    "list",
    "show",
    "show me",
    "see",
    "view",
    "get",
    "what",
    "what's",
    "what are",
    "which",
    "any",
    "my",
    "all",
    "check",
    "do i have",
    "how many",
    "tell me",
    "give me",
    "upcoming",
    "pending",
    "active",
    "current",
    "next",
    "when is my next",
    "when's my next",
    "read",
    "read me",
    "open",
    "pull up",
    "display",
    "have i got",
    "are there",
    "is there",
    "let me see",
    "can i see",
];
