//! The language-model port: one request and response shape that every provider adapter
//! (OpenAI-compatible, Anthropic Messages, Bedrock Converse, the offline brain) translates to
//! and from its own wire format.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A tool as the model is told of it: a name, what it does, and a JSON Schema (draft 2020-12,
/// `"type": "object"`) for its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: Value,
}

/// A tool call the model proposed. `id` is the provider's, echoed back with the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub arguments: Value,
}

/// One message of the exchange sent to a model, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum LlmMessage {
    User {
        content: String,
    },
    /// What the model said before: text, tool calls, or both.
    Assistant {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<ToolCall>,
    },
    /// The result of one tool call, as JSON text.
    Tool {
        call_id: String,
        name: String,
        content: String,
        is_error: bool,
    },
}

/// What is sent to a model for one step of a turn.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmRequest {
    pub system: String,
    pub messages: Vec<LlmMessage>,
    pub tools: Vec<ToolSpec>,
    pub max_tokens: u32,
    /// The turn's "now" and the user's zone. A hosted model reads them in the system prompt;
    /// the offline brain, which reads no prose, takes them from here. Not sent on any wire.
    pub now: DateTime<Utc>,
    pub timezone: Tz,
}

/// Tokens a step used, as the provider counted them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Usage {
    pub fn total(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, o: Self) {
        self.input_tokens += o.input_tokens;
        self.output_tokens += o.output_tokens;
    }
}

/// A model's answer to one step: text, tool calls to run, or both.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LlmResponse {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    /// Which provider and model answered ("openai/gpt-4o-mini", "offline").
    pub model: String,
}

/// Why a provider gave no answer. The router retries the same provider (with backoff) only on
/// `RateLimited` and `Unavailable`, and falls back to the next one on every kind: a bad key at
/// one provider says nothing of the next.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// 429 or the provider's throttling; `retry_after` when it said how long to wait.
    #[error("rate limited")]
    RateLimited { retry_after: Option<Duration> },
    #[error("timed out")]
    Timeout,
    /// 5xx, overload, a network failure: may work on retry.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the request itself (bad key, bad request): retrying will not help.
    #[error("rejected: {0}")]
    Rejected(String),
    /// No provider could answer; each one's failure in order.
    #[error("no model answered: {0}")]
    Exhausted(String),
}

/// The name of the offline brain, which reads no prose: work that needs a model's reading
/// (extracting facts, summarizing) is done by rules when it is the model.
pub const OFFLINE_MODEL: &str = "offline";

/// A chat model with tool calling.
#[async_trait]
pub trait LanguageModel: Send + Sync {
    /// A short name for logs and usage records ("openai", "anthropic", "bedrock", "offline").
    fn name(&self) -> &str;
    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError>;
}

/// Turns text into vectors for retrieval (an embeddings API).
#[async_trait]
pub trait Embedder: Send + Sync {
    /// One vector per text, in order.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError>;
}
