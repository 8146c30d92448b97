//! Errors as clients see them, mapped once: every failure is an envelope with a status and an
//! UPPER_SNAKE code. A client's mistake is a 4xx; only a fault of ours is a 5xx, and its
//! detail goes to the log, not to the client.

use std::borrow::Cow;

use axum::{
    Json,
    extract::rejection::{JsonRejection, PathRejection, QueryRejection},
    http::{Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use nudge_domain::{DomainError, ValidationError};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{context::request_id, envelope::now};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Cow<'static, str>,
    pub details: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self { status, code, message: message.into(), details: json!({}) }
    }
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
    pub fn validation(field: &str, message: impl Into<Cow<'static, str>>) -> Self {
        let message = message.into();
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", format!("{field}: {message}"))
            .with_details(json!({ "field": field, "reason": message }))
    }
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        // The detail is ours to read in the log; the client learns only that it was not its fault.
        tracing::error!(error = %detail, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "something went wrong on our side")
    }
}

/// The answer to a handler that panicked: the envelope of an internal error. What the panic
/// said stays out of the log (the panic hook logged where it happened): it can quote the
/// request's data.
pub fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a handler panicked").into_response()
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::validation(&e.field, e.message)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(v) => v.into(),
            DomainError::NotFound(what) => {
                Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", format!("{what} not found"))
            }
            DomainError::Conflict(m) => Self::new(StatusCode::CONFLICT, "CONFLICT", m),
            DomainError::Unauthorized(m) => Self::unauthorized(m),
            DomainError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", m),
            DomainError::RateLimited(m) => Self::new(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", m),
            DomainError::Unavailable(m) => {
                tracing::warn!(error = %m, "dependency unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "MODEL_UNAVAILABLE",
                    "the assistant cannot answer right now; try again in a minute",
                )
            }
            DomainError::Internal(m) => Self::internal(m),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => data_error(&e.body_text()),
            JsonRejection::JsonSyntaxError(e) => {
                Self::new(StatusCode::BAD_REQUEST, "INVALID_JSON", "the body is not valid JSON")
                    .with_details(json!({ "reason": e.body_text() }))
            }
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the body as JSON with Content-Type: application/json",
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("the body is larger than {} KiB", crate::MAX_BODY_BYTES / 1024),
            ),
            other => Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", other.body_text()),
        }
    }
}

/// serde's message without axum's preamble (`priority: unknown variant ...`), and the field it
/// names, when it names one, in the details.
fn data_error(text: &str) -> ApiError {
    let message = text
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(text)
        .to_owned();
    let field = message
        .split_once(": ")
        .map(|(path, _)| path)
        .filter(|p| !p.contains(' ') && *p != ".")
        .map(str::to_owned);
    let details = match field {
        Some(f) => json!({ "field": f }),
        None => json!({}),
    };
    ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message).with_details(details)
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        let text = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text).to_owned();
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", text)
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    success: bool,
    error: ErrorFields<'a>,
    timestamp: String,
    request_id: String,
}

#[derive(Serialize)]
struct ErrorFields<'a> {
    code: &'a str,
    message: &'a str,
    details: &'a Value,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            success: false,
            error: ErrorFields { code: self.code, message: &self.message, details: &self.details },
            timestamp: now(),
            request_id: request_id(),
        };
        (self.status, Json(body)).into_response()
    }
}

pub(crate) async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", format!("no route for {method} {}", uri.path()))
}

pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{method} is not allowed on {}", uri.path()),
    )
}
