//! The notifier's HTTP providers: adapters for the domain's `Sender` port that reach the world
//! over HTTP. [`TwilioSms`] sends SMS through Twilio's Messages API; [`WebhookSender`] POSTs a
//! signed JSON event to a user's endpoint. Both sort failures the same way, so the notifier can
//! decide to retry without knowing the provider: a timeout, a refused connection, 429 or 5xx is
//! `SendError::Retryable`; any other refusal is `SendError::Permanent`.
//!
//! Neither logs a message's text nor a credential (see DESIGN.md, Conventions).

mod outcome;
pub mod twilio;
pub mod webhook;

use std::time::Duration;

pub use outcome::describe_transport;
pub use twilio::TwilioSms;
pub use webhook::{WebhookSender, sign};

/// How long one provider call may take, connection included. The notifier's Lambda has a budget
/// for a whole batch; a provider that hangs is retried later rather than eating it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The client the senders share, built once per process: rustls (no OpenSSL), a 10 s timeout,
/// and no redirects, because a webhook endpoint that redirects could send our signed request
/// somewhere the user never registered (and Twilio's API never redirects).
///
/// # Panics
///
/// If the TLS backend cannot start, which with rustls and bundled roots means a broken build.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("nudge-notifier")
        .build()
        .expect("the rustls HTTP client builds")
}
