//! The `chat` Lambda: wiring only.

use std::sync::Arc;

use nudge_http::ApiState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    nudge_http::telemetry::init();
    let aws = nudge_aws::sdk_config().await;
    // Connections for the tools that use connected accounts.
    let ports = nudge_aws::ports_from_env(&aws)?.with_connections(nudge_aws::connections_from_env(&aws)?);
    let state = ApiState::new(ports, nudge_aws::jwt_secret_from_env(&aws)?);
    let agent = Arc::new(nudge_aws::agent_from_env(&aws));
    lambda_http::run(nudge_http::app("chat", chat::routes(agent, chat::turn_timeout_from_env()), state)).await
}
