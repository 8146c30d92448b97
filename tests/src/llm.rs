//! A stand-in for an OpenAI-compatible Chat Completions server on 127.0.0.1: it answers from a
//! script (tool calls, text, an HTTP error, after a delay if asked) in the documented response
//! format, and records every request, so a test asserts what the agent sent: the system
//! prompt, the tools, the tool results fed back, the order of the messages.
//!
//! It checks what a real server checks before answering, and refuses (400, as the API does) a
//! request without the bearer key or the model, or with a tool result that answers no call
//! of an earlier assistant message.

use std::{
    collections::VecDeque,
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
use nudge_domain::{Agent, AgentConfig, LanguageModel, Secret, SecretSource};
use nudge_llm::{OpenAiCompatible, Router as ModelRouter, RouterPolicy};
use serde_json::{Value, json};

/// The model the agent asks for.
pub const MODEL: &str = "gpt-4o-mini";
/// The API key the agent is given, and the stand-in expects.
pub const KEY: &str = "sk-test-nudge-stand-in-0001";
/// Where Chat Completions live under the base URL.
pub const PATH: &str = "/v1/chat/completions";

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
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The messages, in order.
    pub fn messages(&self) -> Vec<Value> {
        self.body["messages"].as_array().cloned().unwrap_or_default()
    }

    /// The roles of the messages, in order.
    pub fn roles(&self) -> Vec<String> {
        self.messages().iter().map(|m| m["role"].as_str().unwrap_or("?").to_owned()).collect()
    }

    /// The system prompt ("" when there is none).
    pub fn system(&self) -> String {
        self.messages()
            .iter()
            .find(|m| m["role"] == "system")
            .and_then(|m| m["content"].as_str())
            .unwrap_or("")
            .to_owned()
    }

    /// The tools offered, by name, in order (empty when `tools` is absent).
    pub fn tool_names(&self) -> Vec<String> {
        self.tools().iter().map(|t| t["function"]["name"].as_str().unwrap_or("?").to_owned()).collect()
    }

    /// The `tools` array (empty when absent).
    pub fn tools(&self) -> Vec<Value> {
        self.body["tools"].as_array().cloned().unwrap_or_default()
    }

    /// The tool offered under `name`: `{"type":"function","function":{…}}`.
    pub fn tool(&self, name: &str) -> Option<Value> {
        self.tools().into_iter().find(|t| t["function"]["name"] == name)
    }

    /// The `tool` messages (the results fed back), in order.
    pub fn tool_results(&self) -> Vec<Value> {
        self.messages().into_iter().filter(|m| m["role"] == "tool").collect()
    }

    /// The last message's role.
    pub fn last_role(&self) -> String {
        self.roles().last().cloned().unwrap_or_default()
    }

    /// The last user message's text.
    pub fn last_user_text(&self) -> String {
        self.messages()
            .iter()
            .rev()
            .find(|m| m["role"] == "user")
            .and_then(|m| m["content"].as_str())
            .unwrap_or("")
            .to_owned()
    }
}

/// What one answer says.
#[derive(Debug, Clone)]
pub enum Answer {
    Text(String),
    /// Tool calls: (id, function name, arguments as JSON; sent as a JSON string).
    Calls(Vec<(String, String, Value)>),
    /// An error status with the API's error body.
    Status(u16),
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub answer: Answer,
    /// `prompt_tokens`, `completion_tokens`.
    pub usage: (u64, u64),
    /// How long to wait before answering.
    pub delay: Duration,
}

impl Reply {
    pub fn text(s: impl Into<String>) -> Self {
        Self { answer: Answer::Text(s.into()), usage: (10, 5), delay: Duration::ZERO }
    }

    pub fn tool_call(id: &str, name: &str, arguments: Value) -> Self {
        Self::tool_calls(&[(id, name, arguments)])
    }

    pub fn tool_calls(calls: &[(&str, &str, Value)]) -> Self {
        let calls = calls.iter().map(|(id, n, a)| ((*id).to_owned(), (*n).to_owned(), a.clone())).collect();
        Self { answer: Answer::Calls(calls), usage: (10, 5), delay: Duration::ZERO }
    }

    pub fn status(code: u16) -> Self {
        Self { answer: Answer::Status(code), usage: (0, 0), delay: Duration::ZERO }
    }

