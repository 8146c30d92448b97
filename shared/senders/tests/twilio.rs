//! `TwilioSms` against a local server that speaks Twilio's Messages API as documented:
//! what we send (path, Basic auth, form fields) and how each documented answer is taken.

mod common;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use axum::{
    Form, Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    routing::post,
};
use base64::{Engine, prelude::BASE64_STANDARD};
use nudge_domain::{
    Address, Email, FireKind, PhoneNumber, Secret, SecretSource, SendError, Sender, StoreError,
};
use nudge_senders::TwilioSms;
use serde_json::{Value, json};

const ACCOUNT_SID: &str = "ACa1b2c3d4e5f60718293a4b5c6d7e8f90";
const AUTH_TOKEN: &str = "f3e2d1c0b9a8f3e2d1c0b9a8f3e2d1c0";
const FROM: &str = "+14155552671";
const MESSAGE_SID: &str = "SM1f0e2d3c4b5a69788796a5b4c3d2e1f0";

/// One request the fake Twilio received.
#[derive(Debug, Clone)]
struct Seen {
    account_sid: String,
    authorization: Option<String>,
    form: HashMap<String, String>,
}

#[derive(Clone)]
struct FakeTwilio {
    seen: Arc<Mutex<Vec<Seen>>>,
    reply: (StatusCode, Value),
}

async fn create_message(
    State(fake): State<FakeTwilio>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    // `Form` refuses a body that is not `application/x-www-form-urlencoded`, as Twilio does.
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let authorization = headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap().to_owned());
    fake.seen.lock().unwrap().push(Seen { account_sid, authorization, form });
    (fake.reply.0, Json(fake.reply.1.clone()))
}

/// A fake Twilio answering every message with `reply`; answers its base URL and what it saw.
async fn fake_twilio(status: StatusCode, body: Value) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(vec![]));
    let app = Router::new()
        .route("/2010-04-01/Accounts/{account_sid}/Messages.json", post(create_message))
        .with_state(FakeTwilio { seen: seen.clone(), reply: (status, body) });
    (common::serve(app).await, seen)
}

/// The Message resource Twilio answers 201 with (from its API reference).
fn created(to: &str, body: &str) -> Value {
    json!({
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": "Fri, 14 Mar 2025 09:00:01 +0000",
        "date_sent": null,
        "date_updated": "Fri, 14 Mar 2025 09:00:01 +0000",
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": FROM,
        "messaging_service_sid": null,
        "num_media": "0",
        "num_segments": "1",
        "price": null,
        "price_unit": "USD",
        "sid": MESSAGE_SID,
        "status": "queued",
        "subresource_uris": {
            "media": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media.json")
        },
        "to": to,
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}.json")
    })
}

fn twilio_error(code: i64, message: &str, status: u16) -> Value {
    json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status
    })
}

fn sender(base_url: &str, from: &str) -> TwilioSms {
    TwilioSms::new(
        nudge_senders::http_client(),
        base_url,
        Arc::new(Secret::new(ACCOUNT_SID)),
        from.to_owned(),
        Arc::new(Secret::new(AUTH_TOKEN)),
    )
}

fn phone() -> Address {
    Address::Phone(PhoneNumber::parse("+15558675310").unwrap())
}

#[tokio::test]
async fn sends_the_documented_request_and_answers_the_message_sid() {
    let text = "Reminder: water the plants";
    let (base, seen) = fake_twilio(StatusCode::CREATED, created("+15558675310", text)).await;
    let n = common::notification(FireKind::First, text);

    let sid = sender(&base, FROM).send(&phone(), &n).await.expect("sent");

    assert_eq!(sid, MESSAGE_SID);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.account_sid, ACCOUNT_SID);
    let auth = req.authorization.as_deref().expect("an Authorization header");
    let basic = auth.strip_prefix("Basic ").expect("HTTP Basic auth");
    let decoded = String::from_utf8(BASE64_STANDARD.decode(basic).unwrap()).unwrap();
    assert_eq!(decoded, format!("{ACCOUNT_SID}:{AUTH_TOKEN}"));
    let expected: HashMap<String, String> = [("To", "+15558675310"), ("From", FROM), ("Body", text)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(req.form, expected);
}

