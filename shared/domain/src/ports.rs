//! The ports: what the domain needs from the world. Each has a production adapter (DynamoDB,
//! Secrets Manager) and an embedded one (SQLite, a local file); functions choose in one place.

use std::{fmt, sync::Arc};

use async_trait::async_trait;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    Clock, Email, IdSource, Notification, NotificationId, Page, PageRequest, PhoneNumber, Reminder,
    ReminderId, StoreError, Task, TaskFilter, TaskId, User, UserId,
};

#[async_trait]
pub trait UserRepo: Send + Sync {
    /// Adds a user. `Conflict` when the id or the phone number is taken: a phone names one user.
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;
    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError>;
    /// The user a phone number belongs to (SMS inbound starts here).
    async fn find_user_by_phone(&self, phone: &PhoneNumber) -> Result<Option<User>, StoreError>;
    /// Stores a changed user (preferences, opt-out); `NotFound` if there is none. The phone
    /// number does not change.
    async fn save_user(&self, user: &User) -> Result<(), StoreError>;
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

#[async_trait]
pub trait ReminderRepo: Send + Sync {
    /// Adds a reminder. `Conflict` when its id exists.
    async fn insert_reminder(&self, reminder: &Reminder) -> Result<(), StoreError>;
    /// One of the owner's reminders; another user's is `None`.
    async fn get_reminder(&self, owner: &UserId, id: &ReminderId) -> Result<Option<Reminder>, StoreError>;
    /// Replaces a reminder still at `expected_version`: `Conflict` if it moved on, `NotFound`
    /// if it is gone.
    async fn replace_reminder(&self, reminder: &Reminder, expected_version: u64) -> Result<(), StoreError>;
    async fn delete_reminder(&self, owner: &UserId, id: &ReminderId) -> Result<bool, StoreError>;
    /// The owner's reminders, newest first, a page at a time.
    async fn list_reminders(
        &self,
        owner: &UserId,
        page: &PageRequest<ReminderId>,
    ) -> Result<Page<Reminder, ReminderId>, StoreError>;
    /// What the tick at `now` must look at, read from the due index only: reminders whose
    /// `next_fire_at` has come, and queued notifications whose `redispatch_at` has.
    async fn due(&self, now: DateTime<Utc>) -> Result<Due, StoreError>;
}

/// The due set of one tick, and how many index entries reading it took.
#[derive(Debug, Default)]
pub struct Due {
    pub reminders: Vec<Reminder>,
    pub notifications: Vec<Notification>,
    pub items_read: usize,
}

#[async_trait]
pub trait NotificationRepo: Send + Sync {
    /// Claims a firing, atomically: adds its notification (whose id names the firing) and
    /// stores the reminder as it becomes, if the reminder is still at `expected_version`.
    /// `Ok(false)` when another tick claimed it first.
    async fn claim_firing(
        &self,
        notification: &Notification,
        reminder: &Reminder,
        expected_version: u64,
    ) -> Result<bool, StoreError>;
    async fn get_notification(
        &self,
        owner: &UserId,
        id: &NotificationId,
    ) -> Result<Option<Notification>, StoreError>;
    /// Replaces a notification still at `expected_version` (`Conflict` otherwise).
    async fn replace_notification(&self, n: &Notification, expected_version: u64) -> Result<(), StoreError>;
    /// The owner's notifications, newest first.
    async fn list_notifications(
        &self,
        owner: &UserId,
        page: &PageRequest<NotificationId>,
    ) -> Result<Page<Notification, NotificationId>, StoreError>;
}

/// What the `notify` queue carries: which notification to deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NotifyMessage {
    pub user_id: UserId,
    pub notification_id: NotificationId,
}

/// The `notify` queue (SQS in AWS, an SQLite table locally).
#[async_trait]
pub trait NotifyQueue: Send + Sync {
    async fn enqueue(&self, message: &NotifyMessage) -> Result<(), StoreError>;
}

/// Where a notification is delivered.
#[derive(Debug, Clone)]
pub enum Address {
    Phone(PhoneNumber),
    Email(Email),
    Webhook {
        url: String,
        secret: Secret,
    },
    /// The local stack's outbox.
    Console,
}

/// A delivery that did not happen: worth retrying, or not.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("{0}")]
    Retryable(String),
    #[error("{0}")]
    Permanent(String),
}

/// A channel's provider (Twilio, SES, an HTTP endpoint, the outbox). Answers the provider's id
/// for what it accepted.
#[async_trait]
pub trait Sender: Send + Sync {
    async fn send(&self, to: &Address, notification: &Notification) -> Result<String, SendError>;
}

/// The notifier's providers, one per channel, and the key webhook signing secrets derive from.
#[derive(Clone)]
pub struct Senders {
    pub sms: Arc<dyn Sender>,
    pub email: Arc<dyn Sender>,
    pub webhook: Arc<dyn Sender>,
    pub console: Arc<dyn Sender>,
    pub webhook_key: Arc<dyn SecretSource>,
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
    pub reminders: Arc<dyn ReminderRepo>,
    pub notifications: Arc<dyn NotificationRepo>,
    pub queue: Arc<dyn NotifyQueue>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
}

impl Ports {
    /// Ports whose repositories are all one store (each adapter implements them all).
    pub fn over<S>(
        store: Arc<S>,
        queue: Arc<dyn NotifyQueue>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> Self
    where
        S: UserRepo + TaskRepo + ReminderRepo + NotificationRepo + 'static,
    {
        Ports {
            users: store.clone(),
            tasks: store.clone(),
            reminders: store.clone(),
            notifications: store,
            queue,
            clock,
            ids,
        }
    }
}
