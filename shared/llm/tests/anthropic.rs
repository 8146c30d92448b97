//! `Anthropic` against a local server that speaks the Messages API as documented: what we
//! send, and how each documented answer is taken.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Reply, SLOW, StandIn, full_request, key, simple_request};
use nudge_domain::{LanguageModel, LlmError, LlmMessage, ToolCall, Usage};
use nudge_llm::Anthropic;
use serde_json::{Value, json};

const PATH: &str = "/v1/messages";
const KEY: &str = "sk-ant-api03-test-7c1d2e3f";
const MODEL: &str = "claude-sonnet-4-5";

fn model(stand_in: &StandIn) -> Anthropic {
    // The trailing slash is tolerated.
    Anthropic::new(nudge_llm::http_client(), format!("{}/", stand_in.base_url), MODEL, key(KEY))
}

/// A Message as the API reference shows it, with `content` blocks.
fn message(content: Value, stop_reason: &str, input_tokens: u64, output_tokens: u64) -> Value {
    json!({
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}
    })
}

fn api_error(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}})
}

#[tokio::test]
async fn sends_the_documented_request_with_tool_results_merged_into_one_user_message() {
    let reply = Reply::ok(message(json!([{"type": "text", "text": "Done."}]), "end_turn", 10, 2));
    let stand_in = StandIn::always(PATH, reply).await;

    model(&stand_in).complete(&full_request()).await.expect("an answer");

    let seen = stand_in.only_request();
    assert_eq!(seen.path, PATH);
    assert_eq!(seen.header("x-api-key"), Some(KEY));
    assert_eq!(seen.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.body,
        json!({
            "model": MODEL,
            "max_tokens": 512,
            "system": "You are Nudge.",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Remind me to buy milk and call mum"}]},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Adding both."},
                    {"type": "tool_use", "id": "call_1", "name": "create_task",
                     "input": {"title": "Buy milk"}},
                    {"type": "tool_use", "id": "call_2", "name": "create_task",
                     "input": {"title": "Call mum"}}
                ]},
                // Both results and the user's next words: one user message, results first.
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "call_1", "content": "{\"id\":\"t1\"}",
                     "is_error": false},
                    {"type": "tool_result", "tool_use_id": "call_2", "content": "{\"error\":\"title taken\"}",
                     "is_error": true},
                    {"type": "text", "text": "thanks"}
                ]}
            ],
            "tools": [{
                "name": "create_task",
                "description": "Adds a task to the user's list.",
                "input_schema": common::create_task_tool().parameters
            }]
        })
    );
}

#[tokio::test]
async fn consecutive_messages_of_one_role_are_merged_and_empty_parts_dropped() {
    let reply = Reply::ok(message(json!([{"type": "text", "text": "ok"}]), "end_turn", 1, 1));
    let stand_in = StandIn::always(PATH, reply).await;
    let request = common::request(
        "",
        vec![
            LlmMessage::User { content: "one".into() },
            LlmMessage::User { content: "two".into() },
            LlmMessage::Assistant { content: Some(String::new()), tool_calls: vec![] },
            LlmMessage::User { content: "three".into() },
        ],
        vec![],
        16,
    );

    model(&stand_in).complete(&request).await.expect("an answer");

    let body = stand_in.only_request().body;
    assert_eq!(body.get("system"), None, "{body}");
    assert_eq!(body.get("tools"), None, "{body}");
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": [
            {"type": "text", "text": "one"},
            {"type": "text", "text": "two"},
            {"type": "text", "text": "three"}
        ]}])
    );
}

#[tokio::test]
async fn a_tool_use_answer_is_parsed_with_its_text_and_usage() {
    let content = json!([
        {"type": "text", "text": "I'll add that now."},
        {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "create_task",
         "input": {"title": "Buy milk", "due_at": "2025-03-14T18:00"}}
    ]);
    let stand_in = StandIn::always(PATH, Reply::ok(message(content, "tool_use", 472, 91))).await;

    let answer = model(&stand_in).complete(&full_request()).await.expect("an answer");

    assert_eq!(answer.content.as_deref(), Some("I'll add that now."));
    assert_eq!(
        answer.tool_calls,
        vec![ToolCall {
            id: "toolu_01A09q90qw90lq917835lq9".into(),
            name: "create_task".into(),
            arguments: json!({"title": "Buy milk", "due_at": "2025-03-14T18:00"}),
        }]
    );
    assert_eq!(answer.usage, Usage { input_tokens: 472, output_tokens: 91 });
    assert_eq!(answer.model, "anthropic/claude-sonnet-4-5");
}

#[tokio::test]
async fn a_text_answer_is_parsed() {
    let content = json!([{"type": "text", "text": "Hi! What's on your mind?"}]);
    let stand_in = StandIn::always(PATH, Reply::ok(message(content, "end_turn", 12, 8))).await;

    let answer = model(&stand_in).complete(&simple_request("hello")).await.expect("an answer");

    assert_eq!(answer.content.as_deref(), Some("Hi! What's on your mind?"));
    assert!(answer.tool_calls.is_empty());
    assert_eq!(answer.usage, Usage { input_tokens: 12, output_tokens: 8 });
}

