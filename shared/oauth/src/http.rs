//! The one HTTP client every provider call goes through, and its bridge to `oauth2`.

use std::{future::Future, pin::Pin, time::Duration};

use base64::Engine;
use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse, http};
use url::form_urlencoded;

use crate::{
    config::{BodyFormat, ClientAuth},
    credentials::ClientCredentials,
};

/// A token endpoint slower than this is treated as down (the callback has a user waiting).
pub const TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The shared client: no redirects (a token endpoint that redirects could send the code and
/// client secret elsewhere, so `oauth2` requires it), rustls, a timeout.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
}

/// Why a request got no usable answer. Its text names no token: request bodies are never shown.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Transport(#[source] reqwest::Error),
    /// A 5xx or 429: the provider is struggling, the request may be retried later.
    #[error("the endpoint answered HTTP {0}")]
    Status(u16),
    #[error("the endpoint's answer could not be read")]
    Malformed,
}

/// Whether a status means "try again later" rather than an answer to the request.
pub fn is_transient(status: reqwest::StatusCode) -> bool {
    status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS
}

/// `oauth2`'s HTTP client over the shared reqwest client, which also turns 5xx and 429
/// answers into transport errors, so they read as `Unavailable` and not as a refusal.
pub struct Oauth2Http<'a>(pub &'a reqwest::Client);

impl<'c> AsyncHttpClient<'c> for Oauth2Http<'_> {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(HttpError::Transport)?;
            let response = self.0.execute(request).await.map_err(HttpError::Transport)?;
            let status = response.status();
            if is_transient(status) {
                return Err(HttpError::Status(status.as_u16()));
            }
            let mut builder = http::Response::builder().status(status);
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = response.bytes().await.map_err(HttpError::Transport)?;
            builder.body(body.to_vec()).map_err(|_| HttpError::Malformed)
        })
    }
}

/// A POST of `fields` with the client's authentication, encoded as `format` says, for
/// the requests `oauth2` does not make for us (Notion's JSON token requests, revocation over
/// plain HTTP in tests). Answers the status and body; transient statuses are errors.
pub async fn post(
    http: &reqwest::Client,
    url: &url::Url,
    client: &ClientCredentials,
    auth: ClientAuth,
    format: BodyFormat,
    fields: &[(&str, &str)],
) -> Result<(reqwest::StatusCode, Vec<u8>), HttpError> {
    let mut fields: Vec<(&str, &str)> = fields.to_vec();
    let mut request = http.post(url.clone()).header(reqwest::header::ACCEPT, "application/json");
    match (auth, client.client_secret.as_deref()) {
        (ClientAuth::Basic, Some(secret)) => {
            request = request.header(reqwest::header::AUTHORIZATION, basic(&client.client_id, secret));
        }
        (ClientAuth::Post, secret) | (ClientAuth::Basic, secret @ None) => {
            fields.push(("client_id", &client.client_id));
            if let Some(s) = secret {
                fields.push(("client_secret", s));
            }
        }
    }
    request = if format == BodyFormat::Json {
        let body: serde_json::Map<String, serde_json::Value> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
        request.json(&body)
    } else {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        request.header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(body)
    };
    let response = request.send().await.map_err(HttpError::Transport)?;
    let status = response.status();
    if is_transient(status) {
        return Err(HttpError::Status(status.as_u16()));
    }
    let body = response.bytes().await.map_err(HttpError::Transport)?;
    Ok((status, body.to_vec()))
}

/// `Basic` credentials as RFC 6749 §2.3.1 has them: id and secret each form-urlencoded first
/// (which changes nothing for the ids and secrets providers issue: letters, digits, `-`, `_`).
pub fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", enc(id), enc(secret));
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_then_base64() {
        assert_eq!(basic("client", "secret"), "Basic Y2xpZW50OnNlY3JldA==");
        // "a b:c" → "a+b%3Ac"
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic("id", "a b:c").trim_start_matches("Basic "))
            .unwrap();
        assert_eq!(decoded, b"id:a+b%3Ac");
    }
}
