//! Nudge's domain: the types a value of which is always valid, the rules, the use cases, and
//! the ports (traits) through which they reach the world. Nothing here knows of AWS, SQLite or
//! HTTP; time and ids are injected so every rule can be tested with a fixed clock.

pub mod clock;
pub mod error;
pub mod ids;
pub mod page;
pub mod ports;
pub mod task;
pub mod tasks;
pub mod user;
pub mod users;

pub use clock::{Clock, FixedClock, IdSource, SequentialIds, SystemClock, UuidV7Ids};
pub use error::{DomainError, StoreError, ValidationError};
pub use ids::{TaskId, UserId};
pub use page::{Limit, Page, PageRequest};
pub use ports::{Ports, Secret, SecretSource, TaskRepo, UserRepo};
pub use task::{Description, Metadata, Priority, Task, TaskFilter, TaskStatus, TaskTitle};
pub use user::{Email, PersonName, PhoneNumber, Role, TimeZone, User};
