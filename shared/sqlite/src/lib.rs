//! The embedded store: one SQLite file (bundled SQLite, WAL) that mirrors the DynamoDB access
//! patterns with primary keys and indexes.
//!
//! | access pattern                    | how                                                               |
//! |-----------------------------------|-------------------------------------------------------------------|
//! | user by id                        | `users` primary key                                               |
//! | user by phone                     | `users.phone` UNIQUE index                                        |
//! | a user's task by id               | `tasks (user_id, id)` primary key                                 |
//! | a user's tasks, paged             | primary key range `user_id = ? AND id < ?`, newest first          |
//! | a user's reminders, notifications | the same, on `reminders` and `notifications`                      |
//! | due reminders                     | partial index `reminders_due`: `fire_key <= now`                  |
//! | notifications to resend           | partial index `notifications_redispatch`                          |
//! | approvals to expire               | partial index `approvals_due`: pending, `expires_at <= now`       |
//! | a user's conversation(s)          | `conversations (user_id, id)`, as tasks                           |
//! | a conversation's messages, newest | `messages (user_id, conversation_id, id)` range `id < ?`:         |
//! | first                             | another user's conversation reads as empty                        |
//! | save a turn                       | one transaction: insert the conversation (new) or update it       |
//! |                                   | `WHERE version = ?`, and insert each message (id taken: rollback) |
//! | a user's memory, memories         | `memories (user_id, id)`, as tasks                                |
//! | a user's customization            | `prompt_customizations (user_id, id)` primary key                 |
//! | a user's customizations for one   | index `prompt_customizations_by_agent`                            |
//! | agent, newest first               | `(user_id, agent_name, id)`, range `id < ?`                       |
//! | tokens spent on a day (UTC)       | `token_usage (user_id, day)` primary key                          |
//! | add tokens spent                  | upsert `tokens = tokens + excluded.tokens RETURNING tokens`;      |
//! |                                   | the owner's counters three days past their day are deleted        |
//! | add a notification that is no     | `INSERT OR IGNORE` into `notifications`, as a claimed firing's    |
//! | firing (an SMS reply)             |                                                                   |
//! | an inbound SMS by sid             | `inbound_sms (sid)` primary key; record once: insert `ON CONFLICT |
//! |                                   | DO NOTHING`, then read the stored row; replace `WHERE version = ?`|
//! |                                   | (rows past `expires_at` are left, and still read as present)      |
//! | hit a rate-limit counter          | `counters (key)` upsert `n = n + 1 RETURNING n`                   |
//! | a user's approval                 | `approvals (user_id, id)` primary key                             |
//! | a user's approvals, newest first, | `approvals (user_id, id)` range `id < ?`; of one status: index    |
//! | of one status                     | `approvals_by_status (user_id, status, id)`                       |
//! | add an approval                   | one transaction: refused if the code names a pending approval of  |
//! |                                   | the user's with `expires_at > created_at` (index                  |
//! |                                   | `approvals_by_code`), else insert (id taken: `Conflict`)          |
//! | an approval by reply code         | `approvals_by_code (user_id, code, created_at)`, newest           |
//! | decide / expire an approval       | update `WHERE version = ?`; a decided one leaves `approvals_due`  |
//! | the audit log: append, newest     | `audit (user_id, id)`: insert; range `id < ?` (UUIDv7 ids)        |
//! | first                             |                                                                   |
//! | a user's integration(s)           | `integrations (user_id, provider)` primary key, provider order;   |
//! |                                   | insert (taken: `Conflict`) or update `WHERE version = ?`          |
//! | tokens to refresh                 | partial index `integrations_refresh`: `refresh_at <= horizon`     |
//! | start a sign-in (OAuth)           | `oauth_states (key)`: insert (taken: `Conflict`); rows a day past |
//! |                                   | `expires_at` are deleted first, as DynamoDB's TTL would           |
//! | take a sign-in's state once       | `DELETE … RETURNING body`: one statement, so one taker gets it    |
//! | the local queues (notify, agent)  | `queue_visible`: `name = ? AND dead = 0 AND visible_at <= now`    |

mod approvals;
mod conversations;
mod integrations;
mod local;
mod memories;
mod prompts;
mod reminders;
mod sms;
mod store;
mod usage;

pub use local::{MAX_RECEIVES, OutboxEntry, QueueName, Received};
pub use store::SqliteStore;