    pub fn usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Self {
        self.usage = (prompt_tokens, completion_tokens);
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Script = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

#[derive(Clone)]
struct Shared {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Script,
}

/// The stand-in server.
pub struct ChatServer {
    /// Up to the version, as `OPENAI_BASE_URL` is given: `http://127.0.0.1:<port>/v1`.
    pub base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl ChatServer {
    /// A server that answers each request with what `script` says of it.
    pub async fn start(script: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let seen = Arc::new(Mutex::new(vec![]));
        let app = Router::new()
            .fallback(answer)
            .with_state(Shared { seen: seen.clone(), script: Arc::new(script) });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}/v1", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        Self { base_url, seen }
    }

    /// A server that answers `replies` in order, and an error (400) once they are spent, so a
    /// turn that asks more than the test expected fails.
    pub async fn scripted(replies: Vec<Reply>) -> Self {
        let queue = Mutex::new(VecDeque::from(replies));
        Self::start(move |_| {
            queue.lock().unwrap().pop_front().unwrap_or_else(|| {
                eprintln!("chat stand-in: the script has no more replies");
                Reply::status(400)
            })
        })
        .await
    }

    /// A server that always answers `reply`.
    pub async fn always(reply: Reply) -> Self {
        Self::start(move |_| reply.clone()).await
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn hits(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// The last request received.
    pub fn last(&self) -> Seen {
        self.requests().pop().expect("a request reached the stand-in")
    }

    /// The model as the stack builds it: `OpenAiCompatible` pointed here, behind a router
    /// that retries once, quickly, and bounds a call at 5 s.
    pub fn model(&self) -> Arc<dyn LanguageModel> {
        let policy = RouterPolicy {
            attempts: 2,
            base_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            call_timeout: Duration::from_secs(5),
        };
        self.model_with(policy)
    }

    pub fn model_with(&self, policy: RouterPolicy) -> Arc<dyn LanguageModel> {
        let key: Arc<dyn SecretSource> = Arc::new(Secret::new(KEY));
        let openai = OpenAiCompatible::new(nudge_llm::http_client(), self.base_url.clone(), MODEL, Some(key));
        Arc::new(ModelRouter::new(vec![Arc::new(openai)], policy))
    }

    /// An agent that thinks with this server, within `config`.
    pub fn agent(&self, config: AgentConfig) -> Agent {
        Agent { model: self.model(), embedder: None, config }
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
    if method != Method::POST || seen.path != PATH {
        return error(StatusCode::NOT_FOUND, &format!("Unknown request URL: {method} {}", seen.path));
    }
    if seen.header("authorization") != Some(&format!("Bearer {KEY}")) {
        return error(StatusCode::UNAUTHORIZED, "Incorrect API key provided.");
    }
    if let Err(problem) = check(&seen.body) {
        eprintln!("chat stand-in refused a request: {problem}");
        return error(StatusCode::BAD_REQUEST, &problem);
    }
    let reply = (shared.script)(&seen);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let n = shared.seen.lock().unwrap().len();
    let (message, finish) = match reply.answer {
        Answer::Status(code) => {
            let status = StatusCode::from_u16(code).expect("a status");
            return error(status, "The server had an error while processing your request.");
        }
        Answer::Text(text) => (json!({"role": "assistant", "content": text, "refusal": null}), "stop"),
        Answer::Calls(calls) => {
            let calls: Vec<Value> = calls
                .into_iter()
                .map(|(id, name, arguments)| {
                    json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments.to_string()}})
                })
                .collect();
            (
                json!({"role": "assistant", "content": null, "tool_calls": calls, "refusal": null}),
                "tool_calls",
            )
        }
    };
    let (prompt, completion) = reply.usage;
    let body = json!({
        "id": format!("chatcmpl-standin{n:06}"),
        "object": "chat.completion",
        "created": 1_795_338_000,
        "model": format!("{MODEL}-2024-07-18"),
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        "system_fingerprint": "fp_standin"
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// What the API refuses: no model, no messages, a message of an unknown role, or a tool
/// result that answers no call of the assistant message before it.
fn check(body: &Value) -> Result<(), String> {
    if body["model"] != MODEL {
        return Err(format!("model must be '{MODEL}', got {}", body["model"]));
    }
    let messages =
        body["messages"].as_array().filter(|m| !m.is_empty()).ok_or("messages must be a non-empty array")?;
    let mut open_calls: Vec<String> = vec![];
    for (i, m) in messages.iter().enumerate() {
        match m["role"].as_str() {
            Some("system" | "user") => {
                if !m["content"].is_string() {
                    return Err(format!("messages[{i}].content must be a string"));
                }
                open_calls.clear();
            }
            Some("assistant") => {
                let calls = m["tool_calls"].as_array().cloned().unwrap_or_default();
                if calls.is_empty() && !m["content"].is_string() {
                    return Err(format!("messages[{i}]: an assistant message needs content or tool_calls"));
                }
                open_calls = calls.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect();
            }
            Some("tool") => {
                let id = m["tool_call_id"].as_str().unwrap_or_default();
                if !open_calls.iter().any(|c| c == id) {
                    return Err(format!(
                        "messages[{i}]: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (tool_call_id '{id}')"
                    ));
                }
            }
            other => return Err(format!("messages[{i}]: unknown role {other:?}")),
        }
    }
    if let Some(tools) = body.get("tools") {
        let tools = tools
            .as_array()
            .filter(|t| !t.is_empty())
            .ok_or("tools must be a non-empty array when present")?;
        for t in tools {
            if t["type"] != "function"
                || !t["function"]["name"].is_string()
                || !t["function"]["parameters"].is_object()
            {
                return Err(format!("invalid tool: {t}"));
            }
        }
    }
    Ok(())
}

fn error(status: StatusCode, message: &str) -> Response {
    let body =
        json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}});
    (status, axum::Json(body)).into_response()
}
