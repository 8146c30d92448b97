//! Request bodies, the list's query string, and the approval as clients see it. Unknown fields
//! are refused, so a typo (`"staus"`) is a 400 rather than a silent no-op. Times go out in UTC,
//! as tasks' do: an approval has no zone of its own.

use chrono::{DateTime, Utc};
use nudge_domain::{
    ActionType, Approval, ApprovalCode, ApprovalId, ApprovalStatus, ConversationId, TaskId, ValidationError,
    Via,
    approvals::{Decision, NewApproval},
};
use nudge_http::paging::PageParams;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /api/approvals`: an action the caller's integration or automation wants approved.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApproval {
    /// What would run: lower-case letters, digits, `_`, `.` and `-` (`send_email`).
    action_type: ActionType,
    /// The action's arguments, a JSON object of at most 16 KiB. `send_email` takes `to`, `body`
    /// and optionally `subject`.
    #[schema(value_type = Object, example = json!({"to": "sam@example.com", "subject": "Running late", "body": "Be there at 10."}))]
    details: Value,
    /// What will happen, as the user is asked (1 to 200 characters): "send an email to Sam".
    #[schema(example = "send an email to sam@example.com saying I'm running late")]
    summary: String,
    /// The task it is for, one of the caller's.
    task_id: Option<TaskId>,
    /// The conversation its outcome is written into.
    conversation_id: Option<ConversationId>,
}

impl CreateApproval {
    pub fn into_new(self) -> NewApproval {
        NewApproval {
            action_type: self.action_type,
            details: self.details,
            summary: self.summary,
            task_id: self.task_id,
            conversation_id: self.conversation_id,
            tool_call_id: None,
        }
    }
}

/// The two decisions a user can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    Approved,
    Denied,
}

/// `PUT /api/approvals/{id}`: yes or no, once, before it expires.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    status: DecisionStatus,
    /// Why, if the user says (kept to 500 characters).
    reason: Option<String>,
}

impl Decide {
    pub fn into_decision(self) -> Decision {
        Decision { approve: self.status == DecisionStatus::Approved, reason: self.reason }
    }
}

/// `GET /api/approvals?status=pending|approved|executed|failed|denied|expired|all&limit=&cursor=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// One status, or `all`; default `pending`.
    status: Option<String>,
    /// 1 to 100, default 20.
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    cursor: Option<String>,
}

impl ListParams {
    /// The status to keep; `None` keeps every one.
    pub fn status(&self) -> Result<Option<ApprovalStatus>, ValidationError> {
        match self.status.as_deref().map(str::trim) {
            None | Some("") => Ok(Some(ApprovalStatus::Pending)),
            Some(s) if s.eq_ignore_ascii_case("all") => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                ValidationError::new(
                    "status",
                    "must be one of pending, approved, executed, failed, denied, expired, all",
                )
            }),
        }
    }

    pub fn page(&self) -> PageParams {
        PageParams { limit: self.limit.clone(), cursor: self.cursor.clone() }
    }
}

/// An approval as its owner sees it; every field is present (`null` when unset).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApprovalView {
    id: ApprovalId,
    task_id: Option<TaskId>,
    action_type: ActionType,
    /// The action's arguments, as it will run them.
    #[schema(value_type = Object)]
    details: Value,
    /// What will happen, in the words the user is asked with.
    summary: String,
    status: ApprovalStatus,
    /// Who asked: `assistant`, or the user's id for an approval made through the API.
    requested_by: String,
    /// Who decided (the user's id), approving or denying.
    approved_by: Option<String>,
    /// When it was decided.
    approved_at: Option<DateTime<Utc>>,
    decided_via: Option<Via>,
    reason: Option<String>,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    conversation_id: Option<ConversationId>,
    tool_call_id: Option<String>,
    /// What the user replies by SMS: `YES <code>` or `NO <code>`.
    code: ApprovalCode,
    /// What running it came to, once executed or failed.
    result: Option<String>,
    version: u64,
}

impl From<Approval> for ApprovalView {
    fn from(a: Approval) -> Self {
        Self {
            id: a.id,
            task_id: a.task_id,
            action_type: a.action_type,
            details: a.details,
            summary: a.summary,
            status: a.status,
            requested_by: a.requested_by,
            approved_by: a.approved_by,
            approved_at: a.approved_at,
            decided_via: a.decided_via,
            reason: a.reason,
            expires_at: a.expires_at,
            created_at: a.created_at,
            updated_at: a.updated_at,
            conversation_id: a.conversation_id,
            tool_call_id: a.tool_call_id,
            code: a.code,
            result: a.result,
            version: a.version,
        }
    }
}
