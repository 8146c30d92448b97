//! Request bodies and responses of the chat function.

use chrono::{DateTime, Utc};
use nudge_domain::{
    Action, ConversationChannel, ConversationId, CustomizationId, CustomizationType, Instructions, Memory,
    MemoryContent, MemoryId, MemoryKind, MemorySource, Message, MessageId, PromptCustomization, Speaker,
    ToolCall, TurnOutcome, Usage, ValidationError,
    prompts::{CustomizationChanges, NewCustomization},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// What the user says, 1 to 4000 characters.
    pub message: String,
    /// Continue this conversation; without it, the latest one if it was active in the last
    /// 30 minutes, else a new one.
    pub conversation_id: Option<ConversationId>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChatReply {
    pub reply: String,
    pub conversation_id: ConversationId,
    /// The tool calls made in the turn and their results, in order.
    pub actions: Vec<Action>,
    /// What the turn asked the user to approve before it runs (an e-mail to someone, say):
    /// each with its `approval_id`, reply `code`, `summary` and `expires_at`.
    #[schema(value_type = Vec<Object>)]
    pub pending_approvals: Vec<serde_json::Value>,
    pub usage: Usage,
    /// Who answered: a provider and model, or `offline`.
    pub model: String,
}

impl From<TurnOutcome> for ChatReply {
    fn from(t: TurnOutcome) -> Self {
        Self {
            reply: t.reply,
            conversation_id: t.conversation_id,
            pending_approvals: t
                .actions
                .iter()
                .filter(|a| a.ok && a.result["status"] == "waiting_for_approval")
                .map(|a| a.result.clone())
                .collect(),
            actions: t.actions,
            usage: t.usage,
            model: t.model,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConversationView {
    pub id: ConversationId,
    /// Where it started.
    pub channel: ConversationChannel,
    pub title: String,
    pub summary: Option<String>,
    pub message_count: u64,
    pub usage: Usage,
    pub created_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
}

impl From<nudge_domain::Conversation> for ConversationView {
    fn from(c: nudge_domain::Conversation) -> Self {
        Self {
            id: c.id,
            channel: c.channel,
            title: c.title,
            summary: c.summary,
            message_count: c.message_count,
            usage: c.usage,
            created_at: c.created_at,
            last_active_at: c.last_active_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    pub id: MessageId,
    pub role: Speaker,
    pub content: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
    /// On a turn's reply: the tokens the whole turn used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    pub created_at: DateTime<Utc>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            role: m.role,
            content: m.content,
            tool_calls: m.tool_calls,
            tool_call_id: m.tool_call_id,
            tool_name: m.tool_name,
            is_error: m.is_error,
            usage: m.usage,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMemory {
    /// The fact or the note's text, 1 to 20000 characters.
    pub content: MemoryContent,
    /// A note's title, at most 200 characters.
    pub title: Option<String>,
    /// `fact` (default) or `note`.
    pub kind: Option<MemoryKind>,
}

impl CreateMemory {
    pub fn into_new(self) -> Result<nudge_domain::memories::NewMemory, ValidationError> {
        Ok(nudge_domain::memories::NewMemory {
            id: None,
            kind: self.kind.unwrap_or(MemoryKind::Fact),
            title: nudge_domain::memory::parse_title(self.title.as_deref())?,
            content: self.content,
            source: MemorySource::Api,
        })
    }
}

/// A memory as clients see it (its vector stays inside).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemoryView {
    pub id: MemoryId,
    pub kind: MemoryKind,
    pub title: Option<String>,
    pub content: MemoryContent,
    pub source: MemorySource,
    pub created_at: DateTime<Utc>,
}

impl From<Memory> for MemoryView {
    fn from(m: Memory) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            title: m.title,
            content: m.content,
            source: m.source,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomization {
    /// `instructions`, `tone` or `context`.
    pub customization_type: CustomizationType,
    /// 1 to 4000 characters.
    pub content: Instructions,
    /// Default: true.
    pub is_active: Option<bool>,
    /// Higher comes first in the prompt. Default 0.
    pub priority: Option<i32>,
}

impl From<CreateCustomization> for NewCustomization {
    fn from(c: CreateCustomization) -> Self {
        Self {
            customization_type: c.customization_type,
            content: c.content,
            is_active: c.is_active.unwrap_or(true),
            priority: c.priority.unwrap_or(0),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomization {
    pub customization_type: Option<CustomizationType>,
    pub content: Option<Instructions>,
    pub is_active: Option<bool>,
    pub priority: Option<i32>,
    /// The version read; a stale one answers 409.
    pub version: Option<u64>,
}

impl From<UpdateCustomization> for CustomizationChanges {
    fn from(u: UpdateCustomization) -> Self {
        Self {
            customization_type: u.customization_type,
            content: u.content,
            is_active: u.is_active,
            priority: u.priority,
            expected_version: u.version,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomizationView {
    pub id: CustomizationId,
    pub agent_name: String,
    pub customization_type: CustomizationType,
    pub content: Instructions,
    pub is_active: bool,
    pub priority: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl From<PromptCustomization> for CustomizationView {
    fn from(c: PromptCustomization) -> Self {
        Self {
            id: c.id,
            agent_name: c.agent_name.as_str().to_owned(),
            customization_type: c.customization_type,
            content: c.content,
            is_active: c.is_active,
            priority: c.priority,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}
