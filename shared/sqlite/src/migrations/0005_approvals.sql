-- Approvals hang off their owner (PK = USER#<id>, SK = APPROVAL#<id> in DynamoDB). `status`,
-- `code`, `expires_at` and `created_at` (fixed-width UTC) are copied out of the body for the
-- indexes below; the body is the record.
CREATE TABLE approvals (
    user_id    TEXT NOT NULL,
    id         TEXT NOT NULL,
    status     TEXT NOT NULL,
    code       TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- When the tick must look at it (`Approval::due_at`): pending, at expiry; approved and not
    -- yet run, a while after; NULL once settled.
    due_at     TEXT,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;
-- The due index for approvals, sparse as in DynamoDB.
CREATE INDEX approvals_due ON approvals (due_at) WHERE due_at IS NOT NULL;
-- A reply code's approvals, newest first; and whether a code names an open one.
CREATE INDEX approvals_by_code ON approvals (user_id, code, created_at);
-- A user's approvals of one status, newest first.
CREATE INDEX approvals_by_status ON approvals (user_id, status, id);

-- The audit log (SK = AUDIT#<id>): append-only; ids are UUIDv7, so id order is time order.
CREATE TABLE audit (
    user_id TEXT NOT NULL,
    id      TEXT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;
