-- Users: the record as JSON, with the columns the access patterns need beside it.
CREATE TABLE users (
    id    TEXT PRIMARY KEY NOT NULL,
    phone TEXT NOT NULL UNIQUE,          -- phone -> user (SMS inbound); a phone names one user
    body  TEXT NOT NULL
) STRICT;

-- Tasks hang off their owner, as in DynamoDB (PK = USER#<id>, SK = TASK#<id>).
CREATE TABLE tasks (
    user_id  TEXT NOT NULL,
    id       TEXT NOT NULL,              -- UUIDv7: sorts by creation time
    status   TEXT NOT NULL,
    priority TEXT NOT NULL,
    due_key  TEXT,                       -- due date, fixed-width UTC, so text order is time order
    version  INTEGER NOT NULL,
    body     TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;
