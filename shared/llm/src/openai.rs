//! Chat Completions with tools, as documented at
//! <https://platform.openai.com/docs/api-reference/chat/create> and spoken by OpenAI, Ollama,
//! vLLM, OpenRouter and others: `POST {base_url}/chat/completions`, `Authorization: Bearer`.

use std::sync::Arc;

use async_trait::async_trait;
use nudge_domain::{
    LanguageModel, LlmError, LlmMessage, LlmRequest, LlmResponse, SecretSource, ToolCall, ToolSpec, Usage,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{exchange, key};

/// OpenAI's production API; Ollama is `http://localhost:11434/v1`, OpenRouter
/// `https://openrouter.ai/api/v1`.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// A chat model behind an OpenAI-compatible API.
pub struct OpenAiCompatible {
    http: reqwest::Client,
    base_url: String,
    model: String,
    key: Option<Arc<dyn SecretSource>>,
    name: String,
}

impl OpenAiCompatible {
    /// `base_url` up to the version (`https://api.openai.com/v1`), a trailing slash tolerated.
    /// With no key no `Authorization` header is sent (Ollama and a local vLLM need none). The
    /// key is read at each call, not here, so start-up makes no network call.
    pub fn new(
        http: reqwest::Client,
        base_url: impl Into<String>,
        model: impl Into<String>,
        key: Option<Arc<dyn SecretSource>>,
    ) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self { http, base_url, model: model.into(), key, name: "openai".into() }
    }

    /// Names the provider in logs and in each response's `model` ("ollama/llama3.1") instead
    /// of "openai".
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn model(&self) -> &str {
        &self.model
    }
}

#[async_trait]
impl LanguageModel for OpenAiCompatible {
    fn name(&self) -> &str {
        &self.name
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let key = key::api_key(self.key.as_ref()).await?;
        let mut call =
            self.http.post(format!("{}/chat/completions", self.base_url)).json(&body(&self.model, request));
        if let Some(key) = &key {
            call = call.bearer_auth(key);
        }
        let answer: ChatResponse = exchange::send_json(call, key.as_deref()).await?;
        answer.into_response(format!("{}/{}", self.name, self.model))
    }
}

/// The request body for one step.
fn body<'a>(model: &'a str, request: &'a LlmRequest) -> ChatRequest<'a> {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.system.is_empty() {
        messages.push(ChatMessage::System { content: &request.system });
    }
    for message in &request.messages {
        messages.push(match message {
            LlmMessage::User { content } => ChatMessage::User { content },
            LlmMessage::Assistant { content, tool_calls } => {
                let content = content.as_deref().filter(|c| !c.is_empty());
                // An assistant message with neither text nor calls is refused by the API and
                // says nothing, so it is left out.
                if content.is_none() && tool_calls.is_empty() {
                    continue;
                }
                ChatMessage::Assistant {
                    content,
                    tool_calls: tool_calls.iter().map(WireToolCall::from).collect(),
                }
            }
            // The API has no error flag on a tool result: the content (JSON) says so itself.
            LlmMessage::Tool { call_id, content, .. } => ChatMessage::Tool { tool_call_id: call_id, content },
        });
    }
    ChatRequest {
        model,
        messages,
        tools: request.tools.iter().map(WireTool::from).collect(),
        max_tokens: request.max_tokens,
    }
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: Vec<ChatMessage<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<WireTool<'a>>,
    max_tokens: u32,
}

#[derive(Serialize)]
#[serde(tag = "role", rename_all = "lowercase")]
enum ChatMessage<'a> {
    System {
        content: &'a str,
    },
    User {
        content: &'a str,
    },
    /// `content` is sent as `null` when the model only called tools, as the API expects.
    Assistant {
        content: Option<&'a str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<WireToolCall<'a>>,
    },
    Tool {
        tool_call_id: &'a str,
        content: &'a str,
    },
}

#[derive(Serialize)]
struct WireToolCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireFunctionCall<'a>,
}

#[derive(Serialize)]
struct WireFunctionCall<'a> {
    name: &'a str,
    /// A JSON document in a string, as the API sends it to us.
    arguments: String,
}

