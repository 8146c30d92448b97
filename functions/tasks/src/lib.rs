//! The `tasks` function: seed 004's task routes. Handlers decode, call a domain use case, and
//! encode; every rule lives in `nudge_domain::tasks`.

mod dto;

use axum::{
    Router,
    routing::{get, patch},
};
use nudge_domain::{PageRequest, Task, TaskId, tasks as uc};
use nudge_http::{
    ApiError, ApiState, AuthUser, Envelope, cursor,
    envelope::{Deleted, PageBody},
    extract::{Json, Path, Query},
    openapi::{BearerAuth, Failure},
};

use dto::{CreateTask, ListParams, SetStatus, UpdateTask};

/// The routes' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, set_status, remove),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "tasks", description = "A user's tasks (seed 004's schema)"))
)]
pub struct ApiDoc;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/tasks", get(list).post(create))
        .route("/api/tasks/{id}", get(show).put(update).delete(remove))
        .route("/api/tasks/{id}/status", patch(set_status))
}

fn task_id(raw: &str) -> Result<TaskId, ApiError> {
    raw.parse().map_err(|_| ApiError::validation("id", "is not a valid task id"))
}

fn cursor_scope(user: &AuthUser) -> String {
    format!("tasks:{}", user.0)
}

/// The caller's tasks, newest first, a page at a time.
#[utoipa::path(get, path = "/api/tasks", tag = "tasks", params(ListParams), responses(
    (status = 200, body = nudge_http::openapi::Envelope<PageBody<Task>>),
    (status = 400, description = "a bad filter, limit or cursor", body = Failure),
    (status = 401, body = Failure),
))]
async fn list(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Query(params): Query<ListParams>,
) -> Result<Envelope<PageBody<Task>>, ApiError> {
    let filter = params.filter()?;
    let keys = s.auth.keys().await?;
    let after = match &params.cursor {
        Some(c) => Some(task_id(&cursor::decode(keys.cursor_key(), &cursor_scope(&user), c)?)?),
        None => None,
    };
    let page = PageRequest { limit: params.limit()?, after };
    let found = uc::list_tasks(&s.ports, user.0, &filter, &page).await?;
    let next_cursor =
        found.next.map(|id| cursor::encode(keys.cursor_key(), &cursor_scope(&user), &id.to_string()));
    Ok(Envelope::ok(PageBody { items: found.items, next_cursor }, "Tasks listed"))
}

/// Creates a task; what is left out takes its default.
#[utoipa::path(post, path = "/api/tasks", tag = "tasks", request_body = CreateTask, responses(
    (status = 201, body = nudge_http::openapi::Envelope<Task>),
    (status = 400, body = Failure), (status = 401, body = Failure), (status = 413, body = Failure),
))]
async fn create(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Json(body): Json<CreateTask>,
) -> Result<Envelope<Task>, ApiError> {
    let task = uc::create_task(&s.ports, user.0, body.into_new_task()?).await?;
    Ok(Envelope::created(task, "Task created"))
}

/// One of the caller's tasks.
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "tasks", params(("id" = TaskId, Path)), responses(
    (status = 200, body = nudge_http::openapi::Envelope<Task>),
    (status = 404, description = "no such task, or another user's", body = Failure),
))]
async fn show(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<Task>, ApiError> {
    let task = uc::get_task(&s.ports, user.0, task_id(&id)?).await?;
    Ok(Envelope::ok(task, "Task found"))
}

/// Changes the fields sent; `null` clears an optional one. With `version`, a stale write is 409.
#[utoipa::path(put, path = "/api/tasks/{id}", tag = "tasks", params(("id" = TaskId, Path)),
    request_body = UpdateTask, responses(
    (status = 200, body = nudge_http::openapi::Envelope<Task>),
    (status = 400, body = Failure), (status = 404, body = Failure),
    (status = 409, description = "the task moved past the version sent", body = Failure),
))]
async fn update(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Path(id): Path<String>,
    Json(body): Json<UpdateTask>,
) -> Result<Envelope<Task>, ApiError> {
    let id = task_id(&id)?;
    let task = uc::update_task(&s.ports, user.0, id, &body.into_changes()?).await?;
    Ok(Envelope::ok(task, "Task updated"))
}

/// Moves a task to a status.
#[utoipa::path(patch, path = "/api/tasks/{id}/status", tag = "tasks", params(("id" = TaskId, Path)),
    request_body = SetStatus, responses(
    (status = 200, body = nudge_http::openapi::Envelope<Task>),
    (status = 400, body = Failure), (status = 404, body = Failure), (status = 409, body = Failure),
))]
async fn set_status(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Path(id): Path<String>,
    Json(body): Json<SetStatus>,
) -> Result<Envelope<Task>, ApiError> {
    let id = task_id(&id)?;
    let task = uc::set_task_status(&s.ports, user.0, id, body.status, body.version).await?;
    Ok(Envelope::ok(task, "Task status updated"))
}

/// Deletes a task.
#[utoipa::path(delete, path = "/api/tasks/{id}", tag = "tasks", params(("id" = TaskId, Path)), responses(
    (status = 200, body = nudge_http::openapi::Envelope<Deleted<TaskId>>),
    (status = 404, body = Failure),
))]
async fn remove(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<Deleted<TaskId>>, ApiError> {
    let id = task_id(&id)?;
    uc::delete_task(&s.ports, user.0, id).await?;
    Ok(Envelope::ok(Deleted::of(id), "Task deleted"))
}
