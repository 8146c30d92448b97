//! The language-model providers that are reached over HTTP: adapters for the domain's
//! `LanguageModel` and `Embedder` ports, and a [`Router`] that falls back between models.
//!
//! - [`OpenAiCompatible`]: Chat Completions with tools, as OpenAI, Ollama, vLLM, OpenRouter and
//!   others speak it.
//! - [`Anthropic`]: Anthropic's Messages API.
//! - [`OpenAiEmbedder`]: the OpenAI-compatible embeddings endpoint.
//! - [`Router`]: tries models in order, retrying one that is throttled or unavailable with
//!   backoff, and bounds every call with a timeout. Bedrock lives in the AWS crate; the router
//!   takes any `LanguageModel`.
//!
//! Every adapter sorts failures the same way: 429 is `RateLimited` (with `Retry-After`), 408,
//! 5xx and network failures are `Unavailable`, a client timeout is `Timeout`, any other refusal
//! is `Rejected` with the provider's own message. Keys come from a `SecretSource`, read at each
//! call (the source caches), never logged and redacted from provider messages; message contents
//! are never logged either (DESIGN.md, Conventions).
//!
//! # Environment ([`config`])
//!
//! | Variable | Meaning |
//! |---|---|
//! | `OPENAI_BASE_URL` | OpenAI-compatible API base, default `https://api.openai.com/v1` |
//! | `OPENAI_API_KEY` | its key, when the caller gives no key source (optional: Ollama needs none) |
//! | `OPENAI_MODEL` | default `gpt-4o-mini` |
//! | `OPENAI_EMBEDDING_MODEL` | enables embeddings (same base URL and key as above) |
//! | `ANTHROPIC_BASE_URL` | default `https://api.anthropic.com` |
//! | `ANTHROPIC_API_KEY` | its key, when the caller gives no key source |
//! | `ANTHROPIC_MODEL` | default `claude-sonnet-4-5` |
//! | `LLM_PROVIDERS` | ordered fallback list of `openai`, `anthropic`, `bedrock`; default: those configured, openai first |
//! | `LLM_CALL_TIMEOUT_SECS` | the router's bound on one call, default 20 |

pub mod agent;
pub mod anthropic;
pub mod config;
pub mod embeddings;
mod exchange;
mod key;
pub mod openai;
pub mod router;

use std::time::Duration;

pub use agent::{Keys, agent_config_from_env, agent_from_env};
pub use anthropic::Anthropic;
pub use config::{
    anthropic_from_env, embedder_from_env, openai_from_env, provider_names_from_env, router_policy_from_env,
};
pub use embeddings::OpenAiEmbedder;
pub use openai::OpenAiCompatible;
pub use router::{Router, RouterPolicy};

/// The client's own bound on one request. The router's per-call timeout (20 s by default) is the
/// one that normally fires; this only stops an adapter used without the router from hanging.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long connecting may take: a provider that cannot be reached should be skipped quickly.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The client the adapters share, built once per process: rustls (no OpenSSL) and no
/// redirects, because a redirect would carry `x-api-key` (which reqwest, unlike
/// `Authorization`, does not strip) to wherever it points.
///
/// # Panics
///
/// If the TLS backend cannot start, which with rustls and bundled roots means a broken build.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("nudge-llm")
        .build()
        .expect("the rustls HTTP client builds")
}
