//! `Router` over real adapters, each against its own local stand-in: which providers are
//! asked, how often, and what the caller gets.

mod common;

use std::{future::Future, sync::Arc, time::Duration};

use axum::http::StatusCode;
use common::{Reply, SLOW, StandIn, key, simple_request};
use nudge_domain::{LanguageModel, LlmError};
use nudge_llm::{Anthropic, OpenAiCompatible, Router, RouterPolicy};
use serde_json::{Value, json};

const PATH: &str = "/v1/chat/completions";
const KEY: &str = "sk-test-router-5e6f7a8b";

/// Short waits so the suite runs in moments; three tries so "retried `attempts` times" is not
/// confused with "tried twice".
fn policy() -> RouterPolicy {
    RouterPolicy {
        attempts: 3,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(10),
        call_timeout: Duration::from_millis(300),
    }
}

fn completion(text: &str) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
    })
}

fn ok(text: &str) -> Reply {
    Reply::ok(completion(text))
}

fn failing(status: u16, message: &str) -> Reply {
    Reply::status(StatusCode::from_u16(status).unwrap(), json!({"error": {"message": message}}))
}

/// An OpenAI-compatible model named `name`, on `stand_in`.
fn openai(name: &str, stand_in: &StandIn) -> Arc<dyn LanguageModel> {
    let model = OpenAiCompatible::new(
        nudge_llm::http_client(),
        format!("{}/v1", stand_in.base_url),
        "m",
        Some(key(KEY)),
    );
    Arc::new(model.with_name(name))
}

/// Fails the test instead of hanging if a wait is not bounded as it should be.
async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f).await.expect("the router finished")
}

#[tokio::test]
async fn the_first_healthy_model_answers_and_later_ones_are_never_called() {
    let first = StandIn::always(PATH, ok("from first")).await;
    let second = StandIn::always(PATH, ok("from second")).await;
    let third = StandIn::always(PATH, ok("from third")).await;
    let router = Router::new(
        vec![openai("first", &first), openai("second", &second), openai("third", &third)],
        policy(),
    );

    let answer = bounded(router.complete(&simple_request("hi"))).await.expect("an answer");

    assert_eq!(answer.content.as_deref(), Some("from first"));
    assert_eq!(answer.model, "first/m");
    assert_eq!((first.hits(), second.hits(), third.hits()), (1, 0, 0));
    assert_eq!(router.name(), "router");
    assert_eq!(router.model_names(), ["first", "second", "third"]);
}

#[tokio::test]
async fn a_server_error_is_retried_then_the_next_provider_answers() {
    let openai_stand_in = StandIn::always(PATH, failing(500, "The server had an error")).await;
    let anthropic_stand_in = StandIn::always(
        "/v1/messages",
        Reply::ok(json!({
            "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": "from claude"}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 9, "output_tokens": 4}
        })),
    )
    .await;
    let claude =
        Anthropic::new(nudge_llm::http_client(), &anthropic_stand_in.base_url, "claude-sonnet-4-5", key(KEY));
    let router = Router::new(vec![openai("openai", &openai_stand_in), Arc::new(claude)], policy());

    let answer = bounded(router.complete(&simple_request("hi"))).await.expect("an answer");

    assert_eq!(answer.content.as_deref(), Some("from claude"));
    assert_eq!(answer.model, "anthropic/claude-sonnet-4-5");
    assert_eq!(openai_stand_in.hits(), 3, "a 5xx is retried `attempts` times");
    assert_eq!(anthropic_stand_in.hits(), 1);
}

#[tokio::test]
async fn a_throttled_provider_is_retried_attempts_times_then_the_next_answers() {
    // Asks for a minute; the wait is capped at `max_backoff`, or `bounded` fails the test.
    let throttled =
        StandIn::always(PATH, failing(429, "Rate limit reached").header("retry-after", "60")).await;
    let healthy = StandIn::always(PATH, ok("from healthy")).await;
    let router = Router::new(vec![openai("throttled", &throttled), openai("healthy", &healthy)], policy());

    let answer = bounded(router.complete(&simple_request("hi"))).await.expect("an answer");

    assert_eq!(answer.content.as_deref(), Some("from healthy"));
    assert_eq!(throttled.hits(), 3);
    assert_eq!(healthy.hits(), 1);
}

#[tokio::test]
async fn a_timeout_moves_on_without_retrying() {
    let slow = StandIn::always(PATH, ok("too late").delayed(SLOW)).await;
    let healthy = StandIn::always(PATH, ok("from healthy")).await;
    let router = Router::new(vec![openai("slow", &slow), openai("healthy", &healthy)], policy());

    let answer = bounded(router.complete(&simple_request("hi"))).await.expect("an answer");

    assert_eq!(answer.content.as_deref(), Some("from healthy"));
    assert_eq!(slow.hits(), 1, "a timeout is not retried");
    assert_eq!(healthy.hits(), 1);
}

#[tokio::test]
async fn a_rejection_moves_on_without_retrying() {
    let refusing = StandIn::always(PATH, failing(401, "Incorrect API key provided")).await;
    let healthy = StandIn::always(PATH, ok("from healthy")).await;
    let router = Router::new(vec![openai("refusing", &refusing), openai("healthy", &healthy)], policy());

    let answer = bounded(router.complete(&simple_request("hi"))).await.expect("an answer");

    assert_eq!(answer.content.as_deref(), Some("from healthy"));
    assert_eq!(refusing.hits(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn when_every_provider_fails_the_error_names_each_failure() {
    let broken = StandIn::always(PATH, failing(503, "Service Unavailable")).await;
    let refusing = StandIn::always(PATH, failing(401, &format!("Incorrect API key provided: {KEY}"))).await;
    let slow = StandIn::always(PATH, ok("too late").delayed(SLOW)).await;
    let throttled = StandIn::always(PATH, failing(429, "Rate limit reached")).await;
    let router = Router::new(
        vec![
            openai("broken", &broken),
            openai("refusing", &refusing),
            openai("slow", &slow),
            openai("throttled", &throttled),
        ],
        policy(),
    );

    let err = bounded(router.complete(&simple_request("hi"))).await.unwrap_err();

    assert_eq!(
        err,
        LlmError::Exhausted(
            "broken (3 tries): unavailable; refusing: rejected; slow: timeout; throttled (3 tries): rate_limited"
                .into()
        )
    );
    assert_eq!((broken.hits(), refusing.hits(), slow.hits(), throttled.hits()), (3, 1, 1, 3));
}

#[tokio::test]
async fn with_no_models_nothing_answers() {
    let router = Router::new(vec![], RouterPolicy::default());

    let err = router.complete(&simple_request("hi")).await.unwrap_err();

    assert!(matches!(err, LlmError::Exhausted(_)), "{err:?}");
}

#[tokio::test]
async fn a_provider_that_recovers_within_its_tries_answers() {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    let flaky = StandIn::start(PATH, move |_| {
        if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            failing(502, "Bad Gateway")
        } else {
            ok("second time lucky")
        }
    })
    .await;
    let never = StandIn::always(PATH, ok("not needed")).await;
    let router = Router::new(vec![openai("flaky", &flaky), openai("never", &never)], policy());

    let answer = bounded(router.complete(&simple_request("hi"))).await.expect("an answer");

    assert_eq!(answer.content.as_deref(), Some("second time lucky"));
    assert_eq!((flaky.hits(), never.hits()), (2, 0));
}
