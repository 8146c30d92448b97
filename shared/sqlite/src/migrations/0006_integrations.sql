-- Connected accounts, one per user and provider (PK = USER#<id>, SK = INTEG#<provider> in
-- DynamoDB). The body is the record; `refresh_at` (fixed-width UTC to the nanosecond) is copied
-- out of it while the integration is on the refresh index, and NULL otherwise.
CREATE TABLE integrations (
    user_id    TEXT NOT NULL,
    provider   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    refresh_at TEXT,
    body       TEXT NOT NULL,
    PRIMARY KEY (user_id, provider)
) STRICT, WITHOUT ROWID;
-- The refresh index, sparse as in DynamoDB.
CREATE INDEX integrations_refresh ON integrations (refresh_at) WHERE refresh_at IS NOT NULL;

-- Sign-ins in flight (PK = OSTATE#<key> in DynamoDB): taken once by the callback. `expires_at`
-- (fixed-width UTC) is DynamoDB's `ttl`: rows a day past it are cleared when a state is put.
CREATE TABLE oauth_states (
    key        TEXT NOT NULL PRIMARY KEY,
    expires_at TEXT NOT NULL,
    body       TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
