//! The `approvals` function: seed 004's approval routes. An approval is something Nudge would
//! do beyond the user's own data, waiting for the owner's yes or no, once, before it expires.
//! Handlers decode, call `nudge_domain::approvals`, and encode; every rule lives there.

mod dto;

use axum::{Router, extract::State, routing::get};
use nudge_domain::{Actor, ApprovalId, Via, approvals as uc};
use nudge_http::{
    ApiError, ApiState, AuthUser, Envelope,
    envelope::PageBody,
    extract::{ClientIp, Json, Path, Query},
    openapi::{BearerAuth, Envelope as Doc, Failure},
    paging,
};

pub use dto::ApprovalView;
use dto::{CreateApproval, Decide, ListParams};

/// The routes' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, decide),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "approvals", description = "Actions beyond the user's own data, waiting for the user's yes: once, in time (15 minutes)"))
)]
pub struct ApiDoc;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/approvals", get(list).post(create))
        .route("/api/approvals/{id}", get(show).put(decide))
}

fn approval_id(raw: &str) -> Result<ApprovalId, ApiError> {
    raw.parse().map_err(|_| ApiError::validation("id", "is not a valid approval id"))
}

/// The caller's approvals, newest first: pending ones unless `status` says otherwise.
#[utoipa::path(get, path = "/api/approvals", tag = "approvals", params(ListParams), responses(
    (status = 200, body = Doc<PageBody<ApprovalView>>),
    (status = 400, description = "a bad status, limit or cursor", body = Failure),
    (status = 401, body = Failure),
))]
async fn list(
    user: AuthUser,
    State(s): State<ApiState>,
    Query(params): Query<ListParams>,
) -> Result<Envelope<PageBody<ApprovalView>>, ApiError> {
    let status = params.status()?;
    let page = params.page().request(&s, "approvals", &user).await?;
    let found = uc::list(&s.ports, user.0, status, &page).await?;
    Ok(Envelope::ok(
        paging::body(&s, "approvals", &user, found, ApprovalView::from).await?,
        "Approvals listed",
    ))
}

/// Asks the caller to approve an action (for an integration or the caller's own automation):
/// the caller is asked on their channel, and has 15 minutes to answer.
#[utoipa::path(post, path = "/api/approvals", tag = "approvals", request_body = CreateApproval, responses(
    (status = 201, body = Doc<ApprovalView>),
    (status = 400, body = Failure), (status = 401, body = Failure),
    (status = 404, description = "no such task", body = Failure),
))]
async fn create(
    user: AuthUser,
    State(s): State<ApiState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<CreateApproval>,
) -> Result<Envelope<ApprovalView>, ApiError> {
    let actor = Actor::user(user.0, Via::Api, ip);
    let a = uc::request(&s.ports, user.0, body.into_new(), &actor).await?;
    Ok(Envelope::created(a.into(), "Approval requested"))
}

/// One of the caller's approvals.
#[utoipa::path(get, path = "/api/approvals/{id}", tag = "approvals", params(("id" = ApprovalId, Path)), responses(
    (status = 200, body = Doc<ApprovalView>),
    (status = 404, description = "no such approval, or another user's", body = Failure),
))]
async fn show(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Envelope<ApprovalView>, ApiError> {
    let a = uc::get(&s.ports, user.0, approval_id(&id)?).await?;
    Ok(Envelope::ok(a.into(), "Approval found"))
}

/// Approves or denies, once: an approved action runs (once) right after.
#[utoipa::path(put, path = "/api/approvals/{id}", tag = "approvals", params(("id" = ApprovalId, Path)),
    request_body = Decide, responses(
    (status = 200, body = Doc<ApprovalView>),
    (status = 400, description = "a status other than approved or denied", body = Failure),
    (status = 404, description = "no such approval, or another user's", body = Failure),
    (status = 409, description = "decided already, or expired: nothing changed", body = Failure),
))]
async fn decide(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    Json(body): Json<Decide>,
) -> Result<Envelope<ApprovalView>, ApiError> {
    let id = approval_id(&id)?;
    let actor = Actor::user(user.0, Via::Api, ip);
    let a = uc::decide(&s.ports, user.0, id, body.into_decision(), &actor).await?;
    let message = if a.status == nudge_domain::ApprovalStatus::Denied {
        "Approval denied"
    } else {
        "Approval approved"
    };
    Ok(Envelope::ok(a.into(), message))
}
