//! The `notify` and `agent` queues in moto: fresh SQS queues per test, and a way to read what
//! they hold.

use aws_config::SdkConfig;
use nudge_aws::SqsQueues;
use nudge_domain::{AgentMessage, NotifyMessage};
use nudge_sqlite::QueueName;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// New queues in moto, and the adapter the functions use over them.
pub async fn create_fresh(config: &SdkConfig) -> SqsQueues {
    let client = aws_sdk_sqs::Client::new(config);
    let (notify, agent) = (create(&client).await, create_named(&client, "agent").await);
    SqsQueues::new(client, Some(notify), Some(agent))
}

/// A new `notify` queue in moto.
pub async fn create(client: &aws_sdk_sqs::Client) -> String {
    create_named(client, "notify").await
}

/// A new queue in moto, named after what it carries; answers its URL.
pub async fn create_named(client: &aws_sdk_sqs::Client, kind: &str) -> String {
    let name = format!("nudge-{kind}-{}", uuid::Uuid::new_v4().simple());
    let out = client.create_queue().queue_name(name).send().await.expect("create queue in moto");
    out.queue_url.expect("queue url")
}

/// Reads a test store's `notify` and `agent` queues, whichever backend holds them.
pub enum QueueTap {
    Sqlite(nudge_sqlite::SqliteStore),
    Sqs { client: aws_sdk_sqs::Client, notify: String, agent: String },
}

impl QueueTap {
    /// The tap on the queues an [`SqsQueues`] writes to (both must be configured).
    pub fn of_sqs(queues: &SqsQueues) -> Self {
        QueueTap::Sqs {
            client: queues.client.clone(),
            notify: queues.notify_url.clone().expect("a notify queue"),
            agent: queues.agent_url.clone().expect("an agent queue"),
        }
    }

    /// Every `notify` message waiting now, taken off the queue.
    pub async fn take(&self) -> Vec<NotifyMessage> {
        match self {
            QueueTap::Sqs { client, notify, .. } => drain(client, notify).await,
            QueueTap::Sqlite(store) => take_local(store, QueueName::Notify).await,
        }
    }

    /// Every `agent` message waiting now, taken off the queue.
    pub async fn agent_messages(&self) -> Vec<AgentMessage> {
        match self {
            QueueTap::Sqs { client, agent, .. } => drain_as(client, agent).await,
            QueueTap::Sqlite(store) => take_local(store, QueueName::Agent).await,
        }
    }
}

/// Every message of a local queue waiting now (received and acked).
async fn take_local<M>(store: &nudge_sqlite::SqliteStore, queue: QueueName) -> Vec<M>
where
    M: DeserializeOwned + Send + 'static,
{
    let mut out = vec![];
    loop {
        let got = store
            .receive::<M>(queue, chrono::Utc::now(), 10, chrono::Duration::minutes(5))
            .await
            .expect("receive");
        if got.is_empty() {
            return out;
        }
        for m in got {
            store.ack(queue, m.id).await.expect("ack");
            out.push(m.message);
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

/// Every message in the `notify` queue (received and deleted).
pub async fn drain(client: &aws_sdk_sqs::Client, url: &str) -> Vec<NotifyMessage> {
    drain_as(client, url).await
}

/// Every message in a queue (received and deleted), each body decoded as JSON.
pub async fn drain_as<T: DeserializeOwned>(client: &aws_sdk_sqs::Client, url: &str) -> Vec<T> {
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
            out.push(serde_json::from_str(m.body().expect("body")).expect("a message of the queue's kind"));
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

/// An SQS event as Lambda delivers it to the agent worker: one record per body, ids `m-0`, ….
pub fn agent_event(bodies: &[String]) -> aws_lambda_events::sqs::SqsEvent {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({
                "messageId": format!("m-{i}"),
                "receiptHandle": "handle",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:nudge-agent",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("an SQS event")
}
