//! Conversations and their messages: one model for every channel (the API and SMS share it).
//! A conversation is resumed while the user keeps talking and closed after a pause; the model
//! sees a window of recent messages plus a rolling summary of the older ones.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{Channel, ConversationId, MessageId, ToolCall, Usage, UserId};

/// How conversations are cut and what the model sees of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationPolicy {
    /// A conversation idle this long is closed; the next message starts a new one.
    pub idle_after: Duration,
    /// How many recent messages the model sees verbatim.
    pub window: usize,
}

impl Default for ConversationPolicy {
    fn default() -> Self {
        Self { idle_after: Duration::minutes(30), window: 50 }
    }
}

/// Where a conversation is held: the API (the app) or SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationChannel {
    Api,
    Sms,
}

impl From<ConversationChannel> for Option<Channel> {
    /// The reminder channel a conversation's requests default to (`None`: the user's preference).
    fn from(c: ConversationChannel) -> Self {
        match c {
            ConversationChannel::Sms => Some(Channel::Sms),
            ConversationChannel::Api => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub user_id: UserId,
    pub channel: ConversationChannel,
    /// The first words the user said, for a list of conversations.
    pub title: String,
    /// What the messages older than the window said, rewritten as they leave it.
    pub summary: Option<String>,
    /// How many of the oldest messages the summary covers.
    pub summarized: u64,
    pub message_count: u64,
    pub usage: Usage,
    pub created_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
    /// Closed by the user (`/clear` by SMS): the next message starts a new conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    pub version: u64,
}

impl Conversation {
    pub fn new(
        id: ConversationId,
        user_id: UserId,
        channel: ConversationChannel,
        first: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            user_id,
            channel,
            title: first.chars().take(80).collect(),
            summary: None,
            summarized: 0,
            message_count: 0,
            usage: Usage::default(),
            created_at: now,
            last_active_at: now,
            closed_at: None,
            version: 0,
        }
    }

    /// Whether a message at `now` continues this conversation.
    pub fn is_active(&self, now: DateTime<Utc>, policy: &ConversationPolicy) -> bool {
        self.closed_at.is_none() && now - self.last_active_at < policy.idle_after
    }

    /// Messages past the window not yet folded into the summary.
    pub fn unsummarized_overflow(&self, policy: &ConversationPolicy) -> u64 {
        self.message_count.saturating_sub(policy.window as u64).saturating_sub(self.summarized)
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    User,
    Assistant,
    /// A tool's result, fed back to the model.
    Tool,
}

/// One message of a conversation. An assistant message may carry tool calls; a tool message
/// answers one of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    pub role: Speaker,
    pub content: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For a tool message: the call it answers, and the tool's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
    /// On a turn's reply: the tokens the whole turn used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    pub created_at: DateTime<Utc>,
}
