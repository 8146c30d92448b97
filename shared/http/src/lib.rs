//! The HTTP kit every API function shares: the seed 004 envelope, typed errors mapped once to
//! status codes, request ids, JWT auth, signed cursors, and JSON logs. A function contributes
//! its routes; [`app`] wraps them the same way in Lambda and in the local stack.

pub mod auth;
pub mod context;
pub mod cursor;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod paging;
pub mod serde_ext;
pub mod telemetry;

use std::sync::Arc;

use axum::{Router, extract::DefaultBodyLimit, middleware};
use nudge_domain::{Ports, SecretSource};

pub use auth::{AuthConfig, AuthUser, Authenticator};
pub use envelope::Envelope;
pub use error::ApiError;

/// Request bodies above this answer 413: nothing Nudge takes is near it, and it keeps a
/// DynamoDB item (400 KB) out of reach.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler can reach: the ports and the authenticator.
#[derive(Clone)]
pub struct ApiState {
    pub ports: Ports,
    pub auth: Arc<Authenticator>,
    /// The deployment's key, from which each user's webhook signing secret derives.
    pub webhook_key: Arc<dyn SecretSource>,
}

impl ApiState {
    /// The state of an API function: its ports, and tokens checked against `secret` with the
    /// issuer and audience from the environment.
    pub fn new(ports: Ports, secret: Arc<dyn SecretSource>) -> Self {
        let auth = Arc::new(Authenticator::new(secret.clone(), AuthConfig::from_env()));
        Self { ports, auth, webhook_key: secret }
    }
}

/// Wraps a function's routes with what every API shares: the envelope for unknown routes and
/// methods, the body limit, and the request context (request id, log span) around it all.
pub fn app(function: &'static str, routes: Router<ApiState>, state: ApiState) -> Router {
    routes
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A bug that panics still answers an envelope (500, its detail in the log), inside the
        // request's context so the envelope carries its request id.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panicked))
        .layer(middleware::from_fn(move |req, next| context::request_context(function, req, next)))
        .with_state(state)
}
