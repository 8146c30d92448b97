//! The request context: an id for every request (API Gateway's own in Lambda, a fresh UUID
//! elsewhere), echoed in `x-request-id` and in the envelope, and a log span that carries it.

use std::time::Instant;

use axum::{
    extract::Request,
    http::{HeaderValue, header::HeaderName},
    middleware::Next,
    response::Response,
};
use lambda_http::request::RequestContext;
use tracing::Instrument;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served (a fresh one outside any request).
pub fn request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

fn id_of(req: &Request) -> String {
    let from_gateway = match req.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        _ => None,
    };
    from_gateway.unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

pub async fn request_context(function: &'static str, req: Request, next: Next) -> Response {
    let id = id_of(&req);
    let span = tracing::info_span!(
        "request",
        function,
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
        user_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let mut response = REQUEST_ID.scope(id.clone(), next.run(req).instrument(span.clone())).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1e3,
            "served"
        )
    });
    response
}
