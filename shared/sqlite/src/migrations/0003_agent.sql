-- Conversations hang off their owner (PK = USER#<id>, SK = CONV#<id> in DynamoDB).
CREATE TABLE conversations (
    user_id TEXT NOT NULL,
    id      TEXT NOT NULL,               -- UUIDv7: the latest conversation sorts last
    version INTEGER NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;

-- A conversation's messages under their owner (SK = MSG#<conversation>#<id>): the key alone
-- answers "this user's conversation's messages, newest first", so another user's read is empty.
CREATE TABLE messages (
    user_id         TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    id              TEXT NOT NULL,       -- UUIDv7, in the order the turn wrote them
    body            TEXT NOT NULL,
    PRIMARY KEY (user_id, conversation_id, id)
) STRICT, WITHOUT ROWID;

-- Long-term memories, the embedding in the body (serde_json writes an f32 in the fewest digits
-- that read back as the same f32).
CREATE TABLE memories (
    user_id TEXT NOT NULL,
    id      TEXT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;

-- Prompt customizations; listed per agent, so the agent is a key column with its own index.
CREATE TABLE prompt_customizations (
    user_id    TEXT NOT NULL,
    id         TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX prompt_customizations_by_agent ON prompt_customizations (user_id, agent_name, id);

-- Tokens spent per user per UTC day (`day` is yyyy-mm-dd, so text order is date order).
CREATE TABLE token_usage (
    user_id TEXT NOT NULL,
    day     TEXT NOT NULL,
    tokens  INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
) STRICT, WITHOUT ROWID;

-- One table carries both local queues, as two SQS queues do in AWS; what is there already is
-- the `notify` queue's.
ALTER TABLE queue ADD COLUMN name TEXT NOT NULL DEFAULT 'notify' CHECK (name IN ('notify', 'agent'));
DROP INDEX queue_visible;
CREATE INDEX queue_visible ON queue (name, visible_at) WHERE dead = 0;
