//! Nudge's domain: the types a value of which is always valid, the rules, the use cases, and
//! the ports (traits) through which they reach the world. Nothing here knows of AWS, SQLite or
//! HTTP; time and ids are injected so every rule can be tested with a fixed clock.

pub mod account_tools;
pub mod agent;
pub mod approval;
pub mod approvals;
pub mod audit;
pub mod clock;
pub mod conversation;
pub mod error;
pub mod ids;
pub mod integration;
pub mod integrations;
pub mod learn;
pub mod llm;
pub mod memories;
pub mod memory;
pub mod notification;
pub mod notify;
pub mod page;
pub mod ports;
pub mod prompt;
pub mod prompts;
pub mod reminder;
pub mod reminders;
pub mod retrieval;
pub mod schedule;
pub mod sealing;
pub mod sms;
pub mod task;
pub mod tasks;
pub mod tick;
pub mod tools;
pub mod user;
pub mod users;
pub mod work;

pub use agent::{Action, Agent, AgentConfig, TurnOutcome, TurnRequest};
pub use approval::{ActionType, Approval, ApprovalCode, ApprovalStatus, Via};
pub use audit::{Actor, AuditEntry};
pub use clock::{Clock, FixedClock, IdSource, SequentialIds, SystemClock, UuidV7Ids};
pub use conversation::{Conversation, ConversationChannel, ConversationPolicy, Message, Speaker};
pub use error::{DomainError, StoreError, ValidationError};
pub use ids::{
    ApprovalId, AuditId, ConversationId, CustomizationId, IntegrationId, MemoryId, MessageId, NotificationId,
    ReminderId, TaskId, UserId,
};
pub use integration::{Consent, Integration, IntegrationStatus, OAuthState, Provider, Verifier};
pub use llm::{
    Embedder, LanguageModel, LlmError, LlmMessage, LlmRequest, LlmResponse, ToolCall, ToolSpec, Usage,
};
pub use memory::{Memory, MemoryContent, MemoryKind, MemorySource};
pub use notification::{Attempt, AttemptOutcome, Notification, NotificationStatus};
pub use page::{Limit, Page, PageRequest};
pub use ports::{
    Address, AgentMessage, AgentQueue, ApiError, ApprovalRepo, AuditRepo, Authorization, CalendarEvent,
    Connections, ConversationRepo, CounterRepo, Due, InboundSmsRepo, IntegrationRepo, MemoryRepo, NewEvent,
    NotificationRepo, NotifyMessage, NotifyQueue, NotionPage, OAuthClient, OAuthError, OAuthStateRepo, Ports,
    PromptRepo, ProviderApis, ProviderInfo, ReminderRepo, Secret, SecretSource, SendError, Sender, Senders,
    TaskRepo, TokenGrant, UsageRepo, UserRepo, Video,
};
pub use prompt::{AgentName, CustomizationType, Instructions, PromptCustomization};
pub use reminder::{
    Channel, FireKind, Firing, Nag, Reminder, ReminderKind, ReminderStatus, ReminderText, Step,
};
pub use schedule::{LocalTime, QuietHours, Recurrence};
pub use task::{Description, Metadata, Priority, Task, TaskFilter, TaskStatus, TaskTitle};
pub use user::{Email, PersonName, PhoneNumber, Preferences, Role, TimeZone, User, WebhookUrl};
