//! The `notifier` function: delivers each notification of an SQS batch, once, and reports the
//! messages to retry (ReportBatchItemFailures) so one failure does not redeliver the batch.

use std::collections::HashMap;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use futures_util::{StreamExt, stream};
use nudge_domain::{
    NotifyMessage, Ports, Senders,
    notify::{self, Delivery},
};

/// Deliveries at once: a slow provider for one user must not eat the batch's time budget.
const CONCURRENCY: usize = 10;

/// Handles a batch: each distinct notification once, all of them at the same time; copies of
/// a message in the same batch share its outcome. A body that is not a notify message fails,
/// so that it ends in the dead-letter queue where someone can look at it. The batch's counts go
/// out as EMF metrics.
pub async fn handle(ports: &Ports, senders: &Senders, event: SqsEvent) -> SqsBatchResponse {
    let mut failures: Vec<String> = vec![];
    let mut copies: HashMap<NotifyMessage, Vec<String>> = HashMap::new();
    for record in event.records {
        let id = record.message_id.unwrap_or_default();
        match serde_json::from_str::<NotifyMessage>(record.body.as_deref().unwrap_or("")) {
            Ok(m) => copies.entry(m).or_default().push(id),
            Err(e) => {
                tracing::error!(message_id = %id, error = %e, "not a notify message");
                failures.push(id);
            }
        }
    }
    let outcomes: Vec<(Vec<String>, Option<Delivery>)> = stream::iter(copies)
        .map(|(m, ids)| async move {
            match notify::deliver(ports, senders, &m).await {
                Ok(d) => (ids, Some(d)),
                Err(e) => {
                    tracing::error!(notification = %m.notification_id, error = %e, "delivery failed");
                    (ids, None)
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let (mut sent, mut skipped, mut failed, mut duplicates) = (0, 0, 0, 0);
    for (ids, outcome) in outcomes {
        match outcome {
            None | Some(Delivery::Retry) => {
                failures.extend(ids);
                continue;
            }
            Some(Delivery::Sent) => sent += 1,
            Some(Delivery::Skipped) => skipped += 1,
            Some(Delivery::Failed) => failed += 1,
            Some(Delivery::AlreadyDone) => duplicates += 1,
        }
        duplicates += ids.len() - 1;
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
    nudge_aws::sqs::batch_response(failures)
}
