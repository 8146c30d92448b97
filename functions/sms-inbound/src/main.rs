//! The `sms-inbound` Lambda: wiring only.

use std::sync::Arc;

use nudge_http::ApiState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    nudge_http::telemetry::init();
    let aws = nudge_aws::sdk_config().await;
    let state = ApiState::new(nudge_aws::ports_from_env(&aws)?, nudge_aws::jwt_secret_from_env(&aws)?);
    let webhook = Arc::new(sms_inbound::Webhook {
        auth_token: nudge_aws::twilio_auth_token_from_env(&aws)?,
        public_base_url: std::env::var("PUBLIC_BASE_URL").ok().filter(|u| !u.trim().is_empty()),
        settings: sms_inbound::settings_from_env()?,
    });
    lambda_http::run(nudge_http::app("sms-inbound", sms_inbound::function_routes(webhook), state)).await
}
