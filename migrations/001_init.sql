-- Facts observed on Launchpad.
CREATE TABLE proposals (
  id INTEGER PRIMARY KEY,
  self_link TEXT NOT NULL UNIQUE,
  web_link TEXT NOT NULL,
  source_branch_link TEXT NOT NULL,
  source_branch TEXT NOT NULL,          -- unique_name, e.g. ~user/gcc-linaro/fix
  target_branch_link TEXT NOT NULL,
  target_branch TEXT NOT NULL,
  queue_status TEXT NOT NULL,
  http_etag TEXT,
  tracked INTEGER NOT NULL DEFAULT 1,   -- 0 once Merged/Rejected/Superseded or gone from the listing
  first_seen_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE branches (
  self_link TEXT PRIMARY KEY,
  unique_name TEXT NOT NULL,
  bzr_identity TEXT NOT NULL,
  last_scanned_id TEXT,
  revision_count INTEGER NOT NULL DEFAULT 0,
  http_etag TEXT,
  checked_at TEXT NOT NULL
);

-- One request per (proposal, source revision): the unit that gets paired builds and comments.
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  proposal_id INTEGER REFERENCES proposals(id),
  branch TEXT NOT NULL,                 -- branch unique_name that is built
  revision_id TEXT NOT NULL,
  revno INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'superseded', 'closed', 'done')),
  superseded_by INTEGER REFERENCES requests(id),
  created_at TEXT NOT NULL,
  finished_at TEXT,
  UNIQUE (proposal_id, revision_id)
);

-- One row per target x backend of a request.
CREATE TABLE builds (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests(id),
  target TEXT NOT NULL,
  backend TEXT NOT NULL CHECK (backend IN ('native', 'lava')),
  state TEXT NOT NULL CHECK (state IN
    ('pending', 'submitting', 'queued', 'running', 'passed', 'failed', 'infra', 'cancelled', 'error')),
  submit_key TEXT NOT NULL UNIQUE,      -- LAVA job name / CBuild job name: finds the job again after a crash
  external_id TEXT,                     -- LAVA job id or CBuild queue/job
  job_url TEXT,
  log_url TEXT,
  results_url TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  detail TEXT,                          -- failure comment or submission error, for humans
  test_summary TEXT,                    -- JSON: per tool counts from the .sum files
  submitted_at TEXT,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL,
  UNIQUE (request_id, target, backend)
);

-- The outbox: a comment is recorded before it is posted and marked after, so a
-- crash in between is resolved by looking for its marker on Launchpad.
CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests(id),
  proposal_id INTEGER NOT NULL REFERENCES proposals(id),
  kind TEXT NOT NULL CHECK (kind IN ('ack', 'results')),
  marker TEXT NOT NULL UNIQUE,          -- "<request id>/<kind>", last line of the body
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'posting', 'posted', 'printed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  posted_link TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  posted_at TEXT,
  UNIQUE (request_id, kind)
);

CREATE INDEX builds_by_state ON builds(state);
CREATE INDEX requests_by_proposal ON requests(proposal_id, state);
CREATE INDEX comments_by_state ON comments(state);
