use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use nudge_domain::{
    Page, PageRequest, PhoneNumber, StoreError, Task, TaskFilter, TaskId, TaskRepo, User, UserId, UserRepo,
};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params, params_from_iter, types::Value};
use rusqlite_migration::{M, Migrations};

/// One connection behind a mutex: SQLite writes one at a time anyway, and a local stack serves
/// one household. Calls run on the blocking pool so they never stall the async runtime.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_users_and_tasks.sql")),
        M::up(include_str!("migrations/0002_reminders_and_notifications.sql")),
        M::up(include_str!("migrations/0003_agent.sql")),
        M::up(include_str!("migrations/0004_sms.sql")),
        M::up(include_str!("migrations/0005_approvals.sql")),
        M::up(include_str!("migrations/0006_integrations.sql")),
    ])
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::setup(Connection::open(path).map_err(backend)?)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory().map_err(backend)?)
    }

    fn setup(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(backend)?;
        migrations().to_latest(&mut conn).map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StoreError::Backend("poisoned lock".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?
    }
}

impl SqliteStore {
    /// The record a one-row `SELECT body …` finds, if any.
    pub(crate) async fn one<T>(&self, sql: &'static str, args: Vec<String>) -> Result<Option<T>, StoreError>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        self.run(move |c| {
            let body: Option<String> =
                c.query_row(sql, params_from_iter(args), |r| r.get(0)).optional().map_err(backend)?;
            body.as_deref().map(from_json).transpose()
        })
        .await
    }

    /// The records a `SELECT body …` finds, in its order.
    pub(crate) async fn many<T>(&self, sql: &'static str, args: Vec<Value>) -> Result<Vec<T>, StoreError>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(sql).map_err(backend)?;
            let rows = stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(0)).map_err(backend)?;
            rows.map(|b| from_json(&b.map_err(backend)?)).collect()
        })
        .await
    }
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

pub(crate) fn write_err(e: rusqlite::Error, what: &str) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Conflict(what.to_owned()),
        _ => backend(e),
    }
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Backend(format!("corrupt record: {e}")))
}

/// A version as SQLite stores it.
pub(crate) fn version(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Backend("version overflow".into()))
}

/// Fixed-width UTC, so that comparing the text compares the times.
pub(crate) fn time_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[async_trait]
impl UserRepo for SqliteStore {
    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let (id, phone, body) = (user.id.to_string(), user.phone.to_string(), to_json(user)?);
        self.run(move |c| {
            c.execute("INSERT INTO users (id, phone, body) VALUES (?1, ?2, ?3)", params![id, phone, body])
                .map_err(|e| write_err(e, "user id or phone number taken"))?;
            Ok(())
        })
        .await
    }

    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.one("SELECT body FROM users WHERE id = ?1", vec![id.to_string()]).await
    }

    async fn find_user_by_phone(&self, phone: &PhoneNumber) -> Result<Option<User>, StoreError> {
        self.one("SELECT body FROM users WHERE phone = ?1", vec![phone.to_string()]).await
    }

    async fn save_user(&self, user: &User) -> Result<(), StoreError> {
        let (id, body) = (user.id.to_string(), to_json(user)?);
        self.run(move |c| {
            let n =
                c.execute("UPDATE users SET body = ?2 WHERE id = ?1", params![id, body]).map_err(backend)?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
        })
        .await
    }
}

struct TaskRow {
    user_id: String,
    id: String,
    status: &'static str,
    priority: &'static str,
    due_key: Option<String>,
    version: i64,
    body: String,
}

impl TaskRow {
    fn of(t: &Task) -> Result<Self, StoreError> {
        Ok(Self {
            user_id: t.user_id.to_string(),
            id: t.id.to_string(),
            status: t.status.as_str(),
            priority: t.priority.as_str(),
            due_key: t.due_date.map(time_key),
            version: i64::try_from(t.version).map_err(|_| StoreError::Backend("version overflow".into()))?,
            body: to_json(t)?,
        })
    }
}

#[async_trait]
impl TaskRepo for SqliteStore {
    async fn insert_task(&self, task: &Task) -> Result<(), StoreError> {
        let r = TaskRow::of(task)?;
        self.run(move |c| {
            c.execute(
                "INSERT INTO tasks (user_id, id, status, priority, due_key, version, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![r.user_id, r.id, r.status, r.priority, r.due_key, r.version, r.body],
            )
            .map_err(|e| write_err(e, "task id taken"))?;
            Ok(())
        })
        .await
    }

    async fn get_task(&self, owner: &UserId, id: &TaskId) -> Result<Option<Task>, StoreError> {
        let args = vec![owner.to_string(), id.to_string()];
        self.one("SELECT body FROM tasks WHERE user_id = ?1 AND id = ?2", args).await
    }

