//! Inbound SMS records and rate-limit counters: global rows, not under a user.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nudge_domain::{
    CounterRepo, InboundSmsRepo, StoreError,
    sms::{InboundSms, MessageSid},
};
use rusqlite::{OptionalExtension, params};

use crate::store::{SqliteStore, backend, from_json, time_key, to_json, version};

#[async_trait]
impl InboundSmsRepo for SqliteStore {
    async fn record_inbound(&self, m: &InboundSms) -> Result<Option<InboundSms>, StoreError> {
        let args = (m.sid.to_string(), version(m.version)?, time_key(m.expires_at), to_json(m)?);
        self.run(move |c| {
            let tx = c.transaction().map_err(backend)?;
            let inserted = tx
                .execute(
                    "INSERT INTO inbound_sms (sid, version, expires_at, body) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (sid) DO NOTHING",
                    params![args.0, args.1, args.2, args.3],
                )
                .map_err(backend)?;
            let stored = if inserted == 1 {
                None
            } else {
                let body: String = tx
                    .query_row("SELECT body FROM inbound_sms WHERE sid = ?1", [&args.0], |r| r.get(0))
                    .map_err(backend)?;
                Some(from_json(&body)?)
            };
            tx.commit().map_err(backend)?;
            Ok(stored)
        })
        .await
    }

    async fn get_inbound(&self, sid: &MessageSid) -> Result<Option<InboundSms>, StoreError> {
        self.one("SELECT body FROM inbound_sms WHERE sid = ?1", vec![sid.to_string()]).await
    }

    async fn replace_inbound(&self, m: &InboundSms, expected: u64) -> Result<(), StoreError> {
        let args =
            (m.sid.to_string(), version(m.version)?, time_key(m.expires_at), to_json(m)?, version(expected)?);
        self.run(move |c| {
            let changed = c
                .execute(
                    "UPDATE inbound_sms SET version = ?2, expires_at = ?3, body = ?4
                     WHERE sid = ?1 AND version = ?5",
                    params![args.0, args.1, args.2, args.3, args.4],
                )
                .map_err(backend)?;
            if changed == 1 {
                return Ok(());
            }
            // Gone, or moved on: as DynamoDB's store tells them apart.
            let exists: Option<i64> = c
                .query_row("SELECT 1 FROM inbound_sms WHERE sid = ?1", [&args.0], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            Err(if exists.is_some() {
                StoreError::Conflict("stale version".into())
            } else {
                StoreError::NotFound
            })
        })
        .await
    }
}

#[async_trait]
impl CounterRepo for SqliteStore {
    async fn hit(&self, key: &str, expires_at: DateTime<Utc>) -> Result<u64, StoreError> {
        let (key, expires_at) = (key.to_owned(), time_key(expires_at));
        self.run(move |c| {
            // One statement adds and reads the count, so concurrent hits each see their own.
            let n: i64 = c
                .query_row(
                    "INSERT INTO counters (key, n, expires_at) VALUES (?1, 1, ?2)
                     ON CONFLICT (key) DO UPDATE SET n = n + 1
                     RETURNING n",
                    params![key, expires_at],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            u64::try_from(n).map_err(|_| StoreError::Backend("corrupt record: negative counter".into()))
        })
        .await
    }
}
