//! The ports: what the domain needs from the world. Each has a production adapter (DynamoDB,
//! Secrets Manager) and an embedded one (SQLite, a local file); functions choose in one place.

use std::{fmt, sync::Arc};

use async_trait::async_trait;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AgentName, Approval, ApprovalCode, ApprovalId, ApprovalStatus, AuditEntry, AuditId, Clock, Conversation,
    ConversationId, CustomizationId, Email, IdSource, Memory, MemoryId, Message, MessageId, Notification,
    NotificationId, Page, PageRequest, PhoneNumber, PromptCustomization, Reminder, ReminderId, StoreError,
    Task, TaskFilter, TaskId, User, UserId,
    sms::{InboundSms, MessageSid},
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
    /// `next_fire_at` has come, queued notifications whose `redispatch_at` has, and pending
    /// approvals whose `expires_at` has.
    async fn due(&self, now: DateTime<Utc>) -> Result<Due, StoreError>;
}

/// The due set of one tick, and how many index entries reading it took.
#[derive(Debug, Default)]
pub struct Due {
    pub reminders: Vec<Reminder>,
    pub notifications: Vec<Notification>,
    /// Pending approvals whose `expires_at` has come.
    pub approvals: Vec<Approval>,
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
    /// Adds a notification that is no reminder's firing (a reply to an SMS). `Ok(false)` when
    /// its id exists: the id names what it answers, so a second insert is a duplicate.
    async fn insert_notification(&self, n: &Notification) -> Result<bool, StoreError>;
    /// The owner's notifications, newest first.
    async fn list_notifications(
        &self,
        owner: &UserId,
        page: &PageRequest<NotificationId>,
    ) -> Result<Page<Notification, NotificationId>, StoreError>;
}

