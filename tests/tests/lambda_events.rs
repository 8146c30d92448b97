//! The sample events in `events/`, decoded as the Lambda runtime decodes them and run through
//! each function's handler exactly as `lambda_http::run` does.

use std::sync::Arc;

use axum::body::to_bytes;
use nudge_domain::{
    PersonName, PhoneNumber, Ports, Role, Secret, SystemClock, Task, TaskId, TaskStatus, TimeZone, User,
    UserId, UuidV7Ids,
    task::{Metadata, TaskTitle},
};
use nudge_http::ApiState;
use nudge_sqlite::SqliteStore;
use serde_json::Value;
use tower::ServiceExt;

const SECRET: &[u8] = b"events-secret-for-handler-tests-only";
const USER: &str = "0190aaaa-0000-7000-8000-000000000001";
const TASK: &str = "0190bbbb-0000-7000-8000-000000000001";

/// A store holding the user the events' token names, and the task they name.
async fn state() -> ApiState {
    state_and_store().await.0
}

async fn state_and_store() -> (ApiState, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let ports = Ports::over(store.clone(), store.clone(), Arc::new(SystemClock), Arc::new(UuidV7Ids));
    let at = "2026-11-22T08:00:00Z".parse().unwrap();
    let owner: UserId = USER.parse().unwrap();
    let user = User {
        id: owner,
        name: PersonName::parse("Event Tester").unwrap(),
        phone: PhoneNumber::parse("+14155550142").unwrap(),
        email: None,
        timezone: TimeZone::parse("America/New_York").unwrap(),
        roles: vec![Role::User],
        preferences: Default::default(),
        created_at: at,
        updated_at: at,
    };
    ports.users.create_user(&user).await.unwrap();
    let task = Task {
        id: TASK.parse::<TaskId>().unwrap(),
        user_id: owner,
        title: TaskTitle::parse("Call the pharmacy").unwrap(),
        description: None,
        status: TaskStatus::Pending,
        priority: nudge_domain::Priority::Medium,
        assigned_to: None,
        due_date: None,
        metadata: Metadata::default(),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    ports.tasks.insert_task(&task).await.unwrap();
    (ApiState::new(ports, Arc::new(Secret::new(SECRET))), store)
}

/// Runs the event file through `function`'s handler; returns the status and the envelope, whose
/// request id must be API Gateway's.
async fn invoke(function: &'static str, file: &str) -> (u16, Value) {
    invoke_on(&state().await, function, file).await
}

/// The same, on a given store, so that one event can see what another did.
async fn invoke_on(state: &ApiState, function: &'static str, file: &str) -> (u16, Value) {
    let path = format!("{}/../events/{file}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read_to_string(&path).unwrap();
    let event: Value = serde_json::from_str(&raw).unwrap();
    let request = lambda_http::request::from_str(&raw).expect("an API Gateway v2 event");
    let routes = match function {
        "tasks" => tasks::routes(),
        "admin" => admin::routes(),
        "reminders" => reminders::routes(),
        "chat" => chat::routes(Arc::new(nudge_tests::offline_agent()), chat::TURN_TIMEOUT),
        "approvals" => approvals::routes(),
        "oauth" => oauth::routes(),
        other => panic!("no function {other}"),
    };
    let response = nudge_http::app(function, routes, state.clone()).oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body: Value =
        serde_json::from_slice(&to_bytes(response.into_body(), usize::MAX).await.unwrap()).unwrap();
    assert_eq!(body["request_id"], event["requestContext"]["requestId"], "{file}: {body}");
    (status, body)
}

#[tokio::test]
async fn list_event() {
    let (s, body) = invoke("tasks", "tasks-list.json").await;
    assert_eq!(s, 200, "{body}");
    let items = body["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], TASK);
}

#[tokio::test]
async fn create_event_with_a_base64_body() {
    let (s, body) = invoke("tasks", "tasks-create.json").await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["data"]["title"], "Refill prescription 💊");
    assert_eq!(body["data"]["due_date"], "2026-11-23T14:00:00Z");
    assert_eq!(body["data"]["user_id"], USER);
}

#[tokio::test]
async fn get_event() {
    let (s, body) = invoke("tasks", "tasks-get.json").await;
    assert_eq!((s, body["data"]["title"].as_str()), (200, Some("Call the pharmacy")));
}

#[tokio::test]
async fn update_event() {
    let (s, body) = invoke("tasks", "tasks-update.json").await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["data"]["title"], "Call the pharmacy before noon");
    assert_eq!(body["data"]["version"], 2);
}

#[tokio::test]
async fn set_status_event() {
    let (s, body) = invoke("tasks", "tasks-set-status.json").await;
    assert_eq!((s, body["data"]["status"].as_str()), (200, Some("completed")), "{body}");
}

#[tokio::test]
async fn delete_event() {
    let (s, body) = invoke("tasks", "tasks-delete.json").await;
    assert_eq!((s, body["data"]["deleted"].as_bool()), (200, Some(true)), "{body}");
}

#[tokio::test]
async fn me_event() {
    let (s, body) = invoke("admin", "admin-me.json").await;
    assert_eq!((s, body["data"]["id"].as_str()), (200, Some(USER)), "{body}");
}

#[tokio::test]
async fn reminders_create_event() {
    let (s, body) = invoke("reminders", "reminders-create.json").await;
    assert_eq!(s, 201, "{body}");
    // 09:00 in Paris is 03:00 in the user's New York, shown with its offset.
    assert_eq!(body["data"]["next_fire_at"], "2100-01-01T03:00:00-05:00", "{body}");
    assert_eq!(body["data"]["recurrence"], "FREQ=DAILY");
}

#[tokio::test]
async fn reminders_list_event() {
    let (s, body) = invoke("reminders", "reminders-list.json").await;
    assert_eq!((s, body["data"]["items"].as_array().map(Vec::len)), (200, Some(0)), "{body}");
}

fn event_file<T: serde::de::DeserializeOwned>(file: &str) -> T {
    let path = format!("{}/../events/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A reminder of the events' user, scheduled for `due`.
fn reminder_due(due: chrono::DateTime<chrono::Utc>) -> nudge_domain::Reminder {
    let mut r = nudge_tests::contract::reminder(USER.parse().unwrap(), 1, due);
    r.nag = nudge_domain::Nag::NEVER;
    r.channel = nudge_domain::Channel::Console;
    r
}

#[tokio::test]
async fn the_tick_event_fires_once_even_when_delivered_twice() {
    let (s, store) = state_and_store().await;
    let event: aws_lambda_events::eventbridge::EventBridgeEvent<Value> = event_file("reminder-tick.json");
    let due = event.time.unwrap();
    s.ports.reminders.insert_reminder(&reminder_due(due)).await.unwrap();
    let first = reminder_tick::handle(&s.ports, event.clone()).await.unwrap();
    let again = reminder_tick::handle(&s.ports, event).await.unwrap();
    assert_eq!((first.fired, again.fired), (1, 0));
    assert_eq!(store.queue_depth(nudge_sqlite::QueueName::Notify).await.unwrap(), (1, 0));
}

#[tokio::test]
async fn the_notifier_batch_event_with_a_duplicate_sends_once() {
    let (s, store) = state_and_store().await;
    let due = "2026-11-23T08:00:00Z".parse().unwrap();
    let r = reminder_due(due);
    s.ports.reminders.insert_reminder(&r).await.unwrap();
    let nudge_domain::Step::Fire(firing, next) = r.step(due, None) else { panic!("due") };
    let mut n = nudge_domain::Notification::for_firing(&r, &firing, "Reminder: test".into(), due);
    n.id = "0190cccc-0000-7000-8000-000000000001".parse().unwrap();
    assert!(s.ports.notifications.claim_firing(&n, &next, r.version).await.unwrap());
    let event: aws_lambda_events::sqs::SqsEvent = event_file("notifier-batch.json");
    assert_eq!(event.records.len(), 2);
    let senders = nudge_domain::Senders {
        sms: store.clone(),
        email: store.clone(),
        webhook: store.clone(),
        console: store.clone(),
        webhook_key: Arc::new(Secret::new(SECRET)),
    };
    let response = notifier::handle(&s.ports, &senders, event).await;
    assert!(response.batch_item_failures.is_empty());
    let outbox = store.outbox(10).await.unwrap();
    assert_eq!(outbox.len(), 1, "the duplicate record sent nothing");
    assert_eq!(outbox[0].notification_id, n.id.to_string());
    let stored = s.ports.notifications.get_notification(&n.user_id, &n.id).await.unwrap().unwrap();
    assert_eq!(stored.status, nudge_domain::NotificationStatus::Sent);
    // A body that is not a notify message is reported, so that it reaches the dead-letter queue.
    let bad: aws_lambda_events::sqs::SqsEvent = serde_json::from_value(serde_json::json!({
        "Records": [{"messageId": "m-1", "body": "{not json", "eventSource": "aws:sqs"}]
    }))
    .unwrap();
    let response = notifier::handle(&s.ports, &senders, bad).await;
    assert_eq!(response.batch_item_failures[0].item_identifier, "m-1");
}

#[tokio::test]
async fn chat_post_event_sets_a_reminder_the_other_events_then_see() {
    let s = state().await;
    let (status, body) = invoke_on(&s, "chat", "chat-post.json").await;
    assert_eq!(status, 200, "{body}");
    let turn = &body["data"];
    assert!(turn["reply"].as_str().unwrap().contains("stretch"), "{turn}");
    assert_eq!(
        (turn["actions"][0]["tool"].as_str(), turn["actions"][0]["ok"].as_bool()),
        (Some("create_reminder"), Some(true))
    );
    assert_eq!(turn["model"], "offline");

    let (status, listed) = invoke_on(&s, "reminders", "reminders-list.json").await;
    assert_eq!(status, 200, "{listed}");
    let reminders = listed["data"]["items"].as_array().unwrap();
    assert_eq!(reminders.len(), 1, "{listed}");
    assert_eq!(reminders[0]["text"], "stretch");

    let (status, conversations) = invoke_on(&s, "chat", "chat-conversations.json").await;
    assert_eq!(status, 200, "{conversations}");
    let items = conversations["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{conversations}");
    assert_eq!(items[0]["id"], turn["conversation_id"]);
    assert_eq!(items[0]["title"], "remind me to stretch in 2 minutes");
    // The user's words, the call, its result, the reply.
    assert_eq!(items[0]["message_count"], 4);
}

#[tokio::test]
async fn chat_conversations_event_lists_none_before_any_chat() {
    let (status, body) = invoke("chat", "chat-conversations.json").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], serde_json::json!({"items": [], "next_cursor": null}));
}

#[tokio::test]
async fn memories_create_event() {
    let s = state().await;
    let (status, body) = invoke_on(&s, "chat", "memories-create.json").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["content"], "my locker code is 4411");
    assert_eq!((body["data"]["source"].as_str(), body["data"]["kind"].as_str()), (Some("api"), Some("fact")));
    let page = nudge_domain::PageRequest { limit: nudge_domain::Limit::new(10).unwrap(), after: None };
    let stored = s.ports.memories.list_memories(&USER.parse().unwrap(), &page).await.unwrap().items;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id.to_string(), body["data"]["id"].as_str().unwrap());
}

