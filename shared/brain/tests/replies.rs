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

fn event(title: &str, start: &str, end: &str, all_day: bool, location: Option<&str>) -> Value {
    let mut e =
        json!({ "title": title, "all_day": all_day, "calendar": "google", "start": start, "end": end });
    if let Some(l) = location {
        e["location"] = json!(l);
    }
    e
}

fn calendar_day(day: &str, events: Vec<Value>) -> Value {
    json!({ "day": day, "days": 1, "events": events, "calendars": ["google"] })
}

#[test]
fn the_calendar_of_a_day_is_said_on_the_users_clock() {
    let today = calendar_day(
        "2026-11-18",
        vec![
            event("Sam's birthday", "2026-11-18T00:00:00-05:00", "2026-11-19T00:00:00-05:00", true, None),
            event("Standup", "2026-11-18T09:00:00-05:00", "2026-11-18T09:15:00-05:00", false, None),
            // The same instants written in UTC are still said on the user's clock.
            event("Lunch with Sam", "2026-11-18T16:30:00Z", "2026-11-18T17:30:00Z", false, None),
            event(
                "Dentist",
                "2026-11-18T14:30:00-05:00",
                "2026-11-18T15:00:00-05:00",
                false,
                Some("Main St"),
            ),
        ],
    );
    assert_eq!(
        reply("calendar_events", json!({}), today),
        "Today on your calendar: 9:00-9:15 AM Standup; 11:30 AM-12:30 PM Lunch with Sam; \
         2:30-3:00 PM Dentist (Main St); all day: Sam's birthday."
    );
    let friday = calendar_day(
        "2026-11-20",
        vec![event("Review", "2026-11-20T10:00:00-05:00", "2026-11-20T11:00:00-05:00", false, None)],
    );
    assert_eq!(
        reply("calendar_events", json!({ "day": "2026-11-20" }), friday),
        "Friday on your calendar: 10:00-11:00 AM Review."
    );
    // A red-eye that began last night is still on this morning.
    let overnight = calendar_day(
        "2026-11-18",
        vec![event("Flight home", "2026-11-17T23:00:00-05:00", "2026-11-18T07:30:00-05:00", false, None)],
    );
    assert_eq!(
        reply("calendar_events", json!({}), overnight),
        "Today on your calendar: until 7:30 AM Flight home."
    );
    let london = reply_in(
        LDN,
        &[(
            "calendar_events",
            json!({}),
            calendar_day(
                "2026-11-18",
                vec![event("Standup", "2026-11-18T09:00:00+00:00", "2026-11-18T09:15:00+00:00", false, None)],
            ),
            false,
        )],
    );
    assert_eq!(london, "Today on your calendar: 9:00-9:15 AM Standup.");
}

#[test]
fn an_empty_calendar_says_so_for_the_day_asked() {
    assert_eq!(
        reply("calendar_events", json!({}), calendar_day("2026-11-18", vec![])),
        "Nothing on your calendar today."
    );
    assert_eq!(
        reply("calendar_events", json!({ "day": "2026-11-19" }), calendar_day("2026-11-19", vec![])),
        "Nothing on your calendar tomorrow."
    );
    assert_eq!(
        reply("calendar_events", json!({ "day": "2026-12-03" }), calendar_day("2026-12-03", vec![])),
        "Nothing on your calendar on Thu 3 Dec."
    );
    let week = json!({ "day": "2026-11-23", "days": 7, "events": [], "calendars": ["google"] });
    assert_eq!(
        reply("calendar_events", json!({ "day": "2026-11-23", "days": 7 }), week),
        "Nothing on your calendar from Monday to Sun 29 Nov."
    );
    // One calendar of two could not be read: said, not hidden.
    let partly = json!({
        "day": "2026-11-18", "days": 1, "events": [], "calendars": ["google", "microsoft"],
        "unavailable": [{ "calendar": "microsoft", "error": "the provider is unavailable: 503" }],
    });
    assert_eq!(
        reply("calendar_events", json!({}), partly),
        "Nothing on your calendar today. I couldn't read your Microsoft calendar just now."
    );
}

#[test]
fn several_days_of_calendar_are_a_line_a_day() {
    let week = json!({
        "day": "2026-11-23", "days": 7, "calendars": ["google", "microsoft"],
        "events": [
            event("Standup", "2026-11-23T09:00:00-05:00", "2026-11-23T09:15:00-05:00", false, None),
            event("1:1 with Ana", "2026-11-23T13:00:00-05:00", "2026-11-23T13:30:00-05:00", false, None),
            event("Thanksgiving", "2026-11-26T00:00:00-05:00", "2026-11-27T00:00:00-05:00", true, None),
        ],
    });
    assert_eq!(
        reply("calendar_events", json!({ "day": "2026-11-23", "days": 7 }), week),
        "Your calendar, Monday to Sun 29 Nov:\nMonday: 9:00-9:15 AM Standup; 1:00-1:30 PM 1:1 with Ana.\n\
         Thu 26 Nov: all day: Thanksgiving."
    );
    let busy: Vec<Value> = (0..12)
        .map(|i| {
            let start = format!("2026-11-18T{:02}:00:00-05:00", 8 + i);
            let end = format!("2026-11-18T{:02}:30:00-05:00", 8 + i);
            event(&format!("Call {i}"), &start, &end, false, None)
        })
        .collect();
    let got = reply("calendar_events", json!({}), calendar_day("2026-11-18", busy));
    assert!(got.contains("Call 9") && !got.contains("Call 10") && got.ends_with(" ...and 2 more."), "{got}");
}

