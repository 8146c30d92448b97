//! The `token-refresh` function: an EventBridge schedule, every 15 minutes. "Now" is the event's
//! scheduled `time`, so a late or retried run refreshes what was due then; a token refreshed
//! meanwhile (by a tool, or a duplicate run) is skipped under its lease.

use std::time::Instant;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use nudge_domain::{
    DomainError, Ports,
    integrations::{self, Refreshed},
};

/// Refreshes the tokens that expire soon and emits the counts as EMF metrics.
pub async fn handle(
    ports: &Ports,
    event: EventBridgeEvent<serde_json::Value>,
) -> Result<Refreshed, DomainError> {
    let started = Instant::now();
    // A scheduled event always carries its time; anything else runs as of the clock.
    let now = event.time.unwrap_or_else(|| ports.clock.now());
    let report = integrations::refresh_due(ports, now).await?;
    tracing::info!(
        due = report.due,
        refreshed = report.refreshed,
        needs_reauth = report.needs_reauth,
        failed = report.failed,
        skipped = report.skipped,
        "token refresh ran"
    );
    nudge_http::telemetry::emit_timed(
        "token-refresh",
        &[
            ("Due", report.due),
            ("Refreshed", report.refreshed),
            ("NeedsReauth", report.needs_reauth),
            ("Failed", report.failed),
            ("Skipped", report.skipped),
        ],
        &[("ProcessingTime", started.elapsed().as_secs_f64() * 1e3)],
    );
    Ok(report)
}
