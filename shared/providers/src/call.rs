//! One request to a provider's API: the bearer token on it, and the answer sorted into the
//! domain's `ApiError` the same way for every provider.
//!
//! - 401: `Unauthorized` (the caller refreshes the token and tries once more);
//! - 429: `Unavailable` (the provider asked us to slow down: a later try can work);
//! - any other 4xx: `Rejected`, in the provider's own words from its documented error body
//!   (Google's and Graph's `error.message`, Notion's `message`);
//! - 5xx, a redirect (we follow none) or no answer at all: `Unavailable`.
//!
//! The token goes only into the `Authorization` header, marked sensitive, and is scrubbed from
//! any text that reaches an error; log lines carry the service and the status, never a body.

use std::error::Error as _;

use nudge_domain::{ApiError, Secret};
use reqwest::{
    RequestBuilder, StatusCode,
    header::{AUTHORIZATION, HeaderValue},
};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The longest provider message kept in an error: it is shown to the user, so a summary.
const MAX_MESSAGE_CHARS: usize = 300;

/// Which API a request goes to, for errors and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    GoogleCalendar,
    MicrosoftGraph,
    Notion,
    YouTube,
}

impl Service {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Service::GoogleCalendar => "Google Calendar",
            Service::MicrosoftGraph => "Microsoft Graph",
            Service::Notion => "Notion",
            Service::YouTube => "YouTube",
        }
    }
}

/// A provider's answer, whatever its status.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    body: Vec<u8>,
}

/// Requests to one service with one user's token.
pub(crate) struct Caller<'a> {
    pub(crate) http: &'a reqwest::Client,
    service: Service,
    token: &'a Secret,
}

impl<'a> Caller<'a> {
    pub(crate) fn new(http: &'a reqwest::Client, service: Service, token: &'a Secret) -> Self {
        Self { http, service, token }
    }

    /// Sends `request` with the bearer token and reads the whole answer.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Result<Answer, ApiError> {
        let mut bearer = b"Bearer ".to_vec();
        bearer.extend_from_slice(self.token.expose());
        // A token that cannot be a header value is no token at all: the provider would refuse it.
        let mut bearer = HeaderValue::from_bytes(&bearer).map_err(|_| ApiError::Unauthorized)?;
        bearer.set_sensitive(true);
        let response = request.header(AUTHORIZATION, bearer).send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.transport(e))?.to_vec();
        Ok(Answer { status, body })
    }

    /// Sends `request` and reads a successful answer's JSON body as `T`.
    pub(crate) async fn call<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ApiError> {
        let answer = self.send(request).await?;
        self.parse(answer)
    }

    /// A successful answer's body as `T`; any other answer as its error.
    pub(crate) fn parse<T: DeserializeOwned>(&self, answer: Answer) -> Result<T, ApiError> {
        if !answer.status.is_success() {
            return Err(self.refusal(&answer));
        }
        serde_json::from_slice(&answer.body).map_err(|e| {
            tracing::warn!(service = self.service.name(), error = %e, "provider answer unreadable");
            ApiError::Unavailable(format!("{} answered with a body we could not read", self.service.name()))
        })
    }

    /// The error an unsuccessful answer stands for.
    pub(crate) fn refusal(&self, answer: &Answer) -> ApiError {
        let service = self.service.name();
        let status = answer.status;
        tracing::warn!(service, status = status.as_u16(), "provider API refused a request");
        let message = provider_message(&answer.body).map(|m| self.scrub(&m));
        match status {
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized,
            StatusCode::TOO_MANY_REQUESTS => {
                ApiError::Unavailable(format!("{service} is limiting requests; try again later"))
            }
            s if s.is_client_error() => ApiError::Rejected(
                message.unwrap_or_else(|| format!("{service} refused the request (HTTP {})", s.as_u16())),
            ),
            s => ApiError::Unavailable(match message {
                Some(m) => format!("{service} answered HTTP {}: {m}", s.as_u16()),
                None => format!("{service} answered HTTP {}", s.as_u16()),
            }),
        }
    }

    /// A request that got no answer (timeout, refused connection, TLS), in words for the user
    /// and the log, without the URL (its query can hold what the user searched for).
    fn transport(&self, err: reqwest::Error) -> ApiError {
        let what = if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "could not connect"
        } else {
            "request failed"
        };
        let err = err.without_url();
        let mut text = format!("{}: {what}: {err}", self.service.name());
        let mut source = err.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        tracing::warn!(service = self.service.name(), error = %self.scrub(&text), "provider API unreachable");
        ApiError::Unavailable(self.scrub(&text))
    }

    /// `text` without the token in it, should a provider ever quote it back.
    fn scrub(&self, text: &str) -> String {
        let token = String::from_utf8_lossy(self.token.expose());
        let token = token.trim();
        if token.len() < 8 { text.to_owned() } else { text.replace(token, "[redacted]") }
    }
}

