//! The production store: one DynamoDB table (declared once, in `template.yaml`).
//!
//! Every item hangs off its owner: `PK = USER#<user id>`, `SK = <kind>#<id>`. Secondary indexes
//! serve the patterns that do not start from a user. No path uses Scan.
//!
//! | access pattern              | key condition                                                      |
//! |-----------------------------|--------------------------------------------------------------------|
//! | user by id                  | GetItem `PK = USER#<id>, SK = PROFILE`                             |
//! | user by phone               | GetItem `PK = PHONE#<e164>, SK = PHONE` → user id → user by id     |
//! | a user's task               | GetItem `PK = USER#<id>, SK = TASK#<task id>`                      |
//! | a user's tasks, newest first| Query `PK = USER#<id> AND begins_with(SK, TASK#)`, backwards; after |
//! |                             | a cursor `SK BETWEEN TASK# AND TASK#<last id>`; filters as a       |
//! |                             | FilterExpression on `status`, `priority`, `due_key`                |
//! | a user's reminders          | Query `PK = USER#<id> AND begins_with(SK, REMINDER#)`, backwards   |
//! | a user's notifications      | Query `PK = USER#<id> AND begins_with(SK, NOTIF#)`, backwards      |
//! | due reminders, and queued   | Query `due-index`, each of 16 shards in parallel:                  |
//! | notifications to resend     | `due_shard = DUE#<nn> AND next_fire_at <= now`                     |
//! | claim a firing              | TransactWriteItems: Put `NOTIF#<id>` if absent + Put the reminder  |
//! |                             | if its version is the one read                                     |
//! | tokens to refresh (later)   | Query `refresh-index`: `refresh_shard = REFRESH#<n> AND refresh_at <= t` |
//!
//! The phone item is written in the same transaction as the user, with `attribute_not_exists`:
//! it is the phone → user index and what makes a phone number name one user (a GSI could find
//! the user but could not keep the number unique).

mod reminders;
mod tasks;
mod users;

pub use reminders::{DUE_SHARDS, reminder_item};

use std::collections::HashMap;

use aws_sdk_dynamodb::{
    Client,
    error::DisplayErrorContext,
    operation::{delete_item::DeleteItemError, put_item::PutItemError},
    types::AttributeValue,
};
use chrono::{DateTime, SecondsFormat, Utc};
use nudge_domain::StoreError;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// The single-table store. Cheap to clone: the SDK client is shared.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
    pub fn table(&self) -> &str {
        &self.table
    }

    /// GetItem, strongly consistent: a client reads its own writes.
    pub(crate) async fn get(&self, pk: String, sk: impl Into<String>) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(self.table())
            .key("PK", s(pk))
            .key("SK", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item)
    }

    /// PutItem under a condition: `Ok(false)` when the condition did not hold.
    pub(crate) async fn put_if(
        &self,
        item: Item,
        condition: &str,
        value: Option<(&str, AttributeValue)>,
    ) -> Result<bool, StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression(condition);
        if let Some((name, v)) = value {
            put = put.expression_attribute_values(name, v);
        }
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) => match e.into_service_error() {
                PutItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(backend(other)),
            },
        }
    }
}

impl DynamoStore {
    /// DeleteItem if the item exists: `Ok(false)` when there was none.
    pub(crate) async fn delete_existing(&self, pk: String, sk: String) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(self.table())
            .key("PK", s(pk))
            .key("SK", s(sk))
            .condition_expression("attribute_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => match e.into_service_error() {
                DeleteItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(backend(other)),
            },
        }
    }
}

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn user_pk(id: &impl std::fmt::Display) -> String {
    format!("USER#{id}")
}

/// Fixed-width UTC, so that comparing the strings compares the times.
pub(crate) fn time_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn backend<E>(e: E) -> StoreError
where
    E: std::error::Error + 'static,
{
    StoreError::Backend(format!("dynamodb: {}", DisplayErrorContext(e)))
}

pub(crate) fn to_item<T: serde::Serialize>(v: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(v).map_err(|e| StoreError::Backend(format!("encode item: {e}")))
}

pub(crate) fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Backend(format!("corrupt item: {e}")))
}
