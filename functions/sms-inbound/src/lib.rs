//! The `sms-inbound` function: Twilio's inbound-SMS webhook, behind a Lambda function URL (and
//! at `POST /sms/inbound` in the local stack). It checks the request is Twilio's, hands the
//! message to the domain (`nudge_domain::sms::receive`), and answers TwiML at once; anything the
//! agent must think about goes to the `agent` queue and is answered through the notifier.

pub mod settings;
pub mod signature;

use std::{sync::Arc, time::Instant};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::post,
};
use nudge_domain::{
    PhoneNumber, SecretSource,
    sms::{self, Incoming, MessageSid, Route, SmsSettings, text::Keyword},
};
use nudge_http::{ApiError, ApiState, extract::ClientIp};

pub use settings::settings_from_env;

/// What the webhook needs besides the ports.
#[derive(Clone)]
pub struct Webhook {
    /// The account's auth token, which signs Twilio's requests.
    pub auth_token: Arc<dyn SecretSource>,
    /// The base of the URL Twilio is given (`PUBLIC_BASE_URL`): the signed URL is rebuilt from
    /// it and the request's path, never from headers a caller controls.
    pub public_base_url: Option<String>,
    pub settings: SmsSettings,
}

/// `POST /sms/inbound`.
pub fn routes(webhook: Arc<Webhook>) -> Router<ApiState> {
    Router::new().route("/sms/inbound", post(inbound)).layer(axum::Extension(webhook))
}

/// The function URL's routes: Twilio may be given the bare function URL (`/`) or
/// `/sms/inbound` on it.
pub fn function_routes(webhook: Arc<Webhook>) -> Router<ApiState> {
    Router::new()
        .route("/", post(inbound))
        .route("/sms/inbound", post(inbound))
        .layer(axum::Extension(webhook))
}

async fn inbound(
    State(state): State<ApiState>,
    axum::Extension(webhook): axum::Extension<Arc<Webhook>>,
    ip: ClientIp,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let outcome = handle(&state, &webhook, ip, &uri, &headers, &body).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let (response, counts) = match outcome {
        Ok(answer) => {
            let routed = usize::from(answer.route == Route::Agent);
            tracing::info!(route = ?answer.route, duplicate = answer.duplicate, "sms received");
            let counts = [
                ("MessagesProcessed", 1),
                ("MessagesRouted", routed),
                ("RoutesFailed", 0),
                ("Duplicates", usize::from(answer.duplicate)),
                ("SignaturesRejected", 0),
            ];
            (twiml(answer.text.as_deref()), counts)
        }
        Err(e) => {
            let rejected = usize::from(e.status == StatusCode::FORBIDDEN);
            let failed = usize::from(e.status.is_server_error());
            let counts = [
                ("MessagesProcessed", 0),
                ("MessagesRouted", 0),
                ("RoutesFailed", failed),
                ("Duplicates", 0),
                ("SignaturesRejected", rejected),
            ];
            // Twilio does not retry a webhook that failed on our side: an envelope would reach
            // no one, so the texter is told to send it again. A caller's mistake (a bad
            // signature, a missing field) stays an enveloped 4xx.
            // (What failed is logged where the error was made.)
            let response = if e.status.is_server_error() && e.code != "NOT_CONFIGURED" {
                twiml(Some(TRY_AGAIN))
            } else {
                e.into_response()
            };
            (response, counts)
        }
    };
    nudge_http::telemetry::emit_timed("sms-inbound", &counts, &[("ProcessingTime", ms)]);
    response
}

const TRY_AGAIN: &str = "Sorry, something went wrong on my side and I couldn't read that. \
     Please send it again in a minute.";

/// The shortest auth token taken: Twilio's are 32 characters, and the template deploys the
/// secret with a placeholder (`replace-me`) that must never sign anything.
const MIN_TOKEN_CHARS: usize = 16;

async fn handle(
    state: &ApiState,
    webhook: &Webhook,
    ClientIp(ip): ClientIp,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<sms::Answer, ApiError> {
    let Some(base) = &webhook.public_base_url else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "NOT_CONFIGURED",
            "the SMS webhook needs PUBLIC_BASE_URL, the URL Twilio is given",
        ));
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let url = format!("{}{}", base.trim_end_matches('/'), uri.path_and_query().map_or("/", |p| p.as_str()));
    let token = webhook.auth_token.secret().await.map_err(|e| {
        tracing::error!(error = %e, "the Twilio auth token is unavailable");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "NOT_CONFIGURED",
            "the SMS webhook cannot check signatures",
        )
    })?;
    let token = String::from_utf8_lossy(token.expose()).trim().to_owned();
    if token.len() < MIN_TOKEN_CHARS {
        tracing::error!("the Twilio auth token is a placeholder: fill in the Twilio secret");
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "NOT_CONFIGURED",
            "the SMS webhook's auth token is not set",
        ));
    }
    let signed = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok());
    let valid = signed.is_some_and(|s| {
        signature::verify(token.as_bytes(), &url, &params, s)
            // The function URL itself, given to Twilio with or without its trailing slash: the
            // same resource either way.
            || (uri.path() == "/" && uri.query().is_none() && signature::verify(token.as_bytes(), base.trim_end_matches('/'), &params, s))
    });
    if !valid {
        tracing::warn!(signed = signed.is_some(), "sms webhook refused: bad or missing signature");
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "INVALID_SIGNATURE",
            "this request is not signed by Twilio for this URL",
        ));
    }
    let field = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let incoming = Incoming {
        sid: MessageSid::parse(field("MessageSid").or(field("SmsSid")).unwrap_or_default())?,
        from: PhoneNumber::parse(field("From").unwrap_or_default())
            .map_err(|_| ApiError::validation("From", "must be the sender's number in E.164 form"))?,
        to: field("To").unwrap_or_default().to_owned(),
        body: field("Body").unwrap_or_default().to_owned(),
        opt_out_type: match field("OptOutType") {
            Some("STOP") => Some(Keyword::Stop),
            Some("START") => Some(Keyword::Start),
            Some("HELP") => Some(Keyword::Help),
            _ => None,
        },
        ip,
    };
    Ok(sms::receive(&state.ports, &webhook.settings, incoming).await?)
}

/// A TwiML answer: one message back, or nothing.
fn twiml(text: Option<&str>) -> Response {
    let xml = match text {
        Some(t) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            escape(t)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".to_owned(),
    };
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn twiml_escapes_what_xml_would_read() {
        assert_eq!(super::escape(r#"Tom & "Jerry" <3 it's"#), "Tom &amp; &quot;Jerry&quot; &lt;3 it&apos;s");
    }
}
