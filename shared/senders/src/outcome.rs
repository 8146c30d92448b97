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
pub(crate) fn from_transport(provider: &str, err: reqwest::Error) -> SendError {
    let builder = err.is_builder();
    let message = format!("{provider}: {}", describe_transport(err));
    if builder { SendError::Permanent(message) } else { SendError::Retryable(message) }
}

/// What went wrong with a request that got no answer, with every cause, in words for a log:
/// "could not connect: …: Connection refused". The URL is left out: a webhook URL can carry
/// the receiver's own token, and a provider's base URL says nothing the log needs.
pub fn describe_transport(err: reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_builder() {
        "bad request"
    } else {
        "request failed"
    };
    let err = err.without_url();
    let mut message = format!("{what}: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
