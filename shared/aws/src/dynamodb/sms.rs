//! Inbound SMS records and rate-limit counters: global items, not under a user (a message from
//! an unknown number has no user), each with the table's `ttl` so that it expires on its own.

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    operation::put_item::PutItemError,
    types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure},
};
use chrono::{DateTime, Utc};
use nudge_domain::{
    CounterRepo, InboundSmsRepo, StoreError,
    sms::{InboundSms, MessageSid},
};

use super::{DynamoStore, Item, backend, from_item, s, to_item};

const INBOUND_SK: &str = "SMSIN";
const COUNTER_SK: &str = "COUNTER";

fn inbound_pk(sid: &MessageSid) -> String {
    format!("SMSIN#{sid}")
}

fn counter_pk(key: &str) -> String {
    format!("COUNTER#{key}")
}

/// The table's `ttl`: epoch seconds.
fn ttl(at: DateTime<Utc>) -> AttributeValue {
    AttributeValue::N(at.timestamp().to_string())
}

fn inbound_item(m: &InboundSms) -> Result<Item, StoreError> {
    let mut item = to_item(m)?;
    item.insert("PK".into(), s(inbound_pk(&m.sid)));
    item.insert("SK".into(), s(INBOUND_SK));
    item.insert("entity".into(), s("inbound_sms"));
    item.insert("ttl".into(), ttl(m.expires_at));
    Ok(item)
}

#[async_trait]
impl InboundSmsRepo for DynamoStore {
    async fn record_inbound(&self, m: &InboundSms) -> Result<Option<InboundSms>, StoreError> {
        // One call both records a new sid and, for a known one, answers what is stored.
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(inbound_item(m)?))
            .condition_expression("attribute_not_exists(PK)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(e) => match e.into_service_error() {
                PutItemError::ConditionalCheckFailedException(c) => match c.item {
                    Some(stored) => from_item(stored).map(Some),
                    // A backend that does not return the old item: read it.
                    None => self.get_inbound(&m.sid).await,
                },
                other => Err(backend(other)),
            },
        }
    }

    async fn get_inbound(&self, sid: &MessageSid) -> Result<Option<InboundSms>, StoreError> {
        self.get(inbound_pk(sid), INBOUND_SK).await?.map(from_item).transpose()
    }

    async fn replace_inbound(&self, m: &InboundSms, expected: u64) -> Result<(), StoreError> {
        self.replace_versioned(inbound_item(m)?, expected, inbound_pk(&m.sid), INBOUND_SK.into()).await
    }
}

#[async_trait]
impl CounterRepo for DynamoStore {
    async fn hit(&self, key: &str, expires_at: DateTime<Utc>) -> Result<u64, StoreError> {
        // ADD creates the counter at 0 if absent; the first hit sets when it expires.
        let out = self
            .client
            .update_item()
            .table_name(self.table())
            .key("PK", s(counter_pk(key)))
            .key("SK", s(COUNTER_SK))
            .update_expression("ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl), #entity = :entity")
            // `ttl` is a reserved word; name every attribute through a placeholder.
            .expression_attribute_names("#n", "n")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_names("#entity", "entity")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":ttl", ttl(expires_at))
            .expression_attribute_values(":entity", s("counter"))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(backend)?;
        let n = out.attributes.as_ref().and_then(|a| a.get("n"));
        n.and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Backend(format!("corrupt item: counter is {n:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_expiry() {
        let sid = MessageSid::parse("SM0a1b2c3d4e5f60718293a4b5c6d7e8f9").unwrap();
        assert_eq!(inbound_pk(&sid), "SMSIN#SM0a1b2c3d4e5f60718293a4b5c6d7e8f9");
        assert_eq!(counter_pk("sms:+14155550101:2026-11-22T11"), "COUNTER#sms:+14155550101:2026-11-22T11");
        let at = DateTime::parse_from_rfc3339("2026-03-05T00:00:00Z").unwrap().to_utc();
        assert_eq!(ttl(at), AttributeValue::N("1772668800".into()));
    }
}
