//! The `oauth` function: connecting an account (start, the provider's callback), listing the
//! caller's connected accounts, and disconnecting one. Handlers decode, call
//! `nudge_domain::integrations`, and encode; every rule lives there. No token, code, state or
//! cookie value is ever logged: the request's span carries its path, never its query.

mod cookie;
mod dto;
mod page;

use axum::{
    Router,
    extract::{FromRequestParts, State},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header, request::Parts},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use nudge_domain::{
    Actor, DomainError, IntegrationId, Provider, ProviderInfo, UserId, Via,
    integrations::{self as uc, CallbackOutcome, CallbackRequest, Disconnected, IntegrationView},
};
use nudge_http::{
    ApiError, ApiState, AuthUser, Envelope,
    extract::{ClientIp, Path, Query},
    openapi::{BearerAuth, Envelope as Doc, Failure},
    telemetry,
};

use dto::{CallbackParams, ReconnectForm, SignInLink, StartParams};
pub use dto::{IntegrationsBody, StartedView};
use page::Page;

/// The name metrics and logs carry.
const FUNCTION: &str = "oauth";

/// The routes' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(start, confirm_reconnect, callback, list, sign_in_link, disconnect),
    components(schemas(IntegrationView, ProviderInfo, Disconnected)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "integrations", description = "Connected accounts (Google, Microsoft, Notion, YouTube): connect with OAuth 2.0 and PKCE, list, disconnect"))
)]
pub struct ApiDoc;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/oauth/{provider}/start", get(start).post(confirm_reconnect))
        .route("/oauth/{provider}/callback", get(callback))
        .route("/api/integrations", get(list))
        .route("/api/integrations/{provider}/link", post(sign_in_link))
        .route("/api/integrations/{id}", delete(disconnect))
}

/// The caller if the request carries a valid bearer token, else nobody: the callback is opened
/// by a browser, which usually sends none.
struct MaybeUser(Option<UserId>);

impl FromRequestParts<ApiState> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(Self(None));
        }
        Ok(Self(AuthUser::from_request_parts(parts, state).await.ok().map(|u| u.0)))
    }
}

/// The kit's mapping, except that an unreachable dependency here is the provider, not a model.
fn api_error(e: DomainError) -> ApiError {
    match e {
        DomainError::Unavailable(m) => {
            tracing::warn!(error = %m, "provider unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "PROVIDER_UNAVAILABLE",
                "the provider cannot be reached right now; try again in a minute",
            )
        }
        other => other.into(),
    }
}

/// Whether the client asked for JSON rather than a redirect (an app that opens the URL itself).
fn wants_json(headers: &HeaderMap) -> bool {
    let accept: String = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
        .to_ascii_lowercase();
    accept.contains("application/json") && !accept.contains("text/html")
}

/// Starts connecting `provider`: a redirect to the provider's sign-in page (or, with
/// `Accept: application/json`, its URL in the envelope), and the `nudge_oauth` cookie that the
/// callback checks, so the sign-in completes only in the browser that started it.
#[utoipa::path(get, path = "/oauth/{provider}/start", tag = "integrations",
    params(("provider" = String, Path, description = "google, microsoft, notion, youtube, …"), StartParams),
    responses(
        (status = 302, description = "to the provider's sign-in page",
            headers(("Location" = String, description = "the authorization URL"),
                    ("Set-Cookie" = String, description = "nudge_oauth, for /oauth/{provider}/callback, ten minutes"))),
        (status = 200, description = "with Accept: application/json", body = Doc<StartedView>,
            headers(("Set-Cookie" = String, description = "nudge_oauth, for /oauth/{provider}/callback, ten minutes"))),
        (status = 400, description = "a bad scope", body = Failure),
        (status = 401, description = "no bearer token, and no reconnect ticket that works", body = Failure),
        (status = 404, description = "no such provider is configured", body = Failure),
))]
async fn start(
    user: Result<AuthUser, ApiError>,
    State(s): State<ApiState>,
    Path(provider): Path<String>,
    ClientIp(ip): ClientIp,
    Query(params): Query<StartParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let scope = params.scope.as_deref();
    let user = match (user, params.ticket.as_deref()) {
        (Ok(user), _) => user,
        // A reconnect link opened from a text: a page asks the person to confirm, and spends
        // nothing (a link preview fetches it too).
        (Err(_), Some(ticket)) => return Ok(reconnect_page(&s, &provider, ticket).await),
        (Err(e), None) => return Err(e),
    };
    let started = uc::start(&s.ports, user.0, &provider, scope, &Actor::user(user.0, Via::Api, ip))
        .await
        .map_err(api_error)?;
    redirect(&provider, started, wants_json(&headers))
}