const CONVERSATION: &str = "0190dddd-0000-7000-8000-000000000001";
const MESSAGE: &str = "0190eeee-0000-7000-8000-000000000001";

/// The turn the agent-worker fixture names: the user's words (that message), and a reply.
async fn the_fixture_turn(ports: &Ports) {
    use nudge_domain::{Conversation, ConversationChannel, Message, Speaker};
    let at = "2026-11-22T09:00:00Z".parse().unwrap();
    let owner: UserId = USER.parse().unwrap();
    let said = "I take my meds at 9 every morning. Thanks!";
    let mut c = Conversation::new(CONVERSATION.parse().unwrap(), owner, ConversationChannel::Api, said, at);
    let message = |id: &str, role, content: &str| Message {
        id: id.parse().unwrap(),
        conversation_id: c.id,
        user_id: owner,
        role,
        content: content.to_owned(),
        tool_calls: vec![],
        tool_call_id: None,
        tool_name: None,
        is_error: false,
        usage: None,
        created_at: at,
    };
    let messages = [
        message(MESSAGE, Speaker::User, said),
        message("0190eeee-0000-7000-8000-000000000002", Speaker::Assistant, "You're welcome!"),
    ];
    c.message_count = 2;
    c.version = 1;
    ports.conversations.save_turn(&c, None, &messages).await.unwrap();
}

