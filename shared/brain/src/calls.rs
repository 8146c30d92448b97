//! The agent's tool catalog as this crate calls it: every tool name and argument shape in one
//! place, so a rename in the catalog is one edit here. The executor validates arguments against
//! the catalog's JSON schemas, so these build exactly those shapes and nothing more.

use chrono::{NaiveDate, NaiveDateTime};
use nudge_domain::Priority;
use serde_json::{Map, Value, json};

use crate::when::stamp;

pub const CREATE_REMINDER: &str = "create_reminder";
pub const LIST_REMINDERS: &str = "list_reminders";
pub const CANCEL_REMINDER: &str = "cancel_reminder";
pub const SNOOZE_REMINDER: &str = "snooze_reminder";
pub const CREATE_TASK: &str = "create_task";
pub const LIST_TASKS: &str = "list_tasks";
pub const UPDATE_TASK: &str = "update_task";
pub const COMPLETE_TASK: &str = "complete_task";
pub const AGENDA: &str = "agenda";
pub const REMEMBER: &str = "remember";
pub const RECALL: &str = "recall";
pub const FORGET: &str = "forget";
pub const CURRENT_TIME: &str = "current_time";
/// An external effect: it sends nothing itself, but asks the user to approve the email first.
pub const SEND_EMAIL: &str = "send_email";
/// The user's connected calendars (Google, Microsoft) for a day or a few.
pub const CALENDAR_EVENTS: &str = "calendar_events";
/// An external effect, approved first like an email.
pub const CREATE_CALENDAR_EVENT: &str = "create_calendar_event";
pub const NOTION_SEARCH: &str = "notion_search";
/// An external effect, approved first; the brain only words its result.
pub const CREATE_NOTION_PAGE: &str = "create_notion_page";
pub const YOUTUBE_SEARCH: &str = "youtube_search";
/// An external effect, approved first; the brain only words its result.
pub const ADD_TO_YOUTUBE_PLAYLIST: &str = "add_to_youtube_playlist";

/// Snooze bounds the catalog accepts: a minute to a week.
pub const SNOOZE_MAX_MINUTES: i64 = 10_080;
/// The longest span `calendar_events` reads, in days.
pub const CALENDAR_MAX_DAYS: u32 = 14;

/// One tool call the brain proposes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    pub name: &'static str,
    pub arguments: Value,
}

fn call(name: &'static str, arguments: Value) -> Call {
    Call { name, arguments }
}

pub(crate) fn create_reminder(text: &str, at: NaiveDateTime, recurrence: Option<&str>) -> Call {
    let mut args = json!({ "text": text, "at": stamp(at) });
    if let Some(r) = recurrence {
        args["recurrence"] = json!(r);
    }
    call(CREATE_REMINDER, args)
}

pub(crate) fn list_reminders() -> Call {
    call(LIST_REMINDERS, json!({}))
}

pub(crate) fn cancel_reminder(reminder: &str) -> Call {
    call(CANCEL_REMINDER, json!({ "reminder": reminder }))
}

pub(crate) fn snooze_reminder(minutes: i64, reminder: Option<&str>) -> Call {
    let mut args = json!({ "minutes": minutes.clamp(1, SNOOZE_MAX_MINUTES) });
    if let Some(r) = reminder {
        args["reminder"] = json!(r);
    }
    call(SNOOZE_REMINDER, args)
}

/// What `create_task` and `update_task` may set besides the title.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskFields {
    pub title: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Priority>,
    pub due: Option<NaiveDateTime>,
}

impl TaskFields {
    fn into_args(self, mut args: Map<String, Value>) -> Value {
        if let Some(t) = self.title {
            args.insert("title".into(), json!(t));
        }
        if let Some(d) = self.description {
            args.insert("description".into(), json!(d));
        }
        if let Some(p) = self.priority {
            args.insert("priority".into(), json!(p.as_str()));
        }
        if let Some(d) = self.due {
            args.insert("due".into(), json!(stamp(d)));
        }
        Value::Object(args)
    }
}

pub(crate) fn create_task(fields: TaskFields) -> Call {
    call(CREATE_TASK, fields.into_args(Map::new()))
}

/// Which tasks `list_tasks` shows; the catalog's default (open) when not said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shown {
    Completed,
    All,
}

pub(crate) fn list_tasks(status: Option<Shown>) -> Call {
    call(
        LIST_TASKS,
        match status {
            None => json!({}),
            Some(Shown::Completed) => json!({ "status": "completed" }),
            Some(Shown::All) => json!({ "status": "all" }),
        },
    )
}

pub(crate) fn update_task(task: &str, change: TaskFields) -> Call {
    let mut args = Map::new();
    args.insert("task".into(), json!(task));
    call(UPDATE_TASK, change.into_args(args))
}

pub(crate) fn complete_task(task: &str) -> Call {
    call(COMPLETE_TASK, json!({ "task": task }))
}

/// The agenda of `day`; today when `None` (the catalog's default).
pub(crate) fn agenda(day: Option<NaiveDate>) -> Call {
    call(
        AGENDA,
        match day {
            None => json!({}),
            Some(d) => json!({ "day": d.format("%Y-%m-%d").to_string() }),
        },
    )
}

pub(crate) fn remember(content: &str) -> Call {
    call(REMEMBER, json!({ "content": content }))
}

pub(crate) fn recall(query: &str) -> Call {
    call(RECALL, json!({ "query": query }))
}

pub(crate) fn forget(memory: &str) -> Call {
    call(FORGET, json!({ "memory": memory }))
}

pub(crate) fn current_time() -> Call {
    call(CURRENT_TIME, json!({}))
}

pub(crate) fn send_email(to: &str, subject: Option<&str>, body: &str) -> Call {
    let mut args = json!({ "to": to, "body": body });
    if let Some(s) = subject {
        args["subject"] = json!(s);
    }
    call(SEND_EMAIL, args)
}

/// The calendar from `day` (today when `None`, the catalog's default) for `days` days (one when
/// `None`).
pub(crate) fn calendar_events(day: Option<NaiveDate>, days: Option<u32>) -> Call {
    let mut args = json!({});
    if let Some(d) = day {
        args["day"] = json!(d.format("%Y-%m-%d").to_string());
    }
    if let Some(n) = days {
        args["days"] = json!(n.clamp(1, CALENDAR_MAX_DAYS));
    }
    call(CALENDAR_EVENTS, args)
}

/// An event at `start` (local wall clock); the tool makes it half an hour long.
pub(crate) fn create_calendar_event(title: &str, start: NaiveDateTime) -> Call {
    call(CREATE_CALENDAR_EVENT, json!({ "title": title, "start": stamp(start) }))
}

pub(crate) fn notion_search(query: &str) -> Call {
    call(NOTION_SEARCH, json!({ "query": query }))
}

pub(crate) fn youtube_search(query: &str) -> Call {
    call(YOUTUBE_SEARCH, json!({ "query": query }))
}
