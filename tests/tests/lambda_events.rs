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
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let ports =
        Ports { users: store.clone(), tasks: store, clock: Arc::new(SystemClock), ids: Arc::new(UuidV7Ids) };
    let at = "2026-11-22T08:00:00Z".parse().unwrap();
    let owner: UserId = USER.parse().unwrap();
    let user = User {
        id: owner,
        name: PersonName::parse("Event Tester").unwrap(),
        phone: PhoneNumber::parse("+14155550142").unwrap(),
        email: None,
        timezone: TimeZone::parse("America/New_York").unwrap(),
        roles: vec![Role::User],
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
    ApiState::new(ports, Arc::new(Secret::new(SECRET)))
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