async fn learned(ports: &Ports) -> Vec<nudge_domain::Memory> {
    let page = nudge_domain::PageRequest { limit: nudge_domain::Limit::new(10).unwrap(), after: None };
    ports.memories.list_memories(&USER.parse().unwrap(), &page).await.unwrap().items
}

#[tokio::test]
async fn the_agent_worker_batch_event_with_a_duplicate_learns_once() {
    let s = state().await;
    the_fixture_turn(&s.ports).await;
    let agent = nudge_tests::offline_agent();
    let event: aws_lambda_events::sqs::SqsEvent = event_file("agent-worker-batch.json");
    assert_eq!(event.records.len(), 2);
    assert_eq!(event.records[0].body, event.records[1].body, "one message delivered twice");

    let response = agent_worker::handle(&s.ports, &agent, &Default::default(), event.clone()).await;
    assert!(response.batch_item_failures.is_empty());
    let memories = learned(&s.ports).await;
    assert_eq!(memories.len(), 1, "{memories:?}");
    assert_eq!(memories[0].content.as_str(), "I take my meds at 9 every morning");
    assert_eq!(memories[0].source, nudge_domain::MemorySource::Learned);

    // Redelivered later (SQS at-least-once): nothing new, no failure.
    let response = agent_worker::handle(&s.ports, &agent, &Default::default(), event).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(learned(&s.ports).await.len(), 1);
}

#[tokio::test]
async fn the_agent_worker_batch_event_for_an_unknown_conversation_is_a_no_op() {
    let s = state().await;
    let event: aws_lambda_events::sqs::SqsEvent = event_file("agent-worker-batch.json");
    let response =
        agent_worker::handle(&s.ports, &nudge_tests::offline_agent(), &Default::default(), event).await;
    assert!(response.batch_item_failures.is_empty(), "a conversation that is gone is not retried");
    assert!(learned(&s.ports).await.is_empty());
}

/// The function URL the sms-inbound events were signed for (`PUBLIC_BASE_URL`).
const SMS_BASE_URL: &str = "https://sms0example0abc123.lambda-url.us-east-1.on.aws";

