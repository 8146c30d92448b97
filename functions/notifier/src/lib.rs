//! The `notifier` function: delivers each notification of an SQS batch, once, and reports the
//! messages to retry (ReportBatchItemFailures) so one failure does not redeliver the batch.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use nudge_domain::{
    NotifyMessage, Ports, Senders,
    notify::{self, Delivery},
};

/// Handles a batch. In order: a message repeated inside one batch then finds its first copy
/// done. A body that is not a notify message fails, so that it ends in the dead-letter queue
/// where someone can look at it. The batch's counts go out as EMF metrics.
pub async fn handle(ports: &Ports, senders: &Senders, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = vec![];
    let (mut sent, mut skipped, mut failed, mut duplicates) = (0, 0, 0, 0);
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let message: Result<NotifyMessage, _> = serde_json::from_str(record.body.as_deref().unwrap_or(""));
        let retry = match message {
            Err(e) => {
                tracing::error!(message_id = %id, error = %e, "not a notify message");
                true
            }
            Ok(m) => match notify::deliver(ports, senders, &m).await {
                Ok(Delivery::Retry) => true,
                Ok(d) => {
                    match d {
                        Delivery::Sent => sent += 1,
                        Delivery::Skipped => skipped += 1,
                        Delivery::Failed => failed += 1,
                        Delivery::AlreadyDone | Delivery::Retry => duplicates += 1,
                    }
                    false
                }
                Err(e) => {
                    tracing::error!(message_id = %id, notification = %m.notification_id, error = %e, "delivery failed");
                    true
                }
            },
        };
        if retry {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failures.push(failure);
        }
    }
    nudge_http::telemetry::emit_metrics(
        "notifier",
        &[
            ("Sent", sent),
            ("Skipped", skipped),
            ("Failed", failed),
            ("Duplicates", duplicates),
            ("Retried", failures.len()),
        ],
    );
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
