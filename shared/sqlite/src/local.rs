//! The local stack's queues and outbox: what SQS and the SMS/e-mail providers are in AWS.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use nudge_domain::{
    Address, AgentMessage, AgentQueue, Notification, NotifyMessage, NotifyQueue, SendError, Sender,
    StoreError,
};
use rusqlite::params;
use serde::{Serialize, de::DeserializeOwned};

use crate::store::{SqliteStore, backend, from_json, time_key, to_json};

/// Receives after which a message is dead-lettered, as SQS's redrive policy does.
pub const MAX_RECEIVES: i64 = 5;

/// Which local queue: the one table holds both, as two SQS queues do in AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueName {
    /// Notifications to deliver ([`NotifyMessage`]).
    Notify,
    /// Agent work off the response path ([`AgentMessage`]).
    Agent,
}

impl QueueName {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Notify => "notify",
            QueueName::Agent => "agent",
        }
    }
}

/// A message taken off a local queue: invisible to others until acked or its time is up.
#[derive(Debug)]
pub struct Received<M = NotifyMessage> {
    pub id: i64,
    pub message: M,
    pub receives: i64,
}

impl SqliteStore {
    async fn push(&self, queue: QueueName, body: String) -> Result<(), StoreError> {
        let now = time_key(Utc::now());
        self.run(move |c| {
            c.execute(
                "INSERT INTO queue (name, body, visible_at) VALUES (?1, ?2, ?3)",
                params![queue.as_str(), body, now],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl NotifyQueue for SqliteStore {
    async fn enqueue(&self, m: &NotifyMessage) -> Result<(), StoreError> {
        self.push(QueueName::Notify, to_json(m)?).await
    }
}

#[async_trait]
impl AgentQueue for SqliteStore {
    async fn enqueue_agent(&self, m: &AgentMessage) -> Result<(), StoreError> {
        self.push(QueueName::Agent, to_json(m)?).await
    }
}

impl SqliteStore {
    /// Up to `max` visible messages of `queue`, each hidden for `visibility`; one received too
    /// often is dead-lettered instead. `M` is what that queue carries.
    pub async fn receive<M>(
        &self,
        queue: QueueName,
        now: DateTime<Utc>,
        max: usize,
        visibility: Duration,
    ) -> Result<Vec<Received<M>>, StoreError>
    where
        M: DeserializeOwned + Send + 'static,
    {
        let (now_key, hidden_until) = (time_key(now), time_key(now + visibility));
        self.run(move |c| {
            let tx = c.transaction().map_err(backend)?;
            tx.execute(
                "UPDATE queue SET dead = 1
                 WHERE name = ?1 AND dead = 0 AND receives >= ?2 AND visible_at <= ?3",
                params![queue.as_str(), MAX_RECEIVES, now_key],
            )
            .map_err(backend)?;
            let rows: Vec<(i64, String, i64)> = {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT id, body, receives FROM queue
                         WHERE name = ?1 AND dead = 0 AND visible_at <= ?2 ORDER BY id LIMIT ?3",
                    )
                    .map_err(backend)?;
                stmt.query_map(params![queue.as_str(), now_key, max as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?
            };
            let mut out = Vec::with_capacity(rows.len());
            for (id, body, receives) in rows {
                let Ok(message) = from_json(&body) else {
                    // Not a message of this queue (written by another version, say): it can never
                    // be handled, so it goes straight to the dead letters, not in front of the rest.
                    tracing::error!(queue = queue.as_str(), id, "unreadable queue message dead-lettered");
                    tx.execute("UPDATE queue SET dead = 1 WHERE id = ?1", [id]).map_err(backend)?;
                    continue;
                };
                tx.execute(
                    "UPDATE queue SET visible_at = ?2, receives = receives + 1 WHERE id = ?1",
                    params![id, hidden_until],
                )
                .map_err(backend)?;
                out.push(Received { id, message, receives: receives + 1 });
            }
            tx.commit().map_err(backend)?;
            Ok(out)
        })
        .await
    }

    /// Deletes a handled message of `queue`.
    pub async fn ack(&self, queue: QueueName, id: i64) -> Result<(), StoreError> {
        self.run(move |c| {
            c.execute("DELETE FROM queue WHERE name = ?1 AND id = ?2", params![queue.as_str(), id])
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    /// Messages in `queue`, and how many of them are dead-lettered.
    pub async fn queue_depth(&self, queue: QueueName) -> Result<(i64, i64), StoreError> {
        self.run(move |c| {
            c.query_row(
                "SELECT COUNT(*), COALESCE(SUM(dead), 0) FROM queue WHERE name = ?1",
                [queue.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(backend)
        })
        .await
    }

    /// The outbox, newest first.
    pub async fn outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT id, notification_id, user_id, channel, recipient, text, at FROM outbox
                     ORDER BY id DESC LIMIT ?1",
                )
                .map_err(backend)?;
            stmt.query_map([limit as i64], |r| {
                Ok(OutboxEntry {
                    id: r.get(0)?,
                    notification_id: r.get(1)?,
                    user_id: r.get(2)?,
                    channel: r.get(3)?,
                    to: r.get(4)?,
                    text: r.get(5)?,
                    at: r.get(6)?,
                })
            })
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)
        })
        .await
    }
}

/// One message the local stack "sent".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxEntry {
    pub id: i64,
    pub notification_id: String,
    pub user_id: String,
    pub channel: String,
    pub to: String,
    pub text: String,
    pub at: String,
}

/// The outbox as a provider: what it is given is stored, and answered with `outbox-<n>`.
#[async_trait]
impl Sender for SqliteStore {
    async fn send(&self, to: &Address, n: &Notification) -> Result<String, SendError> {
        let recipient = match to {
            Address::Phone(p) => p.to_string(),
            Address::Email(e) => e.as_str().to_owned(),
            Address::Webhook { url, .. } => url.clone(),
            Address::Console => "console".into(),
        };
        let row = (n.id.to_string(), n.user_id.to_string(), n.channel.as_str(), recipient, n.text.clone());
        let at = time_key(Utc::now());
        let id = self
            .run(move |c| {
                c.execute(
                    "INSERT INTO outbox (notification_id, user_id, channel, recipient, text, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![row.0, row.1, row.2, row.3, row.4, at],
                )
                .map_err(backend)?;
                Ok(c.last_insert_rowid())
            })
            .await
            .map_err(|e| SendError::Retryable(e.to_string()))?;
        // The body stays out of the log; the outbox holds it.
        tracing::info!(outbox_id = id, notification = %n.id, channel = n.channel.as_str(), "written to the outbox");
        Ok(format!("outbox-{id}"))
    }
}
