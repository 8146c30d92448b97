//! The audit log: every change of state that matters to a user's safety (approvals now),
//! with who made it, when, from which channel and address. Append-only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{AuditId, Ports, StoreError, UserId, approval::Via};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: AuditId,
    /// Whose data it concerns.
    pub user_id: UserId,
    pub at: DateTime<Utc>,
    /// Who: a user's id, `assistant`, or `system`.
    pub actor: String,
    /// What happened: `approval.requested`, `approval.approved`, `approval.executed`, …
    pub action: String,
    /// What it happened to (an approval's id).
    pub subject: String,
    pub via: Via,
    /// The caller's address, where there was one.
    pub ip: Option<String>,
    /// Facts worth keeping (a status change, a reason); never a message's text.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// Who and where a change comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub who: String,
    pub via: Via,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Self { who: "system".into(), via: Via::System, ip: None }
    }
    pub fn assistant() -> Self {
        Self { who: "assistant".into(), via: Via::Agent, ip: None }
    }
    pub fn user(id: UserId, via: Via, ip: Option<String>) -> Self {
        Self { who: id.to_string(), via, ip }
    }
}

/// Appends the entry for `action` on `subject`, now. Its id is named by them (sorting at
/// `happened`, the change's own time), so recording the same change again (a retry after a
/// later step failed) keeps one entry.
pub async fn record(
    p: &Ports,
    user: UserId,
    actor: &Actor,
    action: &str,
    subject: &str,
    happened: chrono::DateTime<chrono::Utc>,
    details: Value,
) -> Result<(), StoreError> {
    let entry = AuditEntry {
        id: AuditId::named(&format!("audit/{subject}/{action}"), happened),
        user_id: user,
        at: p.clock.now(),
        actor: actor.who.clone(),
        action: action.into(),
        subject: subject.into(),
        via: actor.via,
        ip: actor.ip.clone(),
        details,
    };
    match p.audit.append_audit(&entry).await {
        Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
