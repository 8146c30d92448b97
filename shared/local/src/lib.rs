//! The local stack: every function's routes in one process, on the embedded adapters (SQLite,
//! a secret generated in the data directory). Later issues add the queue worker and the ticker.
//!
//! With `TABLE_NAME` set it runs on the AWS adapters instead, wired exactly as the Lambda
//! functions are: that is how the first admin of a deployed stack is made.

use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::Router;
use nudge_domain::{Ports, Secret, SecretSource, SystemClock, UuidV7Ids};
use nudge_http::ApiState;
use nudge_sqlite::SqliteStore;
use rand::RngCore;

/// Every HTTP route of every function.
pub fn routes() -> axum::Router<ApiState> {
    tasks::routes().merge(admin::routes())
}

/// The stack's parts, opened from a data directory.
pub struct Stack {
    pub state: ApiState,
    pub data_dir: PathBuf,
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
        let state = ApiState::new(nudge_aws::ports_from_env(&aws)?, nudge_aws::jwt_secret_from_env(&aws)?);
        Ok(Self { state, data_dir: data_dir.into() })
    }

    /// Opens the store in `data_dir` (creating both if needed) and loads or makes the JWT secret.
    pub fn open(data_dir: &Path) -> Result<Self, StackError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StackError::DataDir(data_dir.into(), e))?;
        let store = Arc::new(SqliteStore::open(&data_dir.join("nudge.db"))?);
        let ports = Ports {
            users: store.clone(),
            tasks: store,
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7Ids),
        };
        let secret = local_secret(data_dir).map_err(|e| StackError::DataDir(data_dir.into(), e))?;
        Ok(Self { state: ApiState::new(ports, secret), data_dir: data_dir.into() })
    }

    pub fn router(&self) -> Router {
        nudge_http::app("local", routes(), self.state.clone())
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
