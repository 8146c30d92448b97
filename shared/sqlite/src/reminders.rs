//! Reminders, notifications and the claim of a firing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nudge_domain::{
    Approval, Due, Notification, NotificationId, NotificationRepo, Page, PageRequest, Reminder, ReminderId,
    ReminderRepo, StoreError, UserId,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use rusqlite::types::Value;

use crate::store::{SqliteStore, backend, time_key, to_json, version};

fn put_reminder(tx: &Transaction<'_>, r: &Reminder, expected: u64) -> Result<(), StoreError> {
    let current: Option<i64> = tx
        .query_row(
            "SELECT version FROM reminders WHERE user_id = ?1 AND id = ?2",
            [r.user_id.to_string(), r.id.to_string()],
            |row| row.get(0),
        )
        .optional()
        .map_err(backend)?;
    match current {
        None => return Err(StoreError::NotFound),
        Some(v) if v != version(expected)? => return Err(StoreError::Conflict("stale version".into())),
        Some(_) => {}
    }
    tx.execute(
        "UPDATE reminders SET version = ?3, fire_key = ?4, body = ?5 WHERE user_id = ?1 AND id = ?2",
        params![
            r.user_id.to_string(),
            r.id.to_string(),
            version(r.version)?,
            r.next_fire_at.map(time_key),
            to_json(r)?
        ],
    )
    .map_err(backend)?;
    Ok(())
}

/// Adds a notification unless its id is taken (`Ok(false)`, nothing changed).
fn insert_notification_row(c: &Connection, n: &Notification) -> Result<bool, StoreError> {
    let inserted = c
        .execute(
            "INSERT OR IGNORE INTO notifications (user_id, id, version, redispatch_key, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                n.user_id.to_string(),
                n.id.to_string(),
                version(n.version)?,
                n.redispatch_at.map(time_key),
                to_json(n)?
            ],
        )
        .map_err(backend)?;
    Ok(inserted == 1)
}

#[async_trait]
impl ReminderRepo for SqliteStore {
    async fn insert_reminder(&self, r: &Reminder) -> Result<(), StoreError> {
        let args =
            (r.user_id.to_string(), r.id.to_string(), version(r.version)?, r.next_fire_at.map(time_key));
        let body = to_json(r)?;
        self.run(move |c| {
            c.execute(
                "INSERT INTO reminders (user_id, id, version, fire_key, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![args.0, args.1, args.2, args.3, body],
            )
            .map_err(|e| crate::store::write_err(e, "reminder id taken"))?;
            Ok(())
        })
        .await
    }

    async fn get_reminder(&self, owner: &UserId, id: &ReminderId) -> Result<Option<Reminder>, StoreError> {
        let args = vec![owner.to_string(), id.to_string()];
        self.one("SELECT body FROM reminders WHERE user_id = ?1 AND id = ?2", args).await
    }

    async fn replace_reminder(&self, r: &Reminder, expected: u64) -> Result<(), StoreError> {
        let r = r.clone();
        self.run(move |c| {
            let tx = c.transaction().map_err(backend)?;
            put_reminder(&tx, &r, expected)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn delete_reminder(&self, owner: &UserId, id: &ReminderId) -> Result<bool, StoreError> {
        let (owner, id) = (owner.to_string(), id.to_string());
        self.run(move |c| {
            let n = c
                .execute("DELETE FROM reminders WHERE user_id = ?1 AND id = ?2", [owner, id])
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn list_reminders(
        &self,
        owner: &UserId,
        page: &PageRequest<ReminderId>,
    ) -> Result<Page<Reminder, ReminderId>, StoreError> {
        let after = page.after.map(|a| a.to_string()).unwrap_or_else(|| "~".into());
        let items: Vec<Reminder> = self
            .many(
                "SELECT body FROM reminders WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                vec![
                    Value::Text(owner.to_string()),
                    Value::Text(after),
                    Value::Integer(page.limit.get() as i64 + 1),
                ],
            )
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |r| r.id))
    }

    async fn due(&self, now: DateTime<Utc>) -> Result<Due, StoreError> {
        let key = time_key(now);
        let reminders: Vec<Reminder> = self
            .many(
                "SELECT body FROM reminders WHERE fire_key <= ?1 ORDER BY fire_key",
                vec![Value::Text(key.clone())],
            )
            .await?;
        let notifications: Vec<Notification> = self
            .many("SELECT body FROM notifications WHERE redispatch_key <= ?1", vec![Value::Text(key.clone())])
            .await?;
        let approvals: Vec<Approval> = self
            .many(
                "SELECT body FROM approvals WHERE due_at IS NOT NULL AND due_at <= ?1 ORDER BY due_at",
                vec![Value::Text(key)],
            )
            .await?;
        Ok(Due {
            items_read: reminders.len() + notifications.len() + approvals.len(),
            reminders,
            notifications,
            approvals,
        })
    }
}

#[async_trait]
impl NotificationRepo for SqliteStore {
    async fn claim_firing(
        &self,
        n: &Notification,
        reminder: &Reminder,
        expected: u64,
    ) -> Result<bool, StoreError> {
        let (n, r) = (n.clone(), reminder.clone());
        self.run(move |c| {
            let tx = c.transaction().map_err(backend)?;
            if !insert_notification_row(&tx, &n)? {
                return Ok(false);
            }
            match put_reminder(&tx, &r, expected) {
                Ok(()) => {}
                Err(StoreError::Conflict(_) | StoreError::NotFound) => return Ok(false),
                Err(e) => return Err(e),
            }
            tx.commit().map_err(backend)?;
            Ok(true)
        })
        .await
    }

    async fn get_notification(
        &self,
        owner: &UserId,
        id: &NotificationId,
    ) -> Result<Option<Notification>, StoreError> {
        let args = vec![owner.to_string(), id.to_string()];
        self.one("SELECT body FROM notifications WHERE user_id = ?1 AND id = ?2", args).await
    }

    async fn replace_notification(&self, n: &Notification, expected: u64) -> Result<(), StoreError> {
        let args = (
            n.user_id.to_string(),
            n.id.to_string(),
            version(n.version)?,
            n.redispatch_at.map(time_key),
            to_json(n)?,
            version(expected)?,
        );
        self.run(move |c| {
            let changed = c
                .execute(
                    "UPDATE notifications SET version = ?3, redispatch_key = ?4, body = ?5
                     WHERE user_id = ?1 AND id = ?2 AND version = ?6",
                    params![args.0, args.1, args.2, args.3, args.4, args.5],
                )
                .map_err(backend)?;
            if changed == 1 {
                return Ok(());
            }
            // Gone, or moved on: as DynamoDB's store tells them apart.
            let exists: bool = c
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM notifications WHERE user_id = ?1 AND id = ?2)",
                    params![args.0, args.1],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            Err(if exists { StoreError::Conflict("stale version".into()) } else { StoreError::NotFound })
        })
        .await
    }

    async fn insert_notification(&self, n: &Notification) -> Result<bool, StoreError> {
        let n = n.clone();
        self.run(move |c| insert_notification_row(c, &n)).await
    }

    async fn list_notifications(
        &self,
        owner: &UserId,
        page: &PageRequest<NotificationId>,
    ) -> Result<Page<Notification, NotificationId>, StoreError> {
        let after = page.after.map(|a| a.to_string()).unwrap_or_else(|| "~".into());
        let items: Vec<Notification> = self
            .many(
                "SELECT body FROM notifications WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                vec![
                    Value::Text(owner.to_string()),
                    Value::Text(after),
                    Value::Integer(page.limit.get() as i64 + 1),
                ],
            )
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |n| n.id))
    }
}
