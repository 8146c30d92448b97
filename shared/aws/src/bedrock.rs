//! The language-model port on Amazon Bedrock's Converse API: one request shape for every model
//! Bedrock hosts, signed with the function's own IAM role (no API key to keep).

use std::{collections::HashMap, time::Duration};

use async_trait::async_trait;
use aws_sdk_bedrockruntime::{
    Client,
    error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::converse::{ConverseError, ConverseOutput},
    types::{
        ContentBlock, ConversationRole, ConverseOutput as Output, InferenceConfiguration, Message,
        SystemContentBlock, Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock,
        ToolResultContentBlock, ToolResultStatus, ToolSpecification, ToolUseBlock,
    },
};
use aws_smithy_types::{Document, Number};
use nudge_domain::{LanguageModel, LlmError, LlmMessage, LlmRequest, LlmResponse, ToolCall, Usage};
use serde_json::Value;

pub struct BedrockConverse {
    client: Client,
    model_id: String,
    /// "bedrock/<model id>", what responses report.
    model: String,
}

impl BedrockConverse {
    /// `model_id` is a Bedrock model or inference-profile id
    /// ("anthropic.claude-3-5-haiku-20241022-v1:0", "us.amazon.nova-lite-v1:0").
    pub fn new(client: Client, model_id: impl Into<String>) -> Self {
        let model_id = model_id.into();
        Self { client, model: format!("bedrock/{model_id}"), model_id }
    }
}

#[async_trait]
impl LanguageModel for BedrockConverse {
    fn name(&self) -> &str {
        "bedrock"
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let mut call = self
            .client
            .converse()
            .model_id(&self.model_id)
            .set_messages(Some(messages(&request.messages)?))
            .inference_config(
                InferenceConfiguration::builder()
                    .max_tokens(i32::try_from(request.max_tokens).unwrap_or(i32::MAX))
                    .build(),
            );
        // Converse refuses an empty text block, so no system prompt means no system field.
        if !request.system.is_empty() {
            call = call.system(SystemContentBlock::Text(request.system.clone()));
        }
        // An empty tool list is a validation error too: no tools, no toolConfig.
        if !request.tools.is_empty() {
            let mut config = ToolConfiguration::builder();
            for t in &request.tools {
                let spec = ToolSpecification::builder()
                    .name(&t.name)
                    .description(&t.description)
                    .input_schema(ToolInputSchema::Json(to_document(&t.parameters)))
                    .build()
                    .map_err(build_error)?;
                config = config.tools(Tool::ToolSpec(spec));
            }
            call = call.tool_config(config.build().map_err(build_error)?);
        }
        let out = call.send().await.map_err(error)?;
        Ok(response(out, &self.model))
    }
}

