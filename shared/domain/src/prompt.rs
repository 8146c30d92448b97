//! Prompt customizations (seed 002): a user's own instructions for an agent, which shape its
//! system prompt while active. Each user sees and changes only their own.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CustomizationId, UserId, ValidationError};

crate::task::bounded_text!(
    /// What a customization tells the agent: 1 to 4 000 characters.
    Instructions, "content", 4_000
);

/// An agent's name in a route: lowercase letters, digits, `-` and `_`, 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "assistant")]
pub struct AgentName(String);

impl AgentName {
    /// The one agent there is today.
    pub const ASSISTANT: &'static str = "assistant";

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = (1..=64).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new("agent", "must be 1 to 64 lowercase letters, digits, '-' or '_'"))
        }
    }
    pub fn assistant() -> Self {
        Self(Self::ASSISTANT.to_owned())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AgentName {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<AgentName> for String {
    fn from(a: AgentName) -> Self {
        a.0
    }
}

/// What part of the prompt a customization shapes (seed 002's `customization_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomizationType {
    /// Extra instructions ("keep answers under two sentences").
    Instructions,
    /// How to speak ("friendly, no emoji").
    Tone,
    /// Facts about the user to keep in mind.
    Context,
}

impl CustomizationType {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomizationType::Instructions => "instructions",
            CustomizationType::Tone => "tone",
            CustomizationType::Context => "context",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptCustomization {
    pub id: CustomizationId,
    pub user_id: UserId,
    pub agent_name: AgentName,
    pub customization_type: CustomizationType,
    pub content: Instructions,
    pub is_active: bool,
    /// Higher first in the prompt.
    pub priority: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}