#[tokio::test]
async fn throttling_429_is_rate_limited_with_retry_after() {
    let reply = Reply::status(
        StatusCode::TOO_MANY_REQUESTS,
        api_error("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    )
    .header("retry-after", "12");
    let stand_in = StandIn::always(PATH, reply).await;

    let err = model(&stand_in).complete(&simple_request("hi")).await.unwrap_err();

    assert_eq!(err, LlmError::RateLimited { retry_after: Some(Duration::from_secs(12)) });
}

#[tokio::test]
async fn overloaded_529_is_unavailable() {
    let reply =
        Reply::status(StatusCode::from_u16(529).unwrap(), api_error("overloaded_error", "Overloaded"));
    let stand_in = StandIn::always(PATH, reply).await;

    let err = model(&stand_in).complete(&simple_request("hi")).await.unwrap_err();

    assert_eq!(err, LlmError::Unavailable("http 529: Overloaded".into()));
}

#[tokio::test]
async fn a_server_error_500_is_unavailable() {
    let reply =
        Reply::status(StatusCode::INTERNAL_SERVER_ERROR, api_error("api_error", "Internal server error"));
    let stand_in = StandIn::always(PATH, reply).await;

    let err = model(&stand_in).complete(&simple_request("hi")).await.unwrap_err();

    assert_eq!(err, LlmError::Unavailable("http 500: Internal server error".into()));
}

#[tokio::test]
async fn a_bad_key_401_is_rejected_with_the_message_and_without_the_key() {
    let reply = Reply::status(
        StatusCode::UNAUTHORIZED,
        api_error("authentication_error", &format!("invalid x-api-key {KEY}")),
    );
    let stand_in = StandIn::always(PATH, reply).await;

    let err = model(&stand_in).complete(&simple_request("hi")).await.unwrap_err();

    let LlmError::Rejected(message) = &err else { panic!("expected Rejected, got {err:?}") };
    assert!(message.starts_with("http 401: invalid x-api-key"), "{message}");
    assert!(!err.to_string().contains(KEY), "{err}");
}

#[tokio::test]
async fn a_bad_request_400_is_rejected_with_the_message() {
    let reply = Reply::status(
        StatusCode::BAD_REQUEST,
        api_error(
            "invalid_request_error",
            "messages: roles must alternate between \"user\" and \"assistant\"",
        ),
    );
    let stand_in = StandIn::always(PATH, reply).await;

    let err = model(&stand_in).complete(&simple_request("hi")).await.unwrap_err();

    assert_eq!(
        err,
        LlmError::Rejected(
            "http 400: messages: roles must alternate between \"user\" and \"assistant\"".into()
        )
    );
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let reply = Reply::ok(message(json!([{"type": "text", "text": "late"}]), "end_turn", 1, 1)).delayed(SLOW);
    let stand_in = StandIn::always(PATH, reply).await;
    let model = Anthropic::new(common::impatient_client(), &stand_in.base_url, MODEL, key(KEY));

    let err = model.complete(&simple_request("hi")).await.unwrap_err();

    assert_eq!(err, LlmError::Timeout);
}

/// The stand-in asks for a tool first; once the request carries that call's result (in a user
/// message, after the assistant's tool_use), it answers with text.
#[tokio::test]
async fn a_tool_call_round_trips_to_a_final_answer() {
    let stand_in = StandIn::start(PATH, |seen| {
        let messages = seen.body["messages"].as_array().cloned().unwrap_or_default();
        let tool_use = json!({"type": "tool_use", "id": "toolu_01T1x", "name": "create_task",
                              "input": {"title": "Buy milk"}});
        let tool_result = json!({"type": "tool_result", "tool_use_id": "toolu_01T1x",
                                 "content": "{\"id\":\"t1\"}", "is_error": false});
        let expected_follow_up = [
            json!({"role": "assistant", "content": [tool_use]}),
            json!({"role": "user", "content": [tool_result]}),
        ];
        if messages.len() == 1 {
            Reply::ok(message(
                json!([{"type": "tool_use", "id": "toolu_01T1x", "name": "create_task",
                        "input": {"title": "Buy milk"}}]),
                "tool_use",
                40,
                20,
            ))
        } else if messages.len() == 3 && messages[1..] == expected_follow_up {
            Reply::ok(message(json!([{"type": "text", "text": "Added: Buy milk."}]), "end_turn", 70, 6))
        } else {
            Reply::status(
                StatusCode::BAD_REQUEST,
                api_error("invalid_request_error", "tool_result does not follow its tool_use"),
            )
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
        content: r#"{"id":"t1"}"#.into(),
        is_error: false,
    });
    let second = model.complete(&request).await.expect("a final answer");

    assert_eq!(second.content.as_deref(), Some("Added: Buy milk."));
    assert!(second.tool_calls.is_empty());
    assert_eq!(stand_in.hits(), 2);
}
