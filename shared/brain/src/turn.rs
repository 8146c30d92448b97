//! The last message in its conversation: an answer to a question the brain just asked ("when
//! should I remind you…?" → "tomorrow at 5"), and "undo" of what it just did.

use nudge_domain::LlmMessage;
use serde_json::Value;

use crate::calls::{
    self, ADD_TO_YOUTUBE_PLAYLIST, CREATE_CALENDAR_EVENT, CREATE_NOTION_PAGE, CREATE_REMINDER, CREATE_TASK,
    REMEMBER, SEND_EMAIL,
};
use crate::intent::{self, Plan};
use crate::talk;
use crate::when::Ctx;

/// What the last user message (at `last`) means, read with the turn before it.
pub(crate) fn plan(messages: &[LlmMessage], last: usize, ctx: &Ctx) -> Plan {
    let LlmMessage::User { content } = &messages[last] else { return Plan::Unknown };
    let plan = intent::read(content, ctx);
    let previous_user = messages[..last].iter().rposition(|m| matches!(m, LlmMessage::User { .. }));
    let asked = messages[..last].iter().rev().find_map(|m| match m {
        LlmMessage::Assistant { content: Some(c), .. } => Some(c.as_str()),
        _ => None,
    });
    match (&plan, previous_user, asked) {
        // "remind me to call mom" / "When should I remind you…?" / "tomorrow at 5", and likewise
        // "add dentist to my calendar" / "When should I put "dentist" on your calendar?"
        (Plan::AskWhat { .. }, Some(p), Some(q))
            if q.starts_with(talk::ASK_WHEN) || q.starts_with(talk::ASK_EVENT_WHEN) =>
        {
            if let LlmMessage::User { content: before } = &messages[p] {
                let merged = intent::read(&format!("{before} {content}"), ctx);
                if matches!(merged, Plan::Calls(_)) {
                    return merged;
                }
            }
            plan
        }
        // "remind me at 5" / "What should I remind you about…?" / "call mom" (which alone is
        // not understood, or offered as a task)
        (Plan::Unknown | Plan::Say(_), Some(p), Some(q)) if q.starts_with(talk::ASK_WHAT) && loose(&plan) => {
            if let LlmMessage::User { content: before } = &messages[p] {
                let merged = intent::read(&format!("{before} to {content}"), ctx);
                if matches!(merged, Plan::Calls(_)) {
                    return merged;
                }
            }
            plan
        }
        // "buy milk" / "Want me to add "buy milk" to your list?" / "yes"
        (_, Some(p), Some(q)) if q.starts_with(talk::OFFER_ADD) && intent::is_yes(content) => {
            if let LlmMessage::User { content: before } = &messages[p] {
                let merged = intent::read(&format!("add {before}"), ctx);
                if matches!(merged, Plan::Calls(_)) {
                    return merged;
                }
            }
            plan
        }
        // "email Sam that I'm late" / "What's the email address for Sam?" / "sam@example.com"
        (_, Some(p), Some(q)) if q.starts_with(talk::ASK_EMAIL_ADDRESS) && answers(&plan) => {
            let address = intent::address_in(content).map(|(a, b)| content[a..b].to_owned());
            if let (LlmMessage::User { content: before }, Some(address)) = (&messages[p], address)
                && let Some(email) = intent::read_email(before, ctx)
            {
                return intent::Email { to: Some(address), ..email }.plan();
            }
            plan
        }
        // "email sam@example.com" / "What should the email to sam@example.com say?" / "I'm late"
        (_, Some(p), Some(q)) if q.starts_with(talk::ASK_EMAIL_BODY) && says(&plan) => {
            if let LlmMessage::User { content: before } = &messages[p]
                && let Some(email) = intent::read_email(before, ctx)
                && email.to.is_some()
                && let Some(body) = intent::answer_body(content)
            {
                return intent::Email { body: Some(body), ..email }.plan();
            }
            plan
        }
        (Plan::Undo, _, _) => undo(&messages[previous_user.map_or(0, |p| p + 1)..last]),
        _ => plan,
    }
}

/// A plan that is no command of its own, so may answer a question asked.
fn loose(plan: &Plan) -> bool {
    match plan {
        Plan::Unknown => true,
        Plan::Say(s) => s.starts_with(talk::OFFER_ADD),
        _ => false,
    }
}

/// A plan that may answer a question about an email: anything but a new email, or a command
/// other than a note ("his email is sam@example.com").
fn answers(plan: &Plan) -> bool {
    match plan {
        Plan::Calls(calls) => calls.iter().all(|c| c.name == REMEMBER),
        _ => true,
    }
}

/// A plan that may be what an email should say: anything but a new email, "never mind",
/// "cancel" or "no". ("it moved to 3pm" alone would be a reminder.)
fn says(plan: &Plan) -> bool {
    match plan {
        Plan::Undo => false,
        Plan::Say(s) => *s != talk::never_mind() && *s != talk::ack(),
        Plan::Calls(calls) => calls.iter().all(|c| c.name != SEND_EMAIL),
        _ => true,
    }
}

/// Undoes what the previous turn (`turn`, the messages after the user's previous message) did.
fn undo(turn: &[LlmMessage]) -> Plan {
    let done = turn.iter().rev().find_map(|m| match m {
        LlmMessage::Tool { name, content, is_error: false, .. } => {
            Some((name.as_str(), serde_json::from_str::<Value>(content).ok()?))
        }
        _ => None,
    });
    match done {
        Some((CREATE_REMINDER, v)) => match v.get("id").and_then(Value::as_str) {
            Some(id) => Plan::Calls(vec![calls::cancel_reminder(id)]),
            None => Plan::Say(talk::nothing_to_undo()),
        },
        Some((REMEMBER, v)) => match v.get("content").and_then(Value::as_str) {
            Some(content) => Plan::Calls(vec![calls::forget(content)]),
            None => Plan::Say(talk::nothing_to_undo()),
        },
        Some((CREATE_TASK, _)) => Plan::Say(talk::no_task_deletion()),
        Some((SEND_EMAIL, v)) => Plan::Say(talk::email_not_sent(v.get("code").and_then(Value::as_str))),
        Some((CREATE_CALENDAR_EVENT | CREATE_NOTION_PAGE | ADD_TO_YOUTUBE_PLAYLIST, v)) => {
            Plan::Say(talk::nothing_added(v.get("code").and_then(Value::as_str)))
        }
        _ => Plan::Say(talk::nothing_to_undo()),
    }
}
