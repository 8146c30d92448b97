//! The embedded store: one SQLite file (bundled SQLite, WAL) that mirrors the DynamoDB access
//! patterns with primary keys and indexes.
//!
//! | access pattern            | how                                                        |
//! |---------------------------|------------------------------------------------------------|
//! | user by id                | `users` primary key                                        |
//! | user by phone             | `users.phone` UNIQUE index                                 |
//! | a user's task by id       | `tasks (user_id, id)` primary key                          |
//! | a user's tasks, paged     | primary key range `user_id = ? AND id < ?`, newest first   |
//! | a user's reminders, notifications | the same, on `reminders` and `notifications`       |
//! | due reminders             | partial index `reminders_due`: `fire_key <= now`           |
//! | notifications to resend   | partial index `notifications_redispatch`                   |
//! | the local queue           | `queue_visible`: `dead = 0 AND visible_at <= now`          |

mod local;
mod reminders;
mod store;

pub use local::{MAX_RECEIVES, OutboxEntry, Received};
pub use store::SqliteStore;
