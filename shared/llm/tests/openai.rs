//! `OpenAiCompatible` against a local server that speaks Chat Completions as documented: what
//! we send, and how each documented answer is taken.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Reply, SLOW, StandIn, full_request, key, simple_request};
use nudge_domain::{LanguageModel, LlmError, LlmMessage, ToolCall, Usage};
use nudge_llm::OpenAiCompatible;
use serde_json::{Value, json};

const PATH: &str = "/v1/chat/completions";
const KEY: &str = "sk-test-4f2a9c1e8b7d6a5f";
const MODEL: &str = "gpt-4o-mini";

fn model(stand_in: &StandIn) -> OpenAiCompatible {
    // The trailing slash is tolerated.
    OpenAiCompatible::new(
        nudge_llm::http_client(),
        format!("{}/v1/", stand_in.base_url),
        MODEL,
        Some(key(KEY)),
    )
}

/// A chat completion as the API reference shows it, with `message` inside.
fn completion(message: Value, prompt_tokens: u64, completion_tokens: u64) -> Value {
    json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens
        },
        "system_fingerprint": "fp_06737a9306"
    })
}

fn text_completion(text: &str) -> Value {
    completion(json!({"role": "assistant", "content": text, "refusal": null}), 19, 10)
}

fn api_error(message: &str, kind: &str, code: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

#[tokio::test]
async fn sends_the_documented_request() {
    let stand_in = StandIn::always(PATH, Reply::ok(text_completion("Done."))).await;

    model(&stand_in).complete(&full_request()).await.expect("an answer");

    let seen = stand_in.only_request();
    assert_eq!(seen.path, PATH);
    assert_eq!(seen.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(
        seen.body,
        json!({
            "model": MODEL,
            "messages": [
                {"role": "system", "content": "You are Nudge."},
                {"role": "user", "content": "Remind me to buy milk and call mum"},
                {"role": "assistant", "content": "Adding both.", "tool_calls": [
                    {"id": "call_1", "type": "function",
                     "function": {"name": "create_task", "arguments": "{\"title\":\"Buy milk\"}"}},
                    {"id": "call_2", "type": "function",
                     "function": {"name": "create_task", "arguments": "{\"title\":\"Call mum\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "{\"id\":\"t1\"}"},
                {"role": "tool", "tool_call_id": "call_2", "content": "{\"error\":\"title taken\"}"},
                {"role": "user", "content": "thanks"}
            ],
            "tools": [{"type": "function", "function": {
                "name": "create_task",
                "description": "Adds a task to the user's list.",
                "parameters": common::create_task_tool().parameters
            }}],
            "max_tokens": 512
        })
    );
}

#[tokio::test]
async fn without_tools_or_a_key_neither_is_sent() {
    let stand_in = StandIn::always(PATH, Reply::ok(text_completion("Hi!"))).await;
    let ollama = OpenAiCompatible::new(
        nudge_llm::http_client(),
        format!("{}/v1", stand_in.base_url),
        "llama3.1",
        None,
    )
    .with_name("ollama");

    let answer = ollama.complete(&simple_request("hello")).await.expect("an answer");

    let seen = stand_in.only_request();
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(seen.body.get("tools"), None, "{}", seen.body);
    assert_eq!(ollama.name(), "ollama");
    assert_eq!(answer.model, "ollama/llama3.1");
}

#[tokio::test]
async fn a_tool_call_answer_is_parsed() {
    let message = json!({
        "role": "assistant",
        "content": null,
        "tool_calls": [
            {"id": "call_abc", "type": "function",
             "function": {"name": "create_task",
                          "arguments": "{\"title\":\"Buy milk\",\"due_at\":\"2025-03-14T18:00\"}"}},
            {"id": "call_def", "type": "function",
             "function": {"name": "create_task", "arguments": "{\"title\": oops"}}
        ],
        "refusal": null
    });
    let stand_in = StandIn::always(PATH, Reply::ok(completion(message, 82, 17))).await;

    let answer = model(&stand_in).complete(&full_request()).await.expect("an answer");

    assert_eq!(answer.content, None);
    assert_eq!(
        answer.tool_calls,
        vec![
            ToolCall {
                id: "call_abc".into(),
                name: "create_task".into(),
                arguments: json!({"title": "Buy milk", "due_at": "2025-03-14T18:00"}),
            },
            // Arguments that are not JSON stay the raw string, for the validator to refuse.
            ToolCall {
                id: "call_def".into(),
                name: "create_task".into(),
                arguments: json!("{\"title\": oops")
            },
        ]
    );
    assert_eq!(answer.usage, Usage { input_tokens: 82, output_tokens: 17 });
    assert_eq!(answer.model, "openai/gpt-4o-mini");
}

#[tokio::test]
async fn a_text_answer_is_parsed_with_its_usage() {
    let stand_in = StandIn::always(PATH, Reply::ok(text_completion("Milk is on the list."))).await;

    let answer = model(&stand_in).complete(&simple_request("add milk")).await.expect("an answer");

    assert_eq!(answer.content.as_deref(), Some("Milk is on the list."));
    assert!(answer.tool_calls.is_empty());
    assert_eq!(answer.usage, Usage { input_tokens: 19, output_tokens: 10 });
    assert_eq!(answer.model, "openai/gpt-4o-mini");
}

#[tokio::test]
async fn throttling_429_is_rate_limited_with_retry_after() {
    let reply = Reply::status(
        StatusCode::TOO_MANY_REQUESTS,
        api_error("Rate limit reached for gpt-4o-mini", "requests", "rate_limit_exceeded"),
    )
    .header("retry-after", "3");
    let stand_in = StandIn::always(PATH, reply).await;

    let err = model(&stand_in).complete(&simple_request("hi")).await.unwrap_err();

    assert_eq!(err, LlmError::RateLimited { retry_after: Some(Duration::from_secs(3)) });
}

#[tokio::test]
async fn a_server_error_500_is_unavailable() {
    let body =
        api_error("The server had an error while processing your request.", "server_error", "internal");
    let stand_in = StandIn::always(PATH, Reply::status(StatusCode::INTERNAL_SERVER_ERROR, body)).await;

    let err = model(&stand_in).complete(&simple_request("hi")).await.unwrap_err();

    assert_eq!(
        err,
        LlmError::Unavailable("http 500: The server had an error while processing your request.".into())
    );
}

#[tokio::test]
async fn a_bad_key_401_is_rejected_with_the_message_and_without_the_key() {
    // A compatible server that quotes the key it was given, whole.
    let body =
        api_error(&format!("Incorrect API key provided: {KEY}."), "invalid_request_error", "invalid_api_key");
    let stand_in = StandIn::always(PATH, Reply::status(StatusCode::UNAUTHORIZED, body)).await;

    let err = model(&stand_in).complete(&simple_request("hi")).await.unwrap_err();

    let LlmError::Rejected(message) = &err else { panic!("expected Rejected, got {err:?}") };
    assert!(message.contains("http 401: Incorrect API key provided"), "{message}");
    assert!(!err.to_string().contains(KEY), "{err}");
    assert!(!format!("{err:?}").contains(KEY), "{err:?}");
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let stand_in = StandIn::always(PATH, Reply::ok(text_completion("late")).delayed(SLOW)).await;
    let model =
        OpenAiCompatible::new(common::impatient_client(), format!("{}/v1", stand_in.base_url), MODEL, None);

    let err = model.complete(&simple_request("hi")).await.unwrap_err();

    assert_eq!(err, LlmError::Timeout);
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let model = OpenAiCompatible::new(nudge_llm::http_client(), base, MODEL, None);

    let err = model.complete(&simple_request("hi")).await.unwrap_err();

    assert!(matches!(err, LlmError::Unavailable(_)), "{err:?}");
}

/// The stand-in asks for a tool first; once the request carries that call's result, it answers
/// with text. Proves a tool-call answer goes back through the request builder as the API
/// expects it.
#[tokio::test]
async fn a_tool_call_round_trips_to_a_final_answer() {
    let stand_in = StandIn::start(PATH, |seen| {
        let messages = seen.body["messages"].as_array().cloned().unwrap_or_default();
        let result = messages.iter().find(|m| m["role"] == "tool" && m["tool_call_id"] == "call_7Xq");
        let call = messages
            .iter()
            .filter(|m| m["role"] == "assistant")
            .flat_map(|m| m["tool_calls"].as_array().cloned().unwrap_or_default())
            .find(|c| c["id"] == "call_7Xq");
        match (call, result) {
            (None, None) => Reply::ok(completion(
                json!({"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_7Xq", "type": "function",
                     "function": {"name": "create_task", "arguments": "{\"title\":\"Buy milk\"}"}}
                ]}),
                50,
                12,
            )),
            (Some(call), Some(result))
                if call["type"] == "function"
                    && call["function"]["name"] == "create_task"
                    && serde_json::from_str::<Value>(
                        call["function"]["arguments"].as_str().unwrap_or(""),
                    )
                    .ok()
                        == Some(json!({"title": "Buy milk"}))
                    && result["content"] == r#"{"id":"t1","title":"Buy milk"}"# =>
            {
                Reply::ok(completion(json!({"role": "assistant", "content": "Added: Buy milk."}), 80, 6))
            }
            _ => Reply::status(
                StatusCode::BAD_REQUEST,
                api_error("tool result does not match a tool call", "invalid_request_error", "bad"),
            ),
        }
    })
    .await;
    let model = model(&stand_in);
    let mut request = common::request(
        "You are Nudge.",
        vec![LlmMessage::User { content: "add buy milk".into() }],
        vec![common::create_task_tool()],
        256,
    );

    let first = model.complete(&request).await.expect("a tool call");
    assert_eq!(first.tool_calls.len(), 1, "{first:?}");
    request
        .messages
        .push(LlmMessage::Assistant { content: first.content, tool_calls: first.tool_calls.clone() });
    request.messages.push(LlmMessage::Tool {
        call_id: first.tool_calls[0].id.clone(),
        name: first.tool_calls[0].name.clone(),
        content: r#"{"id":"t1","title":"Buy milk"}"#.into(),
        is_error: false,
    });
    let second = model.complete(&request).await.expect("a final answer");

    assert_eq!(second.content.as_deref(), Some("Added: Buy milk."));
    assert!(second.tool_calls.is_empty());
    assert_eq!(stand_in.hits(), 2);
}
