//! The agent a function thinks with, assembled once per process from the environment: the
//! configured providers in `LLM_PROVIDERS` order behind a [`Router`], or the offline brain when
//! none is configured; an embedder when `OPENAI_EMBEDDING_MODEL` is set; and the turn limits.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `DAILY_TOKEN_BUDGET` | tokens a user may spend per UTC day, default 200000; 0 means no limit |
//! | `CONVERSATION_IDLE_MINUTES` | a pause this long starts a new conversation, default 30 |
//! | `CONVERSATION_WINDOW` | recent messages the model sees verbatim, default 50 (at most 100) |

use std::sync::Arc;

use nudge_domain::{Agent, AgentConfig, LanguageModel, SecretSource};
use tracing::{info, warn};

use crate::{
    Router, anthropic_from_env, embedder_from_env, http_client, openai_from_env, provider_names_from_env,
    router_policy_from_env,
};

/// Where the providers' keys come from: Secrets Manager in AWS; `None` reads `*_API_KEY`.
#[derive(Default, Clone)]
pub struct Keys {
    pub openai: Option<Arc<dyn SecretSource>>,
    pub anthropic: Option<Arc<dyn SecretSource>>,
}

/// The agent of this process. `bedrock` is the Bedrock model when the caller has one (it lives
/// in the AWS crate); it is used only where `LLM_PROVIDERS` names it.
pub fn agent_from_env(keys: Keys, bedrock: Option<Arc<dyn LanguageModel>>) -> Agent {
    let http = http_client();
    let mut models: Vec<Arc<dyn LanguageModel>> = Vec::new();
    for name in provider_names_from_env() {
        let model: Option<Arc<dyn LanguageModel>> = match name.as_str() {
            "openai" => openai_from_env(http.clone(), keys.openai.clone()).map(|m| Arc::new(m) as _),
            "anthropic" => anthropic_from_env(http.clone(), keys.anthropic.clone()).map(|m| Arc::new(m) as _),
            "bedrock" => bedrock.clone(),
            _ => None,
        };
        match model {
            Some(m) => models.push(m),
            None => warn!(provider = %name, "LLM_PROVIDERS names a provider that is not configured; skipped"),
        }
    }
    let model: Arc<dyn LanguageModel> = if models.is_empty() {
        info!("no language model configured: the offline brain answers");
        Arc::new(nudge_brain::OfflineBrain)
    } else {
        Arc::new(Router::new(models, router_policy_from_env()))
    };
    let embedder = embedder_from_env(http, keys.openai).map(|e| Arc::new(e) as _);
    Agent { model, embedder, config: agent_config_from_env() }
}

/// The turn limits, from the environment (see the module docs); a value that is not a number
/// keeps the default, with a warning.
pub fn agent_config_from_env() -> AgentConfig {
    let mut config = AgentConfig::default();
    let number = |name: &str| -> Option<u64> {
        let raw = std::env::var(name).ok().filter(|v| !v.trim().is_empty())?;
        raw.trim().parse().map_err(|_| warn!(variable = name, "not a whole number; default kept")).ok()
    };
    if let Some(budget) = number("DAILY_TOKEN_BUDGET") {
        config.daily_token_budget = (budget > 0).then_some(budget);
    }
    if let Some(minutes) = number("CONVERSATION_IDLE_MINUTES").filter(|m| *m > 0) {
        config.policy.idle_after = chrono::Duration::minutes(minutes.min(7 * 24 * 60) as i64);
    }
    if let Some(window) = number("CONVERSATION_WINDOW").filter(|w| *w > 0) {
        config.policy.window = window.min(100) as usize;
    }
    config
}