/// The human message of a documented error body: Google's and Graph's `{"error":{"message"}}`,
/// Notion's `{"object":"error","message"}`, an OAuth-style `error_description`. Cleaned for
/// display: YouTube wraps parameter names in `<code>` tags.
fn provider_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let message = value
        .pointer("/error/message")
        .or_else(|| value.get("message"))
        .or_else(|| value.get("error_description"))
        .or_else(|| value.get("error"))
        .and_then(Value::as_str)?;
    let message = message.replace("<code>", "").replace("</code>", "");
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if message.is_empty() {
        return None;
    }
    let mut short: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    if short.len() < message.len() {
        short.push('…');
    }
    Some(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_documented_error_body() {
        let google = br#"{"error":{"code":404,"message":"Not Found","errors":[{"reason":"notFound"}]}}"#;
        assert_eq!(provider_message(google).as_deref(), Some("Not Found"));
        let notion = br#"{"object":"error","status":404,"code":"object_not_found","message":"Could not find database."}"#;
        assert_eq!(provider_message(notion).as_deref(), Some("Could not find database."));
        let youtube = br#"{"error":{"code":404,"message":"The playlist identified with the request's <code>playlistId</code> parameter cannot be found."}}"#;
        assert_eq!(
            provider_message(youtube).as_deref(),
            Some("The playlist identified with the request's playlistId parameter cannot be found.")
        );
        assert_eq!(provider_message(b"<html>Bad Gateway</html>"), None);
        assert_eq!(provider_message(br#"{"error":{"message":"  "}}"#), None);
    }

    #[test]
    fn long_messages_are_cut() {
        let body = serde_json::to_vec(&serde_json::json!({"message": "x".repeat(1000)})).unwrap();
        let message = provider_message(&body).unwrap();
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn statuses_sort_into_errors_without_the_token() {
        let http = reqwest::Client::new();
        let token = Secret::new("ya29.a-token-of-some-length");
        let caller = Caller::new(&http, Service::Notion, &token);
        let answer = |status: u16, body: &str| Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.as_bytes().to_vec(),
        };
        assert!(matches!(caller.refusal(&answer(401, "{}")), ApiError::Unauthorized));
        assert!(matches!(caller.refusal(&answer(429, "{}")), ApiError::Unavailable(_)));
        assert!(
            matches!(caller.refusal(&answer(503, "")), ApiError::Unavailable(m) if m == "Notion answered HTTP 503")
        );
        let quoted = r#"{"message":"token ya29.a-token-of-some-length is not allowed here"}"#;
        match caller.refusal(&answer(400, quoted)) {
            ApiError::Rejected(m) => assert_eq!(m, "token [redacted] is not allowed here"),
            other => panic!("{other:?}"),
        }
        match caller.refusal(&answer(404, "not json")) {
            ApiError::Rejected(m) => assert_eq!(m, "Notion refused the request (HTTP 404)"),
            other => panic!("{other:?}"),
        }
    }
}
