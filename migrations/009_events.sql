-- Events as the fast path, polling as the source of truth (issue 14).
--
-- Launchpad webhook deliveries already taken: a retry reuses its
-- X-Launchpad-Delivery id (the WebhookJob id), so a repeat is a no-op. Kept
-- 30 days, as long as Launchpad keeps a delivery it can retry by hand.
CREATE TABLE webhook_deliveries (
  delivery_id TEXT PRIMARY KEY,
  event_type TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_received_at ON webhook_deliveries (received_at);

-- The callback token of each LAVA build's current job, as a SHA-256 digest:
-- the token itself is only in the job definition, never in the database.
CREATE TABLE lava_callbacks (
  build_id INTEGER PRIMARY KEY REFERENCES builds(id),
  token_sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- A delivery said the proposal was commented on (action "reviewed") and the
-- comment was not one of the bot's own: its comments are read at the next
-- step, and this is cleared by a read that started after it was set.
ALTER TABLE proposals ADD COLUMN comments_wanted_at TEXT;

-- Every top-level comment fires a "reviewed" delivery, the bot's own too. The
-- payload names no comment, so each delivery is matched to one of the bot's
-- recent comments on that proposal (oldest first) before it counts as a
-- reader's: 1 once a delivery was matched to this comment.
ALTER TABLE comments ADD COLUMN delivery_matched INTEGER NOT NULL DEFAULT 0 CHECK (delivery_matched IN (0, 1));
