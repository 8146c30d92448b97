//! What the OpenAPI document says of what every route shares: the envelope, the error body, the
//! page, and bearer auth. Each function describes its own routes with `utoipa::path`.

use chrono::{DateTime, Utc};
use serde_json::Value;
use utoipa::{
    Modify, ToSchema,
    openapi::{
        OpenApi,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

/// A success: the data a route answers, in the envelope.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Envelope<T> {
    #[schema(example = true)]
    success: bool,
    data: T,
    message: String,
    timestamp: DateTime<Utc>,
    request_id: String,
}

/// A failure: 4xx for the client's mistakes, 5xx only for ours.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Failure {
    #[schema(example = false)]
    success: bool,
    error: ErrorFields,
    timestamp: DateTime<Utc>,
    request_id: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorFields {
    /// UPPER_SNAKE: VALIDATION_ERROR, INVALID_JSON, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT,
    /// PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, METHOD_NOT_ALLOWED, INTERNAL_ERROR.
    #[schema(example = "VALIDATION_ERROR")]
    code: String,
    message: String,
    #[schema(value_type = Object)]
    details: Value,
}

/// Adds the bearer-JWT scheme that every `/api` route requires.
pub struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT (HS256; sub = user id; iss, aud and exp checked)")
                    .build(),
            ),
        );
    }
}
