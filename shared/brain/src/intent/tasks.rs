//! Adding, listing, completing and updating tasks, and the agenda of a day.

use chrono::{Days, NaiveDate};
use nudge_domain::Priority;

use super::{LIST_PLACES, LISTING_STARTERS, Msg, Plan, REMINDER_NOUNS, TASK_NOUNS, one, say};
use crate::calls::{self, Shown, TaskFields};
use crate::extract::{Span, Text, VERBS};
use crate::talk;
use crate::when;

/// Words naming a day, for which "what do i have…" is the agenda rather than the list.
const DAY_WORDS: &[&str] = &[
    "today",
    "tonight",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekend",
    "this morning",
    "this afternoon",
    "this evening",
];

/// The day a message names ("what's on for tomorrow"), if it names one.
fn day_named(m: Msg) -> Option<NaiveDate> {
    if !m.u.has_any(DAY_WORDS) {
        return None;
    }
    if let Some(hit) = when::find(m.u.orig, m.ctx) {
        return Some(hit.local().date());
    }
    let today = m.ctx.today();
    if m.u.has("tomorrow") { today.checked_add_days(Days::new(1)) } else { Some(today) }
}

const LIST_QUESTIONS: &[&str] = &[
    "what do i have to do",
    "what do i need to do",
    "what's left",
    "what's left to do",
    "what is left",
    "what should i do",
    "what should i do next",
    "what should i work on",
    "what's next",
    "what's next on my list",
    "what else do i have to do",
    "what have i got to do",
    "what do i still have to do",
    "what do i still need to do",
    "what's still open",
    "anything left",
    "anything left to do",
    "what's outstanding",
    "what do i need to get done",
    "what needs doing",
    "what needs to be done",
];

const DONE_QUESTIONS: &[&str] = &[
    "what have i done",
    "what did i finish",
    "what did i get done",
    "what have i finished",
    "what did i do",
    "what have i completed",
    "what did i complete",
    "what have i got done",
];

/// "what's on my list", "show my tasks", "my todos", "what do i have to do", "show completed tasks".
pub(super) fn list_tasks(m: Msg) -> Option<Plan> {
    let u = m.u;
    if u.is_any(DONE_QUESTIONS) {
        return one(calls::list_tasks(Some(Shown::Completed)));
    }
    let checking_off = u.after_any(&["check", "tick", "cross", "mark", "knock"]).is_some() && u.has("off");
    if day_named(m).is_some() || checking_off {
        return None;
    }
    let status = if u.has_any(&[
        "completed",
        "done",
        "finished",
        "complete",
        "did i do",
        "have i done",
        "i've done",
        "checked off",
    ]) {
        Some(Shown::Completed)
    } else if u.has_any(&["all", "everything"]) {
        Some(Shown::All)
    } else {
        None
    };
    const LIST_NAMES: &[&str] = &[
        "list",
        "tasks",
        "my tasks",
        "todo",
        "todos",
        "my todos",
        "my list",
        "the list",
        "todo list",
        "my todo list",
        "task list",
        "to do list",
        "my to do list",
        "checklist",
        "my checklist",
        "list tasks",
        "open tasks",
        "my open tasks",
        "completed tasks",
        "done tasks",
        "finished tasks",
        "all tasks",
        "all my tasks",
        "my task list",
        "to dos",
        "my to dos",
    ];
    if u.is_any(LIST_QUESTIONS) || u.is_any(LIST_NAMES) {
        return one(calls::list_tasks(status));
    }
    let named = u.has_any(TASK_NOUNS) || u.has("list");
    (named && u.after_any(LISTING_STARTERS).is_some()).then(|| Plan::Calls(vec![calls::list_tasks(status)]))
}

