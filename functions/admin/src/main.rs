//! The `admin` Lambda: wiring only.

use nudge_http::ApiState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    nudge_http::telemetry::init();
    let aws = nudge_aws::sdk_config().await;
    // Connections for the token-refresh job it can run.
    let ports = nudge_aws::ports_from_env(&aws)?.with_connections(nudge_aws::connections_from_env(&aws)?);
    let state = ApiState::new(ports, nudge_aws::jwt_secret_from_env(&aws)?);
    lambda_http::run(nudge_http::app("admin", admin::routes(), state)).await
}
