//! Tokens spent per user per UTC day.

use async_trait::async_trait;
use chrono::{Days, NaiveDate};
use nudge_domain::{StoreError, UsageRepo, UserId};
use rusqlite::{OptionalExtension, params};

use crate::store::{SqliteStore, backend};

/// Days a counter outlives its own, as DynamoDB's `ttl` on the counter item has it.
const KEPT_DAYS: u64 = 3;

fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn count(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Backend("corrupt record: negative token count".into()))
}

#[async_trait]
impl UsageRepo for SqliteStore {
    async fn add_tokens(&self, owner: &UserId, day: NaiveDate, tokens: u64) -> Result<u64, StoreError> {
        let tokens = i64::try_from(tokens).map_err(|_| StoreError::Backend("token count overflow".into()))?;
        // A counter expires once `day` is more than KEPT_DAYS past its own: the owner's writes
        // sweep them, so the table stays a few rows per user without a sweeper.
        let expired_before = day.checked_sub_days(Days::new(KEPT_DAYS)).map(day_key);
        let (owner, day) = (owner.to_string(), day_key(day));
        self.run(move |c| {
            let tx = c.transaction().map_err(backend)?;
            // One statement adds and reads the total, so concurrent adds never lose one another.
            let total: i64 = tx
                .query_row(
                    "INSERT INTO token_usage (user_id, day, tokens) VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id, day) DO UPDATE SET tokens = tokens + excluded.tokens
                     RETURNING tokens",
                    params![owner, day, tokens],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if let Some(before) = expired_before {
                tx.execute("DELETE FROM token_usage WHERE user_id = ?1 AND day < ?2", params![owner, before])
                    .map_err(backend)?;
            }
            tx.commit().map_err(backend)?;
            count(total)
        })
        .await
    }

    async fn tokens_on(&self, owner: &UserId, day: NaiveDate) -> Result<u64, StoreError> {
        let (owner, day) = (owner.to_string(), day_key(day));
        self.run(move |c| {
            let n: Option<i64> = c
                .query_row(
                    "SELECT tokens FROM token_usage WHERE user_id = ?1 AND day = ?2",
                    params![owner, day],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            n.map_or(Ok(0), count)
        })
        .await
    }
}
