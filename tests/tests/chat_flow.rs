//! The chat agent end to end, on both stores: `POST /api/chat` with the offline brain (the
//! issue's acceptance path: a reminder set in words fires, a task is added and done, a fact is
//! kept), and with a hosted model, an OpenAI-compatible stand-in that speaks the wire format
//! and records what the agent sends (the system prompt with memories, customizations and the
//! rolling summary; the tools and their schemas; the tool results fed back). Then the limits a
//! user runs into (steps, timeouts, a provider that is down, the daily token budget, bad
//! input), conversations and their expiry, memories, prompt customizations, and the
//! background learning the `agent-worker` does.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Duration as Minutes, Utc};
use nudge_domain::{
    AgentConfig, AgentMessage, ConversationChannel, FixedClock, NotifyMessage, Secret, Senders, TurnRequest,
    agent,
    tools::Toolbox,
    users::{self, NewUser},
};
use nudge_tests::{
    Backend, TEST_SECRET, TestApp,
    llm::{ChatServer, Reply, Seen},
    offline_agent,
    queue::{agent_event, sqs_event},
    twilio::Twilio,
};
use serde_json::{Value, json};

/// A user of a running stack, talking to its assistant.
struct Chat {
    app: TestApp,
    token: String,
}

impl Chat {
    /// The stack as it runs with no provider configured: the offline brain.
    async fn offline(b: Backend) -> Self {
        Self::on(TestApp::spawn(b).await).await
    }

    /// The stack thinking with the stand-in, within `config`.
    async fn with_model(b: Backend, llm: &ChatServer, config: AgentConfig) -> Self {
        Self::on(TestApp::spawn_with(b, llm.agent(config), chat::TURN_TIMEOUT).await).await
    }

    async fn on(app: TestApp) -> Self {
        let (_, token) = app.user("Sam", "+14155550101", false).await;
        Self { app, token }
    }

    /// Another user of the same stack.
    async fn other(&self) -> String {
        self.app.user("Robin", "+14155550199", false).await.1
    }

    async fn send(&self, body: Value) -> (u16, Value) {
        self.app.call("POST", "/api/chat", Some(&self.token), Some(body)).await
    }

    /// One turn that must succeed; answers `data`.
    async fn say(&self, message: &str) -> Value {
        let (status, body) = self.send(json!({ "message": message })).await;
        assert_eq!(status, 200, "{message:?}: {body}");
        body["data"].clone()
    }

    async fn say_in(&self, conversation: &str, message: &str) -> Value {
        let (status, body) = self.send(json!({ "message": message, "conversation_id": conversation })).await;
        assert_eq!(status, 200, "{message:?}: {body}");
        body["data"].clone()
    }

    /// A GET that must succeed; answers `data`.
    async fn get(&self, path: &str) -> Value {
        get_as(&self.app, &self.token, path).await
    }

    async fn conversations(&self) -> Vec<Value> {
        self.get("/api/conversations").await["items"].as_array().unwrap().clone()
    }

    async fn memories(&self) -> Vec<Value> {
        self.get("/api/memories?limit=100").await["items"].as_array().unwrap().clone()
    }

    async fn remember(&self, token: &str, content: &str) -> Value {
        let (status, body) =
            self.app.call("POST", "/api/memories", Some(token), Some(json!({ "content": content }))).await;
        assert_eq!(status, 201, "{body}");
        body["data"].clone()
    }

    async fn agent_messages(&self) -> Vec<AgentMessage> {
        self.app.queue.as_ref().expect("a queue").agent_messages().await
    }

