//! The reply composed from tool results: a request whose messages are [User, Assistant{tool
//! calls}, Tool{result}…] gets text only, saying what happened in the user's time.
//!
//! "Now" is 2026-11-18T19:05:00Z, a Wednesday: 2:05 PM in New York, 7:05 PM in London.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use nudge_brain::OfflineBrain;
use nudge_domain::{LlmMessage, LlmRequest, ToolCall};
use serde_json::{Value, json};

const NY: Tz = chrono_tz::America::New_York;
const LDN: Tz = chrono_tz::Europe::London;

fn now() -> DateTime<Utc> {
    "2026-11-18T19:05:00Z".parse().unwrap()
}

/// The reply after tool results, each `(name, arguments, result, is_error)`.
fn reply_in(tz: Tz, results: &[(&str, Value, Value, bool)]) -> String {
    let calls: Vec<ToolCall> = results
        .iter()
        .enumerate()
        .map(|(i, (name, args, _, _))| ToolCall {
            id: format!("call_{}", i + 1),
            name: name.to_string(),
            arguments: args.clone(),
        })
        .collect();
    let mut messages = vec![
        LlmMessage::User { content: "(what the user said)".to_owned() },
        LlmMessage::Assistant { content: None, tool_calls: calls },
    ];
    for (i, (name, _, result, is_error)) in results.iter().enumerate() {
        messages.push(LlmMessage::Tool {
            call_id: format!("call_{}", i + 1),
            name: name.to_string(),
            content: result.to_string(),
            is_error: *is_error,
        });
    }
    let request = LlmRequest {
        system: String::new(),
        messages,
        tools: Vec::new(),
        max_tokens: 512,
        now: now(),
        timezone: tz,
    };
    let response = OfflineBrain::new().respond(&request);
    assert!(response.tool_calls.is_empty(), "no more calls after results: {:?}", response.tool_calls);
    response.content.expect("a text reply")
}

fn reply(name: &str, args: Value, result: Value) -> String {
    reply_in(NY, &[(name, args, result, false)])
}

fn error(name: &str, args: Value, message: &str) -> String {
    reply_in(NY, &[(name, args, json!({ "error": message }), true)])
}

fn reminder_result(text: &str, next: &str, recurrence: Option<&str>) -> Value {
    json!({ "id": "0190r", "text": text, "next_fire_at": next, "recurrence": recurrence })
}

fn created(text: &str, next: &str, recurrence: Option<&str>) -> String {
    reply("create_reminder", json!({ "text": text }), reminder_result(text, next, recurrence))
}

#[test]
fn a_reminder_set_is_said_back_in_the_users_time() {
    assert_eq!(
        created("take my meds", "2026-11-18T21:00:00-05:00", None),
        "Got it. I'll remind you to take your meds at 9:00 PM today."
    );
    assert_eq!(
        created("the oven", "2026-11-18T14:25:00-05:00", None),
        "Got it. I'll remind you about the oven in 20 minutes (2:25 PM)."
    );
    assert_eq!(
        created("stretch", "2026-11-18T14:07:00-05:00", None),
        "Got it. I'll remind you to stretch in 2 minutes (2:07 PM)."
    );
    assert_eq!(
        created("call mom", "2026-11-19T09:00:00-05:00", None),
        "Got it. I'll remind you to call mom tomorrow at 9:00 AM."
    );
    assert_eq!(
        created("the dentist", "2026-11-20T12:00:00-05:00", None),
        "Got it. I'll remind you about the dentist on Friday at 12:00 PM."
    );
    assert_eq!(
        created("pay rent", "2026-12-03T14:30:00-05:00", None),
        "Got it. I'll remind you to pay rent on Thu 3 Dec at 2:30 PM."
    );
    assert_eq!(
        created("i have a call with sam", "2026-11-18T16:00:00-05:00", None),
        "Got it. I'll remind you that you have a call with sam at 4:00 PM today."
    );
    // The same instant written in UTC is still said on the user's clock.
    assert_eq!(
        created("take my meds", "2026-11-19T02:00:00Z", None),
        "Got it. I'll remind you to take your meds at 9:00 PM today."
    );
}

#[test]
fn a_repeating_reminder_says_how_it_repeats() {
    assert_eq!(
        created("stand up", "2026-11-19T08:00:00-05:00", Some("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")),
        "Got it. I'll remind you to stand up every weekday at 8:00 AM, starting tomorrow."
    );
    assert_eq!(
        created("drink water", "2026-11-18T16:05:00-05:00", Some("FREQ=HOURLY;INTERVAL=2")),
        "Got it. I'll remind you to drink water every 2 hours, starting at 4:05 PM today."
    );
    assert_eq!(
        created("pay the electric bill", "2026-12-01T09:00:00-05:00", Some("FREQ=MONTHLY;BYMONTHDAY=1")),
        "Got it. I'll remind you to pay the electric bill every month on the 1st at 9:00 AM, starting Tue 1 Dec."
    );
    let odd = created("stretch", "2026-11-18T16:00:00-05:00", Some("FREQ=SECONDLY"));
    assert!(odd.contains("repeating schedule") && odd.contains("4:00 PM today"), "{odd}");
}

