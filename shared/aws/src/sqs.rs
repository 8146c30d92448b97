//! The `notify` and `agent` queues on SQS.

use async_trait::async_trait;
use aws_sdk_sqs::{Client, error::DisplayErrorContext};
use nudge_domain::{AgentMessage, AgentQueue, NotifyMessage, NotifyQueue, StoreError};
use serde::Serialize;

/// Both queues of a function, each a JSON message per SQS message. A queue whose URL is not
/// configured fails each enqueue saying so, rather than dropping the message.
#[derive(Clone)]
pub struct SqsQueues {
    pub client: Client,
    /// `NOTIFY_QUEUE_URL`.
    pub notify_url: Option<String>,
    /// `AGENT_QUEUE_URL`.
    pub agent_url: Option<String>,
}

impl SqsQueues {
    pub fn new(client: Client, notify_url: Option<String>, agent_url: Option<String>) -> Self {
        Self { client, notify_url, agent_url }
    }

    async fn send(
        &self,
        url: Option<&str>,
        missing: &str,
        message: &impl Serialize,
    ) -> Result<(), StoreError> {
        let url = url.ok_or_else(|| StoreError::Backend(format!("{missing} is not set")))?;
        let body = serde_json::to_string(message).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.client
            .send_message()
            .queue_url(url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| StoreError::Backend(format!("sqs: {}", DisplayErrorContext(e))))?;
        Ok(())
    }
}

#[async_trait]
impl NotifyQueue for SqsQueues {
    async fn enqueue(&self, m: &NotifyMessage) -> Result<(), StoreError> {
        self.send(self.notify_url.as_deref(), "NOTIFY_QUEUE_URL", m).await
    }
}

#[async_trait]
impl AgentQueue for SqsQueues {
    async fn enqueue_agent(&self, m: &AgentMessage) -> Result<(), StoreError> {
        self.send(self.agent_url.as_deref(), "AGENT_QUEUE_URL", m).await
    }
}

/// The answer of an SQS-triggered function with `ReportBatchItemFailures`: the messages to
/// deliver again, by id; the rest of the batch is deleted.
pub fn batch_response(failed: impl IntoIterator<Item = String>) -> aws_lambda_events::sqs::SqsBatchResponse {
    let mut response = aws_lambda_events::sqs::SqsBatchResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|id| {
            let mut failure = aws_lambda_events::sqs::BatchItemFailure::default();
            failure.item_identifier = id;
            failure
        })
        .collect();
    response
}
