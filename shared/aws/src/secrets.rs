use std::sync::Arc;

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

/// One field of a JSON secret (`{"auth_token": "…"}`), as Secrets Manager holds provider keys.
pub struct JsonField {
    inner: Arc<dyn SecretSource>,
    field: &'static str,
}

impl JsonField {
    pub fn new(inner: Arc<dyn SecretSource>, field: &'static str) -> Self {
        Self { inner, field }
    }
}

#[async_trait]
impl SecretSource for JsonField {
    async fn secret(&self) -> Result<Secret, StoreError> {
        let whole = self.inner.secret().await?;
        let doc: serde_json::Value = serde_json::from_slice(whole.expose()).map_err(|_| {
            StoreError::Backend(format!("secret is not JSON with a \"{}\" field", self.field))
        })?;
        match doc.get(self.field).and_then(|v| v.as_str()) {
            Some(v) if !v.is_empty() => Ok(Secret::new(v.as_bytes())),
            _ => Err(StoreError::Backend(format!("secret has no \"{}\" field", self.field))),
        }
    }
}
