//! What the test files share: a stand-in provider on a local port that records every request
//! and answers what the test scripts, and the requests the tests send.

#![allow(dead_code)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use nudge_domain::{LlmMessage, LlmRequest, Secret, SecretSource, ToolCall, ToolSpec};
use serde_json::{Value, json};

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    /// The body as JSON (`Null` when it was not JSON).
    pub body: Value,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("an ASCII header"))
    }
}

/// What the stand-in answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
    /// How long to wait before answering: longer than the client's timeout in timeout tests.
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Self::status(StatusCode::OK, body)
    }
    pub fn status(status: StatusCode, body: Value) -> Self {
        Self { status, headers: vec![], body, delay: Duration::ZERO }
    }
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Script = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

#[derive(Clone)]
struct Shared {
    path: &'static str,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Script,
}

/// A provider on a loopback port. Every request is recorded; a POST to `path` gets the
/// script's answer, anything else a 404 (so a wrong path fails the test twice over).
pub struct StandIn {
    pub base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl StandIn {
    pub async fn start(path: &'static str, script: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let seen = Arc::new(Mutex::new(vec![]));
        let app = Router::new().fallback(answer).with_state(Shared {
            path,
            seen: seen.clone(),
            script: Arc::new(script),
        });
        Self { base_url: serve(app).await, seen }
    }

    /// A stand-in that always answers `reply`.
    pub async fn always(path: &'static str, reply: Reply) -> Self {
        Self::start(path, move |_| reply.clone()).await
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn hits(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// The only request received.
    pub fn only_request(&self) -> Seen {
        let seen = self.requests();
        assert_eq!(seen.len(), 1, "expected one request, got {seen:?}");
        seen.into_iter().next().unwrap()
    }
}

async fn answer(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen {
        method: method.clone(),
        path: uri.path().to_owned(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    shared.seen.lock().unwrap().push(seen.clone());
    if method != Method::POST || seen.path != shared.path {
        let error = json!({"error": {"message": format!("no route {method} {}", seen.path)}});
        return (StatusCode::NOT_FOUND, axum::Json(error)).into_response();
    }
    let reply = (shared.script)(&seen);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = (reply.status, axum::Json(reply.body)).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// Serves `app` on a free loopback port; answers its base URL (no trailing slash).
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("test server") });
    format!("http://{addr}")
}

pub fn key(value: &str) -> Arc<dyn SecretSource> {
    Arc::new(Secret::new(value))
}

/// A client that gives up quickly, for the timeout tests: the stand-in waits far longer.
pub fn impatient_client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap()
}

/// How long a "slow" stand-in waits: never reached, the client or router gives up first.
pub const SLOW: Duration = Duration::from_secs(30);

pub fn create_task_tool() -> ToolSpec {
    ToolSpec {
        name: "create_task".into(),
        description: "Adds a task to the user's list.".into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "due_at": {"type": "string", "description": "local time, YYYY-MM-DDTHH:MM"}
            },
            "required": ["title"],
            "additionalProperties": false
        }),
    }
}

/// A request as the agent builds one; `now` and `timezone` never reach a wire.
pub fn request(system: &str, messages: Vec<LlmMessage>, tools: Vec<ToolSpec>, max_tokens: u32) -> LlmRequest {
    LlmRequest {
        system: system.into(),
        messages,
        tools,
        max_tokens,
        now: "2025-03-14T09:00:00Z".parse().expect("an RFC 3339 time"),
        timezone: chrono_tz::Europe::London,
    }
}

/// A request that exercises every message kind: the user asked, the model called two tools
/// at once, both results came back, and the user said more.
pub fn full_request() -> LlmRequest {
    request(
        "You are Nudge.",
        vec![
            LlmMessage::User { content: "Remind me to buy milk and call mum".into() },
            LlmMessage::Assistant {
                content: Some("Adding both.".into()),
                tool_calls: vec![
                    ToolCall {
                        id: "call_1".into(),
                        name: "create_task".into(),
                        arguments: json!({"title": "Buy milk"}),
                    },
                    ToolCall {
                        id: "call_2".into(),
                        name: "create_task".into(),
                        arguments: json!({"title": "Call mum"}),
                    },
                ],
            },
            LlmMessage::Tool {
                call_id: "call_1".into(),
                name: "create_task".into(),
                content: r#"{"id":"t1"}"#.into(),
                is_error: false,
            },
            LlmMessage::Tool {
                call_id: "call_2".into(),
                name: "create_task".into(),
                content: r#"{"error":"title taken"}"#.into(),
                is_error: true,
            },
            LlmMessage::User { content: "thanks".into() },
        ],
        vec![create_task_tool()],
        512,
    )
}

/// A one-message request with no tools.
pub fn simple_request(text: &str) -> LlmRequest {
    request("You are Nudge.", vec![LlmMessage::User { content: text.into() }], vec![], 64)
}
