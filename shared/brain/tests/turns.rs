//! The brain in a conversation and behind the `LanguageModel` port: answers to its own
//! questions, "undo", a restricted catalog, and the async trait.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use chrono::{DateTime, Utc};
use nudge_brain::OfflineBrain;
use nudge_domain::{LanguageModel, LlmMessage, LlmRequest, LlmResponse, ToolCall, ToolSpec};
use serde_json::json;

fn now() -> DateTime<Utc> {
    "2026-11-18T19:05:00Z".parse().unwrap()
}

fn request(messages: Vec<LlmMessage>) -> LlmRequest {
    LlmRequest {
        system: "You are Nudge.".to_owned(),
        messages,
        tools: Vec::new(),
        max_tokens: 512,
        now: now(),
        timezone: chrono_tz::America::New_York,
    }
}

fn user(s: &str) -> LlmMessage {
    LlmMessage::User { content: s.to_owned() }
}

fn said(s: &str) -> LlmMessage {
    LlmMessage::Assistant { content: Some(s.to_owned()), tool_calls: Vec::new() }
}

fn respond(messages: Vec<LlmMessage>) -> LlmResponse {
    OfflineBrain::new().respond(&request(messages))
}

/// The one step a conversation takes from its last user message, as the brain answers it.
fn text_of(messages: Vec<LlmMessage>) -> String {
    let r = respond(messages);
    assert!(r.tool_calls.is_empty(), "{:?}", r.tool_calls);
    r.content.unwrap()
}

#[test]
fn a_reminder_without_a_time_is_asked_about_and_the_answer_completes_it() {
    let asked = text_of(vec![user("remind me to call mom")]);
    assert!(asked.starts_with("When should I remind you to call mom?"), "{asked}");
    let r = respond(vec![user("remind me to call mom"), said(&asked), user("tmrw at 5")]);
    assert_eq!(r.tool_calls.len(), 1, "{:?}", r.content);
    assert_eq!(r.tool_calls[0].name, "create_reminder");
    assert_eq!(r.tool_calls[0].arguments, json!({ "text": "call mom", "at": "2026-11-19T17:00" }));
}

#[test]
fn a_time_without_a_subject_is_asked_about_and_the_answer_completes_it() {
    let asked = text_of(vec![user("remind me at 5")]);
    assert_eq!(asked, "What should I remind you about at 5:00 PM today?");
    let r = respond(vec![user("remind me at 5"), said(&asked), user("take the chicken out")]);
    assert_eq!(r.tool_calls.len(), 1, "{:?}", r.content);
    assert_eq!(
        r.tool_calls[0].arguments,
        json!({ "text": "take the chicken out", "at": "2026-11-18T17:00" })
    );
}

#[test]
fn a_bare_time_with_no_question_pending_asks_what() {
    let got = text_of(vec![user("hello"), said("Hi!"), user("tomorrow at 5")]);
    assert!(got.starts_with("What should I remind you about tomorrow at 5:00 PM?"), "{got}");
}

#[test]
fn a_bare_thing_to_do_is_offered_and_yes_adds_it() {
    let offered = text_of(vec![user("buy milk")]);
    assert!(offered.starts_with("Want me to add \"buy milk\" to your list?"), "{offered}");
    let r = respond(vec![user("buy milk"), said(&offered), user("yes pls")]);
    assert_eq!(r.tool_calls.len(), 1, "{:?}", r.content);
    assert_eq!(r.tool_calls[0].name, "create_task");
    assert_eq!(r.tool_calls[0].arguments, json!({ "title": "buy milk" }));
    // "no" to the offer adds nothing.
    let r = respond(vec![user("buy milk"), said(&offered), user("no")]);
    assert!(r.tool_calls.is_empty());
}

