//! Anthropic's Messages API, as documented at <https://docs.anthropic.com/en/api/messages>:
//! `POST {base_url}/v1/messages` with `x-api-key` and `anthropic-version`.

use std::{borrow::Cow, sync::Arc};

use async_trait::async_trait;
use nudge_domain::{
    LanguageModel, LlmError, LlmMessage, LlmRequest, LlmResponse, SecretSource, ToolSpec, Usage,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{exchange, key};

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// The API version the request and response shapes here follow.
pub const API_VERSION: &str = "2023-06-01";

/// A Claude model through the Messages API.
pub struct Anthropic {
    http: reqwest::Client,
    base_url: String,
    model: String,
    key: Arc<dyn SecretSource>,
}

impl Anthropic {
    /// `base_url` without the version (`https://api.anthropic.com`), a trailing slash
    /// tolerated. The key is read at each call, not here.
    pub fn new(
        http: reqwest::Client,
        base_url: impl Into<String>,
        model: impl Into<String>,
        key: Arc<dyn SecretSource>,
    ) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self { http, base_url, model: model.into(), key }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn model(&self) -> &str {
        &self.model
    }
}

#[async_trait]
impl LanguageModel for Anthropic {
    fn name(&self) -> &str {
        "anthropic"
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let key = key::api_key(Some(&self.key))
            .await?
            .ok_or_else(|| LlmError::Rejected("no api key configured".into()))?;
        let call = self
            .http
            .post(format!("{}/v1/messages", self.base_url))
            .header("x-api-key", &key)
            .header("anthropic-version", API_VERSION)
            .json(&body(&self.model, request));
        let answer: MessagesResponse = exchange::send_json(call, Some(&key)).await?;
        Ok(answer.into_response(format!("anthropic/{}", self.model)))
    }
}

/// The request body for one step.
fn body<'a>(model: &'a str, request: &'a LlmRequest) -> MessagesRequest<'a> {
    MessagesRequest {
        model,
        max_tokens: request.max_tokens,
        system: &request.system,
        messages: turns(&request.messages),
        tools: request.tools.iter().map(WireTool::from).collect(),
    }
}

/// The messages as the API wants them: a tool result is a block of a user message, and roles
/// must alternate, so consecutive messages of one role (the results of several tool calls, a
/// result and the user's next words) become one message with their blocks in order. Empty text
/// blocks are refused by the API and dropped; a message left with no blocks goes too.
fn turns(messages: &[LlmMessage]) -> Vec<Turn<'_>> {
    let mut turns: Vec<Turn<'_>> = Vec::with_capacity(messages.len());
    for message in messages {
        let (role, blocks) = match message {
            LlmMessage::User { content } => (Role::User, text(content).into_iter().collect::<Vec<_>>()),
            LlmMessage::Assistant { content, tool_calls } => {
                let mut blocks: Vec<Block<'_>> = content.as_deref().and_then(text).into_iter().collect();
                blocks.extend(tool_calls.iter().map(|call| Block::ToolUse {
                    id: &call.id,
                    name: &call.name,
                    // The API takes an object only. Anything else is a call the tool validator
                    // already refused (arguments that were not JSON), whose result says so.
                    input: if call.arguments.is_object() {
                        Cow::Borrowed(&call.arguments)
                    } else {
                        Cow::Owned(Value::Object(Default::default()))
                    },
                }));
                (Role::Assistant, blocks)
            }
            LlmMessage::Tool { call_id, content, is_error, .. } => {
                (Role::User, vec![Block::ToolResult { tool_use_id: call_id, content, is_error: *is_error }])
            }
        };
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some(last) if last.role == role => last.content.extend(blocks),
            _ => turns.push(Turn { role, content: blocks }),
        }
    }
    turns
}

fn text(content: &str) -> Option<Block<'_>> {
    (!content.is_empty()).then_some(Block::Text { text: content })
}

#[derive(Serialize)]
struct MessagesRequest<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "str::is_empty")]
    system: &'a str,
    messages: Vec<Turn<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<WireTool<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Assistant,
}

#[derive(Serialize)]
struct Turn<'a> {
    role: Role,
    content: Vec<Block<'a>>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block<'a> {
    Text { text: &'a str },
    ToolUse { id: &'a str, name: &'a str, input: Cow<'a, Value> },
    ToolResult { tool_use_id: &'a str, content: &'a str, is_error: bool },
}

#[derive(Serialize)]
struct WireTool<'a> {
    name: &'a str,
    description: &'a str,
    input_schema: &'a Value,
}

impl<'a> From<&'a ToolSpec> for WireTool<'a> {
    fn from(tool: &'a ToolSpec) -> Self {
        Self { name: &tool.name, description: &tool.description, input_schema: &tool.parameters }
    }
}

/// The parts of a Message we use.
#[derive(Deserialize)]
struct MessagesResponse {
    #[serde(default)]
    content: Vec<ResponseBlock>,
    #[serde(default)]
    usage: ResponseUsage,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ResponseBlock {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// Thinking and any block type added later: not part of the answer.
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
struct ResponseUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
}

impl MessagesResponse {
    fn into_response(self, model: String) -> LlmResponse {
        let mut texts = Vec::new();
        let mut tool_calls = Vec::new();
        for block in self.content {
            match block {
                ResponseBlock::Text { text } if !text.is_empty() => texts.push(text),
                ResponseBlock::ToolUse { id, name, input } => {
                    tool_calls.push(nudge_domain::ToolCall { id, name, arguments: input })
                }
                _ => {}
            }
        }
        LlmResponse {
            content: (!texts.is_empty()).then(|| texts.join("\n")),
            tool_calls,
            usage: Usage { input_tokens: self.usage.input_tokens, output_tokens: self.usage.output_tokens },
            model,
        }
    }
}
