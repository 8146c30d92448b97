//! Bedrock Converse through the real SDK against a stand-in on 127.0.0.1 that speaks Converse's
//! REST JSON, reached the way a deployed function or `cargo lambda watch` reaches a local
//! server: through `AWS_ENDPOINT_URL`. Each test talks to its own model id, which picks the
//! stand-in's answer and keys what it recorded.

use std::{
    sync::{Mutex, OnceLock},
    time::Duration,
};

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};
use aws_sdk_bedrockruntime::config::Credentials;
use axum::{
    Json, Router,
    extract::Path,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use chrono::Utc;
use nudge_aws::BedrockConverse;
use nudge_domain::{LanguageModel, LlmError, LlmMessage, LlmRequest, ToolCall, ToolSpec, Usage};
use serde_json::{Value, json};

/// One request the stand-in received.
#[derive(Debug, Clone)]
struct Seen {
    model: String,
    authorization: String,
    body: Value,
}

static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

fn seen(model: &str) -> Vec<Seen> {
    SEEN.lock().unwrap().iter().filter(|s| s.model == model).cloned().collect()
}

/// The stand-in's address. Started once, on a thread and runtime of its own (each test has its
/// own runtime, which ends with the test), and `AWS_ENDPOINT_URL` set to it before any test
/// reads its SDK configuration.
fn endpoint() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = Router::new().route("/model/{model_id}/converse", post(converse));
                axum::serve(listener, app).await.expect("serve");
            });
        });
        // SAFETY: every test calls this before reading the environment (the SDK loader is the
        // only reader), and the others wait on this initialisation, so nothing reads meanwhile.
        unsafe { std::env::set_var("AWS_ENDPOINT_URL", &url) };
        url
    })
}

/// Answers as Bedrock would, chosen by the model id in the path.
async fn converse(Path(model): Path<String>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let authorization =
        headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    SEEN.lock().unwrap().push(Seen { model: model.clone(), authorization, body });
    let error = |status: StatusCode, kind: &str, message: &str| {
        (status, [("x-amzn-errortype", kind.to_owned())], Json(json!({ "message": message }))).into_response()
    };
    let answer = |content: Value, stop: &str| {
        Json(json!({
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": {"inputTokens": 321, "outputTokens": 45, "totalTokens": 366},
            "metrics": {"latencyMs": 120},
        }))
        .into_response()
    };
    match model.as_str() {
        "test.tools-v1:0" => answer(
            json!([
                {"text": "Adding it now."},
                {"toolUse": {
                    "toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                    "name": "create_task",
                    "input": {"title": "Renew passport", "priority": 2, "estimate_hours": 1.5,
                              "offset_days": -1, "tags": ["admin"], "due": null, "urgent": true},
                }},
            ]),
            "tool_use",
        ),
        "test.text-v1:0" => answer(json!([{"text": "Done: "}, {"text": "three tasks today."}]), "end_turn"),
        "test.throttled-v1:0" => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "ThrottlingException", "Too many requests");
            r.headers_mut().insert("retry-after", "3".parse().unwrap());
            r
        }
        // Bedrock's error type carries a namespace after a colon; the SDK reads the name before it.
        "test.invalid-v1:0" => error(
            StatusCode::BAD_REQUEST,
            "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
            "The model returned the following errors: max_tokens: range: 1..4096",
        ),
        "test.down-v1:0" => {
            error(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailableException", "Bedrock is unavailable")
        }
        _ => error(StatusCode::NOT_FOUND, "ResourceNotFoundException", "Model not found"),
    }
}