#[test]
fn undo_cancels_the_reminder_just_set() {
    let r = respond(vec![
        user("remind me to stretch in 2 minutes"),
        LlmMessage::Assistant {
            content: None,
            tool_calls: vec![ToolCall { id: "call_1".into(), name: "create_reminder".into(), arguments: json!({ "text": "stretch", "at": "2026-11-18T14:07" }) }],
        },
        LlmMessage::Tool {
            call_id: "call_1".into(),
            name: "create_reminder".into(),
            content: json!({ "id": "0190abc", "text": "stretch", "next_fire_at": "2026-11-18T14:07:00-05:00", "recurrence": null }).to_string(),
            is_error: false,
        },
        said("Got it. I'll remind you to stretch in 2 minutes (2:07 PM)."),
        user("undo"),
    ]);
    assert_eq!(r.tool_calls.len(), 1, "{:?}", r.content);
    assert_eq!(r.tool_calls[0].name, "cancel_reminder");
    assert_eq!(r.tool_calls[0].arguments, json!({ "reminder": "0190abc" }));
}

#[test]
fn an_email_without_an_address_asks_for_it_and_the_answer_completes_it() {
    let message = "email Sam that I'm running late";
    let asked = text_of(vec![user(message)]);
    assert_eq!(asked, "What's the email address for Sam?");
    let r = respond(vec![user(message), said(&asked), user("it's sam@example.com")]);
    assert_eq!(r.tool_calls.len(), 1, "{:?}", r.content);
    assert_eq!(r.tool_calls[0].name, "send_email");
    assert_eq!(r.tool_calls[0].arguments, json!({ "to": "sam@example.com", "body": "I'm running late" }));
    // An answer with no address is read as a message of its own.
    let got = text_of(vec![user(message), said(&asked), user("never mind")]);
    assert!(got.contains("No problem"), "{got}");
}

#[test]
fn an_email_with_nothing_to_say_asks_what_and_the_answer_is_the_body() {
    let message = "mail sam@example.com about the meeting";
    let asked = text_of(vec![user(message)]);
    assert_eq!(asked, "What should the email to sam@example.com say?");
    // The answer is sent as written, even when it reads like a command of its own.
    let r = respond(vec![user(message), said(&asked), user("it moved to 3pm, sorry!")]);
    assert_eq!(r.tool_calls.len(), 1, "{:?}", r.content);
    assert_eq!(
        r.tool_calls[0].arguments,
        json!({ "to": "sam@example.com", "subject": "The meeting", "body": "It moved to 3pm, sorry!" })
    );
    for out in ["never mind", "cancel"] {
        let r = respond(vec![user(message), said(&asked), user(out)]);
        assert!(r.tool_calls.is_empty(), "{out}: {:?}", r.tool_calls);
    }
}

#[test]
fn an_email_is_not_offered_by_a_catalog_without_it() {
    let mut req = request(vec![user("email sam@example.com that I'm running late")]);
    req.tools = vec![ToolSpec {
        name: "create_task".into(),
        description: "Add a task".into(),
        parameters: json!({ "type": "object" }),
    }];
    let r = OfflineBrain::new().respond(&req);
    assert!(r.tool_calls.is_empty());
    assert!(r.content.unwrap().contains("can't do that"));
    // Nor asked about.
    req.messages = vec![user("email Sam that I'm running late")];
    let r = OfflineBrain::new().respond(&req);
    assert!(r.content.unwrap().contains("can't do that"));
}

#[test]
fn undo_after_an_email_says_nothing_was_sent() {
    let call = ToolCall {
        id: "call_1".into(),
        name: "send_email".into(),
        arguments: json!({ "to": "sam@example.com", "body": "I'm running late" }),
    };
    let result = json!({
        "status": "waiting_for_approval", "approval_id": "0190ap", "code": "4821",
        "expires_at": "2026-11-18T19:20:00Z", "expires_in_minutes": 15, "asked_on": "sms",
        "summary": "send an email to sam@example.com: \"I'm running late\""
    });
    let got = text_of(vec![
        user("email sam@example.com that I'm running late"),
        LlmMessage::Assistant { content: None, tool_calls: vec![call] },
        LlmMessage::Tool {
            call_id: "call_1".into(),
            name: "send_email".into(),
            content: result.to_string(),
            is_error: false,
        },
        said("I'll email sam@example.com once you say yes."),
        user("undo"),
    ]);
    assert!(got.starts_with("Nothing has been sent"), "{got}");
    assert!(got.contains("NO 4821"), "{got}");
}

