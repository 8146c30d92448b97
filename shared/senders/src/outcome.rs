//! How an HTTP answer or failure becomes a `SendError`, the same for every provider.

use std::error::Error as _;

use nudge_domain::SendError;
use reqwest::StatusCode;

/// Worth trying again later: the provider is throttling us (429) or failing itself (5xx).
/// Any other 4xx says the request is wrong and will stay wrong.
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// The error for an answer with this status.
pub(crate) fn from_status(status: StatusCode, message: String) -> SendError {
    if retryable_status(status) { SendError::Retryable(message) } else { SendError::Permanent(message) }
}

/// A request that got no answer. Timeouts and connection failures are retryable; a request
/// that could not even be built (a malformed URL) never will be.
///
/// The URL is left out of the text: a webhook URL can carry the receiver's own token.
pub(crate) fn from_transport(provider: &str, err: reqwest::Error) -> SendError {
    let builder = err.is_builder();
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if builder {
        "bad request"
    } else {
        "request failed"
    };
    let err = err.without_url();
    let mut message = format!("{provider}: {what}: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    if builder { SendError::Permanent(message) } else { SendError::Retryable(message) }
}