/// "what's on today", "what's on for tomorrow", "whats my day look like", "anything today?",
/// "agenda".
pub(super) fn agenda(m: Msg) -> Option<Plan> {
    let u = m.u;
    const AGENDA_WORDS: &[&str] = &[
        "agenda",
        "my day",
        "schedule",
        "on my plate",
        "rundown",
        "overview",
        "briefing",
        "daily brief",
        "plan for",
        "the plan",
        "my plan",
        "plans",
        "what's on",
        "what is on",
        "what's happening",
        "what is happening",
        "what's coming up",
        "coming up",
        "what's going on",
        "what do i have",
        "what have i got",
        "what's planned",
        "anything on",
        "what's due",
        "due today",
        "due tomorrow",
        "look like",
        "what's up for",
        "what's up today",
        "what's up tomorrow",
    ];
    const AGENDA_STARTERS: &[&str] = &[
        "what",
        "what's",
        "anything",
        "any",
        "do i have",
        "is there",
        "show",
        "show me",
        "tell me",
        "give me",
        "how",
        "how's",
        "list",
        "my",
        "today's",
        "tomorrow's",
        "what does",
        "got anything",
        "have i got",
    ];
    let day = day_named(m);
    let asked = u.after_any(AGENDA_STARTERS).is_some();
    let short = u.words().len() <= 4;
    let about_agenda = u.has_any(AGENDA_WORDS)
        && !u.starts_with("schedule")
        && (asked || short || AGENDA_WORDS.iter().any(|w| u.starts_with(w)));
    let just_a_day = u.is_any(&["today", "tomorrow", "tonight", "today?", "this week"]);
    if !(about_agenda || just_a_day || (day.is_some() && asked)) {
        return None;
    }
    let day = day.filter(|d| *d != m.ctx.today());
    one(calls::agenda(day))
}

/// Which task a message names: "the laundry task" → "laundry".
fn task_ref(s: Span) -> Option<String> {
    let s = s
        .strip_leading(&["the", "my", "a", "an", "that", "this", "with", "task", "todo"])
        .strip_trailing(&[
            "task", "todo", "item", "already", "now", "too", "as well", "finally", "yay", "woohoo",
        ])
        .strip_trailing(LIST_PLACES);
    let s = s.strip_trailing(&["task", "todo"]);
    (!s.is_empty()).then(|| s.text())
}

fn done_with(q: Span, m: Msg) -> Option<Plan> {
    // "done with laundry today": the time says nothing about which task.
    let rest = when::find(q.orig, m.ctx).map(|h| h.rest);
    let rest_text = rest.as_deref().map(Text::new);
    let q = rest_text.as_ref().map_or(q, Text::span);
    if q.is_empty()
        || q.is_any(&[
            "it",
            "that",
            "this",
            "everything",
            "all",
            "them",
            "all of them",
            "it all",
            "the thing",
            "so much",
        ])
    {
        return say(talk::done_what());
    }
    if q.starts_with("you") || q.starts_with("i") {
        return None;
    }
    task_ref(q).map(|t| Plan::Calls(vec![calls::complete_task(&t)]))
}

/// "done with laundry", "finished laundry", "i did the laundry", "laundry done", "mark buy milk as
/// done", "check off milk".
pub(super) fn complete(m: Msg) -> Option<Plan> {
    let u = m.u;
    if m.question {
        return None;
    }
    const MARKED: &[&str] = &[
        "as done",
        "done",
        "as complete",
        "complete",
        "as completed",
        "completed",
        "as finished",
        "finished",
        "off",
    ];
    if let Some(r) = u.after("mark")
        && let Some((_, x)) = r.before_any(MARKED)
    {
        return done_with(x, m);
    }
    for verb in ["check", "tick", "cross", "knock", "strike"] {
        if let Some(r) = u.after(verb) {
            if let Some(x) = r.after("off") {
                return done_with(x, m);
            }
            if let Some((_, x)) =
                r.before_any(&["off", "off my list", "off the list", "off my todo list", "off my to do list"])
            {
                return done_with(x, m);
            }
        }
    }
    if let Some((_, r)) = u.after_any(&["got", "i got", "i've got", "just got"])
        && let Some((_, x)) = r.before_any(&["done"])
    {
        return done_with(x, m);
    }
    const DONE_OPENERS: &[&str] = &[
        "i'm done with",
        "i am done with",
        "done with",
        "finished with",
        "i'm finished with",
        "i am finished with",
        "i finished",
        "finished",
        "i completed",
        "completed",
        "complete",
        "i did",
        "did",
        "i just did",
        "i just finished",
        "i've finished",
        "i have finished",
        "i've completed",
        "i have completed",
        "i've done",
        "i have done",
        "done",
        "i'm through with",
        "through with",
        "i took care of",
        "took care of",
        "i handled",
        "handled",
        "i sorted",
        "sorted",
    ];
    if let Some((_, x)) = u.after_any(DONE_OPENERS) {
        return done_with(x, m);
    }
    const DONE_CLOSERS: &[&str] = &[
        "done",
        "is done",
        "are done",
        "finished",
        "is finished",
        "complete",
        "completed",
        "is complete",
        "is completed",
        "all done",
        "is all done",
        "taken care of",
        "is taken care of",
        "sorted",
        "is sorted",
        "handled",
        "is handled",
        "done now",
        "is done now",
        "checked off",
        "done and dusted",
        "is finally done",
        "finally done",
        "done finally",
    ];
    if let Some((_, x)) = u.before_any(DONE_CLOSERS) {
        return done_with(x, m);
    }
    None
}

