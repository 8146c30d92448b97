//! The offline brain: Nudge's [`LanguageModel`] when no LLM provider is configured.
//!
//! It reads what people actually text an assistant like this one (lowercase, no punctuation,
//! SMS shorthand, "hey nudge, can you…", "…pls 🙏") and answers the way a hosted model would:
//! with the agent's tool calls, and, once they have run, with a short reply composed from their
//! results. It is deterministic: the same message, "now" and zone always give the same calls.
//! Times are understood by `nudge-when`; this crate parses none itself.
//!
//! A step of a turn works like this ([`OfflineBrain::respond`]):
//! - when tool results follow the last user message, they are the calls it proposed this turn:
//!   the answer is text composed from them ("Got it. I'll remind you to take your meds at 9:00 PM
//!   today."), and errors get a way forward ("I couldn't find a task matching "laundry"…");
//! - otherwise the last user message is read, and the answer is the tool calls it means (ids
//!   `call_1`, `call_2`, …) or text: to small talk, help, a question back when something is
//!   missing, or, when it did not understand, a kind word and a few examples.
//!
//! What it understands (each line: a few of the ways people say it → the call):
//! - reminders: "remind me to take my meds at 9pm", "remind me 2 call mom tmrw @ 5", "reminder:
//!   dentist friday 3pm", "ping me in 20 mins about the oven", "don't let me forget to pay rent on
//!   the 1st", "nudge me every weekday at 8 to stretch", "wake me up at 7", "set an alarm for
//!   7am", or just "call mom at 5" → `create_reminder`. Without a time it asks when ("don't
//!   forget the milk"), and reads the next message as the answer; likewise for a time without a
//!   subject ("remind me at 5").
//! - "my reminders", "what reminders do i have" → `list_reminders`; "cancel the meds reminder",
//!   "stop reminding me about the dentist", "delete reminder 0190…" → `cancel_reminder`;
//!   "snooze", "snooze 10", "snooze for an hour", "snooze the meds reminder until 5pm", "later"
//!   → `snooze_reminder` (10 minutes when no length is said, 30 for "later").
//! - tasks: "add buy milk", "add task call the bank", "todo: renew passport", "add buy milk to my
//!   list", "i need to buy milk", "add call the bank tomorrow" (due), "urgent: pay the fine"
//!   (high priority) → `create_task`; "what's on my list", "show my tasks", "my todos", "what do i
//!   have to do", "show completed tasks" → `list_tasks`; "rename buy milk to buy oat milk", "make
//!   laundry high priority", "move dentist to friday" → `update_task`; "done with laundry",
//!   "finished laundry", "i did the laundry", "laundry done", "mark buy milk as done", "check off
//!   milk" → `complete_task` (a bare "done" asks what was done).
//! - "what's on today", "what's on for tomorrow", "whats my day look like", "anything today?",
//!   "agenda" → `agenda` (the day only when it is not today).
//! - memory: "remember that my locker code is 4411", "note: wifi password is hunter2", "don't
//!   forget i'm allergic to penicillin" (no time: a fact, not a reminder) → `remember`; "what's my
//!   locker code", "what do you know about my meds", "do you remember my wifi password" →
//!   `recall`; "forget my locker code" → `forget`.
//! - "what time is it", "what's the date" → `current_time`.
//! - the calendar (Google, Microsoft): "what's on my calendar today", "what meetings do i have
//!   tomorrow", "my schedule for friday", "any appointments on the 3rd?", "am i free this
//!   afternoon?" → `calendar_events` for that day (none said: today); "calendar next week"
//!   (from Monday), "this week" (to Sunday), "the next 3 days", "this weekend" → several days.
//!   Only a message naming the calendar, its meetings, events, appointments or schedule, or
//!   asking whether the user is free, is about it: "what do i have today" is the agenda. The
//!   reply lists the day's events on the user's clock ("Today on your calendar: 9:00-9:15 AM
//!   Standup; 2:30-3:00 PM Dentist (Main St); all day: Sam's birthday."), and an account that
//!   is not connected or needs renewing gets how to fix it. "add dentist to my calendar
//!   tomorrow at 3pm", "new event: team dinner friday at 7pm" → `create_calendar_event`,
//!   approved first like an email (without a time it asks when).
//! - "search notion for trip plans", "find trip plans in notion" → `notion_search`; "find
//!   youtube videos about sourdough", "search youtube for sourdough", "look up sourdough on
//!   youtube" → `youtube_search`. Replies list the titles (and the videos' links).
//! - email: "email sam@example.com that I'm running late", "send an email to sam@example.com
//!   saying I'll be late", "e-mail sam@example.com: running 10 min late", "email Sam at
//!   sam@example.com and tell him the report is done", "mail sam@example.com about the meeting:
//!   moved to 3pm" (a subject) → `send_email`, the body in the user's own words ("I'm running
//!   late"). The tool sends nothing itself but asks the user to approve, and the reply says how
//!   ("reply YES 4821 (or NO 4821) to the text I just sent, within 15 minutes"). Only a message
//!   that opens with it is an email ("remind me to email sam@…" is a reminder); with no address
//!   ("email Sam that I'm late") it asks for one, with nothing to say it asks what, and reads the
//!   next message as the answer.
//! - a short bare thing to do ("buy milk", "call the bank") is offered as a task, and a "yes"
//!   adds it; "undo", "cancel that" right after setting a reminder cancels it; several lines
//!   that are each a command ("add milk\nadd eggs") are each run.
//! - small talk: greetings, thanks, "ok", "help", "what can you do" → text.
//!
//! Replies are plain ASCII (one SMS stays in the GSM alphabet), times on a 12-hour clock.

