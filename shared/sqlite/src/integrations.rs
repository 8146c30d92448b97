//! Connected accounts and the sign-ins in flight, with DynamoDB's semantics: one integration per
//! user and provider, versioned writes, a sparse refresh index; a state is taken once.

use async_trait::async_trait;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use nudge_domain::{Integration, IntegrationRepo, OAuthState, OAuthStateRepo, Provider, StoreError, UserId};
use rusqlite::{OptionalExtension, params, types::Value};

use crate::store::{SqliteStore, backend, from_json, time_key, to_json, version, write_err};

/// How long past its expiry a state may linger, as DynamoDB's TTL lets an item linger.
const STATE_LINGER: Duration = Duration::days(1);

/// Fixed-width UTC to the nanosecond, as the DynamoDB store keys its refresh index, so both
/// stores draw the line at the same instant.
fn refresh_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// An integration's row: the key, the indexed columns and the body.
struct IntegrationRow {
    user_id: String,
    provider: String,
    version: i64,
    refresh_at: Option<String>,
    body: String,
}

impl IntegrationRow {
    fn of(i: &Integration) -> Result<Self, StoreError> {
        Ok(Self {
            user_id: i.user_id.to_string(),
            provider: i.provider.to_string(),
            version: version(i.version)?,
            refresh_at: i.refresh_at.map(refresh_key),
            body: to_json(i)?,
        })
    }
}

#[async_trait]
impl IntegrationRepo for SqliteStore {
    async fn put_integration(
        &self,
        i: &Integration,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let r = IntegrationRow::of(i)?;
        let Some(expected) = expected_version else {
            return self
                .run(move |c| {
                    c.execute(
                        "INSERT INTO integrations (user_id, provider, version, refresh_at, body)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![r.user_id, r.provider, r.version, r.refresh_at, r.body],
                    )
                    .map_err(|e| write_err(e, "already connected to this provider"))?;
                    Ok(())
                })
                .await;
        };
        let expected = version(expected)?;
        self.run(move |c| {
            let changed = c
                .execute(
                    "UPDATE integrations SET version = ?3, refresh_at = ?4, body = ?5
                     WHERE user_id = ?1 AND provider = ?2 AND version = ?6",
                    params![r.user_id, r.provider, r.version, r.refresh_at, r.body, expected],
                )
                .map_err(backend)?;
            if changed == 1 {
                return Ok(());
            }
            // Gone, or moved on: as DynamoDB's store tells them apart.
            let exists: bool = c
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM integrations WHERE user_id = ?1 AND provider = ?2)",
                    params![r.user_id, r.provider],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            Err(if exists { StoreError::Conflict("stale version".into()) } else { StoreError::NotFound })
        })
        .await
    }

    async fn get_integration(
        &self,
        owner: &UserId,
        provider: &Provider,
    ) -> Result<Option<Integration>, StoreError> {
        let args = vec![owner.to_string(), provider.to_string()];
        self.one("SELECT body FROM integrations WHERE user_id = ?1 AND provider = ?2", args).await
    }

    async fn list_integrations(&self, owner: &UserId) -> Result<Vec<Integration>, StoreError> {
        self.many(
            "SELECT body FROM integrations WHERE user_id = ?1 ORDER BY provider",
            vec![Value::Text(owner.to_string())],
        )
        .await
    }

    async fn delete_integration(&self, owner: &UserId, provider: &Provider) -> Result<bool, StoreError> {
        let (owner, provider) = (owner.to_string(), provider.to_string());
        self.run(move |c| {
            let n = c
                .execute("DELETE FROM integrations WHERE user_id = ?1 AND provider = ?2", [owner, provider])
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn refresh_due(&self, horizon: DateTime<Utc>) -> Result<Vec<Integration>, StoreError> {
        self.many(
            "SELECT body FROM integrations WHERE refresh_at IS NOT NULL AND refresh_at <= ?1
             ORDER BY refresh_at",
            vec![Value::Text(refresh_key(horizon))],
        )
        .await
    }
}

#[async_trait]
impl OAuthStateRepo for SqliteStore {
    async fn put_state(&self, state: &OAuthState) -> Result<(), StoreError> {
        let (key, expires_at, body) = (state.key.clone(), time_key(state.expires_at), to_json(state)?);
        let stale = time_key(state.created_at - STATE_LINGER);
        self.run(move |c| {
            let tx = c.transaction().map_err(backend)?;
            // Sign-ins nobody finished: cleared here, as DynamoDB's TTL clears them there.
            tx.execute("DELETE FROM oauth_states WHERE expires_at < ?1", [stale]).map_err(backend)?;
            tx.execute(
                "INSERT INTO oauth_states (key, expires_at, body) VALUES (?1, ?2, ?3)",
                params![key, expires_at, body],
            )
            .map_err(|e| write_err(e, "oauth state key taken"))?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn take_state(&self, key: &str) -> Result<Option<OAuthState>, StoreError> {
        let key = key.to_owned();
        self.run(move |c| {
            // One statement reads and deletes: two takers cannot both see the row.
            let body: Option<String> = c
                .query_row("DELETE FROM oauth_states WHERE key = ?1 RETURNING body", [key], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            body.as_deref().map(from_json).transpose()
        })
        .await
    }

    async fn get_state(&self, key: &str) -> Result<Option<OAuthState>, StoreError> {
        let key = key.to_owned();
        self.run(move |c| {
            let body: Option<String> = c
                .query_row("SELECT body FROM oauth_states WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            body.as_deref().map(from_json).transpose()
        })
        .await
    }
}
