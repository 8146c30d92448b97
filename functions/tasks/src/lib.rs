//! The `tasks` function: seed 004's task routes. Handlers decode, call a domain use case, and
//! encode; every rule lives in `nudge_domain::tasks`.

mod dto;

use axum::{
    Router,
    routing::{get, patch},
};
use nudge_domain::{PageRequest, TaskId, tasks as uc};
use nudge_http::{
    ApiError, ApiState, AuthUser, Envelope, cursor,
    envelope::PageBody,
    extract::{Json, Path, Query},
};

use dto::{CreateTask, ListParams, SetStatus, UpdateTask};

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

async fn list(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Query(params): Query<ListParams>,
) -> Result<Envelope<PageBody<nudge_domain::Task>>, ApiError> {
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

async fn create(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Json(body): Json<CreateTask>,
) -> Result<Envelope<nudge_domain::Task>, ApiError> {
    let task = uc::create_task(&s.ports, user.0, body.into_new_task()?).await?;
    Ok(Envelope::created(task, "Task created"))
}

async fn show(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<nudge_domain::Task>, ApiError> {
    let task = uc::get_task(&s.ports, user.0, task_id(&id)?).await?;
    Ok(Envelope::ok(task, "Task found"))
}

async fn update(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Path(id): Path<String>,
    Json(body): Json<UpdateTask>,
) -> Result<Envelope<nudge_domain::Task>, ApiError> {
    let id = task_id(&id)?;
    let task = uc::update_task(&s.ports, user.0, id, &body.into_changes()?).await?;
    Ok(Envelope::ok(task, "Task updated"))
}

async fn set_status(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Path(id): Path<String>,
    Json(body): Json<SetStatus>,
) -> Result<Envelope<nudge_domain::Task>, ApiError> {
    let id = task_id(&id)?;
    let task = uc::set_task_status(&s.ports, user.0, id, body.status, body.version).await?;
    Ok(Envelope::ok(task, "Task status updated"))
}

async fn remove(
    user: AuthUser,
    axum::extract::State(s): axum::extract::State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<serde_json::Value>, ApiError> {
    let id = task_id(&id)?;
    uc::delete_task(&s.ports, user.0, id).await?;
    Ok(Envelope::ok(serde_json::json!({ "id": id, "deleted": true }), "Task deleted"))
}
