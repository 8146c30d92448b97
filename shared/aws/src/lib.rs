//! AWS adapters for the domain's ports, and the one place a Lambda function chooses them.

pub mod dynamodb;
pub mod secrets;

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use nudge_domain::{Ports, SecretSource, SystemClock, UuidV7Ids};

pub use dynamodb::DynamoStore;
pub use secrets::SecretsManagerSecret;

/// What a function needs from its environment to run on AWS.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
}

/// The SDK configuration from the environment (region, credentials, and `AWS_ENDPOINT_URL`, which
/// points every client at a local server in tests). Builds clients only: no network call.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The ports of a function running on AWS: the DynamoDB table named by `TABLE_NAME`, the system
/// clock and UUIDv7 ids.
pub fn ports_from_env(config: &SdkConfig) -> Result<Ports, ConfigError> {
    let table = std::env::var("TABLE_NAME").map_err(|_| ConfigError::Missing("TABLE_NAME"))?;
    let store = Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(config), table));
    Ok(Ports { users: store.clone(), tasks: store, clock: Arc::new(SystemClock), ids: Arc::new(UuidV7Ids) })
}

/// The JWT signing secret: from Secrets Manager by `JWT_SECRET_ARN` (what the SAM template
/// wires), or `JWT_SECRET` itself for `cargo lambda watch` against a local server.
pub fn jwt_secret_from_env(config: &SdkConfig) -> Result<Arc<dyn SecretSource>, ConfigError> {
    if let Ok(arn) = std::env::var("JWT_SECRET_ARN") {
        let client = aws_sdk_secretsmanager::Client::new(config);
        return Ok(Arc::new(SecretsManagerSecret::new(client, arn)));
    }
    match std::env::var("JWT_SECRET") {
        Ok(s) if !s.is_empty() => Ok(Arc::new(nudge_domain::Secret::new(s.into_bytes()))),
        _ => Err(ConfigError::Missing("JWT_SECRET_ARN (or JWT_SECRET)")),
    }
}