mod calls;
mod clock;
mod extract;
mod intent;
mod reply;
mod talk;
mod turn;
mod when;

use async_trait::async_trait;
use nudge_domain::{LanguageModel, LlmError, LlmMessage, LlmRequest, LlmResponse, ToolCall, Usage};

use crate::intent::Plan;
use crate::when::Ctx;

pub use crate::calls::{
    ADD_TO_YOUTUBE_PLAYLIST, AGENDA, CALENDAR_EVENTS, CANCEL_REMINDER, COMPLETE_TASK, CREATE_CALENDAR_EVENT,
    CREATE_NOTION_PAGE, CREATE_REMINDER, CREATE_TASK, CURRENT_TIME, FORGET, LIST_REMINDERS, LIST_TASKS,
    NOTION_SEARCH, RECALL, REMEMBER, SEND_EMAIL, SNOOZE_REMINDER, UPDATE_TASK, YOUTUBE_SEARCH,
};

/// The model name it answers with, in logs and usage records.
pub const MODEL: &str = nudge_domain::llm::OFFLINE_MODEL;

/// The offline brain. It holds nothing: every answer comes from the request alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineBrain;

impl OfflineBrain {
    pub fn new() -> Self {
        OfflineBrain
    }

    /// One step of a turn, synchronously (it waits on nothing); [`LanguageModel::complete`]
    /// returns the same.
    pub fn respond(&self, request: &LlmRequest) -> LlmResponse {
        let ctx = Ctx { now: request.now, tz: request.timezone };
        let Some(last) = request.messages.iter().rposition(|m| matches!(m, LlmMessage::User { .. })) else {
            return text(talk::greeting());
        };
        let after = &request.messages[last + 1..];
        if after.iter().any(|m| matches!(m, LlmMessage::Tool { .. })) {
            return text(reply::compose(after, &ctx));
        }
        // A catalog without one of these tools (a restricted agent) cannot run them.
        let offered = |name: &str| request.tools.is_empty() || request.tools.iter().any(|t| t.name == name);
        match turn::plan(&request.messages, last, &ctx) {
            Plan::Calls(calls) => {
                if !calls.iter().all(|c| offered(c.name)) {
                    return text(talk::not_available());
                }
                let tool_calls = calls
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| ToolCall {
                        id: format!("call_{}", i + 1),
                        name: c.name.to_owned(),
                        arguments: c.arguments,
                    })
                    .collect();
                LlmResponse { content: None, tool_calls, usage: Usage::default(), model: MODEL.to_owned() }
            }
            Plan::Say(s) => text(s),
            Plan::Ask { tool, question } if offered(tool) => text(question),
            Plan::Ask { .. } => text(talk::not_available()),
            Plan::AskWhen(subject) => text(talk::ask_when(&reply::remind_phrase(&subject))),
            Plan::AskWhat { at, rrule } => {
                let now = ctx.local_now();
                let said = match rrule.as_deref().and_then(|r| clock::repeat(r, at)) {
                    Some(how) => how,
                    None => clock::when(at, now),
                };
                text(talk::ask_what(&said))
            }
            Plan::Undo => text(talk::nothing_to_undo()),
            Plan::Unknown => text(talk::not_understood()),
        }
    }
}

fn text(s: String) -> LlmResponse {
    LlmResponse { content: Some(s), tool_calls: Vec::new(), usage: Usage::default(), model: MODEL.to_owned() }
}

#[async_trait]
impl LanguageModel for OfflineBrain {
    fn name(&self) -> &str {
        MODEL
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        Ok(self.respond(request))
    }
}