/// What sms-inbound answered: TwiML on success, an envelope on error.
struct SmsReply {
    status: u16,
    content_type: String,
    body: String,
}

/// Runs an sms-inbound event, changed first by `edit`, through the function as
/// `lambda_http::run` does, with the test account's auth token and the events' base URL.
async fn invoke_sms(state: &ApiState, file: &str, edit: impl FnOnce(&mut Value)) -> SmsReply {
    invoke_sms_with(state, file, nudge_tests::twilio::AUTH_TOKEN, edit).await
}

/// The same, with the function's auth token `token`.
async fn invoke_sms_with(
    state: &ApiState,
    file: &str,
    token: &str,
    edit: impl FnOnce(&mut Value),
) -> SmsReply {
    let mut event: Value = event_file(file);
    edit(&mut event);
    let request = lambda_http::request::from_str(&event.to_string()).expect("a function URL event");
    let webhook = Arc::new(sms_inbound::Webhook {
        auth_token: Arc::new(Secret::new(token.to_owned())),
        public_base_url: Some(SMS_BASE_URL.into()),
        settings: Default::default(),
    });
    let app = nudge_http::app("sms-inbound", sms_inbound::function_routes(webhook), state.clone());
    let response = app.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    SmsReply { status, content_type, body: String::from_utf8(bytes.to_vec()).unwrap() }
}

/// The TwiML `<Message>` of a successful answer (`None` for `<Response/>`).
fn twiml(file: &str, reply: &SmsReply) -> Option<String> {
    assert_eq!(reply.status, 200, "{file}: {}", reply.body);
    assert!(reply.content_type.starts_with("text/xml"), "{file}: {}", reply.content_type);
    nudge_tests::sms::twiml_message(&reply.body)
}

/// An sms-inbound event's parameters, decoded from its body.
fn event_params(event: &Value) -> Vec<(String, String)> {
    let mut body = event["body"].as_str().unwrap().as_bytes().to_vec();
    if event["isBase64Encoded"] == true {
        use base64::Engine;
        body = base64::engine::general_purpose::STANDARD.decode(&body).unwrap();
    }
    form_urlencoded::parse(&body).into_owned().collect()
}

/// The `MessageSid` an sms-inbound event carries.
fn event_sid(file: &str) -> nudge_domain::sms::MessageSid {
    let params = event_params(&event_file(file));
    let sid = &params.iter().find(|(k, _)| k == "MessageSid").unwrap().1;
    nudge_domain::sms::MessageSid::parse(sid).unwrap()
}

/// Every message waiting on the store's agent queue.
async fn agent_queue(store: &SqliteStore) -> Vec<nudge_domain::AgentMessage> {
    let got = store
        .receive::<nudge_domain::AgentMessage>(
            nudge_sqlite::QueueName::Agent,
            chrono::Utc::now(),
            10,
            chrono::Duration::minutes(5),
        )
        .await
        .unwrap();
    got.into_iter().map(|m| m.message).collect()
}

#[tokio::test]
async fn sms_inbound_plain_event_queues_the_turn_for_the_agent() {
    let (s, store) = state_and_store().await;
    let file = "sms-inbound-plain.json";
    let reply = invoke_sms(&s, file, |_| {}).await;
    assert_eq!(twiml(file, &reply), None, "answered later, through the notifier: {}", reply.body);
    let sid = event_sid(file);
    assert_eq!(
        agent_queue(&store).await,
        vec![nudge_domain::AgentMessage::SmsTurn { user_id: USER.parse().unwrap(), sid: sid.clone() }]
    );
    let stored = s.ports.inbound.get_inbound(&sid).await.unwrap().expect("recorded");
    assert_eq!(stored.body, "remind me to call mom in 5 minutes");
    assert_eq!(stored.route, nudge_domain::sms::Route::Agent);
    assert_eq!(stored.user_id, Some(USER.parse().unwrap()));
}

#[tokio::test]
async fn sms_inbound_base64_event_answers_help_at_once() {
    let (s, store) = state_and_store().await;
    let file = "sms-inbound-base64.json";
    let reply = invoke_sms(&s, file, |_| {}).await;
    let message = twiml(file, &reply).expect("a <Message>");
    assert!(message.contains("STOP"), "{message}");
    assert!(agent_queue(&store).await.is_empty(), "HELP needs no agent");
    let stored = s.ports.inbound.get_inbound(&event_sid(file)).await.unwrap().expect("recorded");
    assert_eq!(stored.route, nudge_domain::sms::Route::Keyword);
}

