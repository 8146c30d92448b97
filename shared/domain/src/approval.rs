//! An approval (seed 004's table, and what the agent needs to come back to): something Nudge
//! would do beyond the user's own data, waiting for the user's yes, once, in time.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ApprovalId, ConversationId, TaskId, UserId, ValidationError};

/// `pending → approved → executed | failed`, `pending → denied`, `pending → expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Executed,
    Failed,
    Denied,
    Expired,
}

impl ApprovalStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Executed => "executed",
            ApprovalStatus::Failed => "failed",
            ApprovalStatus::Denied => "denied",
            ApprovalStatus::Expired => "expired",
        }
    }
}

impl std::str::FromStr for ApprovalStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pending" => Ok(ApprovalStatus::Pending),
            "approved" => Ok(ApprovalStatus::Approved),
            "executed" => Ok(ApprovalStatus::Executed),
            "failed" => Ok(ApprovalStatus::Failed),
            "denied" => Ok(ApprovalStatus::Denied),
            "expired" => Ok(ApprovalStatus::Expired),
            _ => Err(ValidationError::new(
                "status",
                "must be one of pending, approved, executed, failed, denied, expired",
            )),
        }
    }
}

/// What an approval would do, as a name (`send_email`, `calendar.create_event`): lower-case
/// letters, digits, `_`, `.` and `-`, at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "send_email")]
pub struct ActionType(String);

impl ActionType {
    pub const SEND_EMAIL: &'static str = "send_email";

    /// Whether Nudge runs this action once approved. Others (an integration's own) are only
    /// decided here: the requester reads the decision and acts on it.
    pub fn runs_here(&self) -> bool {
        self.0 == Self::SEND_EMAIL || crate::account_tools::runs_here(&self.0)
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'));
        if !ok {
            return Err(ValidationError::new(
                "action_type",
                "must be 1 to 100 lower-case letters, digits, '_', '.' or '-'",
            ));
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ActionType {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<ActionType> for String {
    fn from(a: ActionType) -> Self {
        a.0
    }
}
impl fmt::Display for ActionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The short code a user answers by SMS (`YES 4821`): four digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "4821")]
pub struct ApprovalCode(String);

impl ApprovalCode {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::new("code", "must be four digits"));
        }
        Ok(Self(s.to_owned()))
    }
    /// The code made of a random number (its last four digits).
    pub fn from_number(n: u128) -> Self {
        Self(format!("{:04}", n % 10_000))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ApprovalCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<ApprovalCode> for String {
    fn from(c: ApprovalCode) -> Self {
        c.0
    }
}
impl fmt::Display for ApprovalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a decision (or a request) came from, for the audit log and for the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Api,
    Sms,
    /// The assistant, in a conversation.
    Agent,
    /// Nudge itself (expiry, execution).
    System,
}

impl Via {
    pub fn as_str(&self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Sms => "sms",
            Via::Agent => "agent",
            Via::System => "system",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Approval {
    pub id: ApprovalId,
    pub user_id: UserId,
    pub task_id: Option<TaskId>,
    pub action_type: ActionType,
    /// The action's arguments, as it will run them.
    #[schema(value_type = Object)]
    pub details: Value,
    /// What will happen, in words the user is asked with ("send an email to sam@example.com").
    pub summary: String,
    pub status: ApprovalStatus,
    /// Who asked: `assistant`, or `user` / `api` for approvals made through the API.
    pub requested_by: String,
    /// Who decided (the user's id), approving or denying.
    pub approved_by: Option<String>,
    /// When it was decided.
    pub approved_at: Option<DateTime<Utc>>,
    pub decided_via: Option<Via>,
    /// The user's reason, for a decision that gave one.
    pub reason: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The conversation and tool call it came from, where the result is written back.
    pub conversation_id: Option<ConversationId>,
    pub tool_call_id: Option<String>,
    /// What the user replies by SMS: `YES <code>` / `NO <code>`.
    pub code: ApprovalCode,
    /// What running it came to (executed or failed).
    pub result: Option<String>,
    pub version: u64,
}

/// An approved action not run this long after its approval is queued again by the tick.
pub const RETRY_AFTER: chrono::Duration = chrono::Duration::minutes(5);
/// An approved action not run this long after its approval is given up (`failed`): the user
/// said yes to something then, not to whenever it finally runs.
pub const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::minutes(60);

impl Approval {
    /// Whether a decision at `now` still counts.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.status == ApprovalStatus::Pending && now < self.expires_at
    }

    /// When the tick must look at it (its place on the due index): a pending one when it
    /// expires; an approved one not yet run, a while after its approval (its execution may
    /// have been lost); `None` once it is settled.
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        match self.status {
            ApprovalStatus::Pending => Some(self.expires_at),
            ApprovalStatus::Approved if self.action_type.runs_here() => {
                Some(self.approved_at.unwrap_or(self.updated_at) + RETRY_AFTER)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_checked() {
        assert!(ActionType::parse("send_email").is_ok());
        assert!(ActionType::parse("calendar.create-event").is_ok());
        for bad in ["", "Send", "a b", &"x".repeat(101)] {
            assert!(ActionType::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ApprovalCode::from_number(123_456_789).as_str(), "6789");
        assert_eq!(ApprovalCode::from_number(7).as_str(), "0007");
        for bad in ["", "123", "12345", "12a4"] {
            assert!(ApprovalCode::parse(bad).is_err(), "{bad}");
        }
    }
}