#[async_trait]
pub trait ConversationRepo: Send + Sync {
    /// Stores a turn atomically: its messages, and the conversation as it becomes. With
    /// `expected_version` `None` the conversation is new (`Conflict` if it exists); otherwise it
    /// must still be at that version (`Conflict` if it moved on). A message whose id exists is a
    /// `Conflict` too, and nothing of the turn is written.
    async fn save_turn(
        &self,
        conversation: &Conversation,
        expected_version: Option<u64>,
        messages: &[Message],
    ) -> Result<(), StoreError>;
    /// One of the owner's conversations; another user's is `None`.
    async fn get_conversation(
        &self,
        owner: &UserId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError>;
    /// Replaces a conversation still at `expected_version` (the rolling summary).
    async fn replace_conversation(&self, c: &Conversation, expected_version: u64) -> Result<(), StoreError>;
    /// The owner's conversations, newest first.
    async fn list_conversations(
        &self,
        owner: &UserId,
        page: &PageRequest<ConversationId>,
    ) -> Result<Page<Conversation, ConversationId>, StoreError>;
    /// A conversation's messages, newest first; empty for another user's conversation.
    async fn list_messages(
        &self,
        owner: &UserId,
        conversation: &ConversationId,
        page: &PageRequest<MessageId>,
    ) -> Result<Page<Message, MessageId>, StoreError>;
}

#[async_trait]
pub trait MemoryRepo: Send + Sync {
    /// Adds a memory. `Conflict` when its id exists (a learned memory's id is derived from
    /// where it was learned, so learning twice adds it once).
    async fn insert_memory(&self, memory: &Memory) -> Result<(), StoreError>;
    async fn get_memory(&self, owner: &UserId, id: &MemoryId) -> Result<Option<Memory>, StoreError>;
    async fn delete_memory(&self, owner: &UserId, id: &MemoryId) -> Result<bool, StoreError>;
    /// The owner's memories, newest first.
    async fn list_memories(
        &self,
        owner: &UserId,
        page: &PageRequest<MemoryId>,
    ) -> Result<Page<Memory, MemoryId>, StoreError>;
}

#[async_trait]
pub trait PromptRepo: Send + Sync {
    /// Adds a customization. `Conflict` when its id exists.
    async fn insert_customization(&self, c: &PromptCustomization) -> Result<(), StoreError>;
    async fn get_customization(
        &self,
        owner: &UserId,
        id: &CustomizationId,
    ) -> Result<Option<PromptCustomization>, StoreError>;
    /// Replaces a customization still at `expected_version`.
    async fn replace_customization(
        &self,
        c: &PromptCustomization,
        expected_version: u64,
    ) -> Result<(), StoreError>;
    /// The owner's customizations for one agent, newest first.
    async fn list_customizations(
        &self,
        owner: &UserId,
        agent: &AgentName,
        page: &PageRequest<CustomizationId>,
    ) -> Result<Page<PromptCustomization, CustomizationId>, StoreError>;
}

/// Tokens spent per user per day (UTC), for the daily budget. Counters expire on their own.
#[async_trait]
pub trait UsageRepo: Send + Sync {
    /// Adds `tokens` to the owner's count for `day`, atomically; answers the new total.
    async fn add_tokens(&self, owner: &UserId, day: NaiveDate, tokens: u64) -> Result<u64, StoreError>;
    async fn tokens_on(&self, owner: &UserId, day: NaiveDate) -> Result<u64, StoreError>;
}

/// Inbound SMS, one record per Twilio `MessageSid`: what makes a redelivered webhook a
/// duplicate, and what the agent worker reads the message from. Records expire on their own.
#[async_trait]
pub trait InboundSmsRepo: Send + Sync {
    /// Records a message seen for the first time (`Ok(None)`); a sid seen before is left as it
    /// is and its record answered (`Ok(Some(stored))`).
    async fn record_inbound(&self, m: &InboundSms) -> Result<Option<InboundSms>, StoreError>;
    async fn get_inbound(&self, sid: &MessageSid) -> Result<Option<InboundSms>, StoreError>;
    /// Replaces a record still at `expected_version`: `Conflict` if it moved on, `NotFound` if
    /// it is gone.
    async fn replace_inbound(&self, m: &InboundSms, expected_version: u64) -> Result<(), StoreError>;
}

/// Approvals, each its user's. A pending one is on the due index at its `expires_at`, so the
/// tick finds it when it expires; a decided one leaves it.
#[async_trait]
pub trait ApprovalRepo: Send + Sync {
    /// Adds an approval. `Conflict` when its id exists, or when its code already names another
    /// of the user's approvals that is pending and not expired at the new one's `created_at`
    /// (a code names one open approval; the caller picks another code).
    async fn insert_approval(&self, a: &Approval) -> Result<(), StoreError>;
    /// One of the owner's approvals; another user's is `None`.
    async fn get_approval(&self, owner: &UserId, id: &ApprovalId) -> Result<Option<Approval>, StoreError>;
    /// The owner's newest approval made with `code`.
    async fn find_approval_by_code(
        &self,
        owner: &UserId,
        code: &ApprovalCode,
    ) -> Result<Option<Approval>, StoreError>;
    /// Replaces an approval still at `expected_version` (`Conflict` otherwise, `NotFound` if
    /// absent): of two decisions made on one version, one wins.
    async fn replace_approval(&self, a: &Approval, expected_version: u64) -> Result<(), StoreError>;
    /// The owner's approvals, newest first, of one status if given.
    async fn list_approvals(
        &self,
        owner: &UserId,
        status: Option<ApprovalStatus>,
        page: &PageRequest<ApprovalId>,
    ) -> Result<Page<Approval, ApprovalId>, StoreError>;
}

/// The audit log, append-only.
#[async_trait]
pub trait AuditRepo: Send + Sync {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The owner's entries, newest first.
    async fn list_audit(
        &self,
        owner: &UserId,
        page: &PageRequest<AuditId>,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError>;
}

/// Counters for rate limits: one per key and window, expiring on their own.
#[async_trait]
pub trait CounterRepo: Send + Sync {
    /// Adds one to the counter `key`, atomically (made at 0 if absent, to expire at
    /// `expires_at`); answers the new count, so of many concurrent hits each sees its own.
    async fn hit(&self, key: &str, expires_at: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// What the `agent` queue carries: work done off the response path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentMessage {
    /// Learn from a finished turn (memories, the rolling summary). `message_id` is the user's
    /// message that started it.
    Learn { user_id: UserId, conversation_id: ConversationId, message_id: MessageId },
    /// Answer an inbound SMS: run its turn and queue the reply. The text is read from the
    /// inbound record, so no message body travels on the queue.
    SmsTurn { user_id: UserId, sid: MessageSid },
    /// Carry out an approved action, once however often delivered.
    ExecuteApproval { user_id: UserId, approval_id: ApprovalId },
}

/// The `agent` queue (SQS in AWS, an SQLite table locally).
#[async_trait]
pub trait AgentQueue: Send + Sync {
    async fn enqueue_agent(&self, message: &AgentMessage) -> Result<(), StoreError>;
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
    pub conversations: Arc<dyn ConversationRepo>,
    pub memories: Arc<dyn MemoryRepo>,
    pub prompts: Arc<dyn PromptRepo>,
    pub usage: Arc<dyn UsageRepo>,
    pub inbound: Arc<dyn InboundSmsRepo>,
    pub counters: Arc<dyn CounterRepo>,
    pub approvals: Arc<dyn ApprovalRepo>,
    pub audit: Arc<dyn AuditRepo>,
    pub queue: Arc<dyn NotifyQueue>,
    pub agent_queue: Arc<dyn AgentQueue>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
}

impl Ports {
    /// Ports whose repositories are all one store (each adapter implements them all), and
    /// whose queues are one adapter.
    pub fn over<S, Q>(store: Arc<S>, queues: Arc<Q>, clock: Arc<dyn Clock>, ids: Arc<dyn IdSource>) -> Self
    where
        S: UserRepo
            + TaskRepo
            + ReminderRepo
            + NotificationRepo
            + ConversationRepo
            + MemoryRepo
            + PromptRepo
            + UsageRepo
            + InboundSmsRepo
            + CounterRepo
            + ApprovalRepo
            + AuditRepo
            + 'static,
        Q: NotifyQueue + AgentQueue + 'static,
    {
        Ports {
            users: store.clone(),
            tasks: store.clone(),
            reminders: store.clone(),
            notifications: store.clone(),
            conversations: store.clone(),
            memories: store.clone(),
            prompts: store.clone(),
            usage: store.clone(),
            inbound: store.clone(),
            counters: store.clone(),
            approvals: store.clone(),
            audit: store,
            queue: queues.clone(),
            agent_queue: queues,
            clock,
            ids,
        }
    }
}