/// The answer to a start: to the provider (or its URL, for a client that opens it itself), with
/// the cookie that binds the sign-in to this browser.
fn redirect(provider: &str, started: uc::Started, json: bool) -> Result<Response, ApiError> {
    telemetry::emit_metrics(FUNCTION, &[("FlowsStarted", 1)]);
    let provider = Provider::parse(provider)?;
    tracing::info!(provider = %provider, "oauth flow started");
    let cookie = cookie::set(&provider, &started.browser)
        .ok_or_else(|| ApiError::internal("the browser cookie is not a header value"))?;
    let mut response = if json {
        let view = StartedView { authorization_url: started.url, expires_at: started.expires_at };
        Envelope::ok(view, "Open the authorization URL to connect").into_response()
    } else {
        let location = HeaderValue::from_str(&started.url)
            .map_err(|_| ApiError::internal("the authorization URL is not a header value"))?;
        (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
    };
    let h = response.headers_mut();
    h.insert(header::SET_COOKIE, cookie);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A reconnect link's page: whom it is for, and a button that confirms (a POST carrying the
/// ticket and a value that must match a same-site cookie set here, so another site cannot
/// submit it for the browser).
async fn reconnect_page(s: &ApiState, provider: &str, ticket: &str) -> Response {
    match uc::ticket_holder(&s.ports, provider, ticket).await {
        Ok(holder) => {
            let confirm = format!("{}", uuid::Uuid::new_v4().simple());
            let mut page = Page {
                status: StatusCode::OK,
                heading: format!("Connect {}", holder.display_name),
                lines: vec![format!(
                    "This connects {} to the Nudge account of {} (phone ending in {}). If that is not you, close this page.",
                    holder.display_name, holder.name, holder.phone_ending
                )],
                form: Some(page::Form {
                    action: format!("/oauth/{provider}/start"),
                    fields: vec![("ticket".into(), ticket.into()), ("confirm".into(), confirm.clone())],
                    button: format!("Continue to {}", holder.display_name),
                }),
            }
            .into_response();
            if let Some(c) = cookie::confirm(provider, &confirm) {
                page.headers_mut().insert(header::SET_COOKIE, c);
            }
            page
        }
        Err(e) => not_connected(
            api_error(e).status,
            "This link was already used or has expired. Open Nudge to connect again.".into(),
        )
        .into_response(),
    }
}

/// Confirms a reconnect link: takes its ticket (once) and starts the sign-in for its user.
#[utoipa::path(post, path = "/oauth/{provider}/start", tag = "integrations", security(()),
    params(("provider" = String, Path)),
    request_body(content = ReconnectForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 302, description = "to the provider's sign-in page, with the nudge_oauth cookie"),
        (status = 401, description = "a ticket used before, expired, or not confirmed on its page", content_type = "text/html", body = String),
))]
async fn confirm_reconnect(
    State(s): State<ApiState>,
    Path(provider): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = ReconnectForm::parse(&body);
    let refused = || {
        not_connected(
            StatusCode::UNAUTHORIZED,
            "This link was already used or has expired. Open Nudge to connect again.".into(),
        )
        .into_response()
    };
    // The page's value must come back with its cookie: a form posted from another site has
    // no cookie (SameSite=Strict).
    if form.ticket.is_empty()
        || form.confirm.is_empty()
        || cookie::read_confirm(&headers).as_deref() != Some(form.confirm.as_str())
    {
        return refused();
    }
    match uc::start_by_ticket(&s.ports, &provider, &form.ticket, None, ip).await {
        Ok(started) => redirect(&provider, started, false).unwrap_or_else(IntoResponse::into_response),
        Err(DomainError::Unauthorized(_)) => refused(),
        Err(e) => not_connected(
            api_error(e).status,
            "Something went wrong on our side. Try the link again in a minute.".into(),
        )
        .into_response(),
    }
}

