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
