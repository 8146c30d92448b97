use thiserror::Error;

/// A value that could not be made: which field, and why, in words a client can show.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// What a store can answer besides success. `Conflict` is a failed condition (a stale version,
/// a taken phone number); `Backend` is the store itself failing, never the caller's fault.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("store backend: {0}")]
    Backend(String),
}

/// Every way a use case can fail. Mapped to HTTP (and to Lambda errors) once, in the HTTP kit.
#[derive(Debug, Error)]
pub enum DomainError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// A limit the user reached (the daily token budget): try again later.
    #[error("{0}")]
    RateLimited(String),
    /// A provider we depend on (the language model) did not answer: not the caller's fault.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => DomainError::Conflict(m),
            StoreError::NotFound => DomainError::NotFound("item"),
            StoreError::Backend(m) => DomainError::Internal(m),
        }
    }
}
