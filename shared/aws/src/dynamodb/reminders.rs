use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::{DateTime, Utc};
use nudge_domain::{
    Due, Notification, NotificationId, NotificationRepo, Page, PageRequest, Reminder, ReminderId,
    ReminderRepo, StoreError, UserId,
};
use tokio::task::JoinSet;

use super::{DynamoStore, Filter, Item, backend, from_item, s, time_key, to_item, user_pk, version};

const REMINDER: &str = "REMINDER#";
const NOTIFICATION: &str = "NOTIF#";
/// Partitions of the due index. Writes spread over them; a tick reads them all in parallel.
pub const DUE_SHARDS: u8 = 16;
const DUE_INDEX: &str = "due-index";

fn shard_of(id: &uuid::Uuid) -> String {
    format!("DUE#{:02}", id.as_bytes()[15] % DUE_SHARDS)
}

/// Puts an item in the due index at `at`, or keeps it out (the index is sparse).
pub(super) fn schedule(item: &mut Item, id: &uuid::Uuid, at: Option<DateTime<Utc>>) {
    item.remove("next_fire_at");
    if let Some(at) = at {
        item.insert("due_shard".into(), s(shard_of(id)));
        // Fixed-width, so the index's string order is time order.
        item.insert("next_fire_at".into(), s(time_key(at)));
    }
}

/// The DynamoDB item of a reminder, due-index attributes included, as every write of this store
/// puts it: for bulk loading in benchmarks (BatchWriteItem), which the store itself never does.
pub fn reminder_item(r: &Reminder) -> Result<std::collections::HashMap<String, AttributeValue>, StoreError> {
    let mut item = to_item(r)?;
    item.insert("PK".into(), s(user_pk(&r.user_id)));
    item.insert("SK".into(), s(format!("{REMINDER}{}", r.id)));
    item.insert("entity".into(), s("reminder"));
    schedule(&mut item, r.id.as_uuid(), r.next_fire_at);
    Ok(item)
}

fn notification_item(n: &Notification) -> Result<Item, StoreError> {
    let mut item = to_item(n)?;
    item.insert("PK".into(), s(user_pk(&n.user_id)));
    item.insert("SK".into(), s(format!("{NOTIFICATION}{}", n.id)));
    item.insert("entity".into(), s("notification"));
    schedule(&mut item, n.id.as_uuid(), n.redispatch_at);
    Ok(item)
}

#[async_trait]
impl ReminderRepo for DynamoStore {
    async fn insert_reminder(&self, r: &Reminder) -> Result<(), StoreError> {
        if self.put_if(reminder_item(r)?, "attribute_not_exists(PK)", None).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("reminder id taken".into()))
        }
    }

    async fn get_reminder(&self, owner: &UserId, id: &ReminderId) -> Result<Option<Reminder>, StoreError> {
        self.get(user_pk(owner), format!("{REMINDER}{id}")).await?.map(from_item).transpose()
    }

    async fn replace_reminder(&self, r: &Reminder, expected: u64) -> Result<(), StoreError> {
        let (pk, sk) = (user_pk(&r.user_id), format!("{REMINDER}{}", r.id));
        self.replace_versioned(reminder_item(r)?, expected, pk, sk).await
    }

    async fn delete_reminder(&self, owner: &UserId, id: &ReminderId) -> Result<bool, StoreError> {
        self.delete_existing(user_pk(owner), format!("{REMINDER}{id}")).await
    }

    async fn list_reminders(
        &self,
        owner: &UserId,
        page: &PageRequest<ReminderId>,
    ) -> Result<Page<Reminder, ReminderId>, StoreError> {
        let items = self
            .list_kind(
                owner,
                REMINDER,
                page.after.map(|a| a.to_string()),
                page.limit.get(),
                &Filter::default(),
            )
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |r: &Reminder| r.id))
    }

    async fn due(&self, now: DateTime<Utc>) -> Result<Due, StoreError> {
        let mut shards = JoinSet::new();
        for n in 0..DUE_SHARDS {
            let (store, now) = (self.clone(), time_key(now));
            shards.spawn(async move {
                store.shard_upto(DUE_INDEX, ("due_shard", format!("DUE#{n:02}")), ("next_fire_at", now)).await
            });
        }
        let mut due = Due::default();
        while let Some(done) = shards.join_next().await {
            let items = done.map_err(|e| StoreError::Backend(e.to_string()))??;
            due.items_read += items.len();
            for item in items {
                // An item that does not decode is logged and left: it must not stop everyone's tick.
                let key = item.get("SK").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let decoded = match item.get("entity").and_then(|v| v.as_s().ok()).map(String::as_str) {
                    Some("reminder") => from_item(item).map(|r| due.reminders.push(r)),
                    Some("notification") => from_item(item).map(|n| due.notifications.push(n)),
                    Some("approval") => from_item(item).map(|a| due.approvals.push(a)),
                    _ => Ok(()),
                };
                if let Err(e) = decoded {
                    tracing::error!(item = %key, error = %e, "due item skipped");
                }
            }
        }
        due.reminders.sort_by_key(|r| r.next_fire_at);
        due.approvals.sort_by_key(|a: &nudge_domain::Approval| a.expires_at);
        Ok(due)
    }
}

#[async_trait]
impl NotificationRepo for DynamoStore {
    async fn claim_firing(
        &self,
        n: &Notification,
        reminder: &Reminder,
        expected: u64,
    ) -> Result<bool, StoreError> {
        let claim = Put::builder()
            .table_name(self.table())
            .set_item(Some(notification_item(n)?))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(backend)?;
        let advance = Put::builder()
            .table_name(self.table())
            .set_item(Some(reminder_item(reminder)?))
            .condition_expression("attribute_exists(PK) AND version = :expected")
            .expression_attribute_values(":expected", version(expected))
            .build()
            .map_err(backend)?;
        // Refused when claimed or advanced by another tick, or racing one right now
        // (TransactionConflict): either way this tick does not fire it.
        self.transact(
            self.client
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().put(claim).build())
                .transact_items(TransactWriteItem::builder().put(advance).build()),
        )
        .await
    }

    async fn get_notification(
        &self,
        owner: &UserId,
        id: &NotificationId,
    ) -> Result<Option<Notification>, StoreError> {
        self.get(user_pk(owner), format!("{NOTIFICATION}{id}")).await?.map(from_item).transpose()
    }

    async fn replace_notification(&self, n: &Notification, expected: u64) -> Result<(), StoreError> {
        let (pk, sk) = (user_pk(&n.user_id), format!("{NOTIFICATION}{}", n.id));
        self.replace_versioned(notification_item(n)?, expected, pk, sk).await
    }

    async fn insert_notification(&self, n: &Notification) -> Result<bool, StoreError> {
        // The same item as a claimed firing's, so the due index and every read see it alike.
        self.put_if(notification_item(n)?, "attribute_not_exists(PK)", None).await
    }

    async fn list_notifications(
        &self,
        owner: &UserId,
        page: &PageRequest<NotificationId>,
    ) -> Result<Page<Notification, NotificationId>, StoreError> {
        let items = self
            .list_kind(
                owner,
                NOTIFICATION,
                page.after.map(|a| a.to_string()),
                page.limit.get(),
                &Filter::default(),
            )
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |n: &Notification| n.id))
    }
}