    async fn replace_task(&self, task: &Task, expected_version: u64) -> Result<(), StoreError> {
        let r = TaskRow::of(task)?;
        let expected =
            i64::try_from(expected_version).map_err(|_| StoreError::Conflict("stale version".into()))?;
        self.run(move |c| {
            let tx = c.transaction().map_err(backend)?;
            let current: Option<i64> = tx
                .query_row(
                    "SELECT version FROM tasks WHERE user_id = ?1 AND id = ?2",
                    [&r.user_id, &r.id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(backend)?;
            match current {
                None => return Err(StoreError::NotFound),
                Some(v) if v != expected => return Err(StoreError::Conflict("stale version".into())),
                Some(_) => {}
            }
            tx.execute(
                "UPDATE tasks SET status = ?3, priority = ?4, due_key = ?5, version = ?6, body = ?7
                 WHERE user_id = ?1 AND id = ?2",
                params![r.user_id, r.id, r.status, r.priority, r.due_key, r.version, r.body],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn delete_task(&self, owner: &UserId, id: &TaskId) -> Result<bool, StoreError> {
        let (owner, id) = (owner.to_string(), id.to_string());
        self.run(move |c| {
            let n = c
                .execute("DELETE FROM tasks WHERE user_id = ?1 AND id = ?2", [owner, id])
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn list_tasks(
        &self,
        owner: &UserId,
        filter: &TaskFilter,
        page: &PageRequest<TaskId>,
    ) -> Result<Page<Task, TaskId>, StoreError> {
        let mut sql = String::from("SELECT body FROM tasks WHERE user_id = ?");
        let mut args: Vec<Value> = vec![Value::Text(owner.to_string())];
        if let Some(after) = &page.after {
            sql.push_str(" AND id < ?");
            args.push(Value::Text(after.to_string()));
        }
        let mut any_of = |column: &str, values: Vec<&'static str>| {
            if !values.is_empty() {
                sql.push_str(&format!(" AND {column} IN ({})", vec!["?"; values.len()].join(", ")));
                args.extend(values.into_iter().map(|v| Value::Text(v.to_owned())));
            }
        };
        any_of("status", filter.statuses.iter().map(|s| s.as_str()).collect());
        any_of("priority", filter.priorities.iter().map(|p| p.as_str()).collect());
        if let Some(from) = filter.due_from {
            sql.push_str(" AND due_key >= ?");
            args.push(Value::Text(time_key(from)));
        }
        if let Some(to) = filter.due_to {
            sql.push_str(" AND due_key <= ?");
            args.push(Value::Text(time_key(to)));
        }
        // One more than asked tells whether there is a next page.
        let limit = page.limit.get();
        sql.push_str(" ORDER BY id DESC LIMIT ?");
        args.push(Value::Integer(limit as i64 + 1));
        let items: Vec<Task> = self
            .run(move |c| {
                let mut stmt = c.prepare_cached(&sql).map_err(backend)?;
                let rows =
                    stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(0)).map_err(backend)?;
                rows.map(|b| from_json(&b.map_err(backend)?)).collect()
            })
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |t| t.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[tokio::test]
    async fn messages_queued_before_the_agent_queue_stay_on_notify() {
        let mut conn = Connection::open_in_memory().unwrap();
        Migrations::new(migrations_up_to(2)).to_latest(&mut conn).unwrap();
        let body = r#"{"user_id":"0190aaaa-0000-7000-8000-000000000001","notification_id":"0190aaaa-0000-7000-8000-000000000002"}"#;
        conn.execute("INSERT INTO queue (body, visible_at) VALUES (?1, '2026-01-01T00:00:00.000Z')", [body])
            .unwrap();
        let s = SqliteStore::setup(conn).unwrap();
        assert_eq!(s.queue_depth(crate::QueueName::Notify).await.unwrap(), (1, 0));
        assert_eq!(s.queue_depth(crate::QueueName::Agent).await.unwrap(), (0, 0));
        let got: Vec<crate::Received> =
            s.receive(crate::QueueName::Notify, Utc::now(), 10, chrono::Duration::minutes(1)).await.unwrap();
        assert_eq!(got.len(), 1);
    }

    fn migrations_up_to(n: usize) -> Vec<M<'static>> {
        let all = [
            include_str!("migrations/0001_users_and_tasks.sql"),
            include_str!("migrations/0002_reminders_and_notifications.sql"),
        ];
        all[..n].iter().map(|sql| M::up(sql)).collect()
    }

    #[test]
    fn time_keys_sort_as_times() {
        let a: DateTime<Utc> = "2026-01-01T10:00:00Z".parse().unwrap();
        let b: DateTime<Utc> = "2026-01-01T10:00:00.5Z".parse().unwrap();
        assert!(time_key(a) < time_key(b));
    }
}
