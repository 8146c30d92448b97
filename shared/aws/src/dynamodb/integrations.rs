//! Connected accounts and the sign-ins in flight.
//!
//! An integration is `PK = USER#<user>, SK = INTEG#<provider>`: one per user and provider.
//! While its `refresh_at` is set it is on the refresh index (`refresh-index`, projecting every
//! attribute) under `refresh_shard = REFRESH#<n>`, `n` a stable hash of user and provider over
//! [`REFRESH_SHARDS`] shards; `refresh_at` itself is the index's sort key, written fixed-width
//! to the nanosecond so that string order is time order and the value reads back exactly. When
//! it is `None` both attributes are absent and the item leaves the (sparse) index.
//!
//! An OAuth state is `PK = OSTATE#<key>, SK = OSTATE` (the key is already a digest of the
//! `state` parameter), with `ttl` at its `expires_at`. Taking it is one DeleteItem answering
//! the old item, so of two callbacks with one state only one gets it.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, SecondsFormat, Utc};
use nudge_domain::{Integration, IntegrationRepo, OAuthState, OAuthStateRepo, Provider, StoreError, UserId};
use tokio::task::JoinSet;

use super::{DynamoStore, Item, backend, from_item, s, to_item, user_pk};

const INTEGRATION: &str = "INTEG#";
const STATE: &str = "OSTATE";
/// Partitions of the refresh index. There are far fewer integrations than reminders, and the
/// refresh runs every 15 minutes: a few shards spread the writes enough.
const REFRESH_SHARDS: u32 = 8;
const REFRESH_INDEX: &str = "refresh-index";

fn integration_sk(provider: &Provider) -> String {
    format!("{INTEGRATION}{provider}")
}

/// The refresh shard of a user's integration with a provider: FNV-1a, stable across builds
/// (std's hasher promises no such thing).
fn refresh_shard(user: &UserId, provider: &Provider) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in user.to_string().bytes().chain([b'#']).chain(provider.as_str().bytes()) {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    format!("REFRESH#{}", h % REFRESH_SHARDS)
}

/// Fixed-width UTC to the nanosecond: string order is time order, and parsing it gives back the
/// very value stored (the index attribute is the record's own field).
fn refresh_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn integration_item(i: &Integration) -> Result<Item, StoreError> {
    let mut item = to_item(i)?;
    item.insert("PK".into(), s(user_pk(&i.user_id)));
    item.insert("SK".into(), s(integration_sk(&i.provider)));
    item.insert("entity".into(), s("integration"));
    // A NULL index key is refused: off the index, the attributes are absent.
    item.remove("refresh_at");
    if let Some(at) = i.refresh_at {
        item.insert("refresh_shard".into(), s(refresh_shard(&i.user_id, &i.provider)));
        item.insert("refresh_at".into(), s(refresh_key(at)));
    }
    Ok(item)
}

fn state_item(st: &OAuthState) -> Result<Item, StoreError> {
    let mut item = to_item(st)?;
    item.insert("PK".into(), s(format!("{STATE}#{}", st.key)));
    item.insert("SK".into(), s(STATE));
    item.insert("entity".into(), s("oauth_state"));
    item.insert("ttl".into(), AttributeValue::N(st.expires_at.timestamp().to_string()));
    Ok(item)
}

#[async_trait]
impl IntegrationRepo for DynamoStore {
    async fn put_integration(
        &self,
        i: &Integration,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let item = integration_item(i)?;
        match expected_version {
            None => {
                if self.put_if(item, "attribute_not_exists(PK)", None).await? {
                    Ok(())
                } else {
                    Err(StoreError::Conflict("already connected to this provider".into()))
                }
            }
            Some(v) => {
                let (pk, sk) = (user_pk(&i.user_id), integration_sk(&i.provider));
                self.replace_versioned(item, v, pk, sk).await
            }
        }
    }

