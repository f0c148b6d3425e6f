-- Threads an alert was posted in (the owner's direct message, the metric's channel, an
-- escalation), so a reply in any of them is routed back to the alert.
CREATE TABLE alert_threads (
    platform   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    thread     TEXT NOT NULL,
    alert_id   BIGINT NOT NULL REFERENCES alerts (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, channel, thread)
);
CREATE INDEX alert_threads_alert ON alert_threads (alert_id);

-- The chat message a note or comment came from; a redelivered message is stored once.
ALTER TABLE cause_notes ADD COLUMN source TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX cause_notes_source ON cause_notes (alert_id, source) WHERE source <> '';
ALTER TABLE comments ADD COLUMN source TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX comments_source ON comments (alert_id, source) WHERE source <> '';
