//! Setting, snoozing, cancelling and listing reminders.

use super::{LIST_PLACES, LISTING_STARTERS, Msg, Plan, REMINDER_NOUNS, TASK_NOUNS, one, say};
use crate::calls;
use crate::extract::{ARTICLES, Span, Text};
use crate::talk;
use crate::when::{self, Hit};

/// What a reminder is called in "cancel the meds reminder", "the reminder to take my meds",
/// "reminder 0190…": the words that name it, without the pointing words.
fn reminder_ref(r: Span) -> Option<String> {
    let r = r.strip_trailing(&["anymore", "any more", "again", "for now", "now", "please", "today", "one"]);
    let named = REMINDER_NOUNS.iter().find_map(|n| r.split(n));
    let q = match named {
        Some((before, after)) => {
            let before = before.strip_leading(ARTICLES).strip_trailing(&["'s"]);
            let after = after
                .strip_leading(&[
                    "to",
                    "about",
                    "for",
                    "of",
                    "that",
                    "called",
                    "named",
                    "saying",
                    "that says",
                    "re",
                    "regarding",
                ])
                .strip_leading(ARTICLES);
            if before.is_empty() { after } else { before }
        }
        None => r.strip_leading(&["about", "to", "of"]).strip_leading(ARTICLES),
    };
    (!q.is_empty() && !q.is_any(&["it", "that", "this", "one", "them"])).then(|| q.text())
}

/// "snooze", "snooze 10", "snooze for an hour", "snooze the meds reminder until 5pm", "later".
pub(super) fn snooze(m: Msg) -> Option<Plan> {
    let u = m.u;
    const LATER: &[&str] = &[
        "later",
        "later then",
        "remind me later",
        "not now",
        "in a bit",
        "ask me later",
        "ping me later",
        "nudge me later",
        "remind me again later",
        "not yet",
        "maybe later",
        "try me later",
        "snooze later",
    ];
    if u.is_any(LATER) {
        return one(calls::snooze_reminder(30, None));
    }
    let rest = if let Some(r) = u.after("snooze") {
        r.strip_leading(&["it", "that", "this", "me"])
    } else if let Some((_, r)) =
        u.after_any(&["remind me again", "ask me again", "ping me again", "nudge me again", "again"])
    {
        // "remind me again in 10" is a snooze; "remind me again about x tomorrow" is not.
        when::duration(r.low, m.ctx)?;
        r
    } else {
        return None;
    };
    let minutes_ok = |n: i64| -> Option<Plan> {
        if n > calls::SNOOZE_MAX_MINUTES { say(talk::snooze_too_long()) } else { None }
    };
    if rest.is_empty() {
        // A snooze button's usual length.
        return one(calls::snooze_reminder(10, None));
    }
    if let Some(n) = when::duration(rest.low, m.ctx) {
        return minutes_ok(n).or_else(|| one(calls::snooze_reminder(n, None)));
    }
    for sep in ["for", "until", "till", "til", "by", "to", "in", "at"] {
        if let Some((which, how_long)) = rest.rsplit(sep) {
            let said = format!("{sep} {}", how_long.low);
            if let (Some(n), false) = (when::duration(&said, m.ctx), which.is_empty()) {
                return minutes_ok(n)
                    .or_else(|| one(calls::snooze_reminder(n, reminder_ref(which).as_deref())));
            }
        }
    }
    if let Some((which, n)) = rest
        .low
        .rsplit_once(' ')
        .and_then(|(_, last)| last.parse::<i64>().ok().map(|n| (rest.rsplit(last), n)))
    {
        let which = which.map(|(a, _)| a).and_then(reminder_ref);
        return minutes_ok(n).or_else(|| one(calls::snooze_reminder(n, which.as_deref())));
    }
    one(calls::snooze_reminder(10, reminder_ref(rest).as_deref()))
}

const CANCEL_VERBS: &[&str] = &[
    "cancel",
    "delete",
    "remove",
    "stop",
    "turn off",
    "switch off",
    "kill",
    "clear",
    "drop",
    "dismiss",
    "disable",
    "deactivate",
    "get rid of",
    "scrap",
    "nix",
    "erase",
    "end",
    "mute",
];

