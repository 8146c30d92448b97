//! Construction from the environment (DESIGN.md, "Outbound services"). The only place this
//! crate reads it.
//!
//! Callers decide where keys come from (the environment locally, Secrets Manager in AWS) and
//! pass a key source; when they pass none, `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` are used.
//! Bedrock lives in the AWS crate: callers add it to the router's models themselves.

use std::{sync::Arc, time::Duration};

use nudge_domain::{Secret, SecretSource};

use crate::{Anthropic, OpenAiCompatible, OpenAiEmbedder, RouterPolicy, anthropic, openai};

pub const DEFAULT_OPENAI_MODEL: &str = "gpt-4o-mini";
pub const DEFAULT_ANTHROPIC_MODEL: &str = "claude-sonnet-4-5";

/// The provider names `LLM_PROVIDERS` may list.
pub const KNOWN_PROVIDERS: [&str; 3] = ["openai", "anthropic", "bedrock"];

/// The providers to try, in order: `LLM_PROVIDERS` (comma-separated, case-insensitive; unknown
/// names are dropped with a warning, repeats ignored), or when it is unset the configured ones,
/// openai first: `openai` when `OPENAI_BASE_URL` or `OPENAI_API_KEY` is set, `anthropic` when
/// `ANTHROPIC_API_KEY` is. Bedrock and keys kept outside the environment are only used when
/// `LLM_PROVIDERS` lists them.
pub fn provider_names_from_env() -> Vec<String> {
    provider_names(&process_env)
}

/// The OpenAI-compatible model, when configured: `OPENAI_BASE_URL` or `OPENAI_API_KEY` is set
/// or `key` is given. `key` wins over `OPENAI_API_KEY`.
pub fn openai_from_env(
    http: reqwest::Client,
    key: Option<Arc<dyn SecretSource>>,
) -> Option<OpenAiCompatible> {
    openai(&process_env, http, key)
}

/// The Anthropic model, when there is a key: `key`, else `ANTHROPIC_API_KEY`.
pub fn anthropic_from_env(http: reqwest::Client, key: Option<Arc<dyn SecretSource>>) -> Option<Anthropic> {
    anthropic(&process_env, http, key)
}

/// The embedder, when `OPENAI_EMBEDDING_MODEL` is set; it uses `OPENAI_BASE_URL` and the
/// OpenAI key (`key`, else `OPENAI_API_KEY`).
pub fn embedder_from_env(
    http: reqwest::Client,
    key: Option<Arc<dyn SecretSource>>,
) -> Option<OpenAiEmbedder> {
    embedder(&process_env, http, key)
}

/// The default policy, with `LLM_CALL_TIMEOUT_SECS` (a positive number of seconds) as the
/// per-call timeout when set; an unusable value is ignored with a warning.
pub fn router_policy_from_env() -> RouterPolicy {
    router_policy(&process_env)
}

