//! The production store: one DynamoDB table (declared once, in `template.yaml`).
//!
//! Every item hangs off its owner: `PK = USER#<user id>`, `SK = <kind>#<id>`, but for the few
//! that no user owns (the phone index, inbound SMS, rate-limit counters), each in a partition of
//! its own. Secondary indexes serve the patterns that do not start from a user. No path uses
//! Scan.
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
//! | due reminders, queued       | Query `due-index`, each of 16 shards in parallel:                  |
//! | notifications to resend,    | `due_shard = DUE#<nn> AND next_fire_at <= now`; kinds told apart   |
//! | pending approvals to expire | by `entity` (an approval is there at `expires_at` while pending)   |
//! | claim a firing              | TransactWriteItems: Put `NOTIF#<id>` if absent + Put the reminder  |
//! |                             | if its version is the one read                                     |
//! | a user's integration with a | GetItem `PK = USER#<id>, SK = INTEG#<provider>`                    |
//! | provider                    |                                                                    |
//! | a user's integrations       | Query `PK = USER#<id> AND begins_with(SK, INTEG#)` (provider order)|
//! | connect / update an         | PutItem if absent (new), or if its version is the one read; the    |
//! | integration                 | refresh-index attributes follow `refresh_at` (absent when `None`)  |
//! | tokens to refresh           | Query `refresh-index`, each of 8 shards in parallel:               |
//! |                             | `refresh_shard = REFRESH#<n> AND refresh_at <= horizon`            |
//! | a user's conversation       | GetItem `PK = USER#<id>, SK = CONV#<conversation id>`              |
//! | a user's conversations      | Query `PK = USER#<id> AND begins_with(SK, CONV#)`, backwards       |
//! | a conversation's messages,  | Query `PK = USER#<id> AND begins_with(SK, MSG#<conversation id>#)`,|
//! | newest first                | backwards (message ids are UUIDv7: SK order is time order)         |
//! | save a turn                 | TransactWriteItems: Put `CONV#<id>` if absent (new) or if its      |
//! |                             | version is the one read + Put each `MSG#<conv>#<id>` if absent     |
//! | a user's memory             | GetItem `PK = USER#<id>, SK = MEM#<memory id>`                     |
//! | a user's memories           | Query `PK = USER#<id> AND begins_with(SK, MEM#)`, backwards        |
//! | a user's customization      | GetItem `PK = USER#<id>, SK = PROMPT#<customization id>`           |
//! | a user's customizations for | Query `PK = USER#<id> AND begins_with(SK, PROMPT#)`, backwards;    |
//! | one agent                   | FilterExpression `agent_name = :agent`                             |
//! | tokens spent on a day (UTC) | GetItem `PK = USER#<id>, SK = USAGE#<yyyy-mm-dd>`                  |
//! | add tokens spent            | UpdateItem `ADD tokens :n`, returning the new total; `ttl` three   |
//! |                             | days after the day ends, so counters expire on their own           |
//! | add a notification that is  | PutItem `PK = USER#<id>, SK = NOTIF#<id>` if absent (the same item |
//! | no firing (an SMS reply)    | as a claimed firing's, due-index attributes included)              |
//! | an inbound SMS by sid       | GetItem `PK = SMSIN#<MessageSid>, SK = SMSIN` (global: an unknown  |
//! |                             | sender has no user); `ttl` = its `expires_at`                      |
//! | record an inbound SMS once  | PutItem if absent, `ReturnValuesOnConditionCheckFailure = ALL_OLD`:|
//! |                             | a known sid answers the stored record, unchanged                   |
//! | replace an inbound SMS      | PutItem if its version is the one read                             |
//! | hit a rate-limit counter    | UpdateItem `PK = COUNTER#<key>, SK = COUNTER`: `ADD n :one SET ttl |
//! |                             | = if_not_exists(ttl, :ttl)`, returning the new count               |
//! | a user's approval           | GetItem `PK = USER#<id>, SK = APPROVAL#<approval id>`              |
//! | a user's approvals, newest  | Query `PK = USER#<id> AND begins_with(SK, APPROVAL#)`, backwards;  |
//! | first, of one status        | FilterExpression `#status = :status` when one is asked for         |
//! | add an approval             | GetItem `APPCODE#<code>` (which approval the code names, if any),  |
//! |                             | then TransactWriteItems: Put `APPROVAL#<id>` if absent + Put       |
//! |                             | `APPCODE#<code>` if still as read + ConditionCheck that the        |
//! |                             | approval it named is not open (approvals.rs explains)              |
//! | an approval by reply code   | GetItem `PK = USER#<id>, SK = APPCODE#<code>` → approval id →      |
//! |                             | GetItem the approval (the newest made with the code)               |
//! | decide / expire an approval | PutItem if its version is the one read; a decided one leaves the   |
//! |                             | due index                                                          |
//! | append to the audit log     | PutItem `PK = USER#<id>, SK = AUDIT#<entry id>` if absent          |
//! | a user's audit log, newest  | Query `PK = USER#<id> AND begins_with(SK, AUDIT#)`, backwards      |
//! | first                       | (entry ids are UUIDv7: SK order is time order)                     |
//! | start a sign-in (OAuth)     | PutItem `PK = OSTATE#<key>, SK = OSTATE` if absent; `ttl` = its    |
//! |                             | `expires_at`                                                       |
//! | take a sign-in's state once | DeleteItem `ReturnValues = ALL_OLD`: the old item, or nothing      |
//!
//! No `SK` prefix is a prefix of another kind's (`CONV#`, `MSG#`, `MEM#`, `PROMPT#`, `USAGE#`,
//! `TASK#`, `REMINDER#`, `NOTIF#`, `APPROVAL#`, `APPCODE#`, `AUDIT#`, `INTEG#`, `PROFILE`, and on
//! their own partitions `PHONE`, `SMSIN`, `COUNTER`, `OSTATE`), so each `begins_with` reads one
//! kind only.
//!
//! The phone item is written in the same transaction as the user, with `attribute_not_exists`:
//! it is the phone → user index and what makes a phone number name one user (a GSI could find
//! the user but could not keep the number unique).

