//! The `notify` queue on SQS.

use async_trait::async_trait;
use aws_sdk_sqs::{Client, error::DisplayErrorContext};
use nudge_domain::{NotifyMessage, NotifyQueue, StoreError};

pub struct SqsQueue {
    client: Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self { client, url: url.into() }
    }
}

#[async_trait]
impl NotifyQueue for SqsQueue {
    async fn enqueue(&self, m: &NotifyMessage) -> Result<(), StoreError> {
        let body = serde_json::to_string(m).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| StoreError::Backend(format!("sqs: {}", DisplayErrorContext(e))))?;
        Ok(())
    }
}

/// A function with no queue configured (`NOTIFY_QUEUE_URL` unset): enqueueing is an error
/// that says so, rather than a silent drop.
pub struct NoQueue;

#[async_trait]
impl NotifyQueue for NoQueue {
    async fn enqueue(&self, _: &NotifyMessage) -> Result<(), StoreError> {
        Err(StoreError::Backend("NOTIFY_QUEUE_URL is not set".into()))
    }
}
