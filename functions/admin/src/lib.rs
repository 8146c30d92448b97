//! The `admin` function: users, the caller's own profile and preferences, and running a
//! scheduled job now. Later issues add status, logs and config here.

use axum::{
    Router,
    extract::State,
    routing::{get, post},
};
use chrono::{DateTime, FixedOffset};
use nudge_domain::{
    Channel, Email, PersonName, PhoneNumber, QuietHours, Role, TimeZone, User, UserId, WebhookUrl,
    integrations::{self, Refreshed},
    schedule::LocalTime,
    tick::{self, TickReport},
    users::{self as uc, PreferenceChanges},
};
use nudge_http::openapi::{BearerAuth, Envelope as Doc, Failure};
use nudge_http::serde_ext::nullable;
use nudge_http::{
    ApiError, ApiState, AuthUser, Envelope,
    extract::{Json, Path},
};
use serde::Deserialize;
use serde::Serialize;
use utoipa::OpenApi;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/users", post(create_user))
        .route("/api/users/{id}", get(show_user))
        .route("/api/me", get(me))
        .route("/api/me/preferences", get(preferences).put(set_preferences))
        .route("/api/admin/jobs/{job}/run", post(run_job))
        .route("/openapi.json", get(openapi_json))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Nudge API", description = "The HTTP API of Nudge, a personal assistant for people with ADHD."),
    paths(create_user, show_user, me, preferences, set_preferences, run_job),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "users", description = "Users, and who the caller is"))
)]
struct AdminDoc;

/// The whole API's OpenAPI document: every function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = AdminDoc::openapi();
    doc.merge(tasks::ApiDoc::openapi());
    doc.merge(reminders::ApiDoc::openapi());
    doc.merge(chat::ApiDoc::openapi());
    doc.merge(approvals::ApiDoc::openapi());
    doc.merge(oauth::ApiDoc::openapi());
    doc
}

/// Serves the document; built once per process.
async fn openapi_json() -> axum::Json<&'static utoipa::openapi::OpenApi> {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    axum::Json(DOC.get_or_init(openapi))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    name: PersonName,
    phone: PhoneNumber,
    timezone: TimeZone,
    email: Option<Email>,
    /// Everyone holds `user`; add `admin`, `observer` or `api`.
    #[serde(default)]
    roles: Vec<Role>,
}

/// Adds a user (admins only). A phone number belongs to one user.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = CreateUser, responses(
    (status = 201, body = Doc<User>), (status = 400, body = Failure), (status = 403, body = Failure),
    (status = 409, description = "the phone number is registered", body = Failure),
))]
async fn create_user(
    caller: AuthUser,
    State(s): State<ApiState>,
    Json(body): Json<CreateUser>,
) -> Result<Envelope<User>, ApiError> {
    uc::require_admin(&s.ports, caller.0).await?;
    let new = uc::NewUser {
        name: body.name,
        phone: body.phone,
        email: body.email,
        timezone: body.timezone,
        roles: body.roles,
    };
    Ok(Envelope::created(uc::create_user(&s.ports, new).await?, "User created"))
}

/// One user (admins only).
#[utoipa::path(get, path = "/api/users/{id}", tag = "users", params(("id" = UserId, Path)), responses(
    (status = 200, body = Doc<User>), (status = 403, body = Failure), (status = 404, body = Failure),
))]
async fn show_user(
    caller: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<User>, ApiError> {
    uc::require_admin(&s.ports, caller.0).await?;
    let id: UserId = id.parse().map_err(|_| ApiError::validation("id", "is not a valid user id"))?;
    Ok(Envelope::ok(uc::get_user(&s.ports, id).await?, "User found"))
}

/// Who the token speaks for.
#[utoipa::path(get, path = "/api/me", tag = "users", responses(
    (status = 200, body = Doc<User>), (status = 401, body = Failure),
))]
async fn me(caller: AuthUser, State(s): State<ApiState>) -> Result<Envelope<User>, ApiError> {
    Ok(Envelope::ok(uc::caller(&s.ports, caller.0).await?, "That's you"))
}

/// How the caller is reached. `webhook_secret` signs their webhooks (see the README).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PreferencesView {
    channel: Channel,
    quiet_hours: Option<QuietHours>,
    digest_at: Option<LocalTime>,
    sms_opted_out: bool,
    webhook_url: Option<WebhookUrl>,
    webhook_secret: Option<String>,
}

