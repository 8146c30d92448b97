//! A stand-in for Twilio's Messages API on 127.0.0.1: it checks what we send the way Twilio
//! would (path, Basic auth, form fields) and answers as Twilio documents, recording each SMS.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::Engine;
use serde_json::json;

pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
pub const AUTH_TOKEN: &str = "twilio-test-auth-token";
pub const FROM: &str = "+15005550006";

#[derive(Debug, Clone)]
pub struct Sms {
    pub to: String,
    pub body: String,
}

#[derive(Default)]
struct Inner {
    sent: Vec<Sms>,
    /// Statuses to answer before accepting again (e.g. a 500 to test retries).
    failures: Vec<u16>,
}

#[derive(Clone, Default)]
pub struct Twilio {
    inner: Arc<Mutex<Inner>>,
    pub base_url: String,
}

impl Twilio {
    pub async fn start() -> Self {
        let mut me = Twilio::default();
        let app = Router::new()
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(messages))
            .with_state(me.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        me.base_url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        me
    }

    pub fn sent(&self) -> Vec<Sms> {
        self.inner.lock().unwrap().sent.clone()
    }

    pub fn fail_next(&self, status: u16) {
        self.inner.lock().unwrap().failures.push(status);
    }

    /// The notifier's SMS sender, pointed here.
    pub fn sender(&self) -> nudge_senders::TwilioSms {
        nudge_senders::TwilioSms::new(
            nudge_senders::http_client(),
            self.base_url.clone(),
            Arc::new(nudge_domain::Secret::new(ACCOUNT_SID)),
            FROM.into(),
            Arc::new(nudge_domain::Secret::new(AUTH_TOKEN)),
        )
    }
}

async fn messages(
    State(t): State<Twilio>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, axum::Json<serde_json::Value>) {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"))
    );
    if sid != ACCOUNT_SID || headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&expected) {
        let e = json!({"code": 20003, "message": "Authenticate", "status": 401});
        return (StatusCode::UNAUTHORIZED, axum::Json(e));
    }
    let form: HashMap<String, String> = url_form(&body);
    let (Some(to), Some(text)) = (form.get("To"), form.get("Body")) else {
        let e = json!({"code": 21604, "message": "A 'To' phone number is required.", "status": 400});
        return (StatusCode::BAD_REQUEST, axum::Json(e));
    };
    assert_eq!(form.get("From").map(String::as_str), Some(FROM), "From");
    let mut inner = t.inner.lock().unwrap();
    if let Some(status) = inner.failures.pop() {
        let e = json!({"code": 20500, "message": "Internal Server Error", "status": status});
        return (StatusCode::from_u16(status).unwrap(), axum::Json(e));
    }
    inner.sent.push(Sms { to: to.clone(), body: text.clone() });
    let sid = format!("SM{:032x}", inner.sent.len());
    let reply = json!({
        "sid": sid, "account_sid": ACCOUNT_SID, "to": to, "from": FROM, "body": text,
        "status": "queued", "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"),
    });
    (StatusCode::CREATED, axum::Json(reply))
}

fn url_form(body: &str) -> HashMap<String, String> {
    form_urlencoded::parse(body.as_bytes()).into_owned().collect()
}