#[tokio::test]
async fn sms_inbound_unicode_event_keeps_the_exact_text() {
    let (s, store) = state_and_store().await;
    let file = "sms-inbound-unicode.json";
    let reply = invoke_sms(&s, file, |_| {}).await;
    assert_eq!(twiml(file, &reply), None, "{}", reply.body);
    let sid = event_sid(file);
    let queued = agent_queue(&store).await;
    assert_eq!(
        queued,
        vec![nudge_domain::AgentMessage::SmsTurn { user_id: USER.parse().unwrap(), sid: sid.clone() }]
    );
    let stored = s.ports.inbound.get_inbound(&sid).await.unwrap().expect("recorded");
    assert_eq!(stored.body, "Rappelle-moi d'appeler maman à 18h 👍 & <merci>");
}

#[tokio::test]
async fn sms_inbound_event_with_a_forged_signature_is_refused_and_not_recorded() {
    let (s, store) = state_and_store().await;
    let file = "sms-inbound-plain.json";
    let reply = invoke_sms(&s, file, |e| {
        // The signature of other parameters (the HELP event's), valid base64 of the right length.
        let other: Value = event_file("sms-inbound-base64.json");
        e["headers"]["x-twilio-signature"] = other["headers"]["x-twilio-signature"].clone();
    })
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let envelope: Value = serde_json::from_str(&reply.body).expect("an error envelope");
    assert_eq!(envelope["success"], false, "{envelope}");
    assert_eq!(envelope["error"]["code"], "INVALID_SIGNATURE", "{envelope}");
    let event: Value = event_file(file);
    assert_eq!(envelope["request_id"], event["requestContext"]["requestId"], "{envelope}");
    assert!(s.ports.inbound.get_inbound(&event_sid(file)).await.unwrap().is_none(), "nothing recorded");
    assert!(agent_queue(&store).await.is_empty());
}

#[tokio::test]
async fn sms_inbound_event_ignores_forwarded_hosts() {
    // The signed URL is PUBLIC_BASE_URL and the path, never a header the caller controls: a
    // forwarded host changes nothing.
    let (s, store) = state_and_store().await;
    let file = "sms-inbound-plain.json";
    let reply = invoke_sms(&s, file, |e| {
        e["headers"]["x-forwarded-host"] = "evil.example".into();
    })
    .await;
    assert_eq!(twiml(file, &reply), None, "{}", reply.body);
    assert_eq!(agent_queue(&store).await.len(), 1);
}

#[tokio::test]
async fn sms_inbound_accepts_the_function_url_given_to_twilio_without_its_trailing_slash() {
    let (s, _store) = state_and_store().await;
    let file = "sms-inbound-base64.json";
    let reply = invoke_sms(&s, file, |e| {
        let signed = sms_inbound::signature::sign(
            nudge_tests::twilio::AUTH_TOKEN.as_bytes(),
            SMS_BASE_URL,
            &event_params(e),
        );
        e["headers"]["x-twilio-signature"] = Value::String(signed);
    })
    .await;
    assert!(twiml(file, &reply).is_some_and(|m| m.contains("STOP")), "{}", reply.body);
}

#[tokio::test]
async fn sms_inbound_refuses_everything_while_the_token_is_the_templates_placeholder() {
    let (s, store) = state_and_store().await;
    let file = "sms-inbound-plain.json";
    // Signed with the placeholder itself, as anyone who read the template could.
    let reply = invoke_sms_with(&s, file, "replace-me", |e| {
        let url = format!("{SMS_BASE_URL}/");
        let signed = sms_inbound::signature::sign(b"replace-me", &url, &event_params(e));
        e["headers"]["x-twilio-signature"] = Value::String(signed);
    })
    .await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    let envelope: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(envelope["error"]["code"], "NOT_CONFIGURED", "{envelope}");
    assert!(s.ports.inbound.get_inbound(&event_sid(file)).await.unwrap().is_none());
    assert!(agent_queue(&store).await.is_empty());
}

const APPROVAL: &str = "0190ffff-0000-7000-8000-000000000001";

/// The pending approval `approvals-decide.json` decides: the events' user's, asked just now.
fn the_fixture_approval() -> nudge_domain::Approval {
    let now = chrono::Utc::now();
    nudge_domain::Approval {
        id: APPROVAL.parse().unwrap(),
        user_id: USER.parse().unwrap(),
        task_id: None,
        action_type: nudge_domain::ActionType::parse("send_email").unwrap(),
        details: serde_json::json!({"to": "sam@example.com", "body": "Running late."}),
        summary: "email sam@example.com that I'm running late".into(),
        status: nudge_domain::ApprovalStatus::Pending,
        requested_by: "assistant".into(),
        approved_by: None,
        approved_at: None,
        decided_via: None,
        reason: None,
        expires_at: now
            + nudge_domain::approvals::lifetime(&nudge_domain::ActionType::parse("send_email").unwrap()),
        created_at: now,
        updated_at: now,
        conversation_id: None,
        tool_call_id: None,
        code: nudge_domain::ApprovalCode::parse("4821").unwrap(),
        result: None,
        version: 1,
    }
}

