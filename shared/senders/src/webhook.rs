//! Signed webhooks: a notification POSTed as JSON to the user's endpoint.
//!
//! The receiver checks `Nudge-Signature` to know the request is ours and unaltered:
//! `v1=` and the lowercase hex HMAC-SHA256, keyed with the webhook's secret, of
//! `"{Nudge-Timestamp}.{raw body}"`. Signing the timestamp lets it refuse replays of an old
//! request; `Nudge-Webhook-Id` (the notification id) lets it drop a delivery it already has,
//! since a retried notification is sent again with the same id.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use nudge_domain::{Address, FireKind, Notification, NotificationId, ReminderId, SendError, Sender};
use serde::Serialize;
use sha2::Sha256;

use crate::{REQUEST_TIMEOUT, outcome};

pub const ID_HEADER: &str = "Nudge-Webhook-Id";
pub const TIMESTAMP_HEADER: &str = "Nudge-Timestamp";
pub const SIGNATURE_HEADER: &str = "Nudge-Signature";

/// `v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`: what `Nudge-Signature` carries.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(3 + 2 * digest.len());
    out.push_str("v1=");
    for byte in digest {
        out.push(char::from_digit(u32::from(byte >> 4), 16).expect("a nibble is a hex digit"));
        out.push(char::from_digit(u32::from(byte & 0xf), 16).expect("a nibble is a hex digit"));
    }
    out
}

/// What the receiver gets: the notification without its delivery bookkeeping.
#[derive(Serialize)]
struct Event<'a> {
    id: NotificationId,
    #[serde(rename = "type")]
    kind: FireKind,
    text: &'a str,
    reminder_id: Option<ReminderId>,
    occurrence: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl<'a> From<&'a Notification> for Event<'a> {
    fn from(n: &'a Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            text: &n.text,
            reminder_id: n.reminder_id,
            occurrence: n.occurrence,
            created_at: n.created_at,
        }
    }
}

/// Delivers to `Address::Webhook`. Answers `webhook:<status>` as the provider id.
pub struct WebhookSender {
    http: reqwest::Client,
}

impl WebhookSender {
    /// The client must not follow redirects ([`crate::http_client`] does not): a redirect would
    /// carry the signed request to a URL the user never registered, and the check that the URL
    /// is https was made on the registered one only.
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }
}

#[async_trait]
impl Sender for WebhookSender {
    async fn send(&self, to: &Address, notification: &Notification) -> Result<String, SendError> {
        let Address::Webhook { url, secret } = to else {
            return Err(SendError::Permanent("webhook: sends to webhook addresses only".into()));
        };
        let body = serde_json::to_vec(&Event::from(notification))
            .map_err(|e| SendError::Permanent(format!("webhook: encoding the event: {e}")))?;
        let timestamp = Utc::now().timestamp();
        let signature = sign(secret.expose(), timestamp, &body);

        let response = self
            .http
            .post(url.as_str())
            .timeout(REQUEST_TIMEOUT)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(ID_HEADER, notification.id.to_string())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| outcome::from_transport("webhook", e))?;

        // The receiver's answer body is never read: only its status means anything to us.
        let status = response.status();
        if status.is_success() {
            tracing::debug!(provider = "webhook", %status, "webhook delivered");
            return Ok(format!("webhook:{}", status.as_u16()));
        }
        let message = if status.is_redirection() {
            format!("webhook: http {} (redirects are not followed)", status.as_u16())
        } else {
            format!("webhook: http {}", status.as_u16())
        };
        tracing::warn!(provider = "webhook", %status, "webhook refused");
        Err(outcome::from_status(status, message))
    }
}
