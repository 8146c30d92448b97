//! The `reminders` function: reminder CRUD, snooze and acknowledge, and the caller's
//! notifications. Handlers decode, call `nudge_domain::reminders`, and encode.

mod dto;

use axum::{
    Router,
    extract::State,
    routing::{get, post},
};
use nudge_domain::{ReminderId, notify, reminders as uc};
use nudge_http::{
    ApiError, ApiState, AuthUser, Envelope,
    envelope::{Deleted, PageBody},
    extract::{Json, Path, Query},
    openapi::{BearerAuth, Envelope as Doc, Failure},
    paging::{self, PageParams},
};

use dto::{CreateReminder, Snooze, UpdateReminder};
pub use dto::{NotificationView, ReminderView};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, remove, snooze, ack, notifications),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "reminders", description = "Reminders that fire once, on time, in the user's time zone, and nag until done"),
        (name = "notifications", description = "Every message sent to the user, and each attempt"),
    )
)]
pub struct ApiDoc;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/reminders", get(list).post(create))
        .route("/api/reminders/{id}", get(show).put(update).delete(remove))
        .route("/api/reminders/{id}/snooze", post(snooze))
        .route("/api/reminders/{id}/ack", post(ack))
        .route("/api/notifications", get(notifications))
}

fn reminder_id(raw: &str) -> Result<ReminderId, ApiError> {
    raw.parse().map_err(|_| ApiError::validation("id", "is not a valid reminder id"))
}

/// The caller's reminders, newest first.
#[utoipa::path(get, path = "/api/reminders", tag = "reminders", params(PageParams), responses(
    (status = 200, body = Doc<PageBody<ReminderView>>), (status = 400, body = Failure), (status = 401, body = Failure),
))]
async fn list(
    user: AuthUser,
    State(s): State<ApiState>,
    Query(params): Query<PageParams>,
) -> Result<Envelope<PageBody<ReminderView>>, ApiError> {
    let page = params.request(&s, "reminders", &user).await?;
    let found = uc::list_reminders(&s.ports, user.0, &page).await?;
    Ok(Envelope::ok(
        paging::body(&s, "reminders", &user, found, ReminderView::from).await?,
        "Reminders listed",
    ))
}

/// Creates a reminder: one time, or a recurrence starting at `due_at`.
#[utoipa::path(post, path = "/api/reminders", tag = "reminders", request_body = CreateReminder, responses(
    (status = 201, body = Doc<ReminderView>), (status = 400, body = Failure), (status = 404, description = "no such task", body = Failure),
))]
async fn create(
    user: AuthUser,
    State(s): State<ApiState>,
    Json(body): Json<CreateReminder>,
) -> Result<Envelope<ReminderView>, ApiError> {
    let r = uc::create_reminder(&s.ports, user.0, body.into_new()).await?;
    Ok(Envelope::created(r.into(), "Reminder created"))
}

/// One of the caller's reminders.
#[utoipa::path(get, path = "/api/reminders/{id}", tag = "reminders", params(("id" = ReminderId, Path)), responses(
    (status = 200, body = Doc<ReminderView>), (status = 404, body = Failure),
))]
async fn show(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<ReminderView>, ApiError> {
    let r = uc::get_reminder(&s.ports, user.0, reminder_id(&id)?).await?;
    Ok(Envelope::ok(r.into(), "Reminder found"))
}

/// Changes the fields sent; a new time, zone or rule schedules it afresh.
#[utoipa::path(put, path = "/api/reminders/{id}", tag = "reminders", params(("id" = ReminderId, Path)),
    request_body = UpdateReminder, responses(
    (status = 200, body = Doc<ReminderView>), (status = 400, body = Failure), (status = 404, body = Failure),
    (status = 409, body = Failure),
))]
async fn update(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
    Json(body): Json<UpdateReminder>,
) -> Result<Envelope<ReminderView>, ApiError> {
    let r = uc::update_reminder(&s.ports, user.0, reminder_id(&id)?, &body.into_changes()).await?;
    Ok(Envelope::ok(r.into(), "Reminder updated"))
}

/// Deletes a reminder; nothing more fires.
#[utoipa::path(delete, path = "/api/reminders/{id}", tag = "reminders", params(("id" = ReminderId, Path)), responses(
    (status = 200, body = Doc<Deleted<ReminderId>>), (status = 404, body = Failure),
))]
async fn remove(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<Deleted<ReminderId>>, ApiError> {
    let id = reminder_id(&id)?;
    uc::delete_reminder(&s.ports, user.0, id).await?;
    Ok(Envelope::ok(Deleted::of(id), "Reminder deleted"))
}

/// Fire again later: `{"minutes": 10}` or `{"until": "…"}`.
#[utoipa::path(post, path = "/api/reminders/{id}/snooze", tag = "reminders", params(("id" = ReminderId, Path)),
    request_body = Snooze, responses(
    (status = 200, body = Doc<ReminderView>), (status = 400, body = Failure), (status = 404, body = Failure),
))]
async fn snooze(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
    Json(body): Json<Snooze>,
) -> Result<Envelope<ReminderView>, ApiError> {
    let until = body.until(s.ports.clock.now())?;
    let r = uc::snooze(&s.ports, user.0, reminder_id(&id)?, until).await?;
    Ok(Envelope::ok(r.into(), "Reminder snoozed"))
}

/// Done: stop nagging, wait for the next time if it recurs, complete its task.
#[utoipa::path(post, path = "/api/reminders/{id}/ack", tag = "reminders", params(("id" = ReminderId, Path)), responses(
    (status = 200, body = Doc<ReminderView>), (status = 404, body = Failure),
))]
async fn ack(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<ReminderView>, ApiError> {
    let r = uc::acknowledge(&s.ports, user.0, reminder_id(&id)?).await?;
    Ok(Envelope::ok(r.into(), "Reminder acknowledged"))
}

/// The caller's notifications, newest first, each with its delivery attempts.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", params(PageParams), responses(
    (status = 200, body = Doc<PageBody<NotificationView>>), (status = 400, body = Failure),
))]
async fn notifications(
    user: AuthUser,
    State(s): State<ApiState>,
    Query(params): Query<PageParams>,
) -> Result<Envelope<PageBody<NotificationView>>, ApiError> {
    let page = params.request(&s, "notifications", &user).await?;
    let found = notify::list_notifications(&s.ports, user.0, &page).await?;
    Ok(Envelope::ok(
        paging::body(&s, "notifications", &user, found, NotificationView::from).await?,
        "Notifications listed",
    ))
}
