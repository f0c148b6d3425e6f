-- metricbot state, SQLite flavour. Times are integer microseconds since the Unix epoch, UTC;
-- JSON is kept as text.

CREATE TABLE conversations (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    thread     TEXT NOT NULL,
    turns      TEXT NOT NULL,
    last_query TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (platform, workspace, channel, thread)
);

CREATE TABLE events (
    platform      TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('claimed', 'answered')),
    attempts      INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (platform, event_id)
);

CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    platform   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    metrics    TEXT NOT NULL,
    cron       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    language   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE deliveries (
    subscription_id INTEGER NOT NULL,
    slot            INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed')),
    late            INTEGER NOT NULL,
    holder          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    detail          TEXT NOT NULL,
    claimed_until   INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, slot)
);

CREATE TABLE slots (
    job           TEXT NOT NULL,
    slot          INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('claimed', 'done')),
    holder        TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (job, slot)
);

CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    rule          TEXT NOT NULL,
    metric        TEXT NOT NULL,
    slice         TEXT NOT NULL,
    period_start  INTEGER NOT NULL,
    period_end    INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    value         REAL NOT NULL,
    expected_low  REAL NOT NULL,
    expected_high REAL NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved', 'dismissed')),
    owner         TEXT NOT NULL,
    thread_ref    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (rule, slice, period_start)
);
CREATE INDEX alerts_metric ON alerts (metric, created_at);

CREATE TABLE alert_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id    INTEGER NOT NULL REFERENCES alerts (id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX alert_changes_alert ON alert_changes (alert_id);

CREATE TABLE cause_notes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id     INTEGER NOT NULL, -- 0 when the note is not about an alert
    metric       TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    author       TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX cause_notes_metric ON cause_notes (metric, period_start);
CREATE INDEX cause_notes_alert ON cause_notes (alert_id);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id   INTEGER NOT NULL REFERENCES alerts (id),
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_alert ON comments (alert_id);

CREATE TABLE questions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    channel    TEXT NOT NULL,
    body       TEXT NOT NULL,
    query      TEXT NOT NULL,
    status     TEXT NOT NULL,
    path       TEXT NOT NULL,
    latency_us INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX questions_created ON questions (created_at);

CREATE TABLE feedback (
    question_id INTEGER NOT NULL REFERENCES questions (id),
    user_id     TEXT NOT NULL,
    vote        INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    correction  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (question_id, user_id)
);

CREATE TABLE embeddings (
    hash       TEXT PRIMARY KEY,
    vector     BLOB NOT NULL, -- little-endian float32s
    created_at INTEGER NOT NULL
);