/// The events' user's audit log, oldest first.
async fn audit_log(ports: &Ports) -> Vec<nudge_domain::AuditEntry> {
    let page = nudge_domain::PageRequest { limit: nudge_domain::Limit::new(20).unwrap(), after: None };
    let mut entries = ports.audit.list_audit(&USER.parse().unwrap(), &page).await.unwrap().items;
    entries.sort_by_key(|e| e.at);
    entries
}

#[tokio::test]
async fn approvals_list_event_lists_none_before_any_request() {
    let (status, body) = invoke("approvals", "approvals-list.json").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], serde_json::json!({"items": [], "next_cursor": null}));
}

#[tokio::test]
async fn approvals_create_event_asks_the_user_and_audits_the_gateways_source_ip() {
    let s = state().await;
    let (status, body) = invoke_on(&s, "approvals", "approvals-create.json").await;
    assert_eq!(status, 201, "{body}");
    let a = &body["data"];
    assert_eq!(
        (a["status"].as_str(), a["action_type"].as_str()),
        (Some("pending"), Some("send_email")),
        "{a}"
    );
    let code = a["code"].as_str().unwrap();
    assert!(code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    assert_eq!((a["requested_by"].as_str(), a["task_id"].as_str()), (Some(USER), Some(TASK)), "{a}");
    assert!(a["approved_by"].is_null() && a["result"].is_null(), "{a}");

    let (status, listed) = invoke_on(&s, "approvals", "approvals-list.json").await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["data"]["items"][0]["id"], a["id"], "{listed}");

    let log = audit_log(&s.ports).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!((log[0].action.as_str(), log[0].via), ("approval.requested", nudge_domain::Via::Api));
    // API Gateway's sourceIp, not the first X-Forwarded-For hop, which the caller wrote.
    assert_eq!(log[0].ip.as_deref(), Some("203.0.113.7"));
}

#[tokio::test]
async fn approvals_decide_event_approves_once() {
    let (s, store) = state_and_store().await;
    s.ports.approvals.insert_approval(&the_fixture_approval()).await.unwrap();
    let (status, body) = invoke_on(&s, "approvals", "approvals-decide.json").await;
    assert_eq!(status, 200, "{body}");
    let a = &body["data"];
    assert_eq!((a["id"].as_str(), a["status"].as_str()), (Some(APPROVAL), Some("approved")), "{a}");
    assert_eq!((a["approved_by"].as_str(), a["decided_via"].as_str()), (Some(USER), Some("api")), "{a}");
    assert_eq!(a["reason"], "yes, send it");
    assert_eq!(
        agent_queue(&store).await,
        vec![nudge_domain::AgentMessage::ExecuteApproval {
            user_id: USER.parse().unwrap(),
            approval_id: APPROVAL.parse().unwrap()
        }],
        "the approved action is queued to run"
    );

    // The same decision again changes nothing.
    let (status, again) = invoke_on(&s, "approvals", "approvals-decide.json").await;
    assert_eq!((status, again["error"]["code"].as_str()), (409, Some("CONFLICT")), "{again}");
    let stored =
        s.ports.approvals.get_approval(&USER.parse().unwrap(), &APPROVAL.parse().unwrap()).await.unwrap();
    assert_eq!(stored.unwrap().version, 2);
    let log = audit_log(&s.ports).await;
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["approval.approved"]);
    assert_eq!(log[0].ip.as_deref(), Some("203.0.113.7"));
}

/// The HTTP API the oauth events came through: redirect URIs are under it.
const API_BASE: &str = "https://abc123.execute-api.us-east-1.amazonaws.com";
/// The token key ring of the oauth events' tests.
const RING: &str = r#"{"current":"e1","keys":{"e1":"ZXZlbnRzLXRva2VuLWtleS1vZi0zMi1ieXRlcy0tLS0="}}"#;

/// Google's token endpoint as RFC 6749 and Google document it, on 127.0.0.1: it answers every
/// grant with new tokens (a refresh token for a code only, as Google does) and keeps each form
/// it was sent for the test to check.
struct TokenEndpoint {
    url: String,
    forms: Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>>,
}

impl TokenEndpoint {
    async fn start() -> Self {
        let forms: Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>> = Arc::default();
        let kept = forms.clone();
        let token = move |body: axum::body::Bytes| async move {
            let form: std::collections::HashMap<String, String> =
                form_urlencoded::parse(&body).into_owned().collect();
            let n = {
                let mut all = kept.lock().unwrap();
                all.push(form.clone());
                all.len()
            };
            let mut answer = serde_json::json!({
                "access_token": format!("ya29.access-{n}"),
                "expires_in": 3599,
                "scope": "openid email https://www.googleapis.com/auth/calendar.events",
                "token_type": "Bearer",
            });
            if form.get("grant_type").map(String::as_str) == Some("authorization_code") {
                answer["refresh_token"] = format!("1//refresh-{n}").into();
            }
            axum::Json(answer)
        };
        let app = axum::Router::new().route("/token", axum::routing::post(token));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, forms }
    }

    fn forms(&self) -> Vec<std::collections::HashMap<String, String>> {
        self.forms.lock().unwrap().clone()
    }
}