/// The exchange as Converse wants it: strictly alternating user and assistant messages, each
/// with at least one block. Tool results are user content there, so a run of them (and any
/// user text next to them) becomes one user message.
fn messages(history: &[LlmMessage]) -> Result<Vec<Message>, LlmError> {
    let mut turns: Vec<(ConversationRole, Vec<ContentBlock>)> = Vec::new();
    for m in history {
        let (role, blocks) = match m {
            LlmMessage::User { content } => {
                (ConversationRole::User, text_block(content).into_iter().collect())
            }
            LlmMessage::Assistant { content, tool_calls } => {
                let mut blocks: Vec<ContentBlock> =
                    content.as_deref().and_then(text_block).into_iter().collect();
                for c in tool_calls {
                    let block = ToolUseBlock::builder()
                        .tool_use_id(&c.id)
                        .name(&c.name)
                        .input(to_document(&c.arguments))
                        .build()
                        .map_err(build_error)?;
                    blocks.push(ContentBlock::ToolUse(block));
                }
                (ConversationRole::Assistant, blocks)
            }
            LlmMessage::Tool { call_id, content, is_error, .. } => {
                let block = ToolResultBlock::builder()
                    .tool_use_id(call_id)
                    .content(tool_result_content(content))
                    .status(if *is_error { ToolResultStatus::Error } else { ToolResultStatus::Success })
                    .build()
                    .map_err(build_error)?;
                (ConversationRole::User, vec![ContentBlock::ToolResult(block)])
            }
        };
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    turns
        .into_iter()
        .map(|(role, blocks)| {
            Message::builder().role(role).set_content(Some(blocks)).build().map_err(build_error)
        })
        .collect()
}

fn text_block(text: &str) -> Option<ContentBlock> {
    (!text.is_empty()).then(|| ContentBlock::Text(text.to_owned()))
}

/// A tool's result is JSON text: an object goes as structured JSON (what Converse's `json`
/// block accepts), anything else as the text it is.
fn tool_result_content(content: &str) -> ToolResultContentBlock {
    match serde_json::from_str::<Value>(content) {
        Ok(v @ Value::Object(_)) => ToolResultContentBlock::Json(to_document(&v)),
        _ => ToolResultContentBlock::Text(content.to_owned()),
    }
}

fn response(out: ConverseOutput, model: &str) -> LlmResponse {
    let usage = out
        .usage()
        .map(|u| Usage {
            input_tokens: u64::try_from(u.input_tokens()).unwrap_or(0),
            output_tokens: u64::try_from(u.output_tokens()).unwrap_or(0),
        })
        .unwrap_or_default();
    let mut text = Vec::new();
    let mut tool_calls = Vec::new();
    if let Some(Output::Message(message)) = out.output {
        for block in message.content {
            match block {
                ContentBlock::Text(t) => text.push(t),
                ContentBlock::ToolUse(u) => tool_calls.push(ToolCall {
                    arguments: to_json(&u.input),
                    id: u.tool_use_id,
                    name: u.name,
                }),
                // Reasoning, citations and the like: nothing the port carries.
                _ => {}
            }
        }
    }
    let content = text.concat();
    LlmResponse {
        content: (!content.is_empty()).then_some(content),
        tool_calls,
        usage,
        model: model.to_owned(),
    }
}

/// A builder's missing required field: a request we could not form, which no retry fixes.
fn build_error(e: BuildError) -> LlmError {
    LlmError::Rejected(format!("bedrock: {e}"))
}

fn error(e: SdkError<ConverseError>) -> LlmError {
    match e {
        SdkError::ServiceError(ctx) => {
            let retry_after = ctx
                .raw()
                .headers()
                .get("retry-after")
                .and_then(|s| s.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let err = ctx.into_err();
            let why = format!("bedrock: {}", DisplayErrorContext(&err));
            match err {
                ConverseError::ThrottlingException(_) => LlmError::RateLimited { retry_after },
                // Not modelled for Converse, but Bedrock answers it for quota breaches.
                e if e.code() == Some("ServiceQuotaExceededException") => {
                    LlmError::RateLimited { retry_after }
                }
                ConverseError::ModelTimeoutException(_) => LlmError::Timeout,
                ConverseError::ServiceUnavailableException(_)
                | ConverseError::InternalServerException(_)
                | ConverseError::ModelNotReadyException(_) => LlmError::Unavailable(why),
                _ => LlmError::Rejected(why),
            }
        }
        SdkError::TimeoutError(_) => LlmError::Timeout,
        SdkError::DispatchFailure(f) if f.is_timeout() => LlmError::Timeout,
        // The request never formed: ours to fix, not Bedrock's.
        SdkError::ConstructionFailure(_) => {
            LlmError::Rejected(format!("bedrock: {}", DisplayErrorContext(e)))
        }
        // Connection failures and unreadable responses: may well work next time.
        other => LlmError::Unavailable(format!("bedrock: {}", DisplayErrorContext(other))),
    }
}

/// JSON to a Smithy document, which is how Converse carries tool schemas, inputs and results.
fn to_document(v: &Value) -> Document {
    match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or(0.0))
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        Value::Object(o) => {
            Document::Object(o.iter().map(|(k, v)| (k.clone(), to_document(v))).collect::<HashMap<_, _>>())
        }
    }
}

fn to_json(d: &Document) -> Value {
    match d {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        // JSON has no NaN or infinity: those become null, as serde_json does.
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Document::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_and_documents_round_trip() {
        let v = json!({
            "title": "Renew passport",
            "count": 3,
            "offset": -12,
            "ratio": 1.5,
            "big": u64::MAX,
            "done": false,
            "due": null,
            "tags": ["admin", {"nested": [1, -1, 0.25]}],
            "empty": {},
        });
        assert_eq!(to_json(&to_document(&v)), v);
    }

    #[test]
    fn numbers_keep_their_kind() {
        assert_eq!(to_document(&json!(7)), Document::Number(Number::PosInt(7)));
        assert_eq!(to_document(&json!(-7)), Document::Number(Number::NegInt(-7)));
        assert_eq!(to_document(&json!(0.5)), Document::Number(Number::Float(0.5)));
        assert_eq!(to_json(&Document::Number(Number::Float(f64::NAN))), Value::Null);
        // A non-negative NegInt (legal in a document) still reads as that number.
        assert_eq!(to_json(&Document::Number(Number::NegInt(4))), json!(4));
    }

    #[test]
    fn tool_results_are_json_objects_or_text() {
        assert!(matches!(tool_result_content(r#"{"ok":true}"#), ToolResultContentBlock::Json(_)));
        assert!(matches!(tool_result_content("[1,2]"), ToolResultContentBlock::Text(_)));
        assert!(matches!(tool_result_content("not json"), ToolResultContentBlock::Text(_)));
    }

    #[test]
    fn roles_alternate_and_empty_messages_drop() {
        let call = |id: &str| ToolCall { id: id.into(), name: "t".into(), arguments: json!({}) };
        let result = |id: &str| LlmMessage::Tool {
            call_id: id.into(),
            name: "t".into(),
            content: "{}".into(),
            is_error: false,
        };
        let history = vec![
            LlmMessage::User { content: "a".into() },
            LlmMessage::User { content: "b".into() },
            LlmMessage::Assistant { content: None, tool_calls: vec![call("1"), call("2")] },
            result("1"),
            result("2"),
            LlmMessage::Assistant { content: Some(String::new()), tool_calls: vec![] },
            LlmMessage::User { content: "c".into() },
        ];
        let out = messages(&history).unwrap();
        let shape: Vec<(ConversationRole, usize)> =
            out.iter().map(|m| (m.role.clone(), m.content.len())).collect();
        assert_eq!(
            shape,
            vec![(ConversationRole::User, 2), (ConversationRole::Assistant, 2), (ConversationRole::User, 3)]
        );
    }
}