#[test]
fn london_times_are_londons() {
    let got = reply_in(
        LDN,
        &[(
            "create_reminder",
            json!({}),
            reminder_result("take my meds", "2026-11-18T21:00:00+00:00", None),
            false,
        )],
    );
    assert_eq!(got, "Got it. I'll remind you to take your meds at 9:00 PM today.");
    let time = reply_in(
        LDN,
        &[(
            "current_time",
            json!({}),
            json!({ "now": "2026-11-18T19:05:00+00:00", "timezone": "Europe/London", "weekday": "Wednesday" }),
            false,
        )],
    );
    assert_eq!(time, "It's 7:05 PM on Wednesday, 18 November (Europe/London).");
}

#[test]
fn reminders_are_listed_numbered() {
    let got = reply(
        "list_reminders",
        json!({}),
        json!({ "reminders": [
            { "id": "r1", "text": "take my meds", "next_fire_at": "2026-11-18T21:00:00-05:00", "recurrence": null, "status": "active" },
            { "id": "r2", "text": "stand up", "next_fire_at": "2026-11-19T08:00:00-05:00", "recurrence": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "status": "active" },
            { "id": "r3", "text": "old thing", "next_fire_at": null, "recurrence": null, "status": "completed" },
        ]}),
    );
    assert_eq!(
        got,
        "Your reminders:\n1. take my meds - at 9:00 PM today\n2. stand up - every weekday at 8:00 AM\n3. old thing - completed"
    );
    let none = reply("list_reminders", json!({}), json!({ "reminders": [] }));
    assert!(none.contains("no reminders"), "{none}");
}

#[test]
fn long_lists_are_cut_for_sms() {
    let tasks: Vec<Value> = (1..=13).map(|i| json!({ "id": format!("t{i}"), "title": format!("task {i}"), "status": "pending", "priority": "medium", "due": null })).collect();
    let got = reply("list_tasks", json!({}), json!({ "tasks": tasks }));
    assert!(
        got.contains("10. task 10") && !got.contains("task 11") && got.ends_with("...and 3 more."),
        "{got}"
    );
}

#[test]
fn cancelling_and_snoozing() {
    let got = reply(
        "cancel_reminder",
        json!({ "reminder": "meds" }),
        json!({ "cancelled": { "id": "r1", "text": "take my meds" } }),
    );
    assert_eq!(got, "Done. I cancelled your reminder to take your meds.");
    let got = reply(
        "snooze_reminder",
        json!({ "minutes": 10 }),
        json!({ "id": "r1", "text": "take my meds", "next_fire_at": "2026-11-18T14:15:00-05:00" }),
    );
    assert_eq!(got, "Snoozed. I'll remind you to take your meds again in 10 minutes (2:15 PM).");
}

#[test]
fn tasks_added_listed_updated_completed() {
    let task = |title: &str, priority: &str, due: Value| json!({ "id": "t1", "title": title, "status": "pending", "priority": priority, "due": due });
    assert_eq!(
        reply("create_task", json!({ "title": "buy milk" }), task("buy milk", "medium", Value::Null)),
        "Added \"buy milk\" to your list."
    );
    assert_eq!(
        reply(
            "create_task",
            json!({ "title": "call the bank" }),
            task("call the bank", "medium", json!("2026-11-19T09:00:00-05:00"))
        ),
        "Added \"call the bank\" to your list, due tomorrow at 9:00 AM."
    );
    assert_eq!(
        reply(
            "create_task",
            json!({ "title": "pay the fine", "priority": "high" }),
            task("pay the fine", "high", Value::Null)
        ),
        "Added \"pay the fine\" to your list (high priority)."
    );
    let listed = reply(
        "list_tasks",
        json!({}),
        json!({ "tasks": [
            task("buy milk", "medium", Value::Null),
            task("call the bank", "high", json!("2026-11-19T09:00:00-05:00")),
            task("renew passport", "low", json!("2026-11-17T09:00:00-05:00")),
        ]}),
    );
    assert_eq!(
        listed,
        "Your tasks:\n1. buy milk\n2. call the bank (high priority, due tomorrow at 9:00 AM)\n3. renew passport (overdue)"
    );
    assert!(reply("list_tasks", json!({}), json!({ "tasks": [] })).contains("list is clear"));
    let done = reply(
        "list_tasks",
        json!({ "status": "completed" }),
        json!({ "tasks": [{ "id": "t9", "title": "laundry", "status": "completed", "priority": "medium", "due": null }] }),
    );
    assert_eq!(done, "Done so far:\n1. laundry (done)");

    assert_eq!(
        reply(
            "complete_task",
            json!({ "task": "laundry" }),
            json!({ "completed": { "id": "t1", "title": "do laundry" } })
        ),
        "Nice work! \"do laundry\" is checked off."
    );
    assert_eq!(
        reply(
            "update_task",
            json!({ "task": "laundry", "priority": "high" }),
            task("do laundry", "high", Value::Null)
        ),
        "\"do laundry\" is now high priority."
    );
    assert_eq!(
        reply(
            "update_task",
            json!({ "task": "buy milk", "title": "buy oat milk" }),
            task("buy oat milk", "medium", Value::Null)
        ),
        "Renamed \"buy milk\" to \"buy oat milk\"."
    );
    assert_eq!(
        reply(
            "update_task",
            json!({ "task": "dentist", "due": "2026-11-20T09:00" }),
            task("dentist", "medium", json!("2026-11-20T09:00:00-05:00"))
        ),
        "\"dentist\" is now due on Friday at 9:00 AM."
    );
}