mod approvals;
mod conversations;
mod integrations;
mod memories;
mod prompts;
mod reminders;
mod sms;
mod tasks;
mod usage;
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

    /// PutItem if the stored version is `expected`; tells a stale version from a missing item.
    pub(crate) async fn replace_versioned(
        &self,
        item: Item,
        expected: u64,
        pk: String,
        sk: String,
    ) -> Result<(), StoreError> {
        let condition = "attribute_exists(PK) AND version = :expected";
        if self.put_if(item, condition, Some((":expected", version(expected)))).await? {
            return Ok(());
        }
        // Gone, or moved on: one consistent read tells which (the rare path only).
        match self.get(pk, sk).await? {
            Some(_) => Err(StoreError::Conflict("stale version".into())),
            None => Err(StoreError::NotFound),
        }
    }
}

/// A FilterExpression with its attribute names and values; empty keeps every item.
#[derive(Default)]
pub(crate) struct Filter {
    pub expression: Vec<String>,
    pub names: Vec<(String, String)>,
    pub values: Vec<(String, AttributeValue)>,
}

impl DynamoStore {
    /// Sends a TransactWriteItems: `Ok(false)` when it was refused because a condition failed
    /// or another transaction on the same items was under way (someone else got there first);
    /// any other failure is the backend's.
    pub(crate) async fn transact(
        &self,
        tx: aws_sdk_dynamodb::operation::transact_write_items::builders::TransactWriteItemsFluentBuilder,
    ) -> Result<bool, StoreError> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        match tx.send().await {
            Ok(_) => Ok(true),
            Err(e) => match e.into_service_error() {
                TransactWriteItemsError::TransactionCanceledException(c)
                    if c.cancellation_reasons().iter().any(|r| {
                        matches!(r.code(), Some("ConditionalCheckFailed" | "TransactionConflict"))
                    }) =>
                {
                    Ok(false)
                }
                other => Err(backend(other)),
            },
        }
    }

    /// Every entry of one shard of a sharded, sparse index (the due index, the refresh index)
    /// whose time is at or before `upto`, all pages: `<shard_key> = :shard AND <time_key> <= :upto`.
    pub(crate) async fn shard_upto(
        &self,
        index: &str,
        (shard_key, shard): (&str, String),
        (time_key, upto): (&str, String),
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = vec![];
        let mut start_key: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(self.table())
                .index_name(index)
                .key_condition_expression(format!("{shard_key} = :shard AND {time_key} <= :upto"))
                .expression_attribute_values(":shard", s(&shard))
                .expression_attribute_values(":upto", s(&upto))
                .set_exclusive_start_key(start_key.take())
                .send()
                .await
                .map_err(backend)?;
            items.extend(out.items.unwrap_or_default());
            start_key = out.last_evaluated_key;
            if start_key.is_none() {
                return Ok(items);
            }
        }
    }

    /// One kind of a user's items (`SK` starting with `prefix`), newest first (ids are
    /// UUIDv7), after a cursor, that pass `filter`: one more than `limit` when there are more.
    pub(crate) async fn list_kind<T: serde::de::DeserializeOwned>(
        &self,
        owner: &impl std::fmt::Display,
        prefix: &str,
        after: Option<String>,
        limit: usize,
        filter: &Filter,
    ) -> Result<Vec<T>, StoreError> {
        let after_sk = after.map(|a| format!("{prefix}{a}"));
        let key_condition = if after_sk.is_some() {
            "PK = :pk AND SK BETWEEN :lo AND :hi"
        } else {
            "PK = :pk AND begins_with(SK, :lo)"
        };
        // Unfiltered, one more item than the page tells whether there is a next one; filtered,
        // a bigger read saves round trips (DynamoDB applies Limit before the filter).
        let read_size = if filter.expression.is_empty() { limit + 1 } else { 100.max(limit + 1) };
        let mut items = Vec::with_capacity(limit + 1);
        let mut start_key: Option<Item> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(self.table())
                .key_condition_expression(key_condition)
                .expression_attribute_values(":pk", s(user_pk(owner)))
                .expression_attribute_values(":lo", s(prefix))
                .scan_index_forward(false)
                .consistent_read(true)
                .limit(read_size as i32)
                .set_exclusive_start_key(start_key.take());
            if let Some(hi) = &after_sk {
                q = q.expression_attribute_values(":hi", s(hi));
            }
            if !filter.expression.is_empty() {
                q = q.filter_expression(filter.expression.join(" AND "));
                for (k, v) in &filter.names {
                    q = q.expression_attribute_names(k, v);
                }
                for (k, v) in &filter.values {
                    q = q.expression_attribute_values(k, v.clone());
                }
            }
            let out = q.send().await.map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                // BETWEEN is inclusive: the cursor's own item was on the last page.
                if item.get("SK").and_then(|v| v.as_s().ok()) == after_sk.as_ref() {
                    continue;
                }
                items.push(from_item(item)?);
            }
            start_key = out.last_evaluated_key;
            if items.len() > limit || start_key.is_none() {
                return Ok(items);
            }
        }
    }

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

pub(crate) fn version(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
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
