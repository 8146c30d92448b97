//! The `token-refresh` Lambda: wiring only.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    nudge_http::telemetry::init();
    let aws = nudge_aws::sdk_config().await;
    let ports = &nudge_aws::ports_from_env(&aws)?.with_connections(nudge_aws::connections_from_env(&aws)?);
    lambda_runtime::run(service_fn(move |e: LambdaEvent<EventBridgeEvent<serde_json::Value>>| async move {
        Ok::<_, lambda_runtime::Error>(token_refresh::handle(ports, e.payload).await?)
    }))
    .await
}
