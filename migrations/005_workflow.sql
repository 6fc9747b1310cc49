-- migrate: foreign_keys=off
-- The team's workflow: dailies, manual builds, commands in comments, staged rollout.
--
-- requests: why each request exists (`origin`) and who asked; a manual build
-- that belongs to no proposal (`adhoc`); a request stopped by a person
-- (`cancelled`). A rebuild is a second request for the same proposal revision,
-- so "one request per proposal revision" now holds for revision-triggered ones.
CREATE TABLE requests_new (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('proposal', 'baseline', 'adhoc')),
  origin TEXT NOT NULL CHECK (origin IN ('revision', 'branch-point', 'daily', 'schedule', 'rebuild')),
  requested_by TEXT,                    -- Launchpad name (commands) or local user (schedule)
  proposal_id INTEGER REFERENCES proposals(id),
  base_request_id INTEGER REFERENCES requests(id),
  branch TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  revno INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'superseded', 'closed', 'cancelled', 'done')),
  superseded_by INTEGER REFERENCES requests(id),
  created_at TEXT NOT NULL,
  finished_at TEXT
);
INSERT INTO requests_new (id, kind, origin, proposal_id, base_request_id, branch, revision_id, revno, state, superseded_by, created_at, finished_at)
  SELECT id, kind, CASE kind WHEN 'baseline' THEN 'branch-point' ELSE 'revision' END, proposal_id, base_request_id,
         branch, revision_id, revno, state, superseded_by, created_at, finished_at FROM requests;
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;
CREATE UNIQUE INDEX one_request_per_revision ON requests(proposal_id, revision_id) WHERE origin = 'revision';
CREATE UNIQUE INDEX baseline_per_revision ON requests(branch, revision_id) WHERE kind = 'baseline';
CREATE INDEX requests_by_proposal ON requests(proposal_id, state);
CREATE INDEX requests_by_state ON requests(state);

-- A LAVA build in "shadow" rollout: built and recorded, never shown in comments.
ALTER TABLE builds ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;

-- Commands found in proposal comments, recorded once per comment (acted on once, even across restarts).
CREATE TABLE commands (
  id INTEGER PRIMARY KEY,
  proposal_id INTEGER NOT NULL REFERENCES proposals(id),
  comment_link TEXT NOT NULL UNIQUE,    -- the Launchpad comment's self_link
  author TEXT NOT NULL,                 -- Launchpad name of the comment's author
  verb TEXT NOT NULL CHECK (verb IN ('rebuild', 'cancel')),
  targets TEXT,                         -- JSON list of target names (rebuild), empty = all
  state TEXT NOT NULL CHECK (state IN ('done', 'refused', 'ignored')),
  outcome TEXT NOT NULL,                -- what the bot did, or why not
  request_id INTEGER REFERENCES requests(id),
  created_at TEXT NOT NULL
);

-- comments: replies to commands belong to a command, not necessarily to a request.
CREATE TABLE comments_new (
  id INTEGER PRIMARY KEY,
  request_id INTEGER REFERENCES requests(id),
  command_id INTEGER REFERENCES commands(id),
  proposal_id INTEGER NOT NULL REFERENCES proposals(id),
  kind TEXT NOT NULL CHECK (kind IN ('ack', 'results', 'command')),
  marker TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'posting', 'posted', 'printed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  posted_link TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  posted_at TEXT,
  vote TEXT CHECK (vote IN ('Approve', 'Needs Fixing')),
  CHECK ((kind = 'command') = (command_id IS NOT NULL)),
  CHECK (kind = 'command' OR request_id IS NOT NULL)
);
INSERT INTO comments_new (id, request_id, proposal_id, kind, marker, subject, body, state, attempts, posted_link, last_error, created_at, posted_at, vote)
  SELECT id, request_id, proposal_id, kind, marker, subject, body, state, attempts, posted_link, last_error, created_at, posted_at, vote FROM comments;
DROP TABLE comments;
ALTER TABLE comments_new RENAME TO comments;
CREATE UNIQUE INDEX one_comment_per_request_kind ON comments(request_id, kind) WHERE kind <> 'command';
CREATE UNIQUE INDEX one_reply_per_command ON comments(command_id) WHERE kind = 'command';
CREATE INDEX comments_by_state ON comments(state);
