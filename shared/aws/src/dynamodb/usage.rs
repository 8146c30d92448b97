use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{Days, NaiveDate};
use nudge_domain::{StoreError, UsageRepo, UserId};

use super::{DynamoStore, Item, backend, s, user_pk};

/// How long a day's counter outlives the day: the budget only ever reads today's.
const KEEP_DAYS: u64 = 3;

fn usage_sk(day: NaiveDate) -> String {
    format!("USAGE#{}", day.format("%Y-%m-%d"))
}

/// When the counter may go (epoch seconds, the table's `ttl`): `KEEP_DAYS` after the day ends.
fn expires_at(day: NaiveDate) -> i64 {
    day.checked_add_days(Days::new(1 + KEEP_DAYS))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(i64::MAX, |t| t.and_utc().timestamp())
}

fn tokens_of(item: Option<&Item>) -> Result<u64, StoreError> {
    match item.and_then(|i| i.get("tokens")) {
        None => Ok(0),
        Some(v) => v
            .as_n()
            .ok()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Backend(format!("corrupt item: tokens is {v:?}"))),
    }
}

#[async_trait]
impl UsageRepo for DynamoStore {
    async fn add_tokens(&self, owner: &UserId, day: NaiveDate, tokens: u64) -> Result<u64, StoreError> {
        // ADD creates the counter at 0 if absent, so concurrent turns never lose an update.
        let out = self
            .client
            .update_item()
            .table_name(self.table())
            .key("PK", s(user_pk(owner)))
            .key("SK", s(usage_sk(day)))
            .update_expression("ADD #tokens :n SET #ttl = :ttl, #entity = :entity")
            // `ttl` is a reserved word; name every attribute through a placeholder.
            .expression_attribute_names("#tokens", "tokens")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_names("#entity", "entity")
            .expression_attribute_values(":n", AttributeValue::N(tokens.to_string()))
            .expression_attribute_values(":ttl", AttributeValue::N(expires_at(day).to_string()))
            .expression_attribute_values(":entity", s("usage"))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(backend)?;
        tokens_of(out.attributes.as_ref())
    }

    async fn tokens_on(&self, owner: &UserId, day: NaiveDate) -> Result<u64, StoreError> {
        tokens_of(self.get(user_pk(owner), usage_sk(day)).await?.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_expire_three_days_after_their_day() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(usage_sk(day), "USAGE#2026-03-01");
        // 2026-03-05T00:00:00Z
        assert_eq!(expires_at(day), 1_772_668_800);
    }
}
