//! Reading an API key from its source at call time.

use std::sync::Arc;

use nudge_domain::{LlmError, SecretSource};

/// The key, trimmed (a value pasted into Secrets Manager often ends in a newline); `None` when
/// there is no source or the key is empty. A source that fails is a passing problem
/// (Secrets Manager unreachable), so the call is `Unavailable`, not `Rejected`.
pub(crate) async fn api_key(source: Option<&Arc<dyn SecretSource>>) -> Result<Option<String>, LlmError> {
    let Some(source) = source else { return Ok(None) };
    let secret =
        source.secret().await.map_err(|e| LlmError::Unavailable(format!("api key unavailable: {e}")))?;
    let key = String::from_utf8_lossy(secret.expose()).trim().to_owned();
    Ok((!key.is_empty()).then_some(key))
}