    /// Runs the agent worker over `messages` as one SQS batch; answers the failed message ids.
    async fn learn(&self, messages: &[AgentMessage]) -> Vec<String> {
        let bodies: Vec<String> = messages.iter().map(|m| serde_json::to_string(m).unwrap()).collect();
        let response =
            agent_worker::handle(&self.app.state.ports, &self.app.agent, &self.app.sms, agent_event(&bodies))
                .await;
        response.batch_item_failures.into_iter().map(|f| f.item_identifier).collect()
    }
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = app.call("GET", path, Some(token), None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body["data"].clone()
}

fn senders(twilio: &Twilio) -> Senders {
    Senders {
        sms: Arc::new(twilio.sender()),
        email: Arc::new(nudge_sqlite::SqliteStore::in_memory().unwrap()),
        webhook: Arc::new(nudge_senders::WebhookSender::new(nudge_senders::http_client())),
        console: Arc::new(nudge_sqlite::SqliteStore::in_memory().unwrap()),
        webhook_key: Arc::new(Secret::new(TEST_SECRET)),
    }
}

fn items(data: &Value) -> Vec<Value> {
    data["items"].as_array().expect("a list").clone()
}

/// Tomorrow at 09:00 in the test users' zone (Europe/Paris), as the tools take times.
fn tomorrow_nine() -> String {
    let paris = Utc::now().with_timezone(&chrono_tz::Europe::Paris) + Minutes::days(1);
    paris.format("%Y-%m-%dT09:00").to_string()
}

/// A stand-in that answers the agent's turns with `reply`, and the worker's learning calls
/// (memory extraction, the summary) as a model would.
async fn talking(reply: &'static str, summary: &'static str) -> ChatServer {
    ChatServer::start(move |seen: &Seen| {
        let system = seen.system();
        if system.starts_with("From this exchange") {
            Reply::text("[]")
        } else if system.starts_with("Update the running summary") {
            Reply::text(summary)
        } else {
            Reply::text(reply)
        }
    })
    .await
}

// ---- the offline brain: the acceptance path ----

async fn a_reminder_set_in_words_fires_and_shows_on_the_agenda(b: Backend) {
    // "In 2 minutes" must fall today for "what's on today" to list it: a run that starts in the
    // last minutes of a Paris day waits for the next one.
    let paris = Utc::now().with_timezone(&chrono_tz::Europe::Paris);
    if paris.format("%H:%M").to_string().as_str() >= "23:55" {
        let midnight = (paris.date_naive() + Minutes::days(1)).and_hms_opt(0, 0, 5).unwrap();
        let wait = midnight - paris.naive_local();
        tokio::time::sleep(wait.to_std().unwrap()).await;
    }
    let c = Chat::offline(b).await;
    let (_, admin) = c.app.user("Ada Admin", "+14155550100", true).await;
    let twilio = Twilio::start().await;

    let turn = c.say("remind me to stretch in 2 minutes").await;
    assert!(turn["reply"].as_str().unwrap().to_lowercase().contains("stretch"), "{turn}");
    assert_eq!(turn["model"], "offline");
    let action = &turn["actions"][0];
    assert_eq!(
        (action["tool"].as_str(), action["ok"].as_bool()),
        (Some("create_reminder"), Some(true)),
        "{turn}"
    );
    assert!(turn["conversation_id"].is_string());

    let reminders = items(&c.get("/api/reminders").await);
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert_eq!(reminders[0]["text"], "stretch");
    assert_eq!(reminders[0]["id"], action["result"]["id"]);
    let at: DateTime<Utc> = reminders[0]["next_fire_at"].as_str().unwrap().parse().unwrap();
    let ahead = at - Utc::now();
    assert!(ahead > Minutes::zero() && ahead <= Minutes::minutes(3), "in about 2 minutes: {at}");

    let tick = |t: DateTime<Utc>| {
        let body = json!({ "time": t.to_rfc3339() });
        let (app, admin) = (&c.app, &admin);
        async move {
            let (s, r) = app.call("POST", "/api/admin/jobs/reminder-tick/run", Some(admin), Some(body)).await;
            assert_eq!(s, 200, "{r}");
            r["data"]["fired"].as_u64().unwrap()
        }
    };
    assert_eq!(tick(at - Minutes::minutes(1)).await, 0, "not before its time");
    assert_eq!(tick(at).await, 1);
    let queued: Vec<NotifyMessage> = c.app.queue.as_ref().unwrap().take().await;
    assert_eq!(queued.len(), 1);
    let response = notifier::handle(&c.app.state.ports, &senders(&twilio), sqs_event(&queued)).await;
    assert!(response.batch_item_failures.is_empty());
    let sms: Vec<String> = twilio.sent().into_iter().map(|s| s.body).collect();
    assert_eq!(sms, ["Reminder: stretch"]);

    let day = c.say("what's on today").await;
    assert_eq!(day["actions"][0]["tool"], "agenda", "{day}");
    assert_eq!(day["actions"][0]["ok"], true, "{day}");
    assert!(day["reply"].as_str().unwrap().contains("stretch"), "{day}");
}

async fn a_task_added_in_words_is_completed_in_words(b: Backend) {
    let c = Chat::offline(b).await;
    let added = c.say("add buy milk").await;
    let action = &added["actions"][0];
    assert_eq!(
        (action["tool"].as_str(), action["ok"].as_bool()),
        (Some("create_task"), Some(true)),
        "{added}"
    );
    let id = action["result"]["id"].as_str().unwrap().to_owned();
    let task = c.get(&format!("/api/tasks/{id}")).await;
    assert_eq!((task["title"].as_str(), task["status"].as_str()), (Some("buy milk"), Some("pending")));

    let done = c.say("done with buy milk").await;
    assert_eq!(done["actions"][0]["tool"], "complete_task", "{done}");
    assert_eq!(done["actions"][0]["ok"], true, "{done}");
    assert!(done["reply"].as_str().unwrap().contains("buy milk"), "{done}");
    assert_eq!(c.get(&format!("/api/tasks/{id}")).await["status"], "completed");
}

async fn a_fact_asked_to_be_remembered_is_listed(b: Backend) {
    let c = Chat::offline(b).await;
    let turn = c.say("remember that my locker code is 4411").await;
    assert_eq!(turn["actions"][0]["tool"], "remember", "{turn}");
    let memories = c.memories().await;
    assert_eq!(memories.len(), 1, "{memories:?}");
    assert!(memories[0]["content"].as_str().unwrap().contains("locker code is 4411"), "{memories:?}");
    assert_eq!(memories[0]["source"], "chat");
    let recalled = c.say("what's my locker code?").await;
    assert!(recalled["reply"].as_str().unwrap().contains("4411"), "{recalled}");
    // What was never said is not answered with what was.
    let unknown = c.say("what's my passport number?").await;
    assert_eq!(unknown["actions"][0]["tool"], "recall", "{unknown}");
    assert_eq!(unknown["actions"][0]["result"]["memories"], json!([]), "{unknown}");
    assert!(!unknown["reply"].as_str().unwrap().contains("4411"), "{unknown}");
}

// ---- a hosted model ----

async fn a_model_calls_a_tool_and_is_fed_the_result(b: Backend) {
    let at = tomorrow_nine();
    let args = json!({ "text": "stretch", "at": at });
    let llm = ChatServer::start(move |seen: &Seen| {
        if seen.last_role() == "tool" {
            Reply::text("Done! I'll remind you to stretch tomorrow at 9.").usage(200, 12)
        } else {
            Reply::tool_call("call_k2Xb9", "create_reminder", args.clone()).usage(150, 20)
        }
    })
    .await;
    let c = Chat::with_model(b, &llm, AgentConfig::default()).await;

    let turn = c.say("remind me to stretch tomorrow at 9").await;
    assert_eq!(turn["reply"], "Done! I'll remind you to stretch tomorrow at 9.");
    assert_eq!(turn["model"], "openai/gpt-4o-mini");
    assert_eq!(turn["usage"], json!({ "input_tokens": 350, "output_tokens": 32 }));
    // The turn's tokens are kept with its reply.
    let id = turn["conversation_id"].as_str().unwrap();
    let reply = items(&c.get(&format!("/api/conversations/{id}/messages?limit=1")).await);
    assert_eq!(reply[0]["usage"], turn["usage"], "{reply:?}");
    assert_eq!(turn["actions"].as_array().unwrap().len(), 1);
    assert_eq!(turn["actions"][0]["tool"], "create_reminder");
    assert_eq!(turn["actions"][0]["arguments"], json!({ "text": "stretch", "at": at }));

    let reminders = items(&c.get("/api/reminders").await);
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0]["text"], "stretch");
    assert!(
        reminders[0]["next_fire_at"].as_str().unwrap().starts_with(&format!("{at}:00+0")),
        "{reminders:?}"
    );
    let reminder_id = reminders[0]["id"].as_str().unwrap();

    let seen = llm.requests();
    assert_eq!(seen.len(), 2);
    let (first, second) = (&seen[0], &seen[1]);
    assert_eq!(first.header("authorization"), Some(format!("Bearer {}", nudge_tests::llm::KEY).as_str()));
    assert_eq!(first.body["model"], "gpt-4o-mini");
    assert_eq!(first.roles(), ["system", "user"]);
    assert!(first.system().contains("You are Nudge"), "{}", first.system());
    assert!(first.system().contains("Europe/Paris"), "the user's zone: {}", first.system());
    assert_eq!(first.last_user_text(), "remind me to stretch tomorrow at 9");
    // Every built-in tool is offered, each with its JSON schema.
    let builtin = Toolbox::builtin().specs();
    assert_eq!(first.tool_names(), builtin.iter().map(|t| t.name.clone()).collect::<Vec<_>>());
    let offered = first.tool("create_reminder").expect("create_reminder is offered");
    let spec = builtin.iter().find(|t| t.name == "create_reminder").unwrap();
    assert_eq!(offered["type"], "function");
    assert_eq!(offered["function"]["parameters"], spec.parameters);
    assert_eq!(offered["function"]["parameters"]["required"], json!(["text", "at"]));

    // The call went back as the model made it, then its result, answering it by id.
    assert_eq!(second.roles(), ["system", "user", "assistant", "tool"]);
    let called = &second.messages()[2];
    assert_eq!(called["tool_calls"][0]["id"], "call_k2Xb9");
    assert_eq!(called["tool_calls"][0]["function"]["name"], "create_reminder");
    let sent_args: Value =
        serde_json::from_str(called["tool_calls"][0]["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(sent_args, json!({ "text": "stretch", "at": at }));
    let result = &second.tool_results()[0];
    assert_eq!(result["tool_call_id"], "call_k2Xb9");
    let content: Value = serde_json::from_str(result["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["id"], reminder_id, "the tool result names the reminder created: {content}");
    assert_eq!(second.tools().len(), builtin.len(), "tools are offered again before the last step");

    // The turn is kept: the user's words, the call, its result and the reply, newest first.
    let id = turn["conversation_id"].as_str().unwrap();
    let messages = items(&c.get(&format!("/api/conversations/{id}/messages")).await);
    let roles: Vec<&str> = messages.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["assistant", "tool", "assistant", "user"]);
    assert_eq!(messages[1]["tool_call_id"], "call_k2Xb9");
    assert_eq!(messages[2]["tool_calls"][0]["name"], "create_reminder");
}

async fn arguments_that_break_the_schema_are_refused_and_the_model_corrects_itself(b: Backend) {
    let at = tomorrow_nine();
    let llm = ChatServer::scripted(vec![
        Reply::tool_call("call_1", "create_reminder", json!({ "text": "stretch" })),
        Reply::tool_call("call_2", "create_reminder", json!({ "text": "stretch", "at": at })),
        Reply::text("Set for tomorrow at 9."),
    ])
    .await;
    let c = Chat::with_model(b, &llm, AgentConfig::default()).await;
    let turn = c.say("remind me to stretch tomorrow at 9").await;
    assert_eq!(turn["reply"], "Set for tomorrow at 9.");
    let actions = turn["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "{turn}");
    assert_eq!((actions[0]["ok"].as_bool(), actions[1]["ok"].as_bool()), (Some(false), Some(true)), "{turn}");

    let seen = llm.requests();
    assert_eq!(seen.len(), 3);
    let refused = &seen[1].tool_results()[0];
    assert_eq!(refused["tool_call_id"], "call_1");
    let error: Value = serde_json::from_str(refused["content"].as_str().unwrap()).unwrap();
    let error = error["error"].as_str().unwrap();
    assert!(
        error.starts_with("invalid arguments") && error.contains("\"at\" is a required property"),
        "{error}"
    );
    let accepted = &seen[2].tool_results()[1];
    assert_eq!(accepted["tool_call_id"], "call_2");
    assert!(!accepted["content"].as_str().unwrap().contains("error"), "{accepted}");

    let reminders = items(&c.get("/api/reminders").await);
    assert_eq!(reminders.len(), 1, "the refused call created nothing: {reminders:?}");
}

async fn a_model_that_keeps_calling_tools_is_stopped_after_max_steps(b: Backend) {
    let llm = ChatServer::always(Reply::tool_call("call_1", "list_tasks", json!({}))).await;
    let config = AgentConfig { max_steps: 3, ..AgentConfig::default() };
    let c = Chat::with_model(b, &llm, config).await;
    let turn = c.say("what's on my list?").await;
    let reply = turn["reply"].as_str().unwrap();
    assert!(reply.contains("looked things up") && !reply.contains("list_tasks"), "a reply in words: {turn}");
    // Two steps offered tools and ran them; the last offered none, and its calls did not run.
    assert_eq!(turn["actions"].as_array().unwrap().len(), 2, "{turn}");

    let seen = llm.requests();
    assert_eq!(seen.len(), 3, "three steps, no more");
    assert!(!seen[0].tools().is_empty() && !seen[1].tools().is_empty());
    assert!(seen[2].body.get("tools").is_none(), "the last step offers no tools: {}", seen[2].body);
    assert!(
        seen[2].messages().iter().all(|m| m["role"] != "tool" && m.get("tool_calls").is_none()),
        "and shows the exchange as text, as providers want without tools: {}",
        seen[2].body
    );
    // The conversation holds the turn and ends with the reply.
    let id = turn["conversation_id"].as_str().unwrap();
    let newest = items(&c.get(&format!("/api/conversations/{id}/messages?limit=2")).await);
    assert_eq!((newest[0]["role"].as_str(), &newest[0]["content"]), (Some("assistant"), &turn["reply"]));
    // The last step's unrun calls are not kept: the reply follows the second step's result.
    assert_eq!(newest[1]["role"], "tool", "{newest:?}");
}

/// Twelve calls in one step: eight run (the step's limit), the model is told the rest did not,
/// and the turn is stored whole (on DynamoDB, one transaction).
async fn a_step_runs_at_most_its_limit_of_calls(b: Backend) {
    let ids: Vec<String> = (1..=12).map(|n| format!("call_{n}")).collect();
    let calls: Vec<(&str, &str, Value)> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| (id.as_str(), "create_task", json!({ "title": format!("task {n}") })))
        .collect();
    let first = Reply::tool_calls(&calls);
    let llm = ChatServer::start(move |seen: &Seen| {
        if seen.last_role() == "tool" { Reply::text("Added what I could.") } else { first.clone() }
    })
    .await;
    let c = Chat::with_model(b, &llm, AgentConfig::default()).await;
    let turn = c.say("add twelve things").await;
    assert_eq!(turn["actions"].as_array().unwrap().len(), 8, "{turn}");
    assert_eq!(items(&c.get("/api/tasks").await).len(), 8);
    let results = llm.last().tool_results();
    assert_eq!(results.len(), 8, "only the calls that ran are answered");
    assert!(
        results[7]["content"].as_str().unwrap().contains("4 more tool calls were not run"),
        "{results:?}"
    );
    let id = turn["conversation_id"].as_str().unwrap();
    let stored = items(&c.get(&format!("/api/conversations/{id}/messages?limit=100")).await);
    assert_eq!(stored.len(), 1 + 1 + 8 + 1, "the question, the calls, their results, the reply");
}

async fn a_slow_model_answers_504_model_timeout(b: Backend) {
    let llm = ChatServer::always(Reply::text("too late").after(Duration::from_secs(3))).await;
    let app = TestApp::spawn_with(b, llm.agent(AgentConfig::default()), Duration::from_secs(1)).await;
    let c = Chat::on(app).await;
    let (status, body) = c.send(json!({ "message": "hello?" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (504, Some("MODEL_TIMEOUT")), "{body}");
    assert!(c.conversations().await.is_empty(), "the turn was not saved");
}

async fn a_provider_that_is_down_answers_503_and_stores_nothing(b: Backend) {
    let llm = ChatServer::always(Reply::status(500)).await;
    let c = Chat::with_model(b, &llm, AgentConfig::default()).await;
    let (status, body) = c.send(json!({ "message": "add buy milk" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("MODEL_UNAVAILABLE")), "{body}");
    assert!(
        !body["error"]["message"].as_str().unwrap().contains("http 500"),
        "provider detail stays in the log"
    );
    assert!(llm.hits() >= 1);
    assert!(c.conversations().await.is_empty());
    assert!(items(&c.get("/api/tasks").await).is_empty());
    assert!(c.agent_messages().await.is_empty(), "nothing to learn from");
}

async fn the_daily_token_budget_stops_the_next_turn(b: Backend) {
    let llm = ChatServer::always(Reply::text("Sure.").usage(40, 30)).await;
    let config = AgentConfig { daily_token_budget: Some(50), ..AgentConfig::default() };
    let c = Chat::with_model(b, &llm, config).await;
    let first = c.say("hi").await;
    assert_eq!(first["usage"], json!({ "input_tokens": 40, "output_tokens": 30 }));
    let (status, body) = c.send(json!({ "message": "and again" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("RATE_LIMITED")), "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("budget") && message.contains("70 of 50"), "{message}");
    assert_eq!(llm.hits(), 1, "the refused turn cost nothing");
    // Another user has their own budget.
    let other = c.other().await;
    let (status, body) =
        c.app.call("POST", "/api/chat", Some(&other), Some(json!({ "message": "hi" }))).await;
    assert_eq!(status, 200, "{body}");
}

// ---- conversations ----

async fn turns_share_a_conversation_that_pages_newest_first(b: Backend) {
    let c = Chat::offline(b).await;
    let one = c.say("hello").await;
    let id = one["conversation_id"].as_str().unwrap().to_owned();
    let two = c.say("add buy milk").await;
    assert_eq!(two["conversation_id"], id.as_str(), "a second turn continues the conversation");
    let three = c.say_in(&id, "thanks").await;
    assert_eq!(three["conversation_id"], id.as_str());

    let listed = c.conversations().await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["title"], "hello");
    assert_eq!(listed[0]["channel"], "api");
    // hello → reply (2), add → call, result, reply (4), thanks → reply (2).
    assert_eq!(listed[0]["message_count"], 8, "{listed:?}");

    let mut seen: Vec<Value> = vec![];
    let mut path = format!("/api/conversations/{id}/messages?limit=2");
    loop {
        let page = c.get(&path).await;
        let got = items(&page);
        assert!(got.len() <= 2);
        seen.extend(got);
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/conversations/{id}/messages?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8);
    assert_eq!((seen[0]["role"].as_str(), &seen[0]["content"]), (Some("assistant"), &three["reply"]));
    assert_eq!((seen[1]["role"].as_str(), seen[1]["content"].as_str()), (Some("user"), Some("thanks")));
    assert_eq!((seen[7]["role"].as_str(), seen[7]["content"].as_str()), (Some("user"), Some("hello")));
    let roles: Vec<&str> = seen.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["assistant", "user", "assistant", "tool", "assistant", "user", "assistant", "user"]);

    // Another user: the conversation does not exist for them.
    let other = c.other().await;
    let (s, body) = c.app.call("GET", &format!("/api/conversations/{id}/messages"), Some(&other), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{body}");
    let (s, body) = c
        .app
        .call("POST", "/api/chat", Some(&other), Some(json!({ "message": "hi", "conversation_id": id })))
        .await;
    assert_eq!((s, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{body}");
    assert!(get_as(&c.app, &other, "/api/conversations").await["items"].as_array().unwrap().is_empty());
    assert_eq!(c.conversations().await[0]["message_count"], 8, "their attempt added nothing");

    // Malformed ids.
    let (s, body) = c.app.call("GET", "/api/conversations/not-an-id/messages", Some(&c.token), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{body}");
    let (s, body) = c.send(json!({ "message": "hi", "conversation_id": "not-an-id" })).await;
    assert_eq!((s, body["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{body}");
    let unknown = uuid::Uuid::now_v7().to_string();
    let (s, _) = c.send(json!({ "message": "hi", "conversation_id": unknown })).await;
    assert_eq!(s, 404);
}

async fn a_conversation_expires_after_thirty_idle_minutes(b: Backend) {
    let t0: DateTime<Utc> = "2026-11-18T09:00:00Z".parse().unwrap();
    let clock = Arc::new(FixedClock::new(t0));
    let (p, _) = nudge_tests::store_with_clock(b, clock.clone()).await;
    let user = users::create_user(
        &p,
        NewUser {
            name: nudge_domain::PersonName::parse("Sam").unwrap(),
            phone: nudge_domain::PhoneNumber::parse("+14155550101").unwrap(),
            email: None,
            timezone: nudge_domain::TimeZone::parse("Europe/Paris").unwrap(),
            roles: vec![],
        },
    )
    .await
    .unwrap();
    let brain = offline_agent();
    let turn = |message: &str, conversation_id| {
        let req = TurnRequest { message: message.into(), conversation_id, channel: ConversationChannel::Api };
        let (p, brain) = (&p, &brain);
        async move { agent::run_turn(p, brain, user.id, req).await.expect("a turn") }
    };

    let first = turn("hello", None).await.conversation_id;
    clock.advance(Minutes::minutes(29));
    assert_eq!(turn("add buy milk", None).await.conversation_id, first, "29 minutes later: the same one");
    clock.advance(Minutes::minutes(31));
    let second = turn("hello again", None).await.conversation_id;
    assert_ne!(second, first, "31 idle minutes later: a new one");
    clock.advance(Minutes::minutes(5));
    assert_eq!(turn("thanks", None).await.conversation_id, second);
    // Asked for by id, the old one is resumed however long it slept.
    clock.advance(Minutes::hours(5));
    assert_eq!(turn("back to this", Some(first)).await.conversation_id, first);
    let page = nudge_domain::PageRequest { limit: nudge_domain::Limit::new(10).unwrap(), after: None };
    let all = p.conversations.list_conversations(&user.id, &page).await.unwrap().items;
    assert_eq!(all.len(), 2);
    let old = all.iter().find(|c| c.id == first).unwrap();
    assert_eq!(old.last_active_at, t0 + Minutes::minutes(29 + 31 + 5) + Minutes::hours(5));
}

// ---- memories ----

async fn relevant_memories_reach_the_model_and_no_one_elses_do(b: Backend) {
    let llm = talking("It's 4411.", "").await;
    let c = Chat::with_model(b, &llm, AgentConfig::default()).await;
    let other = c.other().await;
    let mine = c.remember(&c.token, "my locker code is 4411").await;
    assert_eq!((mine["source"].as_str(), mine["kind"].as_str()), (Some("api"), Some("fact")), "{mine}");
    c.remember(&c.token, "I am allergic to penicillin").await;
    c.remember(&c.token, "my sister Maya lives in Lyon").await;
    let theirs = c.remember(&other, "my locker code is 7777").await;

    let turn = c.say("what's my locker code?").await;
    assert_eq!(turn["reply"], "It's 4411.");
    let system = llm.last().system();
    assert!(system.contains("my locker code is 4411"), "{system}");
    assert!(!system.contains("7777"), "another user's memory leaked: {system}");

    // Listing is per user too.
    let listed: Vec<String> =
        c.memories().await.iter().map(|m| m["content"].as_str().unwrap().to_owned()).collect();
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(!listed.iter().any(|m| m.contains("7777")));

    // Another user's memory is not found, and stays.
    let theirs_id = theirs["id"].as_str().unwrap();
    let (s, body) = c.app.call("DELETE", &format!("/api/memories/{theirs_id}"), Some(&c.token), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{body}");
    assert_eq!(get_as(&c.app, &other, "/api/memories").await["items"].as_array().unwrap().len(), 1);

    // Forgotten, it no longer reaches the model.
    let id = mine["id"].as_str().unwrap();
    let (s, body) = c.app.call("DELETE", &format!("/api/memories/{id}"), Some(&c.token), None).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(c.memories().await.len(), 2);
    c.say("what's my locker code?").await;
    assert!(!llm.last().system().contains("4411"), "{}", llm.last().system());

    for bad in [
        json!({ "content": "" }),
        json!({ "content": "x", "colour": "red" }),
        json!({}),
        json!({ "content": 7 }),
        json!({ "content": "x".repeat(1001) }),
    ] {
        let (s, body) = c.app.call("POST", "/api/memories", Some(&c.token), Some(bad.clone())).await;
        assert_eq!((s, body["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{bad}: {body}");
    }
    let (s, _) = c.app.call("DELETE", "/api/memories/not-an-id", Some(&c.token), None).await;
    assert_eq!(s, 400);
    assert_eq!(c.memories().await.len(), 2, "no bad body added anything");
    // A long text is a note, not a fact.
    let note = json!({ "content": "x".repeat(1001), "kind": "note", "title": "Long" });
    let (s, body) = c.app.call("POST", "/api/memories", Some(&c.token), Some(note)).await;
    assert_eq!(s, 201, "{body}");
}

// ---- prompt customizations ----

async fn an_active_customization_shapes_the_system_prompt(b: Backend) {
    const PATH: &str = "/api/agents/assistant/prompt-customizations";
    let llm = talking("D'accord.", "").await;
    let c = Chat::with_model(b, &llm, AgentConfig::default()).await;
    let other = c.other().await;

    let (s, created) = c
        .app
        .call(
            "POST",
            PATH,
            Some(&c.token),
            Some(json!({ "customization_type": "tone", "content": "Always answer in French" })),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let created = created["data"].clone();
    assert_eq!((created["is_active"].as_bool(), created["version"].as_u64()), (Some(true), Some(1)));
    assert_eq!(created["agent_name"], "assistant");
    let id = created["id"].as_str().unwrap().to_owned();

    let listed = items(&c.get(PATH).await);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["content"], "Always answer in French");
    assert!(items(&get_as(&c.app, &other, PATH).await).is_empty(), "theirs lists none of mine");

    c.say("hello").await;
    assert!(llm.last().system().contains("Always answer in French"), "{}", llm.last().system());

    let one = format!("{PATH}/{id}");
    let (s, body) = c.app.call("PUT", &one, Some(&other), Some(json!({ "is_active": false }))).await;
    assert_eq!((s, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{body}");
    let (s, body) =
        c.app.call("PUT", &one, Some(&c.token), Some(json!({ "is_active": false, "version": 1 }))).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        (body["data"]["is_active"].as_bool(), body["data"]["version"].as_u64()),
        (Some(false), Some(2))
    );
    let (s, body) =
        c.app.call("PUT", &one, Some(&c.token), Some(json!({ "is_active": true, "version": 1 }))).await;
    assert_eq!((s, body["error"]["code"].as_str()), (409, Some("CONFLICT")), "{body}");
    assert_eq!(items(&c.get(PATH).await)[0]["is_active"], false, "the stale write changed nothing");

    c.say("hello again").await;
    assert!(!llm.last().system().contains("Always answer in French"), "{}", llm.last().system());

    for bad in ["/api/agents/BAD%20NAME/prompt-customizations", "/api/agents/Assistant/prompt-customizations"]
    {
        let (s, body) = c.app.call("GET", bad, Some(&c.token), None).await;
        assert_eq!((s, body["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{bad}: {body}");
        let new = json!({ "customization_type": "tone", "content": "x" });
        let (s, _) = c.app.call("POST", bad, Some(&c.token), Some(new)).await;
        assert_eq!(s, 400, "{bad}");
    }
    let (s, _) = c
        .app
        .call("POST", PATH, Some(&c.token), Some(json!({ "customization_type": "mood", "content": "x" })))
        .await;
    assert_eq!(s, 400);
    let (s, _) = c
        .app
        .call("POST", PATH, Some(&c.token), Some(json!({ "customization_type": "tone", "content": "" })))
        .await;
    assert_eq!(s, 400);
    assert_eq!(items(&c.get(PATH).await).len(), 1);
}

// ---- background learning ----

async fn the_worker_learns_a_fact_once_however_often_it_is_delivered(b: Backend) {
    let c = Chat::offline(b).await;
    let turn = c.say("I take my meds at 9 every morning. what's on today").await;
    assert!(c.memories().await.is_empty(), "nothing is learned on the response path");

    let queued = c.agent_messages().await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    let AgentMessage::Learn { conversation_id, .. } = &queued[0] else { panic!("{queued:?}") };
    assert_eq!(conversation_id.to_string(), turn["conversation_id"].as_str().unwrap());

    let twice = [queued[0].clone(), queued[0].clone()];
    assert!(c.learn(&twice).await.is_empty(), "no failures");
    assert!(c.learn(&queued).await.is_empty(), "a later redelivery is no failure either");

    let memories = c.memories().await;
    assert_eq!(memories.len(), 1, "learned once: {memories:?}");
    assert_eq!(memories[0]["source"], "learned");
    assert!(
        memories[0]["content"].as_str().unwrap().contains("I take my meds at 9 every morning"),
        "{memories:?}"
    );

    let bodies = [
        "{not json".to_owned(),
        serde_json::to_string(&queued[0]).unwrap(),
        json!({"type": "dance"}).to_string(),
    ];
    let response =
        agent_worker::handle(&c.app.state.ports, &c.app.agent, &c.app.sms, agent_event(&bodies)).await;
    let mut failed: Vec<String> =
        response.batch_item_failures.into_iter().map(|f| f.item_identifier).collect();
    failed.sort();
    assert_eq!(failed, ["m-0", "m-2"], "each bad body is reported, the good one is not");
    assert_eq!(c.memories().await.len(), 1);
}

async fn the_worker_folds_old_messages_into_a_summary_the_model_then_sees(b: Backend) {
    const SUMMARY: &str = "Sam is planning the week: groceries first, then the bank.";
    let llm = talking("Noted.", SUMMARY).await;
    let mut config = AgentConfig::default();
    config.policy.window = 4;
    let c = Chat::with_model(b, &llm, config).await;
    let first = c.say("first: buy groceries").await;
    c.say("second: call the bank").await;
    c.say("third: book the dentist").await;
    assert!(c.conversations().await[0]["summary"].is_null(), "no summary before the worker runs");

    let queued = c.agent_messages().await;
    assert_eq!(queued.len(), 3);
    assert!(c.learn(&queued).await.is_empty());
    let listed = c.conversations().await;
    assert_eq!(listed[0]["id"], first["conversation_id"]);
    assert_eq!(listed[0]["summary"], SUMMARY, "{listed:?}");
    let asked =
        llm.requests().into_iter().find(|r| r.system().starts_with("Update the running summary")).unwrap();
    assert!(asked.last_user_text().contains("User: first: buy groceries"), "{}", asked.last_user_text());
    assert!(!asked.last_user_text().contains("third"), "what is in the window is not folded");

    c.say("fourth: anything else?").await;
    let last = llm.last();
    assert!(last.system().contains(&format!("Earlier in this conversation: {SUMMARY}")), "{}", last.system());
    let said: Vec<String> = last
        .messages()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(said, ["second: call the bank", "third: book the dentist", "fourth: anything else?"]);

    // The next fold takes what has left the window since, and nothing folded before.
    let queued = c.agent_messages().await;
    assert!(c.learn(&queued).await.is_empty());
    let folds: Vec<String> = llm
        .requests()
        .into_iter()
        .filter(|r| r.system().starts_with("Update the running summary"))
        .map(|r| r.last_user_text())
        .collect();
    // (The first three learn messages ran at once and each asked for the same first fold; one
    // stored it.)
    let last = folds.last().unwrap();
    assert!(last.contains(SUMMARY) && last.contains("User: second: call the bank"), "{last}");
    assert!(!last.contains("first: buy groceries"), "folded once only: {last}");
}

// ---- bad input ----

async fn bad_chat_requests_answer_4xx(b: Backend) {
    let c = Chat::offline(b).await;
    for (body, code) in [
        (json!({ "message": "" }), "VALIDATION_ERROR"),
        (json!({ "message": "   " }), "VALIDATION_ERROR"),
        (json!({ "message": "x".repeat(4001) }), "VALIDATION_ERROR"),
        (json!({ "message": "hi", "mood": "great" }), "VALIDATION_ERROR"),
        (json!({}), "VALIDATION_ERROR"),
    ] {
        let (s, got) = c.send(body.clone()).await;
        assert_eq!((s, got["error"]["code"].as_str()), (400, Some(code)), "{got}");
    }
    let too_long = c.send(json!({ "message": "x".repeat(4001) })).await.1;
    assert!(too_long["error"]["message"].as_str().unwrap().contains("4000"), "{too_long}");
    let (s, body) = c.app.call("POST", "/api/chat", None, Some(json!({ "message": "hi" }))).await;
    assert_eq!((s, body["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")), "{body}");
    assert!(c.conversations().await.is_empty(), "nothing refused was stored");
    // 4000 characters is within the limit.
    let at_limit = c.say(&"x".repeat(4000)).await;
    assert!(at_limit["reply"].is_string());
}

nudge_tests::on_both_backends!(
    a_reminder_set_in_words_fires_and_shows_on_the_agenda,
    a_task_added_in_words_is_completed_in_words,
    a_fact_asked_to_be_remembered_is_listed,
    a_model_calls_a_tool_and_is_fed_the_result,
    arguments_that_break_the_schema_are_refused_and_the_model_corrects_itself,
    a_model_that_keeps_calling_tools_is_stopped_after_max_steps,
    a_step_runs_at_most_its_limit_of_calls,
    a_slow_model_answers_504_model_timeout,
    a_provider_that_is_down_answers_503_and_stores_nothing,
    the_daily_token_budget_stops_the_next_turn,
    turns_share_a_conversation_that_pages_newest_first,
    a_conversation_expires_after_thirty_idle_minutes,
    relevant_memories_reach_the_model_and_no_one_elses_do,
    an_active_customization_shapes_the_system_prompt,
    the_worker_learns_a_fact_once_however_often_it_is_delivered,
    the_worker_folds_old_messages_into_a_summary_the_model_then_sees,
    bad_chat_requests_answer_4xx,
);
