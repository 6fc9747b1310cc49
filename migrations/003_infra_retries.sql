-- Infrastructure failures are retried a bounded number of times: each build
-- counts its attempts, waits until not_before to be submitted again, and keeps
-- what happened to its earlier attempts (JSON list) for the results comment.
ALTER TABLE builds ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE builds ADD COLUMN not_before TEXT;
ALTER TABLE builds ADD COLUMN earlier_attempts TEXT;
