//! SMS through Twilio's Messages API, as documented at
//! <https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource>:
//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, HTTP Basic auth with
//! the account SID and auth token.

use std::sync::Arc;

use async_trait::async_trait;
use nudge_domain::{Address, Notification, SecretSource, SendError, Sender};
use serde::Deserialize;

use crate::{REQUEST_TIMEOUT, outcome};

/// Twilio's production API; tests and the local stack point elsewhere (`TWILIO_API_BASE_URL`).
pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// The longest Twilio error message we keep: it ends up in the notification's attempts, which a
/// user can list, so it stays a short summary.
const MAX_ERROR_CHARS: usize = 200;

/// Sends a notification's text as an SMS. Accepts `Address::Phone` only.
pub struct TwilioSms {
    http: reqwest::Client,
    base_url: String,
    account_sid: Arc<dyn SecretSource>,
    from: String,
    auth_token: Arc<dyn SecretSource>,
}

impl TwilioSms {
    /// `from` is a phone number in E.164 form, or a Messaging Service SID (`MG…`), which lets
    /// Twilio pick the number. The account SID and auth token are read at each send, not here,
    /// so start-up makes no network call; a `SecretsManagerSecret` keeps them after the first.
    pub fn new(
        http: reqwest::Client,
        base_url: impl Into<String>,
        account_sid: Arc<dyn SecretSource>,
        from: String,
        auth_token: Arc<dyn SecretSource>,
    ) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self { http, base_url, account_sid, from, auth_token }
    }

    /// The form field naming the sender: a Messaging Service SID goes in its own field.
    fn sender_field(&self) -> &'static str {
        if self.from.starts_with("MG") { "MessagingServiceSid" } else { "From" }
    }
}

/// One credential, trimmed (a value pasted into Secrets Manager often ends in a newline).
/// Secrets Manager being unreachable is a passing problem: try again later.
async fn credential(what: &str, source: &dyn SecretSource) -> Result<String, SendError> {
    let value = source
        .secret()
        .await
        .map_err(|e| SendError::Retryable(format!("twilio: {what} unavailable: {e}")))?;
    Ok(String::from_utf8_lossy(value.expose()).trim().to_owned())
}

/// The part of a created Message resource we keep.
#[derive(Deserialize)]
struct Created {
    sid: Option<String>,
}

/// Twilio's error body: `{"code":21211,"message":"…","more_info":"…","status":400}`.
#[derive(Deserialize)]
struct ApiError {
    code: Option<i64>,
    message: Option<String>,
}

#[async_trait]
impl Sender for TwilioSms {
    async fn send(&self, to: &Address, notification: &Notification) -> Result<String, SendError> {
        let Address::Phone(phone) = to else {
            return Err(SendError::Permanent("twilio: sends to phone numbers only".into()));
        };
        let account_sid = credential("account SID", self.account_sid.as_ref()).await?;
        let token = credential("auth token", self.auth_token.as_ref()).await?;
        let messages_url = format!("{}/2010-04-01/Accounts/{account_sid}/Messages.json", self.base_url);

        let form = [("To", phone.as_str()), (self.sender_field(), &self.from), ("Body", &notification.text)];
        let response = self
            .http
            .post(&messages_url)
            .basic_auth(&account_sid, Some(token))
            .timeout(REQUEST_TIMEOUT)
            .form(&form)
            .send()
            .await
            .map_err(|e| outcome::from_transport("twilio", e))?;

        let status = response.status();
        if status.is_success() {
            let created = response.json::<Created>().await.ok().and_then(|c| c.sid);
            return Ok(match created {
                Some(sid) => {
                    tracing::debug!(provider = "twilio", %status, sid, "sms accepted");
                    sid
                }
                // Twilio took the message: failing it now would send it twice on retry.
                None => {
                    tracing::warn!(provider = "twilio", %status, "sms accepted without a message sid");
                    format!("twilio:{}", status.as_u16())
                }
            });
        }

        let (code, message) = match response.json::<ApiError>().await {
            Ok(ApiError { code: Some(code), message }) => {
                let text: String = message.unwrap_or_default().chars().take(MAX_ERROR_CHARS).collect();
                (Some(code), format!("twilio {code}: {text}"))
            }
            _ => (None, format!("twilio: http {}", status.as_u16())),
        };
        // The code only: Twilio's message can quote the recipient's number. The whole message
        // goes to the notification's attempts, which only its user sees.
        tracing::warn!(provider = "twilio", %status, code, "sms refused");
        Err(outcome::from_status(status, message))
    }
}
