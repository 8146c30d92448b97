//! The ports: what the domain needs from the world. Each has a production adapter (DynamoDB,
//! Secrets Manager) and an embedded one (SQLite, a local file); functions choose in one place.

use std::{fmt, sync::Arc};

use async_trait::async_trait;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AgentName, Approval, ApprovalCode, ApprovalId, ApprovalStatus, AuditEntry, AuditId, Clock, Conversation,
    ConversationId, CustomizationId, Email, IdSource, Integration, Memory, MemoryId, Message, MessageId,
    Notification, NotificationId, OAuthState, Page, PageRequest, PhoneNumber, PromptCustomization, Provider,
    Reminder, ReminderId, StoreError, Task, TaskFilter, TaskId, User, UserId,
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

/// Connected accounts, each its user's, at most one per provider.
#[async_trait]
pub trait IntegrationRepo: Send + Sync {
    /// Stores an integration: with `expected_version` `None` it must be new for its provider
    /// (`Conflict` otherwise); with `Some(v)` the stored one must still be at `v` (`Conflict`
    /// if it moved on, `NotFound` if it is gone). The refresh index follows `refresh_at`.
    async fn put_integration(&self, i: &Integration, expected_version: Option<u64>)
    -> Result<(), StoreError>;
    /// The owner's integration with a provider.
    async fn get_integration(
        &self,
        owner: &UserId,
        provider: &Provider,
    ) -> Result<Option<Integration>, StoreError>;
    /// All the owner's integrations (a handful), by provider.
    async fn list_integrations(&self, owner: &UserId) -> Result<Vec<Integration>, StoreError>;
    /// Deletes the owner's integration with a provider; `false` if there was none.
    async fn delete_integration(&self, owner: &UserId, provider: &Provider) -> Result<bool, StoreError>;
    /// Integrations whose `refresh_at` is at or before `horizon`, read from the sharded, sparse
    /// refresh index only.
    async fn refresh_due(&self, horizon: DateTime<Utc>) -> Result<Vec<Integration>, StoreError>;
}

/// Sign-ins in flight. Each expires on its own (TTL) and is taken once.
#[async_trait]
pub trait OAuthStateRepo: Send + Sync {
    /// Stores a state; `Conflict` if its key exists.
    async fn put_state(&self, state: &OAuthState) -> Result<(), StoreError>;
    /// Deletes the state stored under `key` and answers it, atomically: of two callbacks with
    /// one state, one gets it and the other `None`. An expired one is answered too (the caller
    /// tells the user it expired); one the store's TTL already removed is `None`.
    async fn take_state(&self, key: &str) -> Result<Option<OAuthState>, StoreError>;
    /// The state stored under `key`, left in place (a reconnect link's page reads whom it is
    /// for before the user confirms).
    async fn get_state(&self, key: &str) -> Result<Option<OAuthState>, StoreError>;
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

/// What a provider is, for the API and the start of a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProviderInfo {
    pub name: Provider,
    pub display_name: String,
    /// Asked for when `start` names none.
    pub default_scopes: Vec<String>,
    /// Whether the provider has a revocation endpoint we call on disconnect.
    pub revocable: bool,
}

/// Where to send the browser, and what to keep until it comes back.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub url: String,
    /// The `state` parameter in `url`.
    pub state: String,
    /// The PKCE verifier whose S256 challenge is in `url`.
    pub verifier: crate::Verifier,
}

/// A token endpoint's answer.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub access_token: Secret,
    /// A new refresh token (every code exchange with offline access; every Microsoft refresh).
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<chrono::Duration>,
    /// The scopes granted, when the provider says (RFC 6749: absent means as requested).
    pub scopes: Option<Vec<String>>,
    /// Who the account is, when the answer says (Notion's workspace, an ID token's e-mail).
    pub account: Option<String>,
}

/// How an OAuth call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OAuthError {
    /// The grant is no good (RFC 6749 `invalid_grant`): revoked, expired, or already used.
    #[error("the provider refused the grant: {0}")]
    InvalidGrant(String),
    /// Any other error the provider answered (`access_denied`, `invalid_client`, …).
    #[error("the provider answered {code}")]
    Refused { code: String, description: Option<String> },
    /// The provider could not be reached or answered nonsense: worth retrying.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    #[error("no provider named {0} is configured")]
    NotConfigured(String),
}

