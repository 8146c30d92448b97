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
    let path = format!("{}/../events/{file}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read_to_string(&path).unwrap();
    let event: Value = serde_json::from_str(&raw).unwrap();
    let request = lambda_http::request::from_str(&raw).expect("an API Gateway v2 event");
    let routes = match function {
        "tasks" => tasks::routes(),
        "admin" => admin::routes(),
        "reminders" => reminders::routes(),
        other => panic!("no function {other}"),
    };
    let response = nudge_http::app(function, routes, state().await).oneshot(request).await.unwrap();
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
    assert_eq!(store.queue_depth().await.unwrap(), (1, 0));
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