/// A priority said at the end of `s` ("… high priority", "… urgent", "… a priority"), and what
/// comes before it. `loose` also takes a bare level ("set laundry to low"), which only a verb
/// before it makes safe.
fn priority_tail(s: Span, loose: bool) -> Option<(Span, Priority)> {
    use Priority::*;
    const STRICT: &[(&str, Priority)] = &[
        ("critical", Critical),
        ("critical priority", Critical),
        ("top priority", High),
        ("urgent", High),
        ("asap", High),
        ("important", High),
        ("high priority", High),
        ("high prio", High),
        ("a high priority", High),
        ("a top priority", High),
        ("a priority", High),
        ("priority", High),
        ("medium priority", Medium),
        ("normal priority", Medium),
        ("a medium priority", Medium),
        ("low priority", Low),
        ("low prio", Low),
        ("a low priority", Low),
        ("not urgent", Low),
        ("not important", Low),
        ("no rush", Low),
        ("not a priority", Low),
        ("not a big deal", Low),
    ];
    const LOOSE: &[(&str, Priority)] =
        &[("high", High), ("top", High), ("medium", Medium), ("normal", Medium), ("low", Low)];
    let table = STRICT.iter().chain(if loose { LOOSE } else { &[] });
    let (phrase, level) = table.filter(|(p, _)| s.ends_with(p)).max_by_key(|(p, _)| p.len())?;
    let before = s.before_any(&[phrase]).map(|(_, b)| b)?;
    Some((before, *level))
}