async fn view(s: &ApiState, user: User) -> Result<PreferencesView, ApiError> {
    let p = user.preferences;
    let webhook_secret = match &p.webhook_url {
        Some(_) => {
            let key = s.webhook_key.secret().await.map_err(nudge_domain::DomainError::from)?;
            let secret = nudge_domain::notify::webhook_secret(&key, user.id);
            Some(String::from_utf8_lossy(secret.expose()).into_owned())
        }
        None => None,
    };
    Ok(PreferencesView {
        channel: p.channel,
        quiet_hours: p.quiet_hours,
        digest_at: p.digest_at,
        sms_opted_out: p.sms_opted_out,
        webhook_url: p.webhook_url,
        webhook_secret,
    })
}

/// The caller's preferences.
#[utoipa::path(get, path = "/api/me/preferences", tag = "users", responses(
    (status = 200, body = Doc<PreferencesView>), (status = 401, body = Failure),
))]
async fn preferences(
    caller: AuthUser,
    State(s): State<ApiState>,
) -> Result<Envelope<PreferencesView>, ApiError> {
    let user = uc::caller(&s.ports, caller.0).await?;
    Ok(Envelope::ok(view(&s, user).await?, "Preferences"))
}

/// Changes the fields sent; `null` clears `quiet_hours`, `digest_at` or `webhook_url`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SetPreferences {
    channel: Option<Channel>,
    #[serde(default, deserialize_with = "nullable")]
    quiet_hours: Option<Option<QuietHours>>,
    /// When the morning digest is sent, `HH:MM` local.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    digest_at: Option<Option<LocalTime>>,
    sms_opted_out: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    webhook_url: Option<Option<WebhookUrl>>,
}

#[utoipa::path(put, path = "/api/me/preferences", tag = "users", request_body = SetPreferences, responses(
    (status = 200, body = Doc<PreferencesView>), (status = 400, body = Failure),
))]
async fn set_preferences(
    caller: AuthUser,
    State(s): State<ApiState>,
    Json(b): Json<SetPreferences>,
) -> Result<Envelope<PreferencesView>, ApiError> {
    if let Some(Some(q)) = &b.quiet_hours {
        QuietHours::new(q.start, q.end)?;
    }
    let changes = PreferenceChanges {
        channel: b.channel,
        quiet_hours: b.quiet_hours,
        digest_at: b.digest_at,
        sms_opted_out: b.sms_opted_out,
        webhook_url: b.webhook_url,
    };
    let user = uc::update_preferences(&s.ports, caller.0, changes).await?;
    Ok(Envelope::ok(view(&s, user).await?, "Preferences saved"))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RunJob {
    /// Run as of this time (RFC 3339); default now.
    #[schema(value_type = Option<String>)]
    time: Option<DateTime<FixedOffset>>,
}

/// What token-refresh did (the job's counts).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RefreshReport {
    /// Integrations whose tokens expire within 30 minutes.
    due: usize,
    refreshed: usize,
    /// Refused by the provider: marked, and the user told to reconnect.
    needs_reauth: usize,
    /// The provider failed or could not be reached: tried again next run.
    failed: usize,
    /// Held by another refresher, or refreshed meanwhile.
    skipped: usize,
}

impl From<Refreshed> for RefreshReport {
    fn from(r: Refreshed) -> Self {
        Self {
            due: r.due,
            refreshed: r.refreshed,
            needs_reauth: r.needs_reauth,
            failed: r.failed,
            skipped: r.skipped,
        }
    }
}

/// What a job run answers: the tick's report or token-refresh's counts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum JobReport {
    Tick(TickReport),
    TokenRefresh(RefreshReport),
}

/// Runs a scheduled job now (admins only): `reminder-tick` or `token-refresh`.
#[utoipa::path(post, path = "/api/admin/jobs/{job}/run", tag = "users",
    params(("job" = String, Path, description = "reminder-tick or token-refresh")),
    request_body(content = RunJob, description = "optional"), responses(
    (status = 200, body = Doc<JobReport>), (status = 403, body = Failure), (status = 404, description = "no such job", body = Failure),
))]
async fn run_job(
    caller: AuthUser,
    State(s): State<ApiState>,
    Path(job): Path<String>,
    body: axum::body::Bytes,
) -> Result<Envelope<JobReport>, ApiError> {
    uc::require_admin(&s.ports, caller.0).await?;
    let body: RunJob = if body.iter().all(u8::is_ascii_whitespace) {
        RunJob::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::validation("body", format!("not a valid job request: {e}")))?
    };
    let now = body.time.map(|t| t.to_utc()).unwrap_or_else(|| s.ports.clock.now());
    match job.as_str() {
        "reminder-tick" => Ok(Envelope::ok(JobReport::Tick(tick::run_tick(&s.ports, now).await?), "Job ran")),
        "token-refresh" => {
            let report = integrations::refresh_due(&s.ports, now).await?;
            Ok(Envelope::ok(JobReport::TokenRefresh(report.into()), "Job ran"))
        }
        _ => Err(nudge_domain::DomainError::NotFound("job").into()),
    }
}