impl<'a> From<&'a ToolCall> for WireToolCall<'a> {
    fn from(call: &'a ToolCall) -> Self {
        // A string is arguments that did not parse as JSON when they came in (see
        // `parse_arguments`): they go back exactly as the model wrote them.
        let arguments = match &call.arguments {
            Value::String(raw) => raw.clone(),
            other => other.to_string(),
        };
        Self { id: &call.id, kind: "function", function: WireFunctionCall { name: &call.name, arguments } }
    }
}

#[derive(Serialize)]
struct WireTool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireFunction<'a>,
}

#[derive(Serialize)]
struct WireFunction<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a Value,
}

impl<'a> From<&'a ToolSpec> for WireTool<'a> {
    fn from(tool: &'a ToolSpec) -> Self {
        Self {
            kind: "function",
            function: WireFunction {
                name: &tool.name,
                description: &tool.description,
                parameters: &tool.parameters,
            },
        }
    }
}

/// The parts of a chat completion we use; compatible servers leave out some of them.
#[derive(Deserialize)]
struct ChatResponse {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<ChatUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
    tool_calls: Option<Vec<ResponseToolCall>>,
}

#[derive(Deserialize)]
struct ResponseToolCall {
    id: Option<String>,
    function: ResponseFunction,
}

#[derive(Deserialize)]
struct ResponseFunction {
    name: String,
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize)]
struct ChatUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl ChatResponse {
    fn into_response(self, model: String) -> Result<LlmResponse, LlmError> {
        let Some(choice) = self.choices.into_iter().next() else {
            return Err(LlmError::Unavailable("response without choices".into()));
        };
        let tool_calls = choice
            .message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, call)| ToolCall {
                // Some compatible servers leave the id out; the result must still name its call.
                id: call.id.filter(|id| !id.is_empty()).unwrap_or_else(|| format!("call_{i}")),
                name: call.function.name,
                arguments: parse_arguments(call.function.arguments),
            })
            .collect();
        let usage = self.usage.map_or_else(Usage::default, |u| Usage {
            input_tokens: u.prompt_tokens,
            output_tokens: u.completion_tokens,
        });
        Ok(LlmResponse {
            content: choice.message.content.filter(|c| !c.is_empty()),
            tool_calls,
            usage,
            model,
        })
    }
}

/// The API sends arguments as a JSON document in a string. Arguments that do not parse stay the
/// raw string, so the tool validator refuses the call and the model is told why (and the
/// string goes back unchanged in the history). Some servers send an object, taken as is; an
/// empty string or none means no arguments.
fn parse_arguments(arguments: Value) -> Value {
    match arguments {
        Value::String(raw) if raw.trim().is_empty() => Value::Object(Default::default()),
        Value::String(raw) => serde_json::from_str(&raw).unwrap_or(Value::String(raw)),
        Value::Null => Value::Object(Default::default()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn arguments_parse_or_stay_raw() {
        assert_eq!(parse_arguments(json!(r#"{"a":1}"#)), json!({"a": 1}));
        assert_eq!(parse_arguments(json!("{\"a\":")), json!("{\"a\":"));
        assert_eq!(parse_arguments(json!("")), json!({}));
        assert_eq!(parse_arguments(Value::Null), json!({}));
        assert_eq!(parse_arguments(json!({"b": 2})), json!({"b": 2}));
    }

    #[test]
    fn raw_arguments_go_back_unchanged_and_empty_assistant_turns_are_dropped() {
        let request = LlmRequest {
            system: String::new(),
            messages: vec![
                LlmMessage::User { content: "hi".into() },
                LlmMessage::Assistant { content: Some(String::new()), tool_calls: vec![] },
                LlmMessage::Assistant {
                    content: None,
                    tool_calls: vec![ToolCall {
                        id: "c1".into(),
                        name: "t".into(),
                        arguments: json!("{\"a\":"),
                    }],
                },
            ],
            tools: vec![],
            max_tokens: 10,
            now: "2025-03-14T09:00:00Z".parse().unwrap(),
            timezone: chrono_tz::UTC,
        };
        let body = serde_json::to_value(body("m", &request)).unwrap();
        assert_eq!(
            body,
            json!({
                "model": "m",
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": null, "tool_calls": [
                        {"id": "c1", "type": "function", "function": {"name": "t", "arguments": "{\"a\":"}}
                    ]}
                ],
                "max_tokens": 10
            })
        );
    }
}
