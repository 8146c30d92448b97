//! Approvals, their reply codes, and the audit log.
//!
//! An approval is `PK = USER#<user>, SK = APPROVAL#<id>`; while pending it is on the due index
//! at its `expires_at` (as a reminder is at its next firing), so the tick finds it when it
//! expires; a decided one is put back without the index attributes and leaves it. It also
//! carries `expires_key` (its `expires_at`, fixed-width) so that conditions can compare times.
//!
//! A reply code is unique among a user's open approvals through one code item per code,
//! `PK = USER#<user>, SK = APPCODE#<code>`, naming the approval made with it last
//! (`approval_id`), with a `ttl` a day after that approval expires. The code item does not
//! know whether its approval is still open, and does not need to: inserting an approval reads
//! the code item, then in one TransactWriteItems
//! - Puts the approval if its id is free,
//! - Puts the code item, naming the new approval, if it is still as read (absent, or naming
//!   the same previous approval: another insert that took the code meanwhile fails it),
//! - and, when the code named a previous approval, checks (ConditionCheck) that this one is
//!   not open at the new one's `created_at`: gone, not `pending`, or `expires_key <= created_at`.
//!
//! The check and the writes are one serializable transaction, so a decision racing the insert
//! is either before it (the code is free) or after it (the insert is refused); two inserts
//! racing for one code cannot both win. Deciding an approval is a plain versioned Put that
//! never touches the code item. Because the code item always names the newest approval made
//! with the code, looking a code up is two GetItems. After the code item's `ttl` (a day past
//! its approval's expiry) a code finds nothing, which answers an SMS as an unknown code would.
//!
//! An audit entry is `PK = USER#<user>, SK = AUDIT#<id>` (UUIDv7 ids: SK order is time order),
//! put once and never changed.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
use chrono::Duration;
use nudge_domain::{
    Approval, ApprovalCode, ApprovalId, ApprovalRepo, ApprovalStatus, AuditEntry, AuditId, AuditRepo, Page,
    PageRequest, StoreError, UserId,
};

use super::{
    DynamoStore, Filter, Item, backend, from_item, reminders::schedule, s, time_key, to_item, user_pk,
};

const APPROVAL: &str = "APPROVAL#";
const CODE: &str = "APPCODE#";
const AUDIT: &str = "AUDIT#";

fn approval_sk(id: &ApprovalId) -> String {
    format!("{APPROVAL}{id}")
}

fn code_sk(code: &ApprovalCode) -> String {
    format!("{CODE}{code}")
}

fn approval_item(a: &Approval) -> Result<Item, StoreError> {
    let mut item = to_item(a)?;
    item.insert("PK".into(), s(user_pk(&a.user_id)));
    item.insert("SK".into(), s(approval_sk(&a.id)));
    item.insert("entity".into(), s("approval"));
    item.insert("expires_key".into(), s(time_key(a.expires_at)));
    // Pending: due when it expires; approved and not yet run: due a while after, in case its
    // run was lost; settled: off the index.
    schedule(&mut item, a.id.as_uuid(), a.due_at());
    Ok(item)
}

fn code_item(a: &Approval) -> Item {
    let ttl = (a.expires_at + Duration::days(1)).timestamp();
    Item::from([
        ("PK".into(), s(user_pk(&a.user_id))),
        ("SK".into(), s(code_sk(&a.code))),
        ("entity".into(), s("approval_code")),
        ("approval_id".into(), s(a.id.to_string())),
        ("expires_key".into(), s(time_key(a.expires_at))),
        ("ttl".into(), AttributeValue::N(ttl.to_string())),
    ])
}

/// The approval a code item names.
fn named_approval(item: &Item) -> Result<ApprovalId, StoreError> {
    item.get("approval_id")
        .and_then(|v| v.as_s().ok())
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| StoreError::Backend("corrupt approval code item".into()))
}

