//! `OpenAiEmbedder` against a local server that speaks the embeddings API as documented.

mod common;

use axum::http::StatusCode;
use common::{Reply, StandIn, key};
use nudge_domain::{Embedder, LlmError};
use nudge_llm::OpenAiEmbedder;
use serde_json::{Value, json};

const PATH: &str = "/v1/embeddings";
const KEY: &str = "sk-test-emb-91b2c3";
const MODEL: &str = "text-embedding-3-small";

fn embedder(stand_in: &StandIn) -> OpenAiEmbedder {
    OpenAiEmbedder::new(nudge_llm::http_client(), format!("{}/v1", stand_in.base_url), MODEL, Some(key(KEY)))
}

/// The documented list, items as given (`index` says which input each is for).
fn embeddings(items: &[(usize, [f32; 3])]) -> Value {
    let data: Vec<Value> = items
        .iter()
        .map(|(index, v)| json!({"object": "embedding", "index": index, "embedding": v}))
        .collect();
    json!({"object": "list", "data": data, "model": MODEL, "usage": {"prompt_tokens": 8, "total_tokens": 8}})
}

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn sends_the_documented_request_and_orders_vectors_by_index() {
    let reply = embeddings(&[(2, [0.3, 0.3, 0.3]), (0, [0.1, 0.1, 0.1]), (1, [0.2, 0.2, 0.2])]);
    let stand_in = StandIn::always(PATH, Reply::ok(reply)).await;

    let vectors = embedder(&stand_in).embed(&texts(&["milk", "mum", "dentist"])).await.expect("vectors");

    assert_eq!(vectors, vec![vec![0.1, 0.1, 0.1], vec![0.2, 0.2, 0.2], vec![0.3, 0.3, 0.3]]);
    let seen = stand_in.only_request();
    assert_eq!(seen.path, PATH);
    assert_eq!(seen.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(seen.body, json!({"model": MODEL, "input": ["milk", "mum", "dentist"]}));
}

#[tokio::test]
async fn nothing_to_embed_makes_no_call() {
    let stand_in = StandIn::always(PATH, Reply::ok(embeddings(&[]))).await;

    let vectors = embedder(&stand_in).embed(&[]).await.expect("no vectors");

    assert!(vectors.is_empty());
    assert_eq!(stand_in.hits(), 0);
}

#[tokio::test]
async fn a_missing_or_repeated_index_is_an_error() {
    for reply in [
        embeddings(&[(0, [0.1; 3])]),
        embeddings(&[(0, [0.1; 3]), (0, [0.2; 3])]),
        embeddings(&[(0, [0.1; 3]), (5, [0.2; 3])]),
    ] {
        let stand_in = StandIn::always(PATH, Reply::ok(reply.clone())).await;

        let err = embedder(&stand_in).embed(&texts(&["a", "b"])).await.unwrap_err();

        assert!(
            matches!(err, LlmError::Unavailable(ref m) if m.starts_with("malformed embeddings")),
            "{reply}: {err:?}"
        );
    }
}

#[tokio::test]
async fn errors_sort_as_for_chat() {
    let stand_in = StandIn::always(
        PATH,
        Reply::status(StatusCode::TOO_MANY_REQUESTS, json!({"error": {"message": "slow down"}}))
            .header("retry-after", "1"),
    )
    .await;
    let err = embedder(&stand_in).embed(&texts(&["a"])).await.unwrap_err();
    assert_eq!(err, LlmError::RateLimited { retry_after: Some(std::time::Duration::from_secs(1)) });

    let stand_in = StandIn::always(
        PATH,
        Reply::status(StatusCode::BAD_REQUEST, json!({"error": {"message": "model not found"}})),
    )
    .await;
    let err = embedder(&stand_in).embed(&texts(&["a"])).await.unwrap_err();
    assert_eq!(err, LlmError::Rejected("http 400: model not found".into()));
}