/// "rename buy milk to buy oat milk", "make laundry high priority", "move dentist to friday".
pub(super) fn update(m: Msg) -> Option<Plan> {
    let u = m.u;
    if m.question {
        return None;
    }
    let edit = |task: Span, fields: TaskFields| -> Option<Plan> {
        if task.has_any(REMINDER_NOUNS) {
            return say(talk::no_reminder_moves());
        }
        task_ref(task).map(|t| Plan::Calls(vec![calls::update_task(&t, fields)]))
    };
    let due = |task: Span, when_said: Span| -> Option<Plan> {
        if task.has_any(REMINDER_NOUNS) {
            return say(talk::no_reminder_moves());
        }
        match when::find(when_said.orig, m.ctx) {
            Some(hit) => edit(task, TaskFields { due: Some(hit.local()), ..Default::default() }),
            None => say(talk::when_unclear()),
        }
    };
    const RENAME: &[&str] = &["rename", "change the name of", "change the title of", "retitle"];
    if let Some((_, r)) = u.after_any(RENAME) {
        let (task, title) = r.split("to").or_else(|| r.split("as"))?;
        return edit(task, TaskFields { title: Some(title.text()), ..Default::default() });
    }
    if let Some((_, r)) = u.after_any(&["prioritize", "prioritise", "bump up", "bump", "escalate"]) {
        let r = r.strip_trailing(&["up"]);
        return edit(r, TaskFields { priority: Some(Priority::High), ..Default::default() });
    }
    if let Some((_, r)) = u.after_any(&["deprioritize", "deprioritise"]) {
        return edit(r, TaskFields { priority: Some(Priority::Low), ..Default::default() });
    }
    // "set the due date of x to y", "change x's due date to y"
    const DUE_OF: &[&str] = &[
        "change the due date of",
        "change the due date for",
        "change due date of",
        "change due date for",
        "set the due date of",
        "set the due date for",
        "set due date for",
        "set due date of",
        "move the due date of",
        "move the due date for",
    ];
    if let Some((_, r)) = u.after_any(DUE_OF) {
        let (task, when_said) = r.rsplit("to")?;
        return due(task, when_said);
    }
    const EDIT_VERBS: &[&str] = &["make", "set", "mark", "change", "put", "switch", "turn", "update"];
    if let Some((_, r)) = u.after_any(EDIT_VERBS) {
        let r = r.strip_leading(&["the priority of", "priority of", "priority for", "the priority for"]);
        if let Some((task, level)) = priority_tail(r, true) {
            let task = task.strip_trailing(&[
                "to",
                "as",
                "is",
                "at",
                "'s priority",
                "priority",
                "'s priority to",
                "priority to",
            ]);
            let task = task.strip_trailing(&["to", "as", "priority", "'s priority"]);
            return edit(task, TaskFields { priority: Some(level), ..Default::default() });
        }
        if let Some((task, when_said)) = r.split("due").filter(|(t, w)| !t.is_empty() && !w.is_empty()) {
            let task = task
                .strip_trailing(&["'s", "to be", "to"])
                .strip_trailing(&["'s due date to", "due date to"]);
            let when_said = when_said.strip_leading(&["date to", "date", "on", "by"]);
            return due(task, when_said);
        }
        if u.starts_with("change") || u.starts_with("switch") {
            // "change x to y": a new time, or a new title.
            let (task, to) = r.rsplit("to")?;
            let is_time = when::find(to.orig, m.ctx).filter(|h| h.rest.trim().is_empty());
            return match is_time {
                Some(h) => edit(task, TaskFields { due: Some(h.local()), ..Default::default() }),
                None => edit(task, TaskFields { title: Some(to.text()), ..Default::default() }),
            };
        }
        return None;
    }
    const MOVE: &[&str] = &["move", "reschedule", "push", "push back", "postpone", "delay", "shift", "bump"];
    if let Some((_, r)) = u.after_any(MOVE) {
        // "move laundry to high priority", "bump taxes up to urgent"
        if let Some((task, level)) = priority_tail(r, true) {
            let task = task.strip_trailing(&["to", "up to", "up", "down to"]);
            return edit(task, TaskFields { priority: Some(level), ..Default::default() });
        }
        for sep in ["to", "until", "till", "til", "for", "back to"] {
            if let Some((task, when_said)) = r.rsplit(sep).filter(|(t, w)| !t.is_empty() && !w.is_empty()) {
                return due(task, when_said);
            }
        }
        return None;
    }
    // "laundry is urgent", "dentist is due friday"
    if let Some((task, when_said)) = u.split("is due").or_else(|| u.split("due on"))
        && !task.is_empty()
        && !when_said.is_empty()
    {
        return due(task, when_said);
    }
    if let Some((before, level)) = priority_tail(u, false)
        && let Some((_, task)) = before.before_any(&["is", "is now", "are", "should be"])
    {
        return edit(task, TaskFields { priority: Some(level), ..Default::default() });
    }
    None
}

const TASK_OPENERS: &[&str] = &[
    "add a task",
    "add task",
    "add a new task",
    "add new task",
    "add a todo",
    "add todo",
    "add to do",
    "add a to do",
    "new task",
    "new todo",
    "create a task",
    "create task",
    "make a task",
    "make a todo",
    "todo",
    "to do",
    "task",
    "add",
    "put",
    "i need to",
    "i have to",
    "need to",
    "have to",
    "i should",
    "i must",
    "i've got to",
    "i got to",
    "i have got to",
];

