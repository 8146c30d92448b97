-- Reminders hang off their owner. `fire_key` is next_fire_at (fixed-width UTC) or NULL when
-- nothing is scheduled: the partial index below is the due index, sparse as in DynamoDB.
CREATE TABLE reminders (
    user_id  TEXT NOT NULL,
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL,
    fire_key TEXT,
    body     TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX reminders_due ON reminders (fire_key) WHERE fire_key IS NOT NULL;

-- Notifications; the primary key is the claim of a firing (the id names the firing).
-- `redispatch_key` is set while queued: the tick enqueues what waited too long again.
CREATE TABLE notifications (
    user_id        TEXT NOT NULL,
    id             TEXT NOT NULL,
    version        INTEGER NOT NULL,
    redispatch_key TEXT,
    body           TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX notifications_redispatch ON notifications (redispatch_key) WHERE redispatch_key IS NOT NULL;

-- The local `notify` queue: at-least-once like SQS, with a visibility timeout and a dead
-- letter flag after too many receives.
CREATE TABLE queue (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    body       TEXT NOT NULL,
    visible_at TEXT NOT NULL,
    receives   INTEGER NOT NULL DEFAULT 0,
    dead       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX queue_visible ON queue (visible_at) WHERE dead = 0;

-- What the local stack "sent": SMS and e-mail without a provider, and the console channel.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    text            TEXT NOT NULL,
    at              TEXT NOT NULL
) STRICT;
