//! `WebhookSender` against a local receiver that checks the request the way a user's endpoint
//! should: the signature recomputed from the raw body and the timestamp header.

mod common;

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect},
    routing::post,
};
use chrono::Utc;
use nudge_domain::{Address, FireKind, PhoneNumber, Secret, SendError, Sender};
use nudge_senders::{WebhookSender, sign};
use serde_json::{Value, json};

const SECRET: &[u8] = b"whsec_5f0c2a9e7b1d4c3a8e6f";

/// A client as the notifier must build it: no redirects.
fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn address(base: &str, path: &str) -> Address {
    Address::Webhook { url: format!("{base}{path}"), secret: Secret::new(SECRET) }
}

/// What the receiver made of each request: the event, or why it refused it.
type Seen = Arc<Mutex<Vec<Result<(HeaderMap, Value), String>>>>;

#[derive(Clone)]
struct Receiver {
    seen: Seen,
    status: StatusCode,
}

/// Checks the request as a receiver should, then answers the configured status.
async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.seen.lock().unwrap().push(verify(&headers, &body).map(|event| (headers.clone(), event)));
    r.status
}

fn verify(headers: &HeaderMap, body: &[u8]) -> Result<Value, String> {
    let get = |name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).ok_or_else(|| format!("no {name} header"))
    };
    let timestamp: i64 = get("nudge-timestamp")?.parse().map_err(|_| "timestamp is not a number")?;
    if (Utc::now().timestamp() - timestamp).abs() > 300 {
        return Err(format!("timestamp {timestamp} is not recent"));
    }
    let signature = get("nudge-signature")?;
    if signature != sign(SECRET, timestamp, body) {
        return Err(format!("bad signature {signature}"));
    }
    serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))
}

async fn receiver(status: StatusCode) -> (String, Seen) {
    let seen: Seen = Arc::new(Mutex::new(vec![]));
    let app = Router::new()
        .route("/hooks/nudge", post(receive))
        .with_state(Receiver { seen: seen.clone(), status });
    (common::serve(app).await, seen)
}

#[test]
fn sign_is_hex_hmac_sha256_of_timestamp_dot_body() {
    // Computed independently: python3 hmac.new(b"whsec_test", b'1700000000.{"id":"x"}', sha256).
    assert_eq!(
        sign(b"whsec_test", 1_700_000_000, br#"{"id":"x"}"#),
        "v1=80e8d098018f757aa814ab1abb924f35d304affa1d93d29611a54696207eb7c3"
    );
}

#[tokio::test]
async fn delivers_a_signed_event_the_receiver_can_verify() {
    let (base, seen) = receiver(StatusCode::OK).await;
    let n = common::notification(FireKind::Nag(2), "Still waiting on this one: call the bank.");

    let id = WebhookSender::new(client()).send(&address(&base, "/hooks/nudge"), &n).await;

    assert_eq!(id.expect("delivered"), "webhook:200");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (headers, event) = seen[0].clone().expect("the receiver accepts the signature");
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(headers["nudge-webhook-id"], n.id.to_string());
    assert_eq!(
        event,
        json!({
            "id": n.id.to_string(),
            "type": "nag_2",
            "text": "Still waiting on this one: call the bank.",
            "reminder_id": n.reminder_id.unwrap().to_string(),
            "occurrence": "2025-03-14T09:00:00Z",
            "created_at": "2025-03-14T09:00:00Z",
        })
    );
}

#[tokio::test]
async fn a_first_firing_has_a_plain_type() {
    let (base, seen) = receiver(StatusCode::NO_CONTENT).await;
    let n = common::notification(FireKind::First, "Reminder: stand-up");

    let id = WebhookSender::new(client()).send(&address(&base, "/hooks/nudge"), &n).await;

    assert_eq!(id.expect("delivered"), "webhook:204");
    let (_, event) = seen.lock().unwrap()[0].clone().expect("verified");
    assert_eq!(event["type"], "first");
}

#[tokio::test]
async fn a_receiver_error_500_is_retryable() {
    let (base, seen) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    let n = common::notification(FireKind::First, "hi");

    let err = WebhookSender::new(client()).send(&address(&base, "/hooks/nudge"), &n).await;

    assert!(matches!(err, Err(SendError::Retryable(_))), "{err:?}");
    assert!(seen.lock().unwrap()[0].is_ok(), "the request itself was valid");
}

#[tokio::test]
async fn a_gone_receiver_410_is_permanent() {
    let (base, _) = receiver(StatusCode::GONE).await;
    let n = common::notification(FireKind::First, "hi");

    let err = WebhookSender::new(client()).send(&address(&base, "/hooks/nudge"), &n).await;

    match err {
        Err(SendError::Permanent(m)) => assert_eq!(m, "webhook: http 410"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_throttling_receiver_429_is_retryable() {
    let (base, _) = receiver(StatusCode::TOO_MANY_REQUESTS).await;
    let n = common::notification(FireKind::First, "hi");

    let err = WebhookSender::new(client()).send(&address(&base, "/hooks/nudge"), &n).await;

    assert!(matches!(err, Err(SendError::Retryable(_))), "{err:?}");
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_is_permanent() {
    let hits = Arc::new(Mutex::new(0));
    let counter = hits.clone();
    let app =
        Router::new().route("/hooks/nudge", post(|| async { Redirect::temporary("/elsewhere") })).route(
            "/elsewhere",
            post(move || async move {
                *counter.lock().unwrap() += 1;
                StatusCode::OK.into_response()
            }),
        );
    let base = common::serve(app).await;
    let n = common::notification(FireKind::First, "hi");

    let err =
        WebhookSender::new(nudge_senders::http_client()).send(&address(&base, "/hooks/nudge"), &n).await;

    assert!(matches!(err, Err(SendError::Permanent(_))), "{err:?}");
    assert_eq!(*hits.lock().unwrap(), 0, "the redirect target was called");
}

#[tokio::test]
async fn an_unreachable_receiver_is_retryable() {
    let base = common::closed_port().await;
    let n = common::notification(FireKind::First, "hi");

    let err = WebhookSender::new(client()).send(&address(&base, "/hooks/nudge"), &n).await;

    assert!(matches!(err, Err(SendError::Retryable(_))), "{err:?}");
}

#[tokio::test]
async fn an_address_that_is_not_a_webhook_is_permanent() {
    let phone = Address::Phone(PhoneNumber::parse("+15558675310").unwrap());
    let n = common::notification(FireKind::First, "hi");

    let err = WebhookSender::new(client()).send(&phone, &n).await;

    assert!(matches!(err, Err(SendError::Permanent(_))), "{err:?}");
}
