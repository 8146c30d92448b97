//! The `notify` queue in moto: a fresh SQS queue per test, and a way to read what it holds.

use aws_config::SdkConfig;
use nudge_aws::SqsQueue;
use nudge_domain::NotifyMessage;

/// A new queue in moto, and the adapter the functions use over it.
pub async fn create_fresh(config: &SdkConfig) -> SqsQueue {
    let client = aws_sdk_sqs::Client::new(config);
    let url = create(&client).await;
    SqsQueue::new(client, url)
}

pub async fn create(client: &aws_sdk_sqs::Client) -> String {
    let name = format!("nudge-notify-{}", uuid::Uuid::new_v4().simple());
    let out = client.create_queue().queue_name(name).send().await.expect("create queue in moto");
    out.queue_url.expect("queue url")
}

/// Reads a test store's `notify` queue, whichever backend holds it.
pub enum QueueTap {
    Sqlite(nudge_sqlite::SqliteStore),
    Sqs(aws_sdk_sqs::Client, String),
}

impl QueueTap {
    /// Every message waiting now, taken off the queue.
    pub async fn take(&self) -> Vec<NotifyMessage> {
        match self {
            QueueTap::Sqs(client, url) => drain(client, url).await,
            QueueTap::Sqlite(store) => {
                let mut out = vec![];
                loop {
                    let got = store
                        .receive(chrono::Utc::now(), 10, chrono::Duration::minutes(5))
                        .await
                        .expect("receive");
                    if got.is_empty() {
                        return out;
                    }
                    for m in got {
                        store.ack(m.id).await.expect("ack");
                        out.push(m.message);
                    }
                }
            }
        }
    }
}

/// An SQS event as Lambda delivers it to the notifier, one record per message.
pub fn sqs_event(messages: &[NotifyMessage]) -> aws_lambda_events::sqs::SqsEvent {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            serde_json::json!({
                "messageId": uuid::Uuid::new_v4().to_string(),
                "receiptHandle": "handle",
                "body": serde_json::to_string(m).unwrap(),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:nudge-notify",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).expect("an SQS event")
}

/// Every message in the queue (received and deleted).
pub async fn drain(client: &aws_sdk_sqs::Client, url: &str) -> Vec<NotifyMessage> {
    let mut out = vec![];
    loop {
        let got = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive from moto");
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            return out;
        }
        for m in messages {
            out.push(serde_json::from_str(m.body().expect("body")).expect("a notify message"));
            client
                .delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().expect("handle"))
                .send()
                .await
                .expect("delete");
        }
    }
}