/// Where the provider sends the browser back. Answers a page saying what came of it: 200 when
/// the account is connected, 400 when not (and why); the sign-in's state works once, whatever
/// the outcome. Needs no bearer token (a browser sends none); one that is sent must be the
/// user's who started.
#[utoipa::path(get, path = "/oauth/{provider}/callback", tag = "integrations", security(()),
    params(
        ("provider" = String, Path),
        ("state" = Option<String>, Query, description = "the state of the authorization URL"),
        ("code" = Option<String>, Query, description = "the authorization code"),
        ("error" = Option<String>, Query, description = "the provider's error (access_denied, …)"),
        ("error_description" = Option<String>, Query),
        ("nudge_oauth" = Option<String>, Cookie, description = "set by start"),
    ),
    responses(
        (status = 200, description = "connected: a page saying so", content_type = "text/html", body = String),
        (status = 400, description = "not connected: a page saying why", content_type = "text/html", body = String),
))]
async fn callback(
    State(s): State<ApiState>,
    Path(provider): Path<String>,
    caller: MaybeUser,
    ClientIp(ip): ClientIp,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let params = CallbackParams::parse(uri.query());
    let base = s.ports.connections.as_ref().map(|c| c.public_base_url.trim_end_matches('/')).unwrap_or("");
    let req = CallbackRequest {
        provider: provider.clone(),
        state: params.state,
        code: params.code,
        error: params.error,
        error_description: params.error_description,
        served_at: format!("{base}{}", uri.path()),
        browser: cookie::read(&headers),
        caller: caller.0,
        ip,
    };
    let (page, completed) = match uc::callback(&s.ports, req).await {
        Ok(CallbackOutcome::Connected { provider, display_name, account, scopes }) => {
            tracing::info!(provider = %provider, "oauth flow completed");
            (connected(&display_name, account.as_deref(), &scopes), true)
        }
        Ok(CallbackOutcome::Failed { failure, message }) => {
            tracing::info!(reason = failure.as_str(), "oauth flow failed");
            (not_connected(StatusCode::BAD_REQUEST, message), false)
        }
        Err(e) => {
            let e = api_error(e);
            let message = if e.status.is_server_error() {
                "Something went wrong on our side. Start connecting again from Nudge in a minute.".into()
            } else {
                format!("{}. Start connecting again from Nudge.", e.message)
            };
            (not_connected(e.status, message), false)
        }
    };
    telemetry::emit_metrics(
        FUNCTION,
        &[("FlowsCompleted", usize::from(completed)), ("FlowsFailed", usize::from(!completed))],
    );
    let mut response = page.into_response();
    // A name that is no provider's had no cookie set for it.
    if let Some(clear) = Provider::parse(&provider).ok().and_then(|p| cookie::clear(&p)) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

fn connected(display_name: &str, account: Option<&str>, scopes: &[String]) -> Page {
    let mut lines = Vec::new();
    if let Some(a) = account {
        lines.push(format!("Signed in as {a}."));
    }
    if !scopes.is_empty() {
        lines.push(format!("Nudge may use: {}.", scopes.join(", ")));
    }
    lines.push("You can close this window and go back to Nudge.".into());
    Page { status: StatusCode::OK, heading: format!("{display_name} is connected"), lines, form: None }
}

fn not_connected(status: StatusCode, message: String) -> Page {
    Page { status, heading: "Not connected".into(), lines: vec![message], form: None }
}

/// A one-time link that connects `provider` from a browser that is not the caller's (a phone
/// app opening the system browser): its page names the account and asks to confirm; it works
/// once, within ten minutes.
#[utoipa::path(post, path = "/api/integrations/{provider}/link", tag = "integrations",
    params(("provider" = String, Path, description = "google, microsoft, notion, youtube, …"), StartParams),
    responses(
        (status = 201, body = Doc<SignInLink>),
        (status = 400, description = "a bad scope", body = Failure),
        (status = 401, body = Failure),
        (status = 404, description = "no such provider is configured", body = Failure),
))]
async fn sign_in_link(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(provider): Path<String>,
    Query(params): Query<StartParams>,
) -> Result<Response, ApiError> {
    let (url, expires_at) =
        uc::sign_in_link(&s.ports, user.0, &provider, params.scope.as_deref()).await.map_err(api_error)?;
    let mut response =
        Envelope::created(SignInLink { url, expires_at }, "Open the link in a browser to connect")
            .into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The caller's connected accounts (never a token), and the providers they can connect.
#[utoipa::path(get, path = "/api/integrations", tag = "integrations", responses(
    (status = 200, body = Doc<IntegrationsBody>),
    (status = 401, body = Failure),
))]
async fn list(user: AuthUser, State(s): State<ApiState>) -> Result<Envelope<IntegrationsBody>, ApiError> {
    let items = uc::list(&s.ports, user.0).await.map_err(api_error)?;
    let body = IntegrationsBody { items, next_cursor: None, providers: uc::providers(&s.ports) };
    Ok(Envelope::ok(body, "Integrations listed"))
}

/// Disconnects one of the caller's accounts: the grant is revoked at the provider where it can
/// be, and the tokens are deleted here even if the provider cannot be reached.
#[utoipa::path(delete, path = "/api/integrations/{id}", tag = "integrations",
    params(("id" = IntegrationId, Path)), responses(
    (status = 200, body = Doc<Disconnected>),
    (status = 400, description = "not an integration id", body = Failure),
    (status = 401, body = Failure),
    (status = 404, description = "no such integration, or another user's", body = Failure),
))]
async fn disconnect(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
) -> Result<Envelope<Disconnected>, ApiError> {
    let id: IntegrationId =
        id.parse().map_err(|_| ApiError::validation("id", "is not a valid integration id"))?;
    let actor = Actor::user(user.0, Via::Api, ip);
    let done = uc::disconnect(&s.ports, user.0, id, &actor).await.map_err(api_error)?;
    telemetry::emit_metrics(FUNCTION, &[("Revoked", 1)]);
    tracing::info!(provider = %done.provider, revoked_at_provider = done.revoked_at_provider, "integration disconnected");
    Ok(Envelope::ok(done, "Disconnected"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_only_when_asked_for_and_not_html() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_static(v));
            wants_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(!with("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
        assert!(!with("*/*"));
        assert!(!wants_json(&HeaderMap::new()));
    }
}
