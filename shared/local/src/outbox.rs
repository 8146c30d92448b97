//! `GET /api/admin/outbox`: what the local stack "sent" without a provider (admins only).

use axum::{Router, extract::State, routing::get};
use nudge_http::{ApiError, ApiState, AuthUser, Envelope};
use nudge_sqlite::{OutboxEntry, SqliteStore};

pub fn routes(store: SqliteStore) -> Router<ApiState> {
    Router::new().route(
        "/api/admin/outbox",
        get(move |caller: AuthUser, State(s): State<ApiState>| async move {
            nudge_domain::users::require_admin(&s.ports, caller.0).await?;
            let items = store.outbox(100).await.map_err(nudge_domain::DomainError::from)?;
            Ok::<Envelope<Vec<OutboxEntry>>, ApiError>(Envelope::ok(items, "Outbox, newest first"))
        }),
    )
}