#[async_trait]
impl ApprovalRepo for DynamoStore {
    async fn insert_approval(&self, a: &Approval) -> Result<(), StoreError> {
        let pk = user_pk(&a.user_id);
        let previous = match self.get(pk.clone(), code_sk(&a.code)).await? {
            Some(item) => Some(named_approval(&item)?),
            None => None,
        };
        // The code item names approvals that exist (they are never deleted): this id is taken.
        if previous == Some(a.id) {
            return Err(StoreError::Conflict("approval id taken".into()));
        }
        let put_approval = Put::builder()
            .table_name(self.table())
            .set_item(Some(approval_item(a)?))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(backend)?;
        let put_code = Put::builder().table_name(self.table()).set_item(Some(code_item(a)));
        let put_code = match previous {
            None => put_code.condition_expression("attribute_not_exists(PK)"),
            Some(prev) => put_code
                .condition_expression("approval_id = :previous")
                .expression_attribute_values(":previous", s(prev.to_string())),
        };
        let mut tx = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put_approval).build())
            .transact_items(TransactWriteItem::builder().put(put_code.build().map_err(backend)?).build());
        if let Some(prev) = previous {
            let closed = ConditionCheck::builder()
                .table_name(self.table())
                .key("PK", s(pk))
                .key("SK", s(approval_sk(&prev)))
                .condition_expression(
                    "attribute_not_exists(PK) OR #status <> :pending OR expires_key <= :created",
                )
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":pending", s(ApprovalStatus::Pending.as_str()))
                .expression_attribute_values(":created", s(time_key(a.created_at)))
                .build()
                .map_err(backend)?;
            tx = tx.transact_items(TransactWriteItem::builder().condition_check(closed).build());
        }
        if self.transact(tx).await? {
            Ok(())
        } else {
            // The id is taken, the code names an open approval, another insert took the code
            // since it was read, or one is racing this one (TransactionConflict).
            Err(StoreError::Conflict("approval id taken, or its code names an open approval".into()))
        }
    }

    async fn get_approval(&self, owner: &UserId, id: &ApprovalId) -> Result<Option<Approval>, StoreError> {
        self.get(user_pk(owner), approval_sk(id)).await?.map(from_item).transpose()
    }

    async fn find_approval_by_code(
        &self,
        owner: &UserId,
        code: &ApprovalCode,
    ) -> Result<Option<Approval>, StoreError> {
        let Some(item) = self.get(user_pk(owner), code_sk(code)).await? else { return Ok(None) };
        self.get_approval(owner, &named_approval(&item)?).await
    }

    async fn replace_approval(&self, a: &Approval, expected_version: u64) -> Result<(), StoreError> {
        let (pk, sk) = (user_pk(&a.user_id), approval_sk(&a.id));
        self.replace_versioned(approval_item(a)?, expected_version, pk, sk).await
    }

    async fn list_approvals(
        &self,
        owner: &UserId,
        status: Option<ApprovalStatus>,
        page: &PageRequest<ApprovalId>,
    ) -> Result<Page<Approval, ApprovalId>, StoreError> {
        let mut filter = Filter::default();
        if let Some(status) = status {
            // `status` is a reserved word.
            filter.names.push(("#status".into(), "status".into()));
            filter.values.push((":status".into(), s(status.as_str())));
            filter.expression.push("#status = :status".into());
        }
        let after = page.after.map(|a| a.to_string());
        let items = self.list_kind(owner, APPROVAL, after, page.limit.get(), &filter).await?;
        Ok(Page::from_overfetch(items, page.limit, |a: &Approval| a.id))
    }
}

#[async_trait]
impl AuditRepo for DynamoStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut item = to_item(entry)?;
        item.insert("PK".into(), s(user_pk(&entry.user_id)));
        item.insert("SK".into(), s(format!("{AUDIT}{}", entry.id)));
        item.insert("entity".into(), s("audit"));
        if self.put_if(item, "attribute_not_exists(PK)", None).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("audit entry id taken".into()))
        }
    }

    async fn list_audit(
        &self,
        owner: &UserId,
        page: &PageRequest<AuditId>,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError> {
        let after = page.after.map(|a| a.to_string());
        let items = self.list_kind(owner, AUDIT, after, page.limit.get(), &Filter::default()).await?;
        Ok(Page::from_overfetch(items, page.limit, |e: &AuditEntry| e.id))
    }
}
