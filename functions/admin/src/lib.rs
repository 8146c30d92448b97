//! The `admin` function: users and the caller's own profile. Later issues add status, logs,
//! config and jobs here.

use axum::{
    Router,
    extract::State,
    routing::{get, post},
};
use nudge_domain::{Email, PersonName, PhoneNumber, Role, TimeZone, User, UserId, users as uc};
use nudge_http::openapi::{BearerAuth, Envelope as Doc, Failure};
use nudge_http::{
    ApiError, ApiState, AuthUser, Envelope,
    extract::{Json, Path},
};
use serde::Deserialize;
use utoipa::OpenApi;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/users", post(create_user))
        .route("/api/users/{id}", get(show_user))
        .route("/api/me", get(me))
        .route("/openapi.json", get(openapi_json))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Nudge API", description = "The HTTP API of Nudge, a personal assistant for people with ADHD."),
    paths(create_user, show_user, me),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "users", description = "Users, and who the caller is"))
)]
struct AdminDoc;

/// The whole API's OpenAPI document: every function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = AdminDoc::openapi();
    doc.merge(tasks::ApiDoc::openapi());
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