/// A variable's value, trimmed; unset and empty are the same.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn process_env(name: &str) -> Option<String> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn provider_names(env: Lookup<'_>) -> Vec<String> {
    let Some(list) = env("LLM_PROVIDERS") else {
        let mut names = vec![];
        if env("OPENAI_BASE_URL").is_some() || env("OPENAI_API_KEY").is_some() {
            names.push("openai".to_owned());
        }
        if env("ANTHROPIC_API_KEY").is_some() {
            names.push("anthropic".to_owned());
        }
        return names;
    };
    let mut names: Vec<String> = vec![];
    for name in list.split(',').map(|n| n.trim().to_ascii_lowercase()).filter(|n| !n.is_empty()) {
        if !KNOWN_PROVIDERS.contains(&name.as_str()) {
            tracing::warn!(provider = name, "LLM_PROVIDERS names an unknown provider; ignored");
        } else if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The key given, else the one in the environment variable.
fn key_or_env(
    env: Lookup<'_>,
    key: Option<Arc<dyn SecretSource>>,
    var: &str,
) -> Option<Arc<dyn SecretSource>> {
    key.or_else(|| env(var).map(|k| Arc::new(Secret::new(k)) as Arc<dyn SecretSource>))
}

fn openai(
    env: Lookup<'_>,
    http: reqwest::Client,
    key: Option<Arc<dyn SecretSource>>,
) -> Option<OpenAiCompatible> {
    let key = key_or_env(env, key, "OPENAI_API_KEY");
    let base_url = env("OPENAI_BASE_URL");
    if base_url.is_none() && key.is_none() {
        return None;
    }
    let base_url = base_url.unwrap_or_else(|| openai::DEFAULT_BASE_URL.to_owned());
    let model = env("OPENAI_MODEL").unwrap_or_else(|| DEFAULT_OPENAI_MODEL.to_owned());
    Some(OpenAiCompatible::new(http, base_url, model, key))
}

fn anthropic(
    env: Lookup<'_>,
    http: reqwest::Client,
    key: Option<Arc<dyn SecretSource>>,
) -> Option<Anthropic> {
    let key = key_or_env(env, key, "ANTHROPIC_API_KEY")?;
    let base_url = env("ANTHROPIC_BASE_URL").unwrap_or_else(|| anthropic::DEFAULT_BASE_URL.to_owned());
    let model = env("ANTHROPIC_MODEL").unwrap_or_else(|| DEFAULT_ANTHROPIC_MODEL.to_owned());
    Some(Anthropic::new(http, base_url, model, key))
}

fn embedder(
    env: Lookup<'_>,
    http: reqwest::Client,
    key: Option<Arc<dyn SecretSource>>,
) -> Option<OpenAiEmbedder> {
    let model = env("OPENAI_EMBEDDING_MODEL")?;
    let base_url = env("OPENAI_BASE_URL").unwrap_or_else(|| openai::DEFAULT_BASE_URL.to_owned());
    Some(OpenAiEmbedder::new(http, base_url, model, key_or_env(env, key, "OPENAI_API_KEY")))
}

fn router_policy(env: Lookup<'_>) -> RouterPolicy {
    let mut policy = RouterPolicy::default();
    if let Some(raw) = env("LLM_CALL_TIMEOUT_SECS") {
        match raw
            .parse::<f64>()
            .ok()
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .filter(|d| !d.is_zero())
        {
            Some(timeout) => policy.call_timeout = timeout,
            None => tracing::warn!(
                value = raw,
                "LLM_CALL_TIMEOUT_SECS is not a positive number of seconds; ignored"
            ),
        }
    }
    policy
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use nudge_domain::LanguageModel;

    use super::*;

    /// An environment holding exactly `vars`, as `process_env` would read it.
    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn http() -> reqwest::Client {
        reqwest::Client::new()
    }

    fn source(key: &str) -> Option<Arc<dyn SecretSource>> {
        Some(Arc::new(Secret::new(key)))
    }

    #[test]
    fn providers_default_to_the_configured_ones_openai_first() {
        assert!(provider_names(&env(&[])).is_empty());
        assert_eq!(
            provider_names(&env(&[("ANTHROPIC_API_KEY", "a"), ("OPENAI_API_KEY", "o")])),
            ["openai", "anthropic"]
        );
        assert_eq!(provider_names(&env(&[("OPENAI_BASE_URL", "http://localhost:11434/v1")])), ["openai"]);
        assert_eq!(provider_names(&env(&[("ANTHROPIC_API_KEY", "a")])), ["anthropic"]);
    }

    #[test]
    fn providers_follow_the_list_in_order_without_unknowns_or_repeats() {
        let e = env(&[
            ("LLM_PROVIDERS", " Anthropic, bedrock,,gemini, openai ,anthropic"),
            ("OPENAI_API_KEY", "o"),
        ]);
        assert_eq!(provider_names(&e), ["anthropic", "bedrock", "openai"]);
    }

    #[test]
    fn openai_is_configured_by_a_base_url_a_key_or_a_key_source() {
        assert!(openai(&env(&[("OPENAI_MODEL", "x")]), http(), None).is_none());

        let local = openai(&env(&[("OPENAI_BASE_URL", "http://localhost:11434/v1/")]), http(), None).unwrap();
        assert_eq!(local.base_url(), "http://localhost:11434/v1");
        assert_eq!(local.model(), DEFAULT_OPENAI_MODEL);
        assert_eq!(local.name(), "openai");

        let keyed =
            openai(&env(&[("OPENAI_API_KEY", "sk"), ("OPENAI_MODEL", "gpt-4.1")]), http(), None).unwrap();
        assert_eq!(keyed.base_url(), openai::DEFAULT_BASE_URL);
        assert_eq!(keyed.model(), "gpt-4.1");

        assert!(openai(&env(&[]), http(), source("sk")).is_some());
    }

    #[test]
    fn anthropic_needs_a_key() {
        assert!(anthropic(&env(&[("ANTHROPIC_BASE_URL", "http://x")]), http(), None).is_none());

        let from_env = anthropic(&env(&[("ANTHROPIC_API_KEY", "k")]), http(), None).unwrap();
        assert_eq!(from_env.base_url(), anthropic::DEFAULT_BASE_URL);
        assert_eq!(from_env.model(), DEFAULT_ANTHROPIC_MODEL);

        let given = anthropic(
            &env(&[("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/"), ("ANTHROPIC_MODEL", "claude-haiku-4-5")]),
            http(),
            source("k"),
        )
        .unwrap();
        assert_eq!(given.base_url(), "http://127.0.0.1:9");
        assert_eq!(given.model(), "claude-haiku-4-5");
    }

    #[test]
    fn embeddings_need_a_model_and_use_the_openai_base() {
        assert!(embedder(&env(&[("OPENAI_API_KEY", "sk")]), http(), None).is_none());
        let e = embedder(
            &env(&[("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small"), ("OPENAI_BASE_URL", "http://h/v1")]),
            http(),
            None,
        )
        .unwrap();
        assert_eq!(e.base_url(), "http://h/v1");
        assert_eq!(e.model(), "text-embedding-3-small");
    }

    #[test]
    fn the_call_timeout_comes_from_the_environment_when_usable() {
        assert_eq!(router_policy(&env(&[])), RouterPolicy::default());
        assert_eq!(
            router_policy(&env(&[("LLM_CALL_TIMEOUT_SECS", "45")])).call_timeout,
            Duration::from_secs(45)
        );
        assert_eq!(
            router_policy(&env(&[("LLM_CALL_TIMEOUT_SECS", "2.5")])).call_timeout,
            Duration::from_millis(2500)
        );
        for bad in ["0", "-1", "soon", "NaN"] {
            assert_eq!(
                router_policy(&env(&[("LLM_CALL_TIMEOUT_SECS", bad)])),
                RouterPolicy::default(),
                "{bad}"
            );
        }
    }
}
