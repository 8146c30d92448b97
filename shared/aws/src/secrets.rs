use async_trait::async_trait;
use aws_sdk_secretsmanager::{Client, error::DisplayErrorContext};
use nudge_domain::{Secret, SecretSource, StoreError};
use tokio::sync::OnceCell;

/// A secret in AWS Secrets Manager, fetched on first use and kept for the life of the
/// execution environment (so a warm invocation costs no call).
pub struct SecretsManagerSecret {
    client: Client,
    id: String,
    cached: OnceCell<Secret>,
}

impl SecretsManagerSecret {
    pub fn new(client: Client, secret_id: impl Into<String>) -> Self {
        Self { client, id: secret_id.into(), cached: OnceCell::new() }
    }
}

#[async_trait]
impl SecretSource for SecretsManagerSecret {
    async fn secret(&self) -> Result<Secret, StoreError> {
        self.cached
            .get_or_try_init(|| async {
                let out = self.client.get_secret_value().secret_id(&self.id).send().await.map_err(|e| {
                    StoreError::Backend(format!("secrets manager: {}", DisplayErrorContext(e)))
                })?;
                match (out.secret_string(), out.secret_binary()) {
                    (Some(s), _) if !s.is_empty() => Ok(Secret::new(s.as_bytes())),
                    (_, Some(b)) if !b.as_ref().is_empty() => Ok(Secret::new(b.as_ref())),
                    _ => Err(StoreError::Backend(format!("secret {} is empty", self.id))),
                }
            })
            .await
            .cloned()
    }
}
