//! axum's extractors with their rejections turned into the envelope.

use axum::extract::FromRequest;
use axum::extract::FromRequestParts;

use crate::ApiError;

/// A JSON body; any problem with it is a 4xx envelope.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// Path parameters; any problem with them is a 4xx envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// Query parameters; any problem with them is a 4xx envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);