#[test]
fn results_from_an_earlier_turn_do_not_make_a_reply() {
    // The tool results belong to the previous user message; this one is read afresh.
    let r = respond(vec![
        user("add milk"),
        LlmMessage::Assistant {
            content: None,
            tool_calls: vec![ToolCall {
                id: "call_1".into(),
                name: "create_task".into(),
                arguments: json!({ "title": "milk" }),
            }],
        },
        LlmMessage::Tool {
            call_id: "call_1".into(),
            name: "create_task".into(),
            content: "{}".into(),
            is_error: false,
        },
        said("Added \"milk\" to your list."),
        user("what's on my list"),
    ]);
    assert_eq!(r.tool_calls.len(), 1);
    assert_eq!(r.tool_calls[0].name, "list_tasks");
    assert_eq!(r.tool_calls[0].id, "call_1");
}

#[test]
fn a_tool_the_catalog_does_not_offer_is_not_called() {
    let mut req = request(vec![user("remember that my locker code is 4411")]);
    req.tools = vec![ToolSpec {
        name: "create_task".into(),
        description: "Add a task".into(),
        parameters: json!({ "type": "object" }),
    }];
    let r = OfflineBrain::new().respond(&req);
    assert!(r.tool_calls.is_empty());
    assert!(r.content.unwrap().contains("can't do that"));
    req.messages = vec![user("add buy milk")];
    let r = OfflineBrain::new().respond(&req);
    assert_eq!(r.tool_calls.len(), 1);
}

#[test]
fn no_user_message_gets_a_greeting() {
    let got = text_of(Vec::new());
    assert!(got.contains("What can I help you keep track of"), "{got}");
}

fn block_on<F: Future>(f: F) -> F::Output {
    // The brain waits on nothing, so its future is ready the first time it is polled.
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the offline brain never waits"),
    }
}

#[test]
fn it_is_a_language_model_named_offline() {
    let brain = OfflineBrain::new();
    let model: &dyn LanguageModel = &brain;
    assert_eq!(model.name(), "offline");
    let req = request(vec![user("add buy milk")]);
    let r = block_on(model.complete(&req)).unwrap();
    assert_eq!(r, brain.respond(&req));
    assert_eq!(r.model, "offline");
    assert_eq!(r.usage, Default::default());
    assert_eq!(r.tool_calls[0].arguments, json!({ "title": "buy milk" }));
}

/// Accents, other scripts and emoji are words like any other: the brain answers every one of
/// them (it used to cut "café" inside its "é" and panic), and words replies from stored text
/// that holds them.
#[test]
fn any_script_is_read_and_answered_without_a_panic() {
    let messages = [
        "remind me to café at 9",
        "call José at 5",
        "hi Zoë!",
        "ÄÖÜ",
        "ß at 9pm",
        "привет",
        "напомни мне позвонить маме в 5",
        "你好",
        "add 🍞",
        "done with crème brûlée",
        "rappelle-moi 🙏 in 5 mins",
        "remember that my cat is called Zoë",
    ];
    for m in messages {
        let answer = respond(vec![user(m)]);
        assert!(answer.content.is_some() || !answer.tool_calls.is_empty(), "{m}: {answer:?}");
    }
    let call = ToolCall { id: "call_1".into(), name: "recall".into(), arguments: json!({ "query": "cat" }) };
    let answer = respond(vec![
        user("what's my cat called"),
        LlmMessage::Assistant { content: None, tool_calls: vec![call] },
        LlmMessage::Tool {
            call_id: "call_1".into(),
            name: "recall".into(),
            content: json!({ "memories": [{ "id": "m1", "content": "my cat is called Zoë" }] }).to_string(),
            is_error: false,
        },
    ]);
    assert!(answer.content.as_deref().is_some_and(|c| c.contains("Zoë")), "{answer:?}");
}

