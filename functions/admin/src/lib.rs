//! The `admin` function: users and the caller's own profile. Later issues add status, logs,
//! config and jobs here.

use axum::{
    Router,
    extract::State,
    routing::{get, post},
};
use nudge_domain::{Email, PersonName, PhoneNumber, Role, TimeZone, User, UserId, users as uc};
use nudge_http::{
    ApiError, ApiState, AuthUser, Envelope,
    extract::{Json, Path},
};
use serde::Deserialize;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/users", post(create_user))
        .route("/api/users/{id}", get(show_user))
        .route("/api/me", get(me))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    name: PersonName,
    phone: PhoneNumber,
    timezone: TimeZone,
    email: Option<Email>,
    #[serde(default)]
    roles: Vec<Role>,
}

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

async fn show_user(
    caller: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<User>, ApiError> {
    uc::require_admin(&s.ports, caller.0).await?;
    let id: UserId = id.parse().map_err(|_| ApiError::validation("id", "is not a valid user id"))?;
    Ok(Envelope::ok(uc::get_user(&s.ports, id).await?, "User found"))
}

async fn me(caller: AuthUser, State(s): State<ApiState>) -> Result<Envelope<User>, ApiError> {
    Ok(Envelope::ok(uc::caller(&s.ports, caller.0).await?, "That's you"))
}
