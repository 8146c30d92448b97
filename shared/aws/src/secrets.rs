use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use aws_sdk_secretsmanager::{Client, error::DisplayErrorContext};
use nudge_domain::{Secret, SecretSource, StoreError};
use tokio::sync::Mutex;

/// How long a fetched secret is used before it is fetched again: a rotated key, or a
/// placeholder replaced after deploying, reaches warm environments within this.
pub const MAX_AGE: Duration = Duration::from_secs(300);

/// A secret in AWS Secrets Manager, fetched on first use and kept for [`MAX_AGE`] (so a warm
/// invocation seldom costs a call). Should Secrets Manager fail when it is due again, the value
/// held is used until a fetch succeeds.
pub struct SecretsManagerSecret {
    client: Client,
    id: String,
    max_age: Duration,
    cached: Mutex<Option<(Secret, Instant)>>,
}

impl SecretsManagerSecret {
    pub fn new(client: Client, secret_id: impl Into<String>) -> Self {
        Self { client, id: secret_id.into(), max_age: MAX_AGE, cached: Mutex::new(None) }
    }

    /// The same, kept for `max_age` instead.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    async fn fetch(&self) -> Result<Secret, StoreError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.id)
            .send()
            .await
            .map_err(|e| StoreError::Backend(format!("secrets manager: {}", DisplayErrorContext(e))))?;
        match (out.secret_string(), out.secret_binary()) {
            (Some(s), _) if !s.is_empty() => Ok(Secret::new(s.as_bytes())),
            (_, Some(b)) if !b.as_ref().is_empty() => Ok(Secret::new(b.as_ref())),
            _ => Err(StoreError::Backend(format!("secret {} is empty", self.id))),
        }
    }
}

#[async_trait]
impl SecretSource for SecretsManagerSecret {
    async fn secret(&self) -> Result<Secret, StoreError> {
        // Held across the fetch: concurrent requests wait for one call instead of making many.
        let mut cached = self.cached.lock().await;
        if let Some((secret, at)) = cached.as_ref()
            && at.elapsed() < self.max_age
        {
            return Ok(secret.clone());
        }
        match (self.fetch().await, cached.as_ref()) {
            (Ok(fresh), _) => {
                *cached = Some((fresh.clone(), Instant::now()));
                Ok(fresh)
            }
            (Err(e), Some((held, _))) => {
                tracing::warn!(error = %e, "secret not refreshed; using the one held");
                Ok(held.clone())
            }
            (Err(e), None) => Err(e),
        }
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