#[tokio::test]
async fn a_messaging_service_sid_is_sent_instead_of_from() {
    let service = "MG9752274e9e519418a7406176694466fa";
    let (base, seen) = fake_twilio(StatusCode::CREATED, created("+15558675310", "hi")).await;

    let sid = sender(&base, service).send(&phone(), &common::notification(FireKind::First, "hi")).await;

    assert_eq!(sid.expect("sent"), MESSAGE_SID);
    let form = seen.lock().unwrap()[0].form.clone();
    assert_eq!(form.get("MessagingServiceSid").map(String::as_str), Some(service));
    assert!(!form.contains_key("From"), "{form:?}");
}

#[tokio::test]
async fn an_invalid_number_21211_is_permanent() {
    let body = twilio_error(21211, "Invalid 'To' Phone Number: +1555867XXXX", 400);
    let (base, _) = fake_twilio(StatusCode::BAD_REQUEST, body).await;

    let err = sender(&base, FROM).send(&phone(), &common::notification(FireKind::First, "hi")).await;

    match err {
        Err(SendError::Permanent(m)) => {
            assert_eq!(m, "twilio 21211: Invalid 'To' Phone Number: +1555867XXXX");
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

#[tokio::test]
async fn throttling_429_is_retryable() {
    let (base, _) =
        fake_twilio(StatusCode::TOO_MANY_REQUESTS, twilio_error(20429, "Too Many Requests", 429)).await;

    let err = sender(&base, FROM).send(&phone(), &common::notification(FireKind::First, "hi")).await;

    match err {
        Err(SendError::Retryable(m)) => assert_eq!(m, "twilio 20429: Too Many Requests"),
        other => panic!("expected a retryable error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_error_500_is_retryable() {
    let body = twilio_error(20500, "An internal server error has occurred", 500);
    let (base, _) = fake_twilio(StatusCode::INTERNAL_SERVER_ERROR, body).await;

    let err = sender(&base, FROM).send(&phone(), &common::notification(FireKind::Nag(1), "hi")).await;

    assert!(matches!(err, Err(SendError::Retryable(_))), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_api_is_retryable() {
    let base = common::closed_port().await;

    let err = sender(&base, FROM).send(&phone(), &common::notification(FireKind::First, "hi")).await;

    assert!(matches!(err, Err(SendError::Retryable(_))), "{err:?}");
}

#[tokio::test]
async fn an_address_that_is_not_a_phone_is_permanent_and_sends_nothing() {
    let (base, seen) = fake_twilio(StatusCode::CREATED, created("+15558675310", "hi")).await;
    let email = Address::Email(Email::parse("ada@example.com").unwrap());

    let err = sender(&base, FROM).send(&email, &common::notification(FireKind::First, "hi")).await;

    assert!(matches!(err, Err(SendError::Permanent(_))), "{err:?}");
    assert!(seen.lock().unwrap().is_empty());
}

struct Unavailable;

#[async_trait]
impl SecretSource for Unavailable {
    async fn secret(&self) -> Result<Secret, StoreError> {
        Err(StoreError::Backend("secrets manager: timed out".into()))
    }
}

#[tokio::test]
async fn an_unavailable_auth_token_is_retryable_and_sends_nothing() {
    let (base, seen) = fake_twilio(StatusCode::CREATED, created("+15558675310", "hi")).await;
    let sms = TwilioSms::new(
        nudge_senders::http_client(),
        base,
        Arc::new(Secret::new(ACCOUNT_SID)),
        FROM.to_owned(),
        Arc::new(Unavailable),
    );

    let err = sms.send(&phone(), &common::notification(FireKind::First, "hi")).await;

    assert!(matches!(err, Err(SendError::Retryable(_))), "{err:?}");
    assert!(seen.lock().unwrap().is_empty());
}