    async fn get_integration(
        &self,
        owner: &UserId,
        provider: &Provider,
    ) -> Result<Option<Integration>, StoreError> {
        self.get(user_pk(owner), integration_sk(provider)).await?.map(from_item).transpose()
    }

    async fn list_integrations(&self, owner: &UserId) -> Result<Vec<Integration>, StoreError> {
        let mut out = vec![];
        let mut start_key: Option<Item> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", s(user_pk(owner)))
                .expression_attribute_values(":prefix", s(INTEGRATION))
                .consistent_read(true)
                .set_exclusive_start_key(start_key.take())
                .send()
                .await
                .map_err(backend)?;
            for item in page.items.unwrap_or_default() {
                out.push(from_item(item)?);
            }
            start_key = page.last_evaluated_key;
            if start_key.is_none() {
                // SK order is provider order.
                return Ok(out);
            }
        }
    }

    async fn delete_integration(&self, owner: &UserId, provider: &Provider) -> Result<bool, StoreError> {
        self.delete_existing(user_pk(owner), integration_sk(provider)).await
    }

    async fn refresh_due(&self, horizon: DateTime<Utc>) -> Result<Vec<Integration>, StoreError> {
        let mut shards = JoinSet::new();
        for n in 0..REFRESH_SHARDS {
            let (store, horizon) = (self.clone(), refresh_key(horizon));
            shards.spawn(async move {
                store
                    .shard_upto(
                        REFRESH_INDEX,
                        ("refresh_shard", format!("REFRESH#{n}")),
                        ("refresh_at", horizon),
                    )
                    .await
            });
        }
        let mut due = vec![];
        while let Some(done) = shards.join_next().await {
            for item in done.map_err(|e| StoreError::Backend(e.to_string()))?? {
                // One item that does not decode is logged and left: it must not stop every
                // other user's refresh.
                let key = item.get("SK").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                match from_item::<Integration>(item) {
                    Ok(i) => due.push(i),
                    Err(e) => tracing::error!(item = %key, error = %e, "refresh item skipped"),
                }
            }
        }
        due.sort_by_key(|i| i.refresh_at);
        Ok(due)
    }
}

#[async_trait]
impl OAuthStateRepo for DynamoStore {
    async fn put_state(&self, state: &OAuthState) -> Result<(), StoreError> {
        if self.put_if(state_item(state)?, "attribute_not_exists(PK)", None).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("oauth state key taken".into()))
        }
    }

    async fn take_state(&self, key: &str) -> Result<Option<OAuthState>, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(self.table())
            .key("PK", s(format!("{STATE}#{key}")))
            .key("SK", s(STATE))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(backend)?;
        out.attributes.filter(|a| !a.is_empty()).map(from_item).transpose()
    }

    async fn get_state(&self, key: &str) -> Result<Option<OAuthState>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(self.table())
            .key("PK", s(format!("{STATE}#{key}")))
            .key("SK", s(STATE))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        out.item.map(from_item).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_spread() {
        let user: UserId = "0190aaaa-0000-7000-8000-000000000001".parse().unwrap();
        let google = Provider::parse("google").unwrap();
        assert_eq!(refresh_shard(&user, &google), refresh_shard(&user, &google));
        let shards: std::collections::BTreeSet<_> = (0..64u128)
            .map(|n| refresh_shard(&UserId::from_uuid(uuid::Uuid::from_u128(n)), &google))
            .collect();
        assert_eq!(shards.len(), REFRESH_SHARDS as usize);
    }

    #[test]
    fn refresh_keys_sort_as_times_and_read_back_exactly() {
        let a: DateTime<Utc> = "2026-01-01T10:00:00Z".parse().unwrap();
        let b: DateTime<Utc> = "2026-01-01T10:00:00.000000001Z".parse().unwrap();
        assert!(refresh_key(a) < refresh_key(b));
        assert_eq!(refresh_key(a).len(), refresh_key(b).len());
        assert_eq!(refresh_key(b).parse::<DateTime<Utc>>().unwrap(), b);
    }
}
