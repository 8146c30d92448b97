//! What the brain makes of what people type: one row per message, with the tool calls (name and
//! exact arguments) or the kind of text reply expected. Every expectation is worked out by hand
//! from the time rules documented in `nudge-when` and the argument shapes of the catalog.
//!
//! "Now" is 2026-11-18T19:05:00Z, a Wednesday: 2:05 PM in New York (EST, UTC-5) and 7:05 PM in
//! London (GMT).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use nudge_brain::OfflineBrain;
use nudge_domain::{LlmMessage, LlmRequest};
use serde_json::{Value, json};

const NY: Tz = chrono_tz::America::New_York;
const LDN: Tz = chrono_tz::Europe::London;

enum Want {
    /// These calls, in order: (tool name, arguments).
    Calls(Vec<(&'static str, Value)>),
    /// A text reply containing this phrase (case-insensitive).
    Text(&'static str),
}

fn call(name: &'static str, args: Value) -> Want {
    Want::Calls(vec![(name, args)])
}

fn reminder(text: &str, at: &str) -> Want {
    call("create_reminder", json!({ "text": text, "at": at }))
}

fn every(text: &str, at: &str, rrule: &str) -> Want {
    call("create_reminder", json!({ "text": text, "at": at, "recurrence": rrule }))
}

fn task(args: Value) -> Want {
    call("create_task", args)
}

fn email(to: &str, body: &str) -> Want {
    call("send_email", json!({ "to": to, "body": body }))
}

fn email_about(to: &str, subject: &str, body: &str) -> Want {
    call("send_email", json!({ "to": to, "subject": subject, "body": body }))
}

fn calendar(args: Value) -> Want {
    call("calendar_events", args)
}

fn event(title: &str, start: &str) -> Want {
    call("create_calendar_event", json!({ "title": title, "start": start }))
}

fn text(phrase: &'static str) -> Want {
    Want::Text(phrase)
}

fn now() -> DateTime<Utc> {
    "2026-11-18T19:05:00Z".parse().unwrap()
}

fn rows() -> Vec<(Tz, &'static str, Want)> {
    vec![
        // ---- reminders: the examples ----
        (NY, "remind me to take my meds at 9pm", reminder("take my meds", "2026-11-18T21:00")),
        (NY, "Remind me to take my meds at 9pm.", reminder("take my meds", "2026-11-18T21:00")),
        (NY, "remind me to check the oven in 20 mins", reminder("check the oven", "2026-11-18T14:25")),
        (NY, "ping me in 20 mins about the oven", reminder("the oven", "2026-11-18T14:25")),
        (NY, "remind me to call mom tomorrow morning", reminder("call mom", "2026-11-19T09:00")),
        (NY, "remind me to take out the trash tonight", reminder("take out the trash", "2026-11-18T20:00")),
        (NY, "remind me about the dentist next friday at noon", reminder("the dentist", "2026-11-20T12:00")),
        (NY, "remind me to pay rent on the 3rd at 14:30", reminder("pay rent", "2026-12-03T14:30")),
        (
            NY,
            "remind me to stand up every weekday at 8",
            every("stand up", "2026-11-19T08:00", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ),
        (
            NY,
            "remind me to drink water every 2 hours",
            every("drink water", "2026-11-18T16:05", "FREQ=HOURLY;INTERVAL=2"),
        ),
        (NY, "remind me 2 call mom tmrw @ 5", reminder("call mom", "2026-11-19T17:00")),
        (NY, "remind me to stretch in 2 minutes", reminder("stretch", "2026-11-18T14:07")),
        // ---- reminders: other ways of asking ----
        (NY, "reminder: dentist friday 3pm", reminder("dentist", "2026-11-20T15:00")),
        (NY, "don't let me forget to pay rent on the 1st", reminder("pay rent", "2026-12-01T09:00")),
        (NY, "set a reminder to call the bank at 4", reminder("call the bank", "2026-11-18T16:00")),
        (NY, "set a reminder for 5pm to call mom", reminder("call mom", "2026-11-18T17:00")),
        (NY, "nudge me to stretch every day at 10am", every("stretch", "2026-11-19T10:00", "FREQ=DAILY")),
        (
            NY,
            "hey nudge, can you remind me to water the plants tomorrow at 8am pls",
            reminder("water the plants", "2026-11-19T08:00"),
        ),
        (NY, "remind me tmrw at 9 to submit the report", reminder("submit the report", "2026-11-19T09:00")),
        (NY, "remind me in an hour to move the laundry", reminder("move the laundry", "2026-11-18T15:05")),
        (NY, "remind me in half an hour to check email", reminder("check email", "2026-11-18T14:35")),
        (NY, "pls remind me to call the pharmacy at 3:30", reminder("call the pharmacy", "2026-11-18T15:30")),
        (
            NY,
            "remind me to take my meds every night at 10",
            every("take my meds", "2026-11-18T22:00", "FREQ=DAILY"),
        ),
        (NY, "remind me to call grandma on sunday at 2", reminder("call grandma", "2026-11-22T14:00")),
        (NY, "remind me at 6 to start dinner", reminder("start dinner", "2026-11-18T18:00")),
        (NY, "text me at 7am tomorrow to go for a run", reminder("go for a run", "2026-11-19T07:00")),
        (NY, "wake me up at 7am tomorrow", reminder("wake up", "2026-11-19T07:00")),
        (
            NY,
            "remind me that i have a call with sam at 3",
            reminder("i have a call with sam", "2026-11-18T15:00"),
        ),
        (NY, "don't forget to pick up the kids at 3:15", reminder("pick up the kids", "2026-11-18T15:15")),
        (NY, "remember to buy flowers on friday", reminder("buy flowers", "2026-11-20T09:00")),
        (NY, "call mom at 5", reminder("call mom", "2026-11-18T17:00")),
        (NY, "dentist appt friday at 3pm", reminder("dentist appt", "2026-11-20T15:00")),
        (
            NY,
            "remind me to pay the electric bill every month on the 1st",
            every("pay the electric bill", "2026-12-01T09:00", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ),
        (
            NY,
            "remind me to take out the bins every tuesday at 7pm",
            every("take out the bins", "2026-11-24T19:00", "FREQ=WEEKLY;BYDAY=TU"),
        ),
        (NY, "remind me to stretch in 2 mins 🙏", reminder("stretch", "2026-11-18T14:07")),
        (NY, "REMIND ME TO TAKE MY MEDS AT 9PM", reminder("take my meds", "2026-11-18T21:00")),
        (NY, "remnd me to feed the cat at 6pm", reminder("feed the cat", "2026-11-18T18:00")),
        (NY, "remind me to take my meds at 9pm please", reminder("take my meds", "2026-11-18T21:00")),
        (
            NY,
            "can you remind me in 10 min to flip the laundry",
            reminder("flip the laundry", "2026-11-18T14:15"),
        ),
        (
            NY,
            "remind me at 8:30 tomorrow morning to call the school",
            reminder("call the school", "2026-11-19T08:30"),
        ),
        (
            NY,
            "ping me every 30 minutes to drink water",
            every("drink water", "2026-11-18T14:35", "FREQ=MINUTELY;INTERVAL=30"),
        ),
        (NY, "remind me to Call Dr. Patel at 4pm", reminder("Call Dr. Patel", "2026-11-18T16:00")),
        (NY, "set an alarm for 7am", reminder("alarm", "2026-11-19T07:00")),
        (NY, "help me remember to call mom tonight", reminder("call mom", "2026-11-18T20:00")),
        (NY, "can u remind me abt the meeting @ 3", reminder("the meeting", "2026-11-18T15:00")),
        (
            NY,
            "remind me in 3 days to follow up with the landlord",
            reminder("follow up with the landlord", "2026-11-21T14:05"),
        ),
        (
            NY,
            "every day at 9pm remind me to take my meds",
            every("take my meds", "2026-11-18T21:00", "FREQ=DAILY"),
        ),
        (
            NY,
            "remind me every other day to water the plants",
            every("water the plants", "2026-11-19T09:00", "FREQ=DAILY;INTERVAL=2"),
        ),
        // ---- reminders that are missing something ----
        (NY, "remind me to call mom", text("When should I remind you to call mom?")),
        (NY, "remind me", text("what should I remind you about")),
        (NY, "remind me at 5", text("What should I remind you about at 5:00 PM today?")),
        (NY, "in 20 mins", text("What should I remind you about in 20 minutes")),
        // ---- snoozing ----
        (NY, "snooze", call("snooze_reminder", json!({ "minutes": 10 }))),
        (NY, "snooze 10", call("snooze_reminder", json!({ "minutes": 10 }))),
        (NY, "snooze for an hour", call("snooze_reminder", json!({ "minutes": 60 }))),
        (NY, "later", call("snooze_reminder", json!({ "minutes": 30 }))),
        (NY, "snooze 15 mins", call("snooze_reminder", json!({ "minutes": 15 }))),
        (
            NY,
            "snooze the meds reminder for 20 minutes",
            call("snooze_reminder", json!({ "minutes": 20, "reminder": "meds" })),
        ),
        (NY, "remind me again in 5 min", call("snooze_reminder", json!({ "minutes": 5 }))),
        (NY, "snooze until 5pm", call("snooze_reminder", json!({ "minutes": 175 }))),
        (NY, "snooze 2h", call("snooze_reminder", json!({ "minutes": 120 }))),
        (NY, "not now", call("snooze_reminder", json!({ "minutes": 30 }))),
        // ---- cancelling reminders ----
        (NY, "cancel the meds reminder", call("cancel_reminder", json!({ "reminder": "meds" }))),
        (
            NY,
            "stop reminding me about the dentist",
            call("cancel_reminder", json!({ "reminder": "dentist" })),
        ),
        (
            NY,
            "delete reminder 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            call("cancel_reminder", json!({ "reminder": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" })),
        ),
        (
            NY,
            "cancel my reminder to take my meds",
            call("cancel_reminder", json!({ "reminder": "take my meds" })),
        ),
        (NY, "turn off the water reminder", call("cancel_reminder", json!({ "reminder": "water" }))),
        (NY, "cancel dentist", call("cancel_reminder", json!({ "reminder": "dentist" }))),
        (NY, "don't remind me about the gym anymore", call("cancel_reminder", json!({ "reminder": "gym" }))),
        (
            NY,
            "delete the reminder about trash day",
            call("cancel_reminder", json!({ "reminder": "trash day" })),
        ),
        (NY, "cancel all reminders", text("one at a time")),
        (NY, "cancel reminder", text("Which reminder?")),
        (NY, "delete everything", text("one at a time")),
        (NY, "cancel my 3pm", text("Which reminder?")),
        (NY, "cancel the dentist at 3", call("cancel_reminder", json!({ "reminder": "dentist" }))),
        // ---- listing reminders ----
        (NY, "my reminders", call("list_reminders", json!({}))),
        (NY, "what reminders do i have", call("list_reminders", json!({}))),
        (NY, "show me my reminders", call("list_reminders", json!({}))),
        (NY, "list reminders", call("list_reminders", json!({}))),
        (NY, "any reminders?", call("list_reminders", json!({}))),
        (NY, "Reminders", call("list_reminders", json!({}))),
        // ---- adding tasks ----
        (NY, "add buy milk", task(json!({ "title": "buy milk" }))),
        (NY, "add task call the bank", task(json!({ "title": "call the bank" }))),
        (NY, "todo: renew passport", task(json!({ "title": "renew passport" }))),
        (NY, "add buy milk to my list", task(json!({ "title": "buy milk" }))),
        (NY, "i need to buy milk", task(json!({ "title": "buy milk" }))),
        (
            NY,
            "add call the bank tomorrow",
            task(json!({ "title": "call the bank", "due": "2026-11-19T09:00" })),
        ),
        (NY, "urgent: pay the fine", task(json!({ "title": "pay the fine", "priority": "high" }))),
        (NY, "add pay rent by friday", task(json!({ "title": "pay rent", "due": "2026-11-20T09:00" }))),
        (
            NY,
            "add renew passport high priority",
            task(json!({ "title": "renew passport", "priority": "high" })),
        ),
        (NY, "put eggs on my list", task(json!({ "title": "eggs" }))),
        (NY, "new task: email the landlord", task(json!({ "title": "email the landlord" }))),
        (NY, "add a task to call the plumber", task(json!({ "title": "call the plumber" }))),
        (NY, "add milk, eggs and bread", task(json!({ "title": "milk, eggs and bread" }))),
        (
            NY,
            "add call the bank - ask about the late fee",
            task(json!({ "title": "call the bank", "description": "ask about the late fee" })),
        ),
        (
            NY,
            "i have to finish the essay by tomorrow",
            task(json!({ "title": "finish the essay", "due": "2026-11-19T09:00" })),
        ),
        (
            NY,
            "add task buy a birthday gift for sam asap",
            task(json!({ "title": "buy a birthday gift for sam", "priority": "high" })),
        ),
        (NY, "Add Call Dr. Patel", task(json!({ "title": "Call Dr. Patel" }))),
        (
            NY,
            "critical: renew the car insurance",
            task(json!({ "title": "renew the car insurance", "priority": "critical" })),
        ),
        (
            NY,
            "add water the plants every sunday at 11am",
            every("water the plants", "2026-11-22T11:00", "FREQ=WEEKLY;BYDAY=SU"),
        ),
        (
            NY,
            "add milk\nadd eggs",
            Want::Calls(vec![
                ("create_task", json!({ "title": "milk" })),
                ("create_task", json!({ "title": "eggs" })),
            ]),
        ),
        (
            NY,
            "add milk. what's on today?",
            Want::Calls(vec![("create_task", json!({ "title": "milk" })), ("agenda", json!({}))]),
        ),
        // A sentence that is no command keeps the message whole.
        (NY, "remind me to call Dr. Smith at 5", reminder("call Dr. Smith", "2026-11-18T17:00")),
        // ---- listing tasks ----
        (NY, "what's on my list", call("list_tasks", json!({}))),
        (NY, "show my tasks", call("list_tasks", json!({}))),
        (NY, "my todos", call("list_tasks", json!({}))),
        (NY, "what do i have to do", call("list_tasks", json!({}))),
        (NY, "whats on my to do list", call("list_tasks", json!({}))),
        (NY, "show completed tasks", call("list_tasks", json!({ "status": "completed" }))),
        (NY, "show all my tasks", call("list_tasks", json!({ "status": "all" }))),
        (NY, "what have i done", call("list_tasks", json!({ "status": "completed" }))),
        (NY, "list", call("list_tasks", json!({}))),
        (NY, "wat r my tasks", call("list_tasks", json!({}))),
        // ---- the agenda ----
        (NY, "what's on today", call("agenda", json!({}))),
        (NY, "what's on for tomorrow", call("agenda", json!({ "day": "2026-11-19" }))),
        (NY, "whats my day look like", call("agenda", json!({}))),
        (NY, "anything today?", call("agenda", json!({}))),
        (NY, "agenda", call("agenda", json!({}))),
        (NY, "what's happening friday", call("agenda", json!({ "day": "2026-11-20" }))),
        (NY, "what do i have tomorrow", call("agenda", json!({ "day": "2026-11-19" }))),
        (NY, "what's on my plate today", call("agenda", json!({}))),
        (NY, "what's due today", call("agenda", json!({}))),
        (NY, "today", call("agenda", json!({}))),
        (NY, "what do i have to do today", call("agenda", json!({}))),
        (NY, "what do i have today", call("agenda", json!({}))),
        (NY, "what's my day look like tomorrow", call("agenda", json!({ "day": "2026-11-19" }))),
        // ---- the calendar: only when it is named ----
        (NY, "what's on my calendar today", calendar(json!({}))),
        (NY, "what's on my calendar", calendar(json!({}))),
        (NY, "whats on my calendar tmrw", calendar(json!({ "day": "2026-11-19" }))),
        (NY, "what meetings do i have tomorrow", calendar(json!({ "day": "2026-11-19" }))),
        (NY, "my schedule for friday", calendar(json!({ "day": "2026-11-20" }))),
        (NY, "am i free this afternoon?", calendar(json!({}))),
        (NY, "am i busy on friday", calendar(json!({ "day": "2026-11-20" }))),
        (NY, "calendar next week", calendar(json!({ "day": "2026-11-23", "days": 7 }))),
        (NY, "do i have anything on my calendar on the 3rd", calendar(json!({ "day": "2026-12-03" }))),
        (NY, "any meetings today?", calendar(json!({}))),
        (NY, "show me my calendar for this week", calendar(json!({ "days": 5 }))),
        (NY, "what's on my calendar for the next 3 days", calendar(json!({ "days": 3 }))),
        (NY, "what's my schedule look like tomorrow", calendar(json!({ "day": "2026-11-19" }))),
        (NY, "when's my next meeting", calendar(json!({ "days": 7 }))),
        (NY, "do i have any appointments this weekend", calendar(json!({ "day": "2026-11-21", "days": 2 }))),
        (NY, "hey nudge, what's on my calendar today pls", calendar(json!({}))),
        (NY, "check my calendar", calendar(json!({}))),
        (NY, "my calendar", calendar(json!({}))),
        (NY, "what events do i have on the 3rd?", calendar(json!({ "day": "2026-12-03" }))),
        (LDN, "what meetings do i have tomorrow", calendar(json!({ "day": "2026-11-19" }))),
        (NY, "my calendar for the next 2 weeks", calendar(json!({ "days": 14 }))),
        (NY, "how do i connect my google calendar?", text("in Nudge itself")),
        (NY, "remind me to check my calendar at 5", reminder("check my calendar", "2026-11-18T17:00")),
        (NY, "remind me about the meeting tomorrow at 10", reminder("the meeting", "2026-11-19T10:00")),
        // ---- adding to the calendar: asked first, like an email ----
        (NY, "add dentist to my calendar tomorrow at 3pm", event("dentist", "2026-11-19T15:00")),
        (NY, "put lunch with Sam on my calendar friday at noon", event("lunch with Sam", "2026-11-20T12:00")),
        (
            NY,
            "add a dentist appointment on my calendar for friday at 3",
            event("dentist appointment", "2026-11-20T15:00"),
        ),
        (NY, "new event: team dinner on the 3rd at 7pm", event("team dinner", "2026-12-03T19:00")),
        (NY, "add dentist to my calendar", text("When should I put \"dentist\" on your calendar?")),
        (NY, "add standup to my calendar every weekday at 9", text("one-off events")),
        (NY, "add dentist tomorrow at 3pm", task(json!({ "title": "dentist", "due": "2026-11-19T15:00" }))),
        // ---- searching Notion and YouTube ----
        (NY, "search notion for trip plans", call("notion_search", json!({ "query": "trip plans" }))),
        (NY, "find trip plans in notion", call("notion_search", json!({ "query": "trip plans" }))),
        (
            NY,
            "find my notion page about the kitchen remodel",
            call("notion_search", json!({ "query": "kitchen remodel" })),
        ),
        (NY, "search my Notion for Q3 Roadmap", call("notion_search", json!({ "query": "Q3 Roadmap" }))),
        (NY, "search notion", text("What should I look for in your Notion?")),
        (NY, "find youtube videos about sourdough", call("youtube_search", json!({ "query": "sourdough" }))),
        (
            NY,
            "search youtube for sourdough starter",
            call("youtube_search", json!({ "query": "sourdough starter" })),
        ),
        (
            NY,
            "look up how to tie a tie on youtube",
            call("youtube_search", json!({ "query": "how to tie a tie" })),
        ),
        (
            NY,
            "show me videos on how to fold a fitted sheet",
            call("youtube_search", json!({ "query": "how to fold a fitted sheet" })),
        ),
        (NY, "youtube lofi beats", call("youtube_search", json!({ "query": "lofi beats" }))),
        (NY, "search youtube", text("What should I look for on YouTube?")),
        (NY, "search for my locker code", call("recall", json!({ "query": "locker code" }))),
        (
            NY,
            "remind me to watch the sourdough video at 8pm",
            reminder("watch the sourdough video", "2026-11-18T20:00"),
        ),
        // ---- completing tasks ----
        (NY, "done with laundry", call("complete_task", json!({ "task": "laundry" }))),
        (NY, "finished laundry", call("complete_task", json!({ "task": "laundry" }))),
        (NY, "i did the laundry", call("complete_task", json!({ "task": "laundry" }))),
        (NY, "laundry done", call("complete_task", json!({ "task": "laundry" }))),
        (NY, "mark buy milk as done", call("complete_task", json!({ "task": "buy milk" }))),
        (NY, "check off milk", call("complete_task", json!({ "task": "milk" }))),
        (NY, "Laundry is done ✅", call("complete_task", json!({ "task": "Laundry" }))),
        (NY, "i finished the essay!", call("complete_task", json!({ "task": "essay" }))),
        (NY, "cross milk off my list", call("complete_task", json!({ "task": "milk" }))),
        (NY, "completed call the bank", call("complete_task", json!({ "task": "call the bank" }))),
        (NY, "done w/ laundry", call("complete_task", json!({ "task": "laundry" }))),
        (NY, "got the taxes done", call("complete_task", json!({ "task": "taxes" }))),
        (NY, "done", text("What did you finish?")),
        (NY, "DONE", text("What did you finish?")),
        // ---- updating tasks ----
        (
            NY,
            "rename buy milk to buy oat milk",
            call("update_task", json!({ "task": "buy milk", "title": "buy oat milk" })),
        ),
        (
            NY,
            "make laundry high priority",
            call("update_task", json!({ "task": "laundry", "priority": "high" })),
        ),
        (
            NY,
            "move dentist to friday",
            call("update_task", json!({ "task": "dentist", "due": "2026-11-20T09:00" })),
        ),
        (NY, "set taxes to low priority", call("update_task", json!({ "task": "taxes", "priority": "low" }))),
        (NY, "laundry is urgent", call("update_task", json!({ "task": "laundry", "priority": "high" }))),
        (
            NY,
            "push the report to tomorrow at 10",
            call("update_task", json!({ "task": "report", "due": "2026-11-19T10:00" })),
        ),
        (
            NY,
            "change buy milk to buy oat milk",
            call("update_task", json!({ "task": "buy milk", "title": "buy oat milk" })),
        ),
        (
            NY,
            "prioritize the tax return",
            call("update_task", json!({ "task": "tax return", "priority": "high" })),
        ),
        (
            NY,
            "the essay is due friday",
            call("update_task", json!({ "task": "essay", "due": "2026-11-20T09:00" })),
        ),
        (NY, "move the meds reminder to 10pm", text("can't move a reminder")),
        (
            NY,
            "move laundry to high priority",
            call("update_task", json!({ "task": "laundry", "priority": "high" })),
        ),
        (
            NY,
            "make the report due next monday",
            call("update_task", json!({ "task": "report", "due": "2026-11-23T09:00" })),
        ),
        // ---- memory ----
        (
            NY,
            "remember that my locker code is 4411",
            call("remember", json!({ "content": "my locker code is 4411" })),
        ),
        (
            NY,
            "note: wifi password is hunter2",
            call("remember", json!({ "content": "wifi password is hunter2" })),
        ),
        (
            NY,
            "don't forget i'm allergic to penicillin",
            call("remember", json!({ "content": "i'm allergic to penicillin" })),
        ),
        (
            NY,
            "remember my parking spot is B12",
            call("remember", json!({ "content": "my parking spot is B12" })),
        ),
        (NY, "fyi the gate code is 1234", call("remember", json!({ "content": "the gate code is 1234" }))),
        (NY, "my locker code is 4411", call("remember", json!({ "content": "my locker code is 4411" }))),
        (
            NY,
            "Remember that the WiFi password is Hunter2!",
            call("remember", json!({ "content": "the WiFi password is Hunter2" })),
        ),
        (NY, "what's my locker code", call("recall", json!({ "query": "locker code" }))),
        (NY, "what do you know about my meds", call("recall", json!({ "query": "meds" }))),
        (NY, "do you remember my wifi password", call("recall", json!({ "query": "wifi password" }))),
        (NY, "remind me what my locker code is", call("recall", json!({ "query": "locker code" }))),
        (NY, "where did i park", call("recall", json!({ "query": "park" }))),
        (NY, "whats the wifi password", call("recall", json!({ "query": "wifi password" }))),
        (NY, "forget my locker code", call("forget", json!({ "memory": "locker code" }))),
        // ---- the time ----
        (NY, "what time is it", call("current_time", json!({}))),
        (NY, "what's the date", call("current_time", json!({}))),
        (NY, "what day is it?", call("current_time", json!({}))),
        // ---- email: sent only once the user says yes ----
        (NY, "email sam@example.com that I'm running late", email("sam@example.com", "I'm running late")),
        (
            NY,
            "send an email to sam@example.com saying I'll be late",
            email("sam@example.com", "I'll be late"),
        ),
        (NY, "e-mail sam@example.com: running 10 min late", email("sam@example.com", "Running 10 min late")),
        (
            NY,
            "email Sam at sam@example.com and tell him the report is done",
            email("sam@example.com", "The report is done"),
        ),
        (
            NY,
            "mail sam@example.com about the meeting: moved to 3pm",
            email_about("sam@example.com", "The meeting", "Moved to 3pm"),
        ),
        (NY, "email sam@example.com that im running late", email("sam@example.com", "I'm running late")),
        (NY, "EMAIL SAM@EXAMPLE.COM THAT I'M RUNNING LATE", email("sam@example.com", "I'm running late")),
        (
            NY,
            "hey nudge, can you email sam@example.com to say i'll be there at 5 pls",
            email("sam@example.com", "I'll be there at 5"),
        ),
        (
            NY,
            "send sam@example.com an email saying the keys are under the mat!",
            email("sam@example.com", "The keys are under the mat!"),
        ),
        (
            NY,
            "email Sam <sam@example.com>: are you free for lunch?",
            email("sam@example.com", "Are you free for lunch?"),
        ),
        (
            NY,
            "email sam@example.com subject: Lunch, see you at 1",
            email_about("sam@example.com", "Lunch", "See you at 1"),
        ),
        (
            NY,
            "email sam@example.com and tell her to call me back",
            email("sam@example.com", "Please call me back"),
        ),
        (
            NY,
            "email sam@example.com and ask him to send the slides",
            email("sam@example.com", "Could you send the slides?"),
        ),
        (NY, "let sam@example.com know that I'm running late", email("sam@example.com", "I'm running late")),
        (
            NY,
            "email sam@example.com that I'm late. Call me at 5",
            email("sam@example.com", "I'm late. Call me at 5"),
        ),
        (
            NY,
            "add milk\nemail sam@example.com that I'm late",
            Want::Calls(vec![
                ("create_task", json!({ "title": "milk" })),
                ("send_email", json!({ "to": "sam@example.com", "body": "I'm late" })),
            ]),
        ),
        (
            NY,
            "email sam@example.com, subject lunch: see you at 1",
            email_about("sam@example.com", "Lunch", "See you at 1"),
        ),
        (NY, "📧 email sam@example.com: on my way", email("sam@example.com", "On my way")),
        // What it is for is not what it says: asked.
        (
            NY,
            "email sam@example.com to confirm the meeting",
            text("What should the email to sam@example.com say?"),
        ),
        (NY, "email Sam that I'm late", text("What's the email address for Sam?")),
        (NY, "email my boss that i'm sick today", text("What's the email address for your boss?")),
        (NY, "email sam@example.com", text("What should the email to sam@example.com say?")),
        (NY, "send an email to sam@example.com", text("What should the email to sam@example.com say?")),
        // Email in other sentences is not an email to send.
        (
            NY,
            "remind me to email sam@example.com",
            text("When should I remind you to email sam@example.com?"),
        ),
        (
            NY,
            "remind me to email sam@example.com at 5pm",
            reminder("email sam@example.com", "2026-11-18T17:00"),
        ),
        (NY, "add task: answer Sam's email", task(json!({ "title": "answer Sam's email" }))),
        (NY, "i need to check my email", task(json!({ "title": "check my email" }))),
        (NY, "email the landlord", text("Want me to add \"email the landlord\" to your list?")),
        (NY, "email sam@example.com tomorrow", reminder("email sam@example.com", "2026-11-19T09:00")),
        (
            NY,
            "remember that my email is sam@example.com",
            call("remember", json!({ "content": "my email is sam@example.com" })),
        ),
        // ---- no tool ----
        (NY, "hi", text("What can I help you keep track of")),
        (NY, "hey nudge", text("What can I help you keep track of")),
        (NY, "good morning", text("What can I help you keep track of")),
        (NY, "thanks!", text("Anytime")),
        (NY, "ok thx", text("Anytime")),
        (NY, "ok", text("Okay")),
        (NY, "👍", text("Okay")),
        (NY, "how are you", text("Doing well")),
        (NY, "help", text("examples")),
        (NY, "what can you do", text("examples")),
        (NY, "never mind", text("No problem")),
        (NY, "undo", text("nothing I just did to undo")),
        (NY, "asdfgh", text("examples")),
        (NY, "the weather is nice", text("examples")),
        (NY, "what is love", text("examples")),
        (NY, "bananas", text("didn't quite get that")),
        (NY, "delete task buy milk", text("can't delete tasks")),
        (NY, "buy milk", text("Want me to add \"buy milk\" to your list?")),
        (NY, "call the bank", text("Want me to add \"call the bank\" to your list?")),
        (NY, "tell me a joke", text("examples")),
        (NY, "i need help with my tasks", text("examples")),
        // ---- London ----
        (LDN, "remind me to take my meds at 9pm", reminder("take my meds", "2026-11-18T21:00")),
        (LDN, "remind me to call mum tomorrow morning", reminder("call mum", "2026-11-19T09:00")),
        (LDN, "remind me to stretch in 2 minutes", reminder("stretch", "2026-11-18T19:07")),
        (LDN, "remind me to lock up tonight", reminder("lock up", "2026-11-18T20:00")),
        (
            LDN,
            "remind me to pay the council tax on 3/12",
            reminder("pay the council tax", "2026-12-03T09:00"),
        ),
        (LDN, "what's on for tomorrow", call("agenda", json!({ "day": "2026-11-19" }))),
        (LDN, "remind me at 8 to put the bins out", reminder("put the bins out", "2026-11-18T20:00")),
        (
            LDN,
            "every weekday at 8 remind me to stand up",
            every("stand up", "2026-11-19T08:00", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ),
        (
            LDN,
            "remind me to take the bins out every 2 hours",
            every("take the bins out", "2026-11-18T21:05", "FREQ=HOURLY;INTERVAL=2"),
        ),
        (LDN, "what time is it", call("current_time", json!({}))),
        (
            LDN,
            "remind me on the 3rd at 14:30 to renew the car tax",
            reminder("renew the car tax", "2026-12-03T14:30"),
        ),
        (
            LDN,
            "next friday at noon remind me to book the table",
            reminder("book the table", "2026-11-20T12:00"),
        ),
        (LDN, "snooze 10", call("snooze_reminder", json!({ "minutes": 10 }))),
        (LDN, "anything on tomorrow?", call("agenda", json!({ "day": "2026-11-19" }))),
        (LDN, "what's on today", call("agenda", json!({}))),
        (LDN, "remind me 2 ring the gp tmrw @ 10", reminder("ring the gp", "2026-11-19T10:00")),
    ]
}

fn request(tz: Tz, message: &str) -> LlmRequest {
    LlmRequest {
        system: String::new(),
        messages: vec![LlmMessage::User { content: message.to_owned() }],
        tools: Vec::new(),
        max_tokens: 512,
        now: now(),
        timezone: tz,
    }
}

#[test]
fn messages_mean_these_calls() {
    let brain = OfflineBrain::new();
    let rows = rows();
    assert!(rows.len() >= 120, "{} rows", rows.len());
    let mut failures = Vec::new();
    for (tz, message, want) in &rows {
        let got = brain.respond(&request(*tz, message));
        let got_calls: Vec<(String, Value)> =
            got.tool_calls.iter().map(|c| (c.name.clone(), c.arguments.clone())).collect();
        let ids_ok = got.tool_calls.iter().enumerate().all(|(i, c)| c.id == format!("call_{}", i + 1));
        let ok = match want {
            Want::Calls(calls) => {
                let want: Vec<(String, Value)> =
                    calls.iter().map(|(n, a)| (n.to_string(), a.clone())).collect();
                got.content.is_none() && got_calls == want && ids_ok
            }
            Want::Text(phrase) => {
                got.tool_calls.is_empty()
                    && got
                        .content
                        .as_deref()
                        .is_some_and(|c| c.to_lowercase().contains(&phrase.to_lowercase()))
            }
        };
        if !ok {
            let wanted = match want {
                Want::Calls(c) => format!("{c:?}"),
                Want::Text(p) => format!("text containing {p:?}"),
            };
            failures.push(format!(
                "[{tz}] {message:?}\n    want {wanted}\n    got  calls {got_calls:?} text {:?}",
                got.content
            ));
        }
    }
    assert!(got_model_name(&brain));
    if !failures.is_empty() {
        panic!("{} of {} rows failed:\n{}", failures.len(), rows.len(), failures.join("\n"));
    }
}

/// Every call in the table fits the domain's catalog: a tool it has, the arguments it names
/// (all it requires, nothing else), each of the type it says.
#[test]
fn the_calls_fit_the_catalog() {
    let specs = nudge_domain::tools::Toolbox::builtin().specs();
    let mut failures = Vec::new();
    for (_, message, want) in rows() {
        let Want::Calls(calls) = want else { continue };
        for (name, args) in calls {
            let Some(spec) = specs.iter().find(|s| s.name == name) else {
                failures.push(format!("{message:?}: no tool {name}"));
                continue;
            };
            let props = spec.parameters["properties"].as_object().cloned().unwrap_or_default();
            let given = args.as_object().cloned().unwrap_or_default();
            for required in spec.parameters["required"].as_array().into_iter().flatten() {
                if !given.contains_key(required.as_str().unwrap_or("")) {
                    failures.push(format!("{message:?}: {name} without {required}"));
                }
            }
            for (key, value) in &given {
                let fits = match props.get(key).map(|p| &p["type"]) {
                    None => false,
                    Some(Value::String(t)) if t == "string" => value.is_string(),
                    Some(Value::String(t)) if t == "integer" => value.is_i64(),
                    Some(_) => true,
                };
                if !fits {
                    failures.push(format!("{message:?}: {name} does not take {key} = {value}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn got_model_name(brain: &OfflineBrain) -> bool {
    brain.respond(&request(NY, "hi")).model == "offline"
}