/// Google configured with a made-up client, its tokens at `token_url`.
fn google_connections(token_url: &str) -> nudge_domain::Connections {
    let env = |k: &str| match k {
        "OAUTH_PROVIDERS" => Some("google".to_owned()),
        "OAUTH_GOOGLE_TOKEN_URL" => Some(token_url.to_owned()),
        _ => None,
    };
    let config = nudge_oauth::OAuthConfig::from_env(env).unwrap();
    let clients = Secret::new(r#"{"google":{"client_id":"events-client","client_secret":"events-secret"}}"#);
    nudge_domain::Connections {
        oauth: Arc::new(nudge_oauth::OAuthProviders::new(config, Arc::new(clients)).unwrap()),
        apis: Arc::new(nudge_providers::HttpProviderApis::new(
            nudge_providers::http_client(),
            nudge_providers::ApiConfig::default(),
        )),
        keys: Arc::new(Secret::new(RING)),
        public_base_url: API_BASE.into(),
    }
}

/// What the oauth function answered to an event, whatever its body.
struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or_default()
    }
}

/// Runs an API Gateway event (as a value, changed by the test) through the oauth function.
async fn invoke_oauth(state: &ApiState, event: &Value) -> Answer {
    let request = lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 event");
    let response = nudge_http::app("oauth", oauth::routes(), state.clone()).oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    Answer { status, headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
}

/// The value of a query parameter of a URL.
fn url_param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url).unwrap().query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The callback event, carrying `state` and the cookie `browser` instead of its own.
fn callback_event(state: &str, browser: &str) -> Value {
    let mut event: Value = event_file("oauth-callback.json");
    let recorded = event["queryStringParameters"]["state"].as_str().unwrap().to_owned();
    let query = event["rawQueryString"].as_str().unwrap().replace(&recorded, state);
    event["rawQueryString"] = query.into();
    event["queryStringParameters"]["state"] = state.into();
    event["cookies"] = serde_json::json!([format!("nudge_oauth={browser}")]);
    event
}

#[tokio::test]
async fn oauth_events_connect_google_once_and_the_list_event_shows_it_without_tokens() {
    let tokens = TokenEndpoint::start().await;
    let mut s = state().await;
    s.ports.connections = Some(google_connections(&tokens.url));

    let started = invoke_oauth(&s, &event_file("oauth-start.json")).await;
    assert_eq!(started.status, 302, "{}", started.body);
    let location = started.header("location").to_owned();
    assert!(location.starts_with("https://accounts.google.com/o/oauth2/v2/auth?"), "{location}");
    let redirect_uri = format!("{API_BASE}/oauth/google/callback");
    assert_eq!(url_param(&location, "redirect_uri").as_deref(), Some(redirect_uri.as_str()));
    let state_param = url_param(&location, "state").unwrap();
    let set_cookie = started.header("set-cookie");
    assert!(
        set_cookie.contains("Path=/oauth/google/callback") && set_cookie.contains("HttpOnly"),
        "{set_cookie}"
    );
    let browser = set_cookie.strip_prefix("nudge_oauth=").unwrap().split(';').next().unwrap().to_owned();

    // The provider sends the browser back with a code; it is exchanged with the verifier, at
    // the redirect URI the sign-in was started with.
    let event = callback_event(&state_param, &browser);
    let page = invoke_oauth(&s, &event).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert!(page.body.contains("Google is connected"), "{}", page.body);
    assert!(page.body.contains("https://www.googleapis.com/auth/calendar.events"), "{}", page.body);
    let code = event["queryStringParameters"]["code"].as_str().unwrap();
    assert!(!page.body.contains(code) && !page.body.contains(&state_param), "{}", page.body);
    assert!(page.header("set-cookie").contains("Max-Age=0"));
    let forms = tokens.forms();
    assert_eq!(forms.len(), 1);
    let form = &forms[0];
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], code);
    assert_eq!(form["redirect_uri"], redirect_uri);
    assert_eq!(form["client_id"], "events-client");
    let challenge = url_param(&location, "code_challenge").unwrap();
    let verifier = &form["code_verifier"];
    let hex = nudge_domain::integration::digest(verifier);
    let sha256: Vec<u8> =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    use base64::Engine;
    let derived = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256);
    assert_eq!(derived, challenge, "the verifier proves the challenge (S256)");

    // The same callback again (a reload, a replay) connects nothing more.
    let again = invoke_oauth(&s, &event).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.body.contains("already used"), "{}", again.body);
    assert_eq!(tokens.forms().len(), 1, "no second exchange");

    let (status, listed) = invoke_on(&s, "oauth", "integrations-list.json").await;
    assert_eq!(status, 200, "{listed}");
    let items = listed["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(
        (items[0]["provider"].as_str(), items[0]["status"].as_str()),
        (Some("google"), Some("active"))
    );
    let text = listed.to_string();
    assert!(!text.contains("ya29") && !text.contains("1//refresh"), "{text}");

    // Stored sealed, bound to its owner: the key ring opens what the token endpoint gave.
    let owner: UserId = USER.parse().unwrap();
    let google = nudge_domain::Provider::parse("google").unwrap();
    let stored = s.ports.integrations.get_integration(&owner, &google).await.unwrap().unwrap();
    let ring = nudge_domain::sealing::KeyRing::parse(&Secret::new(RING)).unwrap();
    let aad = nudge_domain::Integration::aad(&owner, &google);
    assert_eq!(ring.open(&stored.access_token, &aad).unwrap().expose(), b"ya29.access-1");
    assert_eq!(ring.open(stored.refresh_token.as_ref().unwrap(), &aad).unwrap().expose(), b"1//refresh-1");
    let log = audit_log(&s.ports).await;
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["oauth.flow_started", "oauth.flow_completed"]);
    assert_eq!(log[0].ip.as_deref(), Some("203.0.113.7"));
}

