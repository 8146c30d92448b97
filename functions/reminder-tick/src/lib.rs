//! The `reminder-tick` function: an EventBridge schedule, every minute. "Now" is the event's
//! scheduled `time`, not the clock: a late or retried invocation fires what was due then, and
//! a duplicate fires nothing twice.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use nudge_domain::{
    DomainError, Ports,
    tick::{self, TickReport},
};

/// Runs the tick and emits its counts as EMF metrics.
pub async fn handle(
    ports: &Ports,
    event: EventBridgeEvent<serde_json::Value>,
) -> Result<TickReport, DomainError> {
    // A scheduled event always carries its time; anything else runs as of the clock.
    let now = event.time.unwrap_or_else(|| ports.clock.now());
    let report = tick::run_tick(ports, now).await?;
    nudge_http::telemetry::emit_metrics(
        "reminder-tick",
        &[
            ("ItemsRead", report.items_read),
            ("Fired", report.fired),
            ("Deferred", report.deferred),
            ("LostRaces", report.lost_races),
            ("Redispatched", report.redispatched),
            ("Failed", report.failed),
        ],
    );
    Ok(report)
}