#[test]
fn the_agenda_is_a_short_list_or_a_breather() {
    let empty = reply("agenda", json!({}), json!({ "day": "2026-11-18", "tasks": [], "reminders": [] }));
    assert!(empty.starts_with("Nothing on for today."), "{empty}");
    let tomorrow = reply(
        "agenda",
        json!({ "day": "2026-11-19" }),
        json!({ "day": "2026-11-19", "tasks": [], "reminders": [] }),
    );
    assert!(tomorrow.starts_with("Nothing on for tomorrow."), "{tomorrow}");
    let full = reply(
        "agenda",
        json!({}),
        json!({
            "day": "2026-11-18",
            "tasks": [
                { "id": "t1", "title": "buy milk", "status": "pending", "priority": "medium", "due": "2026-11-17T09:00:00-05:00" },
                { "id": "t2", "title": "call the bank", "status": "pending", "priority": "high", "due": "2026-11-18T17:00:00-05:00" },
            ],
            "reminders": [
                { "id": "r1", "text": "take my meds", "next_fire_at": "2026-11-18T21:00:00-05:00", "recurrence": null, "status": "active" },
            ],
        }),
    );
    assert_eq!(
        full,
        "Today:\nReminders:\n- 9:00 PM take my meds\nTasks:\n- buy milk (overdue)\n- call the bank (due 5:00 PM)"
    );
}

#[test]
fn memory_said_back_in_the_second_person() {
    assert_eq!(
        reply(
            "remember",
            json!({ "content": "my locker code is 4411" }),
            json!({ "id": "m1", "content": "my locker code is 4411" })
        ),
        "Got it. I'll remember that your locker code is 4411."
    );
    assert_eq!(
        reply(
            "recall",
            json!({ "query": "locker code" }),
            json!({ "memories": [{ "id": "m1", "content": "my locker code is 4411" }] })
        ),
        "Here's what I have: your locker code is 4411."
    );
    let two = reply(
        "recall",
        json!({ "query": "meds" }),
        json!({ "memories": [{ "id": "m1", "content": "i take my meds at 9pm" }, { "id": "m2", "content": "i'm allergic to penicillin" }] }),
    );
    assert_eq!(two, "Here's what I have:\n- you take your meds at 9pm\n- you're allergic to penicillin");
    let none = reply("recall", json!({ "query": "locker code" }), json!({ "memories": [] }));
    assert!(none.contains("don't have anything saved about \"locker code\""), "{none}");
    assert_eq!(
        reply(
            "forget",
            json!({ "memory": "locker code" }),
            json!({ "forgotten": { "id": "m1", "content": "my locker code is 4411" } })
        ),
        "Done. I've forgotten that your locker code is 4411."
    );
}

#[test]
fn the_time() {
    let got = reply(
        "current_time",
        json!({}),
        json!({ "now": "2026-11-18T14:05:00-05:00", "timezone": "America/New_York", "weekday": "Wednesday" }),
    );
    assert_eq!(got, "It's 2:05 PM on Wednesday, 18 November (America/New_York).");
}