#[tokio::test]
async fn the_oauth_callback_event_as_recorded_is_refused_and_stores_nothing() {
    let tokens = TokenEndpoint::start().await;
    let mut s = state().await;
    s.ports.connections = Some(google_connections(&tokens.url));
    let page = invoke_oauth(&s, &event_file("oauth-callback.json")).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("not from Nudge"), "{}", page.body);
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(tokens.forms().is_empty(), "nothing exchanged");
    let owner: UserId = USER.parse().unwrap();
    assert!(s.ports.integrations.list_integrations(&owner).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_oauth_start_event_without_providers_is_404() {
    let s = state().await;
    let answer = invoke_oauth(&s, &event_file("oauth-start.json")).await;
    assert_eq!(answer.status, 404, "{}", answer.body);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_eq!(body["request_id"], "0AuthSt4rtAAAA=");
    let (status, listed) = invoke("oauth", "integrations-list.json").await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["data"], serde_json::json!({"items": [], "next_cursor": null, "providers": []}));
}

#[tokio::test]
async fn the_token_refresh_event_refreshes_what_expires_soon_once() {
    let tokens = TokenEndpoint::start().await;
    let mut s = state().await;
    s.ports.connections = Some(google_connections(&tokens.url));
    let event: aws_lambda_events::eventbridge::EventBridgeEvent<Value> =
        event_file("token-refresh-schedule.json");
    let now = event.time.unwrap();
    // The function runs when the schedule says; new tokens are dated by the clock.
    s.ports.clock = std::sync::Arc::new(nudge_domain::FixedClock::new(now));
    let owner: UserId = USER.parse().unwrap();
    let google = nudge_domain::Provider::parse("google").unwrap();
    let ring = nudge_domain::sealing::KeyRing::parse(&Secret::new(RING)).unwrap();
    let aad = nudge_domain::Integration::aad(&owner, &google);
    let mut i = nudge_domain::Integration {
        id: nudge_domain::IntegrationId::from_uuid(uuid::Uuid::now_v7()),
        user_id: owner,
        provider: google.clone(),
        status: nudge_domain::IntegrationStatus::Active,
        account: None,
        consent: nudge_domain::Consent {
            scopes: vec!["openid".into()],
            granted_at: now - chrono::Duration::days(3),
        },
        access_token: ring.seal(b"ya29.old", &aad),
        refresh_token: Some(ring.seal(b"1//the-refresh-token", &aad)),
        // Within the 30 minutes the schedule looks ahead.
        expires_at: Some(now + chrono::Duration::minutes(10)),
        refresh_at: None,
        lease_until: None,
        last_refreshed_at: None,
        created_at: now - chrono::Duration::days(3),
        updated_at: now - chrono::Duration::days(3),
        version: 1,
    };
    i.refresh_at = i.refresh_time();
    s.ports.integrations.put_integration(&i, None).await.unwrap();

    let first = token_refresh::handle(&s.ports, event.clone()).await.unwrap();
    assert_eq!((first.due, first.refreshed, first.failed), (1, 1, 0), "{first:?}");
    let forms = tokens.forms();
    assert_eq!(forms.len(), 1);
    assert_eq!(forms[0]["grant_type"], "refresh_token");
    assert_eq!(forms[0]["refresh_token"], "1//the-refresh-token");
    let stored = s.ports.integrations.get_integration(&owner, &google).await.unwrap().unwrap();
    assert_eq!(ring.open(&stored.access_token, &aad).unwrap().expose(), b"ya29.access-1");
    assert_eq!(stored.expires_at, Some(now + chrono::Duration::seconds(3599)));
    assert_eq!(stored.last_refreshed_at, Some(now));

    // The same event again (EventBridge retries): the token is fresh, nothing is due.
    let again = token_refresh::handle(&s.ports, event).await.unwrap();
    assert_eq!((again.due, again.refreshed), (0, 0), "{again:?}");
    assert_eq!(tokens.forms().len(), 1);
}