/// The SDK configuration as a function builds it, but with fixed credentials and no retries
/// (so each error reaches the adapter as the stand-in sent it). The endpoint is not set here:
/// it comes from `AWS_ENDPOINT_URL`.
async fn config() -> SdkConfig {
    endpoint();
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDNUDGETEST", "nudge-test-secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

async fn bedrock(model: &str) -> BedrockConverse {
    BedrockConverse::new(aws_sdk_bedrockruntime::Client::new(&config().await), model)
}

fn tools() -> Vec<ToolSpec> {
    vec![ToolSpec {
        name: "create_task".into(),
        description: "Add a task to the user's list.".into(),
        parameters: json!({
            "type": "object",
            "properties": {"title": {"type": "string"}, "priority": {"type": "integer", "minimum": 0}},
            "required": ["title"],
        }),
    }]
}

#[tokio::test]
async fn the_endpoint_comes_from_aws_endpoint_url() {
    let config = config().await;
    assert_eq!(config.endpoint_url(), Some(endpoint()));
}

#[tokio::test]
async fn a_tool_exchange_goes_out_as_converse_and_a_tool_use_comes_back_as_a_call() {
    let model = bedrock("test.tools-v1:0").await;
    assert_eq!(model.name(), "bedrock");
    let request = LlmRequest {
        system: "You are Nudge.".into(),
        messages: vec![
            LlmMessage::User { content: "Remind me about the passport and the dentist".into() },
            LlmMessage::Assistant {
                content: Some("Looking.".into()),
                tool_calls: vec![
                    ToolCall {
                        id: "call_1".into(),
                        name: "list_tasks".into(),
                        arguments: json!({"limit": 5}),
                    },
                    ToolCall { id: "call_2".into(), name: "find_dentist".into(), arguments: json!({}) },
                ],
            },
            LlmMessage::Tool {
                call_id: "call_1".into(),
                name: "list_tasks".into(),
                content: r#"{"tasks":[],"count":0}"#.into(),
                is_error: false,
            },
            LlmMessage::Tool {
                call_id: "call_2".into(),
                name: "find_dentist".into(),
                content: "no such tool".into(),
                is_error: true,
            },
        ],
        tools: tools(),
        max_tokens: 512,
        now: Utc::now(),
        timezone: "Europe/Paris".parse().unwrap(),
    };
    let response = model.complete(&request).await.expect("converse");

    let seen = seen("test.tools-v1:0");
    assert_eq!(seen.len(), 1, "one request, to the model's own path");
    let Seen { authorization, body, .. } = &seen[0];
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDNUDGETEST/")
            && authorization.contains("/us-east-1/bedrock/aws4_request"),
        "signed with SigV4 for bedrock in us-east-1: {authorization}"
    );
    assert_eq!(body["system"], json!([{"text": "You are Nudge."}]));
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": [{"text": "Remind me about the passport and the dentist"}]},
            {"role": "assistant", "content": [
                {"text": "Looking."},
                {"toolUse": {"toolUseId": "call_1", "name": "list_tasks", "input": {"limit": 5}}},
                {"toolUse": {"toolUseId": "call_2", "name": "find_dentist", "input": {}}},
            ]},
            // Both results in one user message: Converse needs the roles to alternate.
            {"role": "user", "content": [
                {"toolResult": {"toolUseId": "call_1", "content": [{"json": {"tasks": [], "count": 0}}],
                                "status": "success"}},
                {"toolResult": {"toolUseId": "call_2", "content": [{"text": "no such tool"}],
                                "status": "error"}},
            ]},
        ])
    );
    assert_eq!(
        body["toolConfig"],
        json!({"tools": [{"toolSpec": {
            "name": "create_task",
            "description": "Add a task to the user's list.",
            "inputSchema": {"json": tools()[0].parameters},
        }}]})
    );
    assert_eq!(body["inferenceConfig"], json!({"maxTokens": 512}));

    assert_eq!(response.content.as_deref(), Some("Adding it now."));
    assert_eq!(
        response.tool_calls,
        vec![ToolCall {
            id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q".into(),
            name: "create_task".into(),
            arguments: json!({"title": "Renew passport", "priority": 2, "estimate_hours": 1.5,
                              "offset_days": -1, "tags": ["admin"], "due": null, "urgent": true}),
        }]
    );
    assert_eq!(response.usage, Usage { input_tokens: 321, output_tokens: 45 });
    assert_eq!(response.model, "bedrock/test.tools-v1:0");
}

#[tokio::test]
async fn a_text_answer_and_its_usage_come_back() {
    let model = bedrock("test.text-v1:0").await;
    let request = LlmRequest {
        system: String::new(),
        messages: vec![LlmMessage::User { content: "What's on today?".into() }],
        tools: vec![],
        max_tokens: 256,
        now: Utc::now(),
        timezone: "Europe/Paris".parse().unwrap(),
    };
    let response = model.complete(&request).await.expect("converse");
    assert_eq!(response.content.as_deref(), Some("Done: three tasks today."));
    assert!(response.tool_calls.is_empty());
    assert_eq!(response.usage, Usage { input_tokens: 321, output_tokens: 45 });
    assert_eq!(response.model, "bedrock/test.text-v1:0");

    let body = &seen("test.text-v1:0")[0].body;
    // Converse refuses an empty tool list or system block, so neither is sent.
    assert!(body.get("toolConfig").is_none(), "no tools, no toolConfig: {body}");
    assert!(body.get("system").is_none(), "no system prompt, no system field: {body}");
    assert_eq!(body["messages"], json!([{"role": "user", "content": [{"text": "What's on today?"}]}]));
}

fn hello() -> LlmRequest {
    LlmRequest {
        system: "You are Nudge.".into(),
        messages: vec![LlmMessage::User { content: "hello".into() }],
        tools: tools(),
        max_tokens: 64,
        now: Utc::now(),
        timezone: "Europe/Paris".parse().unwrap(),
    }
}

#[tokio::test]
async fn throttling_is_rate_limited() {
    let result = bedrock("test.throttled-v1:0").await.complete(&hello()).await;
    assert_eq!(result, Err(LlmError::RateLimited { retry_after: Some(Duration::from_secs(3)) }));
}

#[tokio::test]
async fn a_validation_error_is_rejected_with_the_services_message() {
    let result = bedrock("test.invalid-v1:0").await.complete(&hello()).await;
    match result {
        Err(LlmError::Rejected(why)) => {
            assert!(why.contains("ValidationException"), "{why}");
            assert!(why.contains("max_tokens: range: 1..4096"), "{why}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    let unknown = bedrock("test.unknown-v1:0").await.complete(&hello()).await;
    assert!(
        matches!(unknown, Err(LlmError::Rejected(ref why)) if why.contains("Model not found")),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn service_unavailable_is_unavailable() {
    let result = bedrock("test.down-v1:0").await.complete(&hello()).await;
    assert!(
        matches!(result, Err(LlmError::Unavailable(ref why)) if why.contains("Bedrock is unavailable")),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    // A port that was just free: nothing listens there now.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = aws_sdk_bedrockruntime::config::Builder::from(&config().await)
        .endpoint_url(format!("http://{closed}"))
        .build();
    let model = BedrockConverse::new(aws_sdk_bedrockruntime::Client::from_conf(config), "test.text-v1:0");
    let result = model.complete(&hello()).await;
    assert!(matches!(result, Err(LlmError::Unavailable(_))), "{result:?}");
}
