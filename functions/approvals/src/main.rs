//! The `approvals` Lambda: wiring only.

use nudge_http::ApiState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    nudge_http::telemetry::init();
    let aws = nudge_aws::sdk_config().await;
    let state = ApiState::new(nudge_aws::ports_from_env(&aws)?, nudge_aws::jwt_secret_from_env(&aws)?);
    lambda_http::run(nudge_http::app("approvals", approvals::routes(), state)).await
}
