//! The embedded store: one SQLite file (bundled SQLite, WAL) that mirrors the DynamoDB access
//! patterns with primary keys and indexes.
//!
//! | access pattern            | how                                                        |
//! |---------------------------|------------------------------------------------------------|
//! | user by id                | `users` primary key                                        |
//! | user by phone             | `users.phone` UNIQUE index                                 |
//! | a user's task by id       | `tasks (user_id, id)` primary key                          |
//! | a user's tasks, paged     | primary key range `user_id = ? AND id < ?`, newest first   |

mod store;

pub use store::SqliteStore;