#[test]
fn an_account_that_is_not_connected_gets_how_to_fix_it() {
    let got = error(
        "calendar_events",
        json!({}),
        "no calendar is connected: the user can connect Google or Microsoft in Nudge",
    );
    assert_eq!(
        got,
        "Your calendar isn't connected yet: connect Google or Microsoft in Nudge and ask me again."
    );
    let got =
        error("calendar_events", json!({}), "Google Calendar is not connected: connect it in Nudge first");
    assert_eq!(got, "Google Calendar isn't connected yet: connect it in Nudge and ask me again.");
    let got = error(
        "calendar_events",
        json!({ "day": "2026-11-19" }),
        "the Microsoft connection needs renewing: reconnect it in Nudge",
    );
    assert_eq!(got, "Your Microsoft connection needs renewing: reconnect it in Nudge and ask me again.");
    let got = error(
        "calendar_events",
        json!({}),
        "the calendar could not be read: \"the provider is unavailable: 503\"",
    );
    assert_eq!(got, "I couldn't reach your calendar just now. Try again in a minute.");
    let got = error(
        "notion_search",
        json!({ "query": "trip" }),
        "Notion is not connected: connect it in Nudge first",
    );
    assert_eq!(got, "Notion isn't connected yet: connect it in Nudge and ask me again.");
    let got = error(
        "youtube_search",
        json!({ "query": "sourdough" }),
        "the provider refused the connection: reconnect it in Nudge",
    );
    assert_eq!(got, "Your YouTube connection needs renewing: reconnect it in Nudge and ask me again.");
    let got = error("notion_search", json!({ "query": "trip" }), "no accounts can be connected here");
    assert_eq!(got, "This Nudge isn't set up to connect accounts, so I can't reach your Notion.");
    // Anything else is said as it came.
    let got = error("notion_search", json!({ "query": "trip" }), "query is too long");
    assert_eq!(got, "Sorry, I couldn't search your Notion: query is too long.");
}

#[test]
fn search_results_list_titles_and_video_links() {
    let found = reply(
        "notion_search",
        json!({ "query": "trip plans" }),
        json!({ "results": [
            { "id": "p1", "title": "Trip plans", "url": "https://www.notion.so/Trip-plans-p1", "object": "page" },
            { "id": "d1", "title": "Trips", "url": null, "object": "database" },
        ]}),
    );
    assert_eq!(found, "In your Notion, for \"trip plans\":\n1. Trip plans\n2. Trips (database)");
    let none = reply("notion_search", json!({ "query": "trip plans" }), json!({ "results": [] }));
    assert_eq!(none, "Nothing in your Notion matches \"trip plans\".");
    let videos = reply(
        "youtube_search",
        json!({ "query": "sourdough" }),
        json!({ "videos": [
            { "id": "abc123", "title": "Sourdough for beginners", "channel": "Joshua Weissman", "url": "https://www.youtube.com/watch?v=abc123" },
            { "id": "def456", "title": "Rock & Roll bread", "channel": null, "url": "https://www.youtube.com/watch?v=def456" },
        ]}),
    );
    assert_eq!(
        videos,
        "On YouTube, for \"sourdough\":\n1. Sourdough for beginners (Joshua Weissman) \
         https://www.youtube.com/watch?v=abc123\n2. Rock & Roll bread https://www.youtube.com/watch?v=def456"
    );
    let none = reply("youtube_search", json!({ "query": "sourdough" }), json!({ "videos": [] }));
    assert_eq!(none, "I didn't find any YouTube videos for \"sourdough\".");
}

#[test]
fn an_event_waits_for_a_yes_like_an_email() {
    let args = json!({ "title": "dentist", "start": "2026-11-19T15:00" });
    assert_eq!(
        reply("create_calendar_event", args.clone(), waiting("sms")),
        "I'll add \"dentist\" to your calendar tomorrow at 3:00 PM once you say yes: reply YES 4821 (or NO 4821) \
         to the text I just sent, within 15 minutes."
    );
    let got = error("create_calendar_event", args, "approvals are not available");
    assert_eq!(got, "Sorry, I couldn't add that to your calendar: approvals are not available.");
    let page =
        reply("create_notion_page", json!({ "database_id": "d1", "title": "Packing list" }), waiting("app"));
    assert!(
        page.starts_with("I'll add the page \"Packing list\" to your Notion database once you say yes"),
        "{page}"
    );
    let video = reply(
        "add_to_youtube_playlist",
        json!({ "playlist_id": "PL1", "video_id": "abc123" }),
        waiting("sms"),
    );
    assert!(
        video.starts_with("I'll add that video to your YouTube playlist once you say yes: reply YES 4821"),
        "{video}"
    );
}

#[test]
fn replies_are_plain_ascii() {
    let samples = [
        created("take my meds", "2026-11-18T21:00:00-05:00", None),
        reply("agenda", json!({}), json!({ "day": "2026-11-18", "tasks": [], "reminders": [] })),
        error("complete_task", json!({ "task": "laundry" }), "not found"),
        reply("send_email", json!({ "to": "sam@example.com", "body": "Café at 5 ☕" }), waiting("sms")),
        reply(
            "calendar_events",
            json!({}),
            calendar_day(
                "2026-11-18",
                vec![
                    event("Standup", "2026-11-18T09:00:00-05:00", "2026-11-18T09:15:00-05:00", false, None),
                    event("Holiday", "2026-11-18T00:00:00-05:00", "2026-11-19T00:00:00-05:00", true, None),
                ],
            ),
        ),
    ];
    for s in samples {
        assert!(s.is_ascii(), "{s}");
    }
}