/// "to my list" and the like, said around what to add.
const LIST_TARGETS: &[&str] = &[
    "to my list",
    "to the list",
    "to my todo list",
    "to my to do list",
    "to my todos",
    "to my tasks",
    "to tasks",
    "to my task list",
    "to the to do list",
    "to the todo list",
    "to my shopping list",
    "to the shopping list",
    "to my grocery list",
    "to the grocery list",
    "to list",
    "as a task",
    "as a todo",
    "on my list",
    "on the list",
    "on my todo list",
    "on my to do list",
    "to my checklist",
    "to todo",
    "to todos",
];

/// "add buy milk", "add task call the bank", "todo: renew passport", "i need to buy milk", "add
/// call the bank tomorrow", "urgent: pay the fine".
pub(super) fn add_task(m: Msg) -> Option<Plan> {
    use Priority::*;
    const PRIORITY_OPENERS: &[(&str, Priority)] = &[
        ("urgent", High),
        ("asap", High),
        ("important", High),
        ("high priority", High),
        ("top priority", High),
        ("priority", High),
        ("critical", Critical),
        ("low priority", Low),
        ("not urgent", Low),
    ];
    let u = m.u;
    let (mut priority, u) = PRIORITY_OPENERS
        .iter()
        .filter(|(p, _)| u.starts_with(p))
        .max_by_key(|(p, _)| p.len())
        .map_or((None, u), |(p, level)| (Some(*level), u.after(p).unwrap_or(u)));
    let (opener, body) = match u.after_any(TASK_OPENERS) {
        Some(found) => found,
        None if priority.is_some() => ("", u),
        None => return None,
    };
    // "add a task to call the plumber"
    let body = if opener.contains("task") || opener.contains("todo") || opener.contains("to do") {
        body.strip_leading(&["to", "for", "called", "named"])
    } else {
        body
    };
    let body = body.strip_leading(LIST_TARGETS);
    let (listed, body) = match body.before_any(LIST_TARGETS) {
        Some((_, b)) => (true, b),
        None => (false, body),
    };
    // "put the kettle on" is not a task; "put milk on my list" is.
    if opener == "put" && !listed {
        return None;
    }
    let body = match priority_tail(body, false) {
        Some((b, level)) if !b.is_empty() => {
            priority = priority.or(Some(level));
            b.strip_trailing(&["-", "it's", "its", "it is"])
        }
        _ => body,
    };
    let hit = when::find(body.orig, m.ctx);
    let rest = hit.as_ref().map(|h| Text::new(&h.rest));
    let body = rest
        .as_ref()
        .map_or(body, |r| r.span().strip_trailing(LIST_TARGETS).strip_trailing(&["due", "by", "at", "on"]));
    let (title, description) = match body.split(" - ").filter(|(t, d)| !t.is_empty() && !d.is_empty()) {
        Some((t, d)) => (t, Some(d.text())),
        None => (body, None),
    };
    if title.is_empty() {
        return say(talk::add_what());
    }
    if let Some(h) = hit.as_ref().filter(|h| h.rrule().is_some()) {
        // A chore that repeats is a reminder: tasks have no recurrence.
        return one(calls::create_reminder(&title.text(), h.local(), h.rrule()));
    }
    let fields = TaskFields { title: Some(title.text()), description, priority, due: hit.map(|h| h.local()) };
    one(calls::create_task(fields))
}

/// Verbs said to the assistant rather than things to do: "tell me a joke" is not a task.
const SAID_TO_ME: &[&str] = &[
    "tell", "show", "help", "give", "let", "see", "try", "stop", "set", "cancel", "remember", "say", "think",
    "be",
];

/// A short bare thing to do ("buy milk", "call the bank"): not acted on unasked, but offered.
pub(super) fn offer_task(m: Msg) -> Option<Plan> {
    let words = m.u.words();
    let first = *words.first()?;
    let fits = !m.question && words.len() <= 6 && VERBS.contains(&first) && !SAID_TO_ME.contains(&first);
    fits.then(|| Plan::Say(talk::offer_task(&m.u.text())))
}