/// Verbs that cancel even without the word "reminder": "cancel dentist".
const BARE_CANCEL_VERBS: &[&str] = &[
    "cancel",
    "delete",
    "remove",
    "dismiss",
    "disable",
    "turn off",
    "switch off",
    "get rid of",
    "scrap",
    "nix",
    "mute",
];

/// "cancel the meds reminder", "stop reminding me about the dentist", "delete reminder 0190…".
pub(super) fn cancel(m: Msg) -> Option<Plan> {
    let u = m.u;
    const STOP_REMINDING: &[&str] = &[
        "stop reminding me",
        "stop reminding",
        "don't remind me",
        "do not remind me",
        "quit reminding me",
        "no more reminding me",
        "you can stop reminding me",
        "no need to remind me",
    ];
    if let Some((_, r)) = u.after_any(STOP_REMINDING) {
        let q = reminder_ref(r.strip_leading(&["about", "to", "of", "that", "for"]));
        return match q {
            Some(q) => one(calls::cancel_reminder(&q)),
            None => say(talk::which_reminder()),
        };
    }
    if let Some(r) = u.after("no more")
        && r.has_any(REMINDER_NOUNS)
    {
        return reminder_ref(r.strip_leading(&["about", "for", "to"]))
            .map_or_else(|| say(talk::which_reminder()), |q| one(calls::cancel_reminder(&q)));
    }
    let (verb, r) = u.after_any(CANCEL_VERBS)?;
    if r.is_empty() || r.is_any(&["it", "that", "this", "that one", "the last one"]) {
        return Some(Plan::Undo);
    }
    if r.is_any(&["all", "everything", "all of them", "all of it", "them all", "it all"]) {
        return say(talk::one_reminder_at_a_time());
    }
    if r.has_any(&["memory", "memories", "note", "notes"]) {
        let q = r
            .strip_leading(ARTICLES)
            .strip_leading(&["memory", "memories", "note", "notes"])
            .strip_leading(&["about", "of", "that", "saying"]);
        let q = q.strip_leading(ARTICLES);
        return (!q.is_empty()).then(|| Plan::Calls(vec![calls::forget(&q.text())]));
    }
    if r.has_any(TASK_NOUNS) || LIST_PLACES.iter().any(|p| r.ends_with(p)) {
        return say(talk::no_task_deletion());
    }
    if r.has_any(REMINDER_NOUNS) {
        if r.has_any(&["all", "every", "everything"]) {
            return say(talk::one_reminder_at_a_time());
        }
        return match reminder_ref(r) {
            Some(q) => one(calls::cancel_reminder(&q)),
            None => say(talk::which_reminder()),
        };
    }
    // "cancel dentist" names a reminder; "stop by the shop at 5" or "drop off the kids
    // tomorrow" is something else entirely.
    if !BARE_CANCEL_VERBS.contains(&verb) {
        return None;
    }
    match when::find(r.orig, m.ctx) {
        None => reminder_ref(r).map(|q| Plan::Calls(vec![calls::cancel_reminder(&q)])),
        // "cancel the dentist at 3": the words name it, the time only points at it.
        Some(hit) if verb == "cancel" => {
            let rest = Text::new(&hit.rest);
            Some(reminder_ref(rest.span()).map_or_else(
                || Plan::Say(talk::which_reminder()),
                |q| Plan::Calls(vec![calls::cancel_reminder(&q)]),
            ))
        }
        Some(_) => None,
    }
}

/// "my reminders", "what reminders do i have", "show reminders".
pub(super) fn list_reminders(m: Msg) -> Option<Plan> {
    let u = m.u;
    if u.has_any(&[
        "what am i being reminded",
        "what will you remind me",
        "what are you reminding me",
        "what do you remind me",
        "what have you got to remind me",
    ]) {
        return one(calls::list_reminders());
    }
    let exact = u.is_any(&[
        "reminders",
        "my reminders",
        "reminder list",
        "all reminders",
        "all my reminders",
        "the reminders",
        "alarms",
        "my alarms",
    ]);
    let listing = u.after_any(LISTING_STARTERS).is_some() && u.has_any(&["reminder", "reminders", "alarms"]);
    (exact || listing).then(|| Plan::Calls(vec![calls::list_reminders()]))
}

