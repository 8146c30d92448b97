-- Inbound SMS, one row per Twilio MessageSid (PK = SMSIN#<sid> in DynamoDB): global, since a
-- message from an unknown number has no user. `expires_at` (fixed-width UTC) is kept as
-- DynamoDB's `ttl` is, but nothing deletes on it yet: a row past it still reads as present,
-- so a very late redelivery is still a duplicate.
CREATE TABLE inbound_sms (
    sid        TEXT NOT NULL PRIMARY KEY,
    version    INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    body       TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Rate-limit counters (PK = COUNTER#<key> in DynamoDB). A key names its window, so a counter
-- past `expires_at` is never hit again; the first hit's expiry is kept, as `if_not_exists` does.
CREATE TABLE counters (
    key        TEXT NOT NULL PRIMARY KEY,
    n          INTEGER NOT NULL,
    expires_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
