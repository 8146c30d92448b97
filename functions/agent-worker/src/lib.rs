//! The `agent-worker` function: the `agent` queue's consumer. It runs the turns of inbound SMS
//! (the reply goes out through the `notify` queue), carries out approved actions once, and
//! learns from finished turns (memories, the rolling summary) off the response path. Each message is idempotent in the domain, so a
//! redelivery has one effect; failures are reported per message (ReportBatchItemFailures) and
//! end in the dead-letter queue after the queue's retries.

use std::collections::HashSet;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use futures_util::{StreamExt, stream};
use nudge_domain::{
    Agent, AgentMessage, Ports,
    approvals::Executed,
    sms::{SmsSettings, reply::Replied},
    work::{self, Worked},
};

/// Messages worked on at once: each may call a model, which is slow but light on the Lambda.
const CONCURRENCY: usize = 4;

pub async fn handle(ports: &Ports, agent: &Agent, sms: &SmsSettings, event: SqsEvent) -> SqsBatchResponse {
    let mut failures: Vec<String> = vec![];
    let mut seen = HashSet::new();
    let mut work = Vec::new();
    let mut duplicates = 0;
    for record in event.records {
        let id = record.message_id.unwrap_or_default();
        match serde_json::from_str::<AgentMessage>(record.body.as_deref().unwrap_or("")) {
            // A copy in the same batch: the first one's work covers it.
            Ok(m) if !seen.insert(m.clone()) => duplicates += 1,
            Ok(m) => work.push((id, m)),
            Err(e) => {
                tracing::error!(message_id = %id, error = %e, "not an agent message");
                failures.push(id);
            }
        }
    }
    let outcomes: Vec<(String, Result<Worked, nudge_domain::DomainError>)> = stream::iter(work)
        .map(|(id, m)| async move { (id, work::process(ports, agent, sms, &m).await) })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let (mut memories, mut summarized, mut replies, mut approvals, mut done) = (0, 0, 0, 0, 0);
    for (id, outcome) in outcomes {
        match outcome {
            // Another worker holds the turn: this copy comes back later and finds it done.
            Ok(w) if w.retry() => failures.push(id),
            Ok(w) => {
                done += 1;
                match w {
                    Worked::Learned(l) => {
                        memories += l.memories;
                        summarized += l.summarized as usize;
                    }
                    Worked::Sms(Replied::Replied) => replies += 1,
                    Worked::Sms(Replied::AlreadyDone | Replied::Gone) => duplicates += 1,
                    Worked::Sms(Replied::Busy) => {}
                    Worked::Approval(Executed::Executed | Executed::Failed) => approvals += 1,
                    Worked::Approval(Executed::AlreadyDone | Executed::Nothing) => duplicates += 1,
                }
            }
            Err(e) => {
                tracing::error!(message_id = %id, error = %e, "agent work failed");
                failures.push(id);
            }
        }
    }
    nudge_http::telemetry::emit_metrics(
        "agent-worker",
        &[
            ("Processed", done),
            ("SmsReplies", replies),
            ("ApprovalsExecuted", approvals),
            ("MemoriesLearned", memories),
            ("MessagesSummarized", summarized),
            ("Duplicates", duplicates),
            ("Retried", failures.len()),
        ],
    );
    nudge_aws::sqs::batch_response(failures)
}
