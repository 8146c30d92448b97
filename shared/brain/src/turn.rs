//! The last message in its conversation: an answer to a question the brain just asked ("when
//! should I remind you…?" → "tomorrow at 5"), and "undo" of what it just did.

use nudge_domain::LlmMessage;
use serde_json::Value;

use crate::calls::{self, CREATE_REMINDER, CREATE_TASK, REMEMBER};
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
        // "remind me to call mom" / "When should I remind you…?" / "tomorrow at 5"
        (Plan::AskWhat { .. }, Some(p), Some(q)) if q.starts_with(talk::ASK_WHEN) => {
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
        _ => Plan::Say(talk::nothing_to_undo()),
    }
}
