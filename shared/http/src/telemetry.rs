//! JSON logs through `tracing`, one line an event, with the request's span fields (function,
//! request id, user id). Messages and secrets are never fields: log what happened, not what
//! was said.

use tracing_subscriber::{EnvFilter, fmt};

/// Installs the JSON subscriber; `RUST_LOG` filters (default `info`). Safe to call twice.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}
