//! The ports: what the domain needs from the world. Each has a production adapter (DynamoDB,
//! Secrets Manager) and an embedded one (SQLite, a local file); functions choose in one place.

use std::{fmt, sync::Arc};

use async_trait::async_trait;

use crate::{
    Clock, IdSource, Page, PageRequest, PhoneNumber, StoreError, Task, TaskFilter, TaskId, User, UserId,
};

#[async_trait]
pub trait UserRepo: Send + Sync {
    /// Adds a user. `Conflict` when the id or the phone number is taken: a phone names one user.
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;
    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError>;
    /// The user a phone number belongs to (SMS inbound starts here).
    async fn find_user_by_phone(&self, phone: &PhoneNumber) -> Result<Option<User>, StoreError>;
}

#[async_trait]
pub trait TaskRepo: Send + Sync {
    /// Adds a task. `Conflict` when its id exists.
    async fn insert_task(&self, task: &Task) -> Result<(), StoreError>;
    /// One of the owner's tasks; another user's task is `None`, as if it did not exist.
    async fn get_task(&self, owner: &UserId, id: &TaskId) -> Result<Option<Task>, StoreError>;
    /// Replaces a task if the stored version is still `expected_version`: `Conflict` if it moved
    /// on, `NotFound` if it is gone.
    async fn replace_task(&self, task: &Task, expected_version: u64) -> Result<(), StoreError>;
    /// Deletes one of the owner's tasks; `false` if there was none.
    async fn delete_task(&self, owner: &UserId, id: &TaskId) -> Result<bool, StoreError>;
    /// The owner's tasks that match, newest first, a page at a time.
    async fn list_tasks(
        &self,
        owner: &UserId,
        filter: &TaskFilter,
        page: &PageRequest<TaskId>,
    ) -> Result<Page<Task, TaskId>, StoreError>;
}

/// Key material. Its `Debug` never shows the bytes, so a secret cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes, redacted)", self.0.len())
    }
}

/// Where one secret comes from (Secrets Manager in AWS; env or a generated file locally).
/// Fetched on first use, not at start-up, so a cold start makes no network call it can avoid.
#[async_trait]
pub trait SecretSource: Send + Sync {
    async fn secret(&self) -> Result<Secret, StoreError>;
}

/// A secret known at start-up.
#[async_trait]
impl SecretSource for Secret {
    async fn secret(&self) -> Result<Secret, StoreError> {
        Ok(self.clone())
    }
}

/// The adapters a function runs on, chosen once at start-up.
#[derive(Clone)]
pub struct Ports {
    pub users: Arc<dyn UserRepo>,
    pub tasks: Arc<dyn TaskRepo>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
}