/// The OAuth 2.0 side of each provider (authorization code with PKCE, refresh, revocation).
#[async_trait]
pub trait OAuthClient: Send + Sync {
    /// The configured providers.
    fn providers(&self) -> Vec<ProviderInfo>;
    /// A fresh state and PKCE verifier (S256), and the authorization URL carrying them.
    async fn authorize(
        &self,
        provider: &Provider,
        scopes: &[String],
        redirect_uri: &str,
    ) -> Result<Authorization, OAuthError>;
    /// Exchanges an authorization code, proving the verifier, at the exact redirect URI.
    async fn exchange(
        &self,
        provider: &Provider,
        code: &str,
        verifier: &crate::Verifier,
        redirect_uri: &str,
    ) -> Result<TokenGrant, OAuthError>;
    async fn refresh(&self, provider: &Provider, refresh_token: &Secret) -> Result<TokenGrant, OAuthError>;
    /// Revokes a token at the provider (RFC 7009); `Ok(false)` when the provider has no way to.
    async fn revoke(
        &self,
        provider: &Provider,
        token: &Secret,
        is_refresh_token: bool,
    ) -> Result<bool, OAuthError>;
}

/// An event in a connected calendar, in UTC (an all-day event from midnight to midnight in
/// the calendar's zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarEvent {
    pub id: String,
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub all_day: bool,
    pub location: Option<String>,
    pub link: Option<String>,
}

/// An event to add to a connected calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The user's IANA zone, which the provider shows the event in.
    pub time_zone: String,
    pub description: Option<String>,
    pub location: Option<String>,
}

/// A Notion page (or database) as search and create answer it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotionPage {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    /// `page` or `database`.
    pub object: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Video {
    pub id: String,
    pub title: String,
    pub channel: Option<String>,
    pub url: String,
}

/// How a provider API call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The access token was refused (401): refresh and try once more.
    #[error("the provider refused the access token")]
    Unauthorized,
    /// A 4xx the user can act on (a missing database, a scope not granted), in the provider's
    /// words.
    #[error("{0}")]
    Rejected(String),
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
}

/// The providers' own APIs the tools use: Google Calendar and Microsoft Graph calendars,
/// Notion, YouTube Data.
#[async_trait]
pub trait ProviderApis: Send + Sync {
    /// Events overlapping `[from, to)` in the user's primary calendar, by start.
    async fn list_events(
        &self,
        provider: &Provider,
        token: &Secret,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CalendarEvent>, ApiError>;
    /// Adds an event. `key` names this creation, so a retry adds it once where the API allows
    /// (Google's client-chosen event id, Graph's `transactionId`).
    async fn create_event(
        &self,
        provider: &Provider,
        token: &Secret,
        event: &NewEvent,
        key: &str,
    ) -> Result<CalendarEvent, ApiError>;
    async fn notion_search(&self, token: &Secret, query: &str) -> Result<Vec<NotionPage>, ApiError>;
    /// Adds a page titled `title` (with `content` as its first paragraph) to a database.
    async fn notion_create_page(
        &self,
        token: &Secret,
        database_id: &str,
        title: &str,
        content: Option<&str>,
    ) -> Result<NotionPage, ApiError>;
    async fn youtube_search(&self, token: &Secret, query: &str, max: u8) -> Result<Vec<Video>, ApiError>;
    /// Adds a video to one of the user's playlists; answers the playlist item's id.
    async fn youtube_add_to_playlist(
        &self,
        token: &Secret,
        playlist_id: &str,
        video_id: &str,
    ) -> Result<String, ApiError>;
}

/// What connected accounts run on: the providers' OAuth and APIs, the key ring that seals
/// tokens, and the public address callbacks are served at.
#[derive(Clone)]
pub struct Connections {
    pub oauth: Arc<dyn OAuthClient>,
    pub apis: Arc<dyn ProviderApis>,
    pub keys: Arc<dyn SecretSource>,
    /// `PUBLIC_BASE_URL`, without a trailing slash: redirect URIs are `<it>/oauth/<provider>/callback`.
    pub public_base_url: String,
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
    pub integrations: Arc<dyn IntegrationRepo>,
    pub oauth_states: Arc<dyn OAuthStateRepo>,
    pub queue: Arc<dyn NotifyQueue>,
    pub agent_queue: Arc<dyn AgentQueue>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
    /// Connected accounts, where the function uses them (`None`: no provider is configured).
    pub connections: Option<Connections>,
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
            + IntegrationRepo
            + OAuthStateRepo
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
            audit: store.clone(),
            integrations: store.clone(),
            oauth_states: store,
            queue: queues.clone(),
            agent_queue: queues,
            clock,
            ids,
            connections: None,
        }
    }

    /// The same ports, with connected accounts.
    pub fn with_connections(mut self, connections: Connections) -> Self {
        self.connections = Some(connections);
        self
    }
}
