//! The `notifier` Lambda: wiring only.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    nudge_http::telemetry::init();
    let aws = nudge_aws::sdk_config().await;
    let ports = nudge_aws::ports_from_env(&aws)?;
    let senders = nudge_aws::senders_from_env(&aws, nudge_aws::jwt_secret_from_env(&aws)?);
    let (ports, senders) = (&ports, &senders);
    lambda_runtime::run(service_fn(move |e: LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(notifier::handle(ports, senders, e.payload).await)
    }))
    .await
}
