//! The response envelope of seed 004, which every JSON response wears.

use std::borrow::Cow;

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use crate::context::request_id;

/// `{"success":true,"data":…,"message":…,"timestamp":…,"request_id":…}` with a status.
pub struct Envelope<T> {
    status: StatusCode,
    data: T,
    message: Cow<'static, str>,
}

impl<T: Serialize> Envelope<T> {
    pub fn ok(data: T, message: impl Into<Cow<'static, str>>) -> Self {
        Self { status: StatusCode::OK, data, message: message.into() }
    }
    pub fn created(data: T, message: impl Into<Cow<'static, str>>) -> Self {
        Self { status: StatusCode::CREATED, data, message: message.into() }
    }
}

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Serialize)]
struct Body<'a, T> {
    success: bool,
    data: &'a T,
    message: &'a str,
    timestamp: String,
    request_id: String,
}

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        let body = Body {
            success: true,
            data: &self.data,
            message: &self.message,
            timestamp: now(),
            request_id: request_id(),
        };
        (self.status, Json(body)).into_response()
    }
}

/// A list page as clients see it: `{"items":[…],"next_cursor":"…"|null}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PageBody<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// What a deletion answers: `{"id": …, "deleted": true}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Deleted<Id> {
    pub id: Id,
    pub deleted: bool,
}

impl<Id> Deleted<Id> {
    pub fn of(id: Id) -> Self {
        Self { id, deleted: true }
    }
}