#[test]
fn errors_get_a_way_forward() {
    // The executor's own wording for a name that matches nothing, or several.
    let got = error("complete_task", json!({ "task": "laundry" }), "task: no task matches 'laundry'");
    assert_eq!(got, "I couldn't find a task matching \"laundry\". Say \"my tasks\" to see your list.");
    let got = error("update_task", json!({ "task": "laundry", "priority": "high" }), "task not found");
    assert!(got.contains("couldn't find a task matching \"laundry\""), "{got}");
    let got = error("cancel_reminder", json!({ "reminder": "meds" }), "reminder not found: meds");
    assert_eq!(got, "I couldn't find a reminder matching \"meds\". Say \"my reminders\" to see them.");
    let got = error("cancel_reminder", json!({ "reminder": "call" }), "ambiguous: 2 reminders match 'call'");
    assert!(got.starts_with("More than one reminder matches \"call\". Which one?"), "{got}");
    let got = error(
        "cancel_reminder",
        json!({ "reminder": "call" }),
        "several match 'call': 'call mom', 'call the bank'; which one?",
    );
    assert_eq!(got, "More than one reminder matches \"call\": 'call mom', 'call the bank'. Which one?");
    let got = error("snooze_reminder", json!({ "minutes": 10 }), "reminder that has fired not found");
    assert_eq!(got, "I couldn't find a reminder to snooze. Say \"my reminders\" to see them.");
    let got = error("snooze_reminder", json!({ "minutes": 10 }), "no reminder has fired to snooze");
    assert!(got.contains("couldn't find a reminder to snooze"), "{got}");
    let got = error("forget", json!({ "memory": "locker code" }), "memory: no memory matches 'locker code'");
    assert_eq!(got, "I don't have anything saved about \"locker code\".");
    let got = error(
        "create_reminder",
        json!({ "text": "x", "at": "2026-11-18T10:00" }),
        "at must be in the future.",
    );
    assert_eq!(got, "Sorry, I couldn't set that reminder: at must be in the future.");
    // Not JSON at all: still a reply.
    let raw = reply_in(NY, &[("create_task", json!({ "title": "x" }), Value::String("boom".into()), true)]);
    assert!(raw.starts_with("Sorry, I couldn't add that task"), "{raw}");
}

fn waiting(asked_on: &str) -> Value {
    json!({
        "status": "waiting_for_approval",
        "approval_id": "0190ap",
        "code": "4821",
        "expires_at": "2026-11-18T19:20:00Z",
        "expires_in_minutes": 15,
        "asked_on": asked_on,
        "summary": "send an email to sam@example.com: \"I'm running late\""
    })
}

#[test]
fn an_email_waits_for_a_yes_and_says_how_to_give_it() {
    let args = json!({ "to": "sam@example.com", "body": "I'm running late" });
    assert_eq!(
        reply("send_email", args.clone(), waiting("sms")),
        "I'll email sam@example.com once you say yes: reply YES 4821 (or NO 4821) to the text I just sent, \
         within 15 minutes."
    );
    assert_eq!(
        reply("send_email", args.clone(), waiting("app")),
        "I'll email sam@example.com once you say yes: reply YES 4821 (or NO 4821) by text or in the app, \
         within 15 minutes."
    );
    // Without the minutes, the time it expires in the user's zone.
    let mut result = waiting("sms");
    result.as_object_mut().unwrap().remove("expires_in_minutes");
    let got = reply("send_email", args.clone(), result);
    assert!(got.ends_with("to the text I just sent, by 2:20 PM."), "{got}");
    // A refusal says why.
    let got = error("send_email", args.clone(), "no email channel is configured");
    assert_eq!(got, "Sorry, I couldn't send that email: no email channel is configured.");
    let raw = reply_in(NY, &[("send_email", args, Value::String("recipient is not allowed".into()), true)]);
    assert_eq!(raw, "Sorry, I couldn't send that email: recipient is not allowed.");
}

#[test]
fn several_results_one_line_each() {
    let got = reply_in(
        NY,
        &[
            (
                "create_task",
                json!({ "title": "milk" }),
                json!({ "id": "t1", "title": "milk", "status": "pending", "priority": "medium", "due": null }),
                false,
            ),
            ("create_task", json!({ "title": "eggs" }), json!({ "error": "title is too long" }), true),
        ],
    );
    assert_eq!(got, "Added \"milk\" to your list.\nSorry, I couldn't add that task: title is too long.");
}

#[test]
fn replies_are_plain_ascii() {
    let samples = [
        created("take my meds", "2026-11-18T21:00:00-05:00", None),
        reply("agenda", json!({}), json!({ "day": "2026-11-18", "tasks": [], "reminders": [] })),
        error("complete_task", json!({ "task": "laundry" }), "not found"),
        reply("send_email", json!({ "to": "sam@example.com", "body": "Café at 5 ☕" }), waiting("sms")),
    ];
    for s in samples {
        assert!(s.is_ascii(), "{s}");
    }
}
