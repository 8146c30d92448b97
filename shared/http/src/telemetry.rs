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
    // A panic's message can quote the data it choked on (a slice of someone's message): log
    // where it happened, never what it says.
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(location = %at, "panic");
    }));
}

/// One CloudWatch Embedded Metric Format line: counts under the `Nudge` namespace, with the
/// function as the one dimension. Lambda sends stdout to CloudWatch Logs, which turns the line
/// into metrics (no API call, no extra latency).
pub fn emf_line(function: &str, at_ms: i64, counts: &[(&str, usize)]) -> String {
    emf_line_timed(function, at_ms, counts, &[])
}

/// The same, with durations in milliseconds (CloudWatch gives their average, percentiles, …).
pub fn emf_line_timed(
    function: &str,
    at_ms: i64,
    counts: &[(&str, usize)],
    millis: &[(&str, f64)],
) -> String {
    let metrics: Vec<serde_json::Value> = counts
        .iter()
        .map(|(name, _)| serde_json::json!({"Name": name, "Unit": "Count"}))
        .chain(millis.iter().map(|(name, _)| serde_json::json!({"Name": name, "Unit": "Milliseconds"})))
        .collect();
    let mut line = serde_json::json!({
        "_aws": {
            "Timestamp": at_ms,
            "CloudWatchMetrics": [{"Namespace": "Nudge", "Dimensions": [["Function"]], "Metrics": metrics}]
        },
        "Function": function,
    });
    for (name, value) in counts {
        line[*name] = serde_json::json!(value);
    }
    for (name, value) in millis {
        line[*name] = serde_json::json!(value);
    }
    line.to_string()
}

/// Prints an EMF line for `function` now.
pub fn emit_metrics(function: &str, counts: &[(&str, usize)]) {
    emit_timed(function, counts, &[]);
}

/// Prints an EMF line with counts and durations for `function` now.
pub fn emit_timed(function: &str, counts: &[(&str, usize)], millis: &[(&str, f64)]) {
    println!("{}", emf_line_timed(function, chrono::Utc::now().timestamp_millis(), counts, millis));
}

#[cfg(test)]
mod tests {
    #[test]
    fn emf_lines_declare_what_they_carry() {
        let line: serde_json::Value = serde_json::from_str(&super::emf_line(
            "notifier",
            1_795_420_800_000,
            &[("Sent", 3), ("Failed", 0)],
        ))
        .unwrap();
        assert_eq!(line["_aws"]["Timestamp"], 1_795_420_800_000_i64);
        let declared = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(declared["Namespace"], "Nudge");
        assert_eq!(declared["Dimensions"], serde_json::json!([["Function"]]));
        assert_eq!(declared["Metrics"][0], serde_json::json!({"Name": "Sent", "Unit": "Count"}));
        assert_eq!(
            (line["Function"].as_str(), line["Sent"].as_u64(), line["Failed"].as_u64()),
            (Some("notifier"), Some(3), Some(0))
        );
    }

    #[test]
    fn durations_are_declared_in_milliseconds() {
        let line: serde_json::Value = serde_json::from_str(&super::emf_line_timed(
            "sms-inbound",
            1_795_420_800_000,
            &[("MessagesProcessed", 1)],
            &[("ProcessingTime", 12.5)],
        ))
        .unwrap();
        let declared = &line["_aws"]["CloudWatchMetrics"][0]["Metrics"];
        assert_eq!(declared[1], serde_json::json!({"Name": "ProcessingTime", "Unit": "Milliseconds"}));
        assert_eq!(line["ProcessingTime"].as_f64(), Some(12.5));
    }
}
