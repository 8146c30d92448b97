//! The `agent-worker` Lambda: wiring only.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    nudge_http::telemetry::init();
    let aws = nudge_aws::sdk_config().await;
    // Connections for the tools and approved actions that use connected accounts.
    let ports = nudge_aws::ports_from_env(&aws)?.with_connections(nudge_aws::connections_from_env(&aws)?);
    let agent = nudge_aws::agent_from_env(&aws);
    let sms = sms_inbound::settings_from_env()?;
    let (ports, agent, sms) = (&ports, &agent, &sms);
    lambda_runtime::run(service_fn(move |e: LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(agent_worker::handle(ports, agent, sms, e.payload).await)
    }))
    .await
}
