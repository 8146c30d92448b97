//! Fallback between language models: the first that answers wins.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use nudge_domain::{LanguageModel, LlmError, LlmRequest, LlmResponse};

/// How hard the router tries each model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouterPolicy {
    /// Tries per model when it is throttled or unavailable (at least one is made).
    pub attempts: u32,
    /// The wait before the second try; it doubles for each one after.
    pub base_backoff: Duration,
    /// The longest wait between tries, a provider's `retry_after` included: a turn has a
    /// user waiting, so a long wait is better spent on the next provider.
    pub max_backoff: Duration,
    /// The bound on one call; a call that takes longer is a `Timeout`.
    pub call_timeout: Duration,
}

impl Default for RouterPolicy {
    fn default() -> Self {
        Self {
            attempts: 2,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            call_timeout: Duration::from_secs(20),
        }
    }
}

impl RouterPolicy {
    /// The wait after failed try number `attempt` (0 for the first): what the provider asked
    /// for if it said, else exponential from `base_backoff`; never more than `max_backoff`.
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponential = self.base_backoff.saturating_mul(2u32.saturating_pow(attempt));
        retry_after.unwrap_or(exponential).min(self.max_backoff)
    }
}

/// A `LanguageModel` that asks its models in order. Each is retried with backoff while it is
/// throttled or unavailable, up to `attempts` tries; any failure (a timeout or a refusal too: a
/// bad key at one provider says nothing of the next) moves on to the next model. When none
/// answers, the error is `Exhausted`, naming each model and the kind of its last failure (not
/// the provider's words, which can quote the request).
pub struct Router {
    models: Vec<Arc<dyn LanguageModel>>,
    policy: RouterPolicy,
}

impl Router {
    pub fn new(models: Vec<Arc<dyn LanguageModel>>, policy: RouterPolicy) -> Self {
        Self { models, policy }
    }

    /// The models' names, in the order they are tried.
    pub fn model_names(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.name()).collect()
    }

    pub fn policy(&self) -> &RouterPolicy {
        &self.policy
    }

    /// One call, bounded by the policy's timeout.
    async fn call(&self, model: &dyn LanguageModel, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        tokio::time::timeout(self.policy.call_timeout, model.complete(request))
            .await
            .unwrap_or(Err(LlmError::Timeout))
    }

    /// Tries one model until it answers, fails for good, or runs out of tries. Answers the
    /// last error and how many tries were made.
    async fn try_model(
        &self,
        model: &dyn LanguageModel,
        request: &LlmRequest,
    ) -> Result<LlmResponse, (LlmError, u32)> {
        let attempts = self.policy.attempts.max(1);
        let mut attempt = 0;
        loop {
            let err = match self.call(model, request).await {
                Ok(response) => return Ok(response),
                Err(err) => err,
            };
            attempt += 1;
            let retry_after = match &err {
                LlmError::RateLimited { retry_after } => *retry_after,
                LlmError::Unavailable(_) => None,
                _ => return Err((err, attempt)),
            };
            if attempt >= attempts {
                return Err((err, attempt));
            }
            let wait = self.policy.backoff(attempt - 1, retry_after);
            tracing::info!(
                provider = model.name(),
                error = kind(&err),
                attempt,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "language model retry"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

#[async_trait]
impl LanguageModel for Router {
    fn name(&self) -> &str {
        "router"
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let mut failures = Vec::with_capacity(self.models.len());
        for model in &self.models {
            match self.try_model(model.as_ref(), request).await {
                Ok(response) => return Ok(response),
                Err((err, attempts)) => {
                    // The kind only: a provider's message can quote the request.
                    tracing::warn!(
                        provider = model.name(),
                        error = kind(&err),
                        attempts,
                        "language model failed, falling back"
                    );
                    let tries = if attempts > 1 { format!(" ({attempts} tries)") } else { String::new() };
                    // Kinds only here too: this text is logged where the turn fails.
                    failures.push(format!("{}{tries}: {}", model.name(), kind(&err)));
                }
            }
        }
        if failures.is_empty() {
            return Err(LlmError::Exhausted("no language model configured".into()));
        }
        Err(LlmError::Exhausted(failures.join("; ")))
    }
}

/// A name for the error's kind, for logs.
fn kind(err: &LlmError) -> &'static str {
    match err {
        LlmError::RateLimited { .. } => "rate_limited",
        LlmError::Timeout => "timeout",
        LlmError::Unavailable(_) => "unavailable",
        LlmError::Rejected(_) => "rejected",
        LlmError::Exhausted(_) => "exhausted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_honours_retry_after_and_is_capped() {
        let policy = RouterPolicy::default();
        assert_eq!(policy.backoff(0, None), Duration::from_millis(200));
        assert_eq!(policy.backoff(1, None), Duration::from_millis(400));
        assert_eq!(policy.backoff(3, None), Duration::from_millis(1600));
        assert_eq!(policy.backoff(4, None), Duration::from_secs(2));
        assert_eq!(policy.backoff(40, None), Duration::from_secs(2));
        assert_eq!(policy.backoff(0, Some(Duration::from_millis(1200))), Duration::from_millis(1200));
        assert_eq!(policy.backoff(0, Some(Duration::from_secs(60))), Duration::from_secs(2));
        assert_eq!(policy.backoff(3, Some(Duration::ZERO)), Duration::ZERO);
    }
}
