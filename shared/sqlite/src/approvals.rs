//! Approvals and the audit log.

use async_trait::async_trait;
use nudge_domain::{
    Approval, ApprovalCode, ApprovalId, ApprovalRepo, ApprovalStatus, AuditEntry, AuditId, AuditRepo, Page,
    PageRequest, StoreError, UserId,
};
use rusqlite::{params, types::Value};

use crate::store::{SqliteStore, backend, time_key, to_json, version, write_err};

/// An approval's row: the indexed columns and the body.
struct ApprovalRow {
    user_id: String,
    id: String,
    status: &'static str,
    code: String,
    expires_at: String,
    created_at: String,
    due_at: Option<String>,
    version: i64,
    body: String,
}

impl ApprovalRow {
    fn of(a: &Approval) -> Result<Self, StoreError> {
        Ok(Self {
            user_id: a.user_id.to_string(),
            id: a.id.to_string(),
            status: a.status.as_str(),
            code: a.code.as_str().to_owned(),
            expires_at: time_key(a.expires_at),
            created_at: time_key(a.created_at),
            due_at: a.due_at().map(time_key),
            version: version(a.version)?,
            body: to_json(a)?,
        })
    }
}

#[async_trait]
impl ApprovalRepo for SqliteStore {
    async fn insert_approval(&self, a: &Approval) -> Result<(), StoreError> {
        let r = ApprovalRow::of(a)?;
        self.run(move |c| {
            let tx = c.transaction().map_err(backend)?;
            // A code names one open approval: pending, and not expired when this one is made.
            let taken: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM approvals
                     WHERE user_id = ?1 AND code = ?2 AND status = 'pending' AND expires_at > ?3)",
                    params![r.user_id, r.code, r.created_at],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            if taken {
                return Err(StoreError::Conflict("the code names an open approval".into()));
            }
            tx.execute(
                "INSERT INTO approvals (user_id, id, status, code, expires_at, created_at, version, body, due_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![r.user_id, r.id, r.status, r.code, r.expires_at, r.created_at, r.version, r.body, r.due_at],
            )
            .map_err(|e| write_err(e, "approval id taken"))?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn get_approval(&self, owner: &UserId, id: &ApprovalId) -> Result<Option<Approval>, StoreError> {
        let args = vec![owner.to_string(), id.to_string()];
        self.one("SELECT body FROM approvals WHERE user_id = ?1 AND id = ?2", args).await
    }

    async fn find_approval_by_code(
        &self,
        owner: &UserId,
        code: &ApprovalCode,
    ) -> Result<Option<Approval>, StoreError> {
        let args = vec![owner.to_string(), code.as_str().to_owned()];
        self.one(
            "SELECT body FROM approvals WHERE user_id = ?1 AND code = ?2
             ORDER BY created_at DESC, id DESC LIMIT 1",
            args,
        )
        .await
    }

    async fn replace_approval(&self, a: &Approval, expected: u64) -> Result<(), StoreError> {
        let r = ApprovalRow::of(a)?;
        let expected = version(expected)?;
        self.run(move |c| {
            let changed = c
                .execute(
                    "UPDATE approvals SET status = ?3, code = ?4, expires_at = ?5, created_at = ?6,
                     version = ?7, body = ?8, due_at = ?10
                     WHERE user_id = ?1 AND id = ?2 AND version = ?9",
                    params![
                        r.user_id,
                        r.id,
                        r.status,
                        r.code,
                        r.expires_at,
                        r.created_at,
                        r.version,
                        r.body,
                        expected,
                        r.due_at
                    ],
                )
                .map_err(backend)?;
            if changed == 1 {
                return Ok(());
            }
            // Gone, or moved on: as DynamoDB's store tells them apart.
            let exists: bool = c
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM approvals WHERE user_id = ?1 AND id = ?2)",
                    params![r.user_id, r.id],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            Err(if exists { StoreError::Conflict("stale version".into()) } else { StoreError::NotFound })
        })
        .await
    }

    async fn list_approvals(
        &self,
        owner: &UserId,
        status: Option<ApprovalStatus>,
        page: &PageRequest<ApprovalId>,
    ) -> Result<Page<Approval, ApprovalId>, StoreError> {
        // "~" sorts after every id: no cursor means from the newest.
        let after = page.after.map(|a| a.to_string()).unwrap_or_else(|| "~".into());
        let limit = Value::Integer(page.limit.get() as i64 + 1);
        let items: Vec<Approval> = match status {
            Some(status) => {
                self.many(
                    "SELECT body FROM approvals WHERE user_id = ?1 AND status = ?2 AND id < ?3
                     ORDER BY id DESC LIMIT ?4",
                    vec![
                        Value::Text(owner.to_string()),
                        Value::Text(status.as_str().to_owned()),
                        Value::Text(after),
                        limit,
                    ],
                )
                .await?
            }
            None => {
                self.many(
                    "SELECT body FROM approvals WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                    vec![Value::Text(owner.to_string()), Value::Text(after), limit],
                )
                .await?
            }
        };
        Ok(Page::from_overfetch(items, page.limit, |a| a.id))
    }
}

#[async_trait]
impl AuditRepo for SqliteStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let row = (entry.user_id.to_string(), entry.id.to_string(), to_json(entry)?);
        self.run(move |c| {
            c.execute(
                "INSERT INTO audit (user_id, id, body) VALUES (?1, ?2, ?3)",
                params![row.0, row.1, row.2],
            )
            .map_err(|e| write_err(e, "audit entry id taken"))?;
            Ok(())
        })
        .await
    }

    async fn list_audit(
        &self,
        owner: &UserId,
        page: &PageRequest<AuditId>,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError> {
        let after = page.after.map(|a| a.to_string()).unwrap_or_else(|| "~".into());
        let items: Vec<AuditEntry> = self
            .many(
                "SELECT body FROM audit WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                vec![
                    Value::Text(owner.to_string()),
                    Value::Text(after),
                    Value::Integer(page.limit.get() as i64 + 1),
                ],
            )
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |e| e.id))
    }
}
