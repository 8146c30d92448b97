//! Long-term memory: facts about the user ("takes meds at 9") and notes or documents they add.
//! Retrieved for each turn and injected within a token budget.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{MemoryId, UserId, ValidationError};

/// What a memory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemoryKind {
    /// A short fact about the user.
    Fact,
    /// A note or document the user added; longer, retrieved by its content.
    Note,
}

/// Where a memory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemorySource {
    /// Added through the API.
    Api,
    /// Asked for in a conversation ("remember that …").
    Chat,
    /// Learned from a conversation in the background.
    Learned,
}

crate::task::bounded_text!(
    /// What a memory says: 1 to 20 000 characters.
    MemoryContent, "content", 20_000
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub id: MemoryId,
    pub user_id: UserId,
    pub kind: MemoryKind,
    pub title: Option<String>,
    pub content: MemoryContent,
    pub source: MemorySource,
    /// The content's vector, when an embedding provider is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
    pub created_at: DateTime<Utc>,
}

impl Memory {
    pub fn title_or_content(&self) -> &str {
        self.title.as_deref().unwrap_or(self.content.as_str())
    }
}

/// A memory's title, if given: at most 200 characters.
pub fn parse_title(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > 200 => {
            Err(ValidationError::new("title", "must be at most 200 characters"))
        }
        Some(t) => Ok(Some(t.to_owned())),
    }
}
