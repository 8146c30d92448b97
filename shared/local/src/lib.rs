//! The local stack: every function's routes in one process, on the embedded adapters (SQLite,
//! a secret generated in the data directory), with the reminder ticker running every minute and
//! a worker draining the local `notify` queue through the notifier's own use case.
//!
//! With `TABLE_NAME` set it runs on the AWS adapters instead, wired exactly as the Lambda
//! functions are: that is how the first admin of a deployed stack is made.

use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::Router;
use chrono::{DurationRound, TimeDelta};
use nudge_domain::{Ports, Secret, SecretSource, Sender, Senders, SystemClock, UuidV7Ids, notify, tick};
use nudge_http::ApiState;
use nudge_sqlite::SqliteStore;
use rand::RngCore;

mod outbox;

/// Every HTTP route of every function.
pub fn routes() -> axum::Router<ApiState> {
    tasks::routes().merge(admin::routes()).merge(reminders::routes())
}

/// The stack's parts, opened from a data directory.
pub struct Stack {
    pub state: ApiState,
    pub data_dir: PathBuf,
    /// The embedded store (queue and outbox included); `None` on the AWS adapters.
    pub store: Option<SqliteStore>,
    pub senders: Senders,
}

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error("store: {0}")]
    Store(#[from] nudge_domain::StoreError),
    #[error("{0}")]
    Aws(#[from] nudge_aws::ConfigError),
}

impl Stack {
    /// The deployed stack's table and secret when `TABLE_NAME` is set; the embedded ones in
    /// `data_dir` otherwise.
    pub async fn from_env(data_dir: &Path) -> Result<Self, StackError> {
        if std::env::var_os("TABLE_NAME").is_none() {
            return Self::open(data_dir);
        }
        let aws = nudge_aws::sdk_config().await;
        let secret = nudge_aws::jwt_secret_from_env(&aws)?;
        let senders = nudge_aws::senders_from_env(&aws, secret.clone());
        let state = ApiState::new(nudge_aws::ports_from_env(&aws)?, secret);
        Ok(Self { state, data_dir: data_dir.into(), store: None, senders })
    }

    /// Opens the store in `data_dir` (creating both if needed) and loads or makes the JWT secret.
    pub fn open(data_dir: &Path) -> Result<Self, StackError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StackError::DataDir(data_dir.into(), e))?;
        let sqlite = SqliteStore::open(&data_dir.join("nudge.db"))?;
        let store = Arc::new(sqlite.clone());
        let ports = Ports::over(store.clone(), store.clone(), Arc::new(SystemClock), Arc::new(UuidV7Ids));
        let secret = local_secret(data_dir).map_err(|e| StackError::DataDir(data_dir.into(), e))?;
        let senders = local_senders(store, secret.clone());
        Ok(Self {
            state: ApiState::new(ports, secret),
            data_dir: data_dir.into(),
            store: Some(sqlite),
            senders,
        })
    }

    pub fn router(&self) -> Router {
        let mut all = routes();
        if let Some(store) = &self.store {
            all = all.merge(outbox::routes(store.clone()));
        }
        nudge_http::app("local", all, self.state.clone())
    }

    /// Delivers every message visible in the local queue now, as SQS would hand them to the
    /// notifier; answers how many were handled. A message to retry stays hidden for a minute.
    pub async fn drain_queue(&self) -> Result<usize, nudge_domain::StoreError> {
        let Some(store) = &self.store else { return Ok(0) };
        let mut handled = 0;
        loop {
            let batch = store.receive(chrono::Utc::now(), 10, TimeDelta::minutes(1)).await?;
            if batch.is_empty() {
                return Ok(handled);
            }
            for m in batch {
                match notify::deliver(&self.state.ports, &self.senders, &m.message).await {
                    Ok(notify::Delivery::Retry) => {}
                    Ok(_) => store.ack(m.id).await?,
                    Err(e) => tracing::error!(error = %e, "delivery failed"),
                }
                handled += 1;
            }
        }
    }

    /// The ticker and the queue worker, until the process ends: a tick at the start of each
    /// minute (as EventBridge does), and the queue drained twice a second.
    pub fn spawn_background(self: &Arc<Self>) {
        if self.store.is_none() {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                let now = chrono::Utc::now();
                let minute = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
                let next = minute + TimeDelta::minutes(1);
                tokio::time::sleep((next - now).to_std().unwrap_or_default()).await;
                if let Err(e) = tick::run_tick(&me.state.ports, next).await {
                    tracing::error!(error = %e, "tick failed");
                }
            }
        });
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = me.drain_queue().await {
                    tracing::error!(error = %e, "queue worker failed");
                }
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        });
    }
}

/// SMS through Twilio when `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and `TWILIO_FROM_NUMBER`
/// are set, else to the outbox; e-mail and the console to the outbox; webhooks for real.
fn local_senders(outbox: Arc<SqliteStore>, key: Arc<dyn SecretSource>) -> Senders {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let http = nudge_senders::http_client();
    let sms: Arc<dyn Sender> =
        match (var("TWILIO_ACCOUNT_SID"), var("TWILIO_FROM_NUMBER"), var("TWILIO_AUTH_TOKEN")) {
            (Some(sid), Some(from), Some(token)) => {
                let base = var("TWILIO_API_BASE_URL")
                    .unwrap_or_else(|| nudge_senders::twilio::DEFAULT_BASE_URL.into());
                Arc::new(nudge_senders::TwilioSms::new(
                    http.clone(),
                    base,
                    Arc::new(Secret::new(sid)),
                    from,
                    Arc::new(Secret::new(token)),
                ))
            }
            _ => outbox.clone(),
        };
    Senders {
        sms,
        email: outbox.clone(),
        webhook: Arc::new(nudge_senders::WebhookSender::new(http)),
        console: outbox,
        webhook_key: key,
    }
}

/// `JWT_SECRET` if set; otherwise `<data dir>/jwt-secret`, made once with 32 random bytes and
/// readable by its owner only, so tokens stay valid across restarts.
fn local_secret(data_dir: &Path) -> std::io::Result<Arc<dyn SecretSource>> {
    if let Ok(s) = std::env::var("JWT_SECRET")
        && !s.is_empty()
    {
        return Ok(Arc::new(Secret::new(s.into_bytes())));
    }
    let path = data_dir.join("jwt-secret");
    match std::fs::read(&path) {
        Ok(bytes) if !bytes.is_empty() => return Ok(Arc::new(Secret::new(bytes))),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut f) => f.write_all(hex.as_bytes())?,
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Ok(Arc::new(Secret::new(std::fs::read(&path)?)));
        }
        Err(e) => return Err(e),
    }
    Ok(Arc::new(Secret::new(hex.into_bytes())))
}