/// How people ask to be reminded.
const REMIND: &[&str] = &[
    "remind me",
    "remind",
    "set a reminder",
    "set reminder",
    "set me a reminder",
    "set up a reminder",
    "add a reminder",
    "add reminder",
    "create a reminder",
    "create reminder",
    "make a reminder",
    "new reminder",
    "reminder",
    "a reminder",
    "schedule a reminder",
    "put in a reminder",
    "nudge me",
    "ping me",
    "text me",
    "message me",
    "alert me",
    "buzz me",
    "poke me",
    "notify me",
    "tell me to",
    "wake me up",
    "set an alarm",
    "set alarm",
    "set me an alarm",
    "set my alarm",
    "alarm",
    "wake me",
    "don't let me forget",
    "do not let me forget",
    "make sure i",
    "make sure that i",
    "make sure to",
    "remember to",
    "remember",
    "don't forget",
    "do not forget",
    "help me remember to",
    "help me remember",
    "don't forget to",
    "do not forget to",
    "i need a reminder",
    "i want a reminder",
    "i'd like a reminder",
    "can i get a reminder",
    "give me a reminder",
    "send me a reminder",
    "get me a reminder",
];

/// Words that join the request to what it is about: "remind me *to* …", "*about* …".
const CONNECTORS: &[&str] =
    &["to", "that", "about", "of", "for", "re", "regarding", "re:", "so i", "so that i"];

/// Cleans what a reminder is about: "to take my meds" → "take my meds".
fn subject(s: Span) -> Span {
    s.strip_leading(&["for me", "me"])
        .strip_leading(CONNECTORS)
        .strip_trailing(&["at", "please", "for me", "ok", "reminder"])
}

/// A reminder from what follows the request, with a time or a question about it.
fn reminder_from(body: Span, default_subject: &str, m: Msg) -> Plan {
    let body = body.strip_leading(&["for me", "me"]).strip_leading(CONNECTORS);
    match when::find(body.orig, m.ctx) {
        None => {
            let s = subject(body);
            match (s.is_empty(), default_subject.is_empty()) {
                (false, _) => Plan::AskWhen(s.text()),
                (true, false) => Plan::AskWhen(default_subject.to_owned()),
                (true, true) => Plan::Say(talk::ask_what_and_when()),
            }
        }
        Some(hit) => reminder_at(&hit, default_subject),
    }
}

fn reminder_at(hit: &Hit, default_subject: &str) -> Plan {
    let rest = Text::new(&hit.rest);
    let s = subject(rest.span());
    let text = if s.is_empty() { default_subject.to_owned() } else { s.text() };
    if text.is_empty() {
        return Plan::AskWhat { at: hit.local(), rrule: hit.rrule().map(str::to_owned) };
    }
    Plan::Calls(vec![calls::create_reminder(&text, hit.local(), hit.rrule())])
}

/// "remind me to take my meds at 9pm", "reminder: dentist friday 3pm", "ping me in 20 mins about
/// the oven", "don't let me forget to pay rent on the 1st".
pub(super) fn remind(m: Msg) -> Option<Plan> {
    let (trigger, body) = m.u.after_any(REMIND)?;
    // "wake me up at 7" and "set an alarm for 7" name no subject, but need no question.
    let default = match trigger {
        t if t.starts_with("wake") => "wake up",
        t if t.contains("alarm") => "alarm",
        _ => "",
    };
    Some(reminder_from(body, default, m))
}

/// A message that only names a time and a thing ("call mom at 5", "dentist friday 3pm").
pub(super) fn fallback_reminder(m: Msg) -> Option<Plan> {
    if m.question {
        return None;
    }
    let hit = when::find(m.u.orig, m.ctx)?;
    let rest = Text::new(&hit.rest);
    // "every weekday at 8 remind me to stand up": the request came after the time.
    let r = rest.span();
    let r = r.after_any(REMIND).map_or(r, |(_, after)| after);
    let s = subject(r);
    // "i have to call mom at 5": the plain statement of a thing to do at a time.
    let s = s.strip_leading(&["i have to", "i need to", "i must", "i should", "need to", "have to"]);
    if s.is_empty() {
        return Some(Plan::AskWhat { at: hit.local(), rrule: hit.rrule().map(str::to_owned) });
    }
    one(calls::create_reminder(&s.text(), hit.local(), hit.rrule()))
}
