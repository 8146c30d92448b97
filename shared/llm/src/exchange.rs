//! One JSON request to a provider and how its answer or failure becomes a value or an
//! `LlmError`, the same for every provider.

use std::time::Duration;

use nudge_domain::LlmError;
use reqwest::{RequestBuilder, StatusCode, header::HeaderMap};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The longest provider error message kept: it ends up in the router's `Exhausted` text, which
/// callers log, so it stays a short summary.
const MAX_ERROR_CHARS: usize = 300;

/// Sends `request` and reads a successful answer as `T`. `key` is only used to redact the key
/// from a provider's error message (some echo the key they were given).
pub(crate) async fn send_json<T: DeserializeOwned>(
    request: RequestBuilder,
    key: Option<&str>,
) -> Result<T, LlmError> {
    let response = request.send().await.map_err(from_transport)?;
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let body = response.bytes().await.map_err(from_transport)?;
    if !status.is_success() {
        return Err(from_status(status, retry_after, &body, key));
    }
    // Where the body failed to parse, not serde's own text: that can quote the model's output,
    // and message contents never reach a log.
    serde_json::from_slice(&body).map_err(|e| {
        LlmError::Unavailable(format!(
            "unreadable response: {:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

/// The error for an answer with this status: 429 is throttling; 408, 5xx (Anthropic's 529
/// "overloaded" included) may pass; any other refusal will not change on retry.
pub(crate) fn from_status(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    key: Option<&str>,
) -> LlmError {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return LlmError::RateLimited { retry_after };
    }
    let message = match provider_message(body) {
        Some(m) => format!("http {}: {}", status.as_u16(), shorten(&redact(&m, key))),
        None => format!("http {}", status.as_u16()),
    };
    if status == StatusCode::REQUEST_TIMEOUT || status.is_server_error() {
        LlmError::Unavailable(message)
    } else {
        LlmError::Rejected(message)
    }
}

/// A request that got no answer: a client timeout is `Timeout`; a request that could not be
/// built (a malformed base URL) never will be, so `Rejected`; anything else (refused
/// connection, reset, TLS) may pass, so `Unavailable`.
pub(crate) fn from_transport(err: reqwest::Error) -> LlmError {
    if err.is_timeout() {
        return LlmError::Timeout;
    }
    let builder = err.is_builder();
    let message = nudge_senders::describe_transport(err);
    if builder { LlmError::Rejected(message) } else { LlmError::Unavailable(message) }
}

/// How long the provider asked us to wait: OpenAI's `retry-after-ms` when present, else the
/// standard `Retry-After` in seconds. The HTTP-date form is not used by these APIs.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        let value = headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok()?;
        (value.is_finite() && value >= 0.0).then_some(value)
    };
    number("retry-after-ms")
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| number("retry-after").map(Duration::from_secs_f64))
}

/// The provider's explanation: `{"error":{"message":…}}` (OpenAI, Anthropic and most
/// compatible servers), `{"error":"…"}` or `{"message":"…"}` (some compatible servers).
fn provider_message(body: &[u8]) -> Option<String> {
    let body: Value = serde_json::from_slice(body).ok()?;
    let message = match &body["error"] {
        Value::String(m) => m.as_str(),
        error => error["message"].as_str().or_else(|| body["message"].as_str())?,
    };
    (!message.trim().is_empty()).then(|| message.trim().to_owned())
}

/// The message with the key taken out wherever it appears.
fn redact(message: &str, key: Option<&str>) -> String {
    match key {
        Some(key) if !key.is_empty() => message.replace(key, "[redacted]"),
        _ => message.to_owned(),
    }
}

fn shorten(message: &str) -> String {
    let mut chars = message.chars();
    let mut short: String = chars.by_ref().take(MAX_ERROR_CHARS).collect();
    if chars.next().is_some() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_reads_seconds_and_prefers_milliseconds() {
        assert_eq!(retry_after(&headers(&[("retry-after", "7")])), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers(&[("retry-after", "1.5")])), Some(Duration::from_millis(1500)));
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7"), ("retry-after-ms", "250")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
        assert_eq!(retry_after(&headers(&[])), None);
    }

    #[test]
    fn statuses_sort_into_kinds_with_the_providers_message() {
        let body = br#"{"error":{"message":"bad thing","type":"x"}}"#;
        assert_eq!(
            from_status(StatusCode::BAD_REQUEST, None, body, None),
            LlmError::Rejected("http 400: bad thing".into())
        );
        assert_eq!(
            from_status(StatusCode::REQUEST_TIMEOUT, None, b"", None),
            LlmError::Unavailable("http 408".into())
        );
        assert_eq!(
            from_status(StatusCode::from_u16(529).unwrap(), None, br#"{"error":"overloaded"}"#, None),
            LlmError::Unavailable("http 529: overloaded".into())
        );
        assert_eq!(
            from_status(StatusCode::NOT_FOUND, None, br#"{"message":"no such model"}"#, None),
            LlmError::Rejected("http 404: no such model".into())
        );
        assert_eq!(
            from_status(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(2)), b"", None),
            LlmError::RateLimited { retry_after: Some(Duration::from_secs(2)) }
        );
    }

    #[test]
    fn the_key_is_redacted_and_long_messages_are_cut() {
        let body = br#"{"error":{"message":"Incorrect API key provided: sk-secret-123."}}"#;
        let err = from_status(StatusCode::UNAUTHORIZED, None, body, Some("sk-secret-123"));
        assert_eq!(err, LlmError::Rejected("http 401: Incorrect API key provided: [redacted].".into()));

        let long = format!(r#"{{"error":{{"message":"{}"}}}}"#, "x".repeat(1000));
        let LlmError::Rejected(m) = from_status(StatusCode::BAD_REQUEST, None, long.as_bytes(), None) else {
            panic!("expected Rejected");
        };
        assert_eq!(m.chars().count(), "http 400: ".len() + MAX_ERROR_CHARS + 1);
    }
}