#[test]
fn the_calendar_is_read_then_said_in_one_turn() {
    let first = respond(vec![user("what's on my calendar today?")]);
    assert!(first.content.is_none(), "{:?}", first.content);
    assert_eq!(first.tool_calls.len(), 1);
    let call = first.tool_calls[0].clone();
    assert_eq!((call.name.as_str(), &call.arguments), ("calendar_events", &json!({})));
    let result = json!({
        "day": "2026-11-18", "days": 1, "calendars": ["google"],
        "events": [{ "title": "Dentist", "all_day": false, "calendar": "google",
            "start": "2026-11-18T16:00:00-05:00", "end": "2026-11-18T16:30:00-05:00", "location": "Main St" }],
    });
    let said = text_of(vec![
        user("what's on my calendar today?"),
        LlmMessage::Assistant { content: None, tool_calls: vec![call] },
        LlmMessage::Tool {
            call_id: "call_1".into(),
            name: "calendar_events".into(),
            content: result.to_string(),
            is_error: false,
        },
    ]);
    assert_eq!(said, "Today on your calendar: 4:00-4:30 PM Dentist (Main St).");
}

#[test]
fn an_event_without_a_time_is_asked_about_and_the_answer_completes_it() {
    let asked = text_of(vec![user("add dentist to my calendar")]);
    assert!(asked.starts_with("When should I put \"dentist\" on your calendar?"), "{asked}");
    let r = respond(vec![user("add dentist to my calendar"), said(&asked), user("friday at 3pm")]);
    assert_eq!(r.tool_calls.len(), 1, "{:?}", r.content);
    assert_eq!(r.tool_calls[0].name, "create_calendar_event");
    assert_eq!(r.tool_calls[0].arguments, json!({ "title": "dentist", "start": "2026-11-20T15:00" }));
}

#[test]
fn undo_after_an_event_says_nothing_was_added() {
    let call = ToolCall {
        id: "call_1".into(),
        name: "create_calendar_event".into(),
        arguments: json!({ "title": "dentist", "start": "2026-11-19T15:00" }),
    };
    let result = json!({
        "status": "waiting_for_approval", "approval_id": "0190ap", "code": "4821",
        "expires_at": "2026-11-18T19:20:00Z", "expires_in_minutes": 15, "asked_on": "sms",
        "summary": "add \"dentist\" to your calendar at 2026-11-19 15:00"
    });
    let got = text_of(vec![
        user("add dentist to my calendar tomorrow at 3pm"),
        LlmMessage::Assistant { content: None, tool_calls: vec![call] },
        LlmMessage::Tool {
            call_id: "call_1".into(),
            name: "create_calendar_event".into(),
            content: result.to_string(),
            is_error: false,
        },
        said("I'll add \"dentist\" to your calendar tomorrow at 3:00 PM once you say yes."),
        user("undo"),
    ]);
    assert!(got.starts_with("Nothing has been added"), "{got}");
    assert!(got.contains("NO 4821"), "{got}");
}

#[test]
fn the_calendar_is_not_read_by_a_catalog_without_it() {
    let mut req = request(vec![user("what's on my calendar today")]);
    req.tools = vec![ToolSpec {
        name: "agenda".into(),
        description: "The day's tasks and reminders".into(),
        parameters: json!({ "type": "object" }),
    }];
    let r = OfflineBrain::new().respond(&req);
    assert!(r.tool_calls.is_empty());
    assert!(r.content.unwrap().contains("can't do that"));
    // The agenda still is.
    req.messages = vec![user("what's on today")];
    let r = OfflineBrain::new().respond(&req);
    assert_eq!(r.tool_calls[0].name, "agenda");
}
