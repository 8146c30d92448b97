//! Nudge's domain: the types a value of which is always valid, the rules, the use cases, and
//! the ports (traits) through which they reach the world. Nothing here knows of AWS, SQLite or
//! HTTP; time and ids are injected so every rule can be tested with a fixed clock.

pub mod clock;
pub mod error;
pub mod ids;
pub mod notification;
pub mod notify;
pub mod page;
pub mod ports;
pub mod reminder;
pub mod reminders;
pub mod schedule;
pub mod task;
pub mod tasks;
pub mod tick;
pub mod user;
pub mod users;

pub use clock::{Clock, FixedClock, IdSource, SequentialIds, SystemClock, UuidV7Ids};
pub use error::{DomainError, StoreError, ValidationError};
pub use ids::{NotificationId, ReminderId, TaskId, UserId};
pub use notification::{Attempt, AttemptOutcome, Notification, NotificationStatus};
pub use page::{Limit, Page, PageRequest};
pub use ports::{
    Address, Due, NotificationRepo, NotifyMessage, NotifyQueue, Ports, ReminderRepo, Secret, SecretSource,
    SendError, Sender, Senders, TaskRepo, UserRepo,
};
pub use reminder::{
    Channel, FireKind, Firing, Nag, Reminder, ReminderKind, ReminderStatus, ReminderText, Step,
};
pub use schedule::{LocalTime, QuietHours, Recurrence};
pub use task::{Description, Metadata, Priority, Task, TaskFilter, TaskStatus, TaskTitle};
pub use user::{Email, PersonName, PhoneNumber, Preferences, Role, TimeZone, User, WebhookUrl};
