-- migrate: foreign_keys=off
-- Git merge proposals beside bzr (Launchpad ended Bazaar hosting on 2025-12-11),
-- one spelling of each backend, and what the bot needs to be sure of an
-- uncertain submission or post before it repeats it.
--
-- A source is a bzr branch (path = unique name, no ref) or a ref of a git
-- repository (path = the repository's unique name, ref = refs/heads/...).
-- A revision is a bzr revision id (with its revno), a bzr revno alone (built
-- by revno), or a git commit (no revno): never a revision id that only looks
-- like one (`revno:1` used to be stored as an id).

CREATE TABLE proposals_new (
  id INTEGER PRIMARY KEY,
  self_link TEXT NOT NULL UNIQUE,
  web_link TEXT NOT NULL,
  vcs TEXT NOT NULL CHECK (vcs IN ('bzr', 'git')),
  source_link TEXT NOT NULL,            -- the bzr branch or git ref entry
  source_path TEXT NOT NULL,            -- ~owner/project/name or ~owner/project/+git/name
  source_ref TEXT,                      -- git: refs/heads/topic
  target_link TEXT NOT NULL,
  target_path TEXT NOT NULL,
  target_ref TEXT,
  queue_status TEXT NOT NULL,
  http_etag TEXT,
  tracked INTEGER NOT NULL DEFAULT 1 CHECK (tracked IN (0, 1)),
  unbuildable TEXT,                     -- why the bot cannot build it (a name or revision it cannot take), NULL if it can
  first_seen_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((vcs = 'git') = (source_ref IS NOT NULL AND target_ref IS NOT NULL))
);
INSERT INTO proposals_new (id, self_link, web_link, vcs, source_link, source_path, source_ref, target_link, target_path, target_ref,
    queue_status, http_etag, tracked, first_seen_at, updated_at)
  SELECT id, self_link, web_link, 'bzr', source_branch_link, source_branch, NULL, target_branch_link, target_branch, NULL,
    queue_status, http_etag, tracked, first_seen_at, updated_at FROM proposals;
DROP TABLE proposals;
ALTER TABLE proposals_new RENAME TO proposals;

-- The tip of each bzr branch or git ref the bot reads (replaces branches).
CREATE TABLE sources (
  self_link TEXT PRIMARY KEY,
  vcs TEXT NOT NULL CHECK (vcs IN ('bzr', 'git')),
  path TEXT NOT NULL,
  ref TEXT,
  identity TEXT NOT NULL,               -- bzr_identity, or the repository's git_identity
  tip TEXT,                             -- last_scanned_id or commit_sha1; NULL until scanned
  revno INTEGER,                        -- bzr revision_count
  repository_url TEXT,                  -- git: git_https_url
  http_etag TEXT,
  checked_at TEXT NOT NULL,
  CHECK ((vcs = 'git') = (ref IS NOT NULL))
);
INSERT INTO sources (self_link, vcs, path, ref, identity, tip, revno, repository_url, http_etag, checked_at)
  SELECT self_link, 'bzr', unique_name, NULL, bzr_identity, last_scanned_id, revision_count, NULL, http_etag, checked_at FROM branches;
DROP TABLE branches;

CREATE TABLE requests_new (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('proposal', 'baseline', 'adhoc')),
  origin TEXT NOT NULL CHECK (origin IN ('revision', 'branch-point', 'daily', 'schedule', 'rebuild')),
  requested_by TEXT,
  proposal_id INTEGER REFERENCES proposals(id),
  base_request_id INTEGER REFERENCES requests(id),
  vcs TEXT NOT NULL CHECK (vcs IN ('bzr', 'git')),
  source_path TEXT NOT NULL,
  source_ref TEXT,
  source_url TEXT NOT NULL,             -- where builders fetch it
  revision_id TEXT,                     -- bzr revision id or git commit; NULL: a bzr build by revno
  revno INTEGER,                        -- bzr revno; NULL for git
  state TEXT NOT NULL CHECK (state IN ('active', 'superseded', 'closed', 'cancelled', 'done')),
  superseded_by INTEGER REFERENCES requests(id),
  created_at TEXT NOT NULL,
  finished_at TEXT,
  CHECK (revision_id IS NOT NULL OR revno IS NOT NULL),
  CHECK (vcs = 'bzr' OR (source_ref IS NOT NULL AND revision_id IS NOT NULL AND revno IS NULL))
);
INSERT INTO requests_new (id, kind, origin, requested_by, proposal_id, base_request_id, vcs, source_path, source_ref, source_url,
    revision_id, revno, state, superseded_by, created_at, finished_at)
  SELECT id, kind, origin, requested_by, proposal_id, base_request_id, 'bzr', branch, NULL, 'lp:' || branch,
    CASE WHEN revision_id GLOB 'revno:[0-9]*' AND origin = 'schedule' THEN NULL ELSE revision_id END, revno,
    state, superseded_by, created_at, finished_at FROM requests;
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;
-- One request per proposal revision found by watching; a closed one (the
-- proposal left the watched statuses) does not keep the revision from being
-- built when the proposal is watched again.
CREATE UNIQUE INDEX one_request_per_revision ON requests(proposal_id, revision_id) WHERE origin = 'revision' AND state <> 'closed';
CREATE UNIQUE INDEX baseline_per_revision ON requests(vcs, source_path, IFNULL(source_ref, ''), revision_id) WHERE kind = 'baseline' AND revision_id IS NOT NULL;
CREATE INDEX requests_by_proposal ON requests(proposal_id, state);
CREATE INDEX requests_by_state ON requests(state);

CREATE TABLE builds_new (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests(id),
  target TEXT NOT NULL,
  backend TEXT NOT NULL CHECK (backend IN ('cbuild', 'lava')),
  state TEXT NOT NULL CHECK (state IN
    ('pending', 'submitting', 'queued', 'running', 'passed', 'failed', 'infra', 'cancelled', 'held', 'error')),
  shadow INTEGER NOT NULL DEFAULT 0 CHECK (shadow IN (0, 1)),
  submit_key TEXT NOT NULL UNIQUE,
  external_id TEXT,
  job_url TEXT,
  log_url TEXT,
  results_url TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  detail TEXT,
  test_summary TEXT,                    -- JSON TestSummary
  comparison TEXT,                      -- JSON BuildComparison
  attempt INTEGER NOT NULL DEFAULT 1,
  not_before TEXT,
  earlier_attempts TEXT,                -- JSON EarlierAttempt[]
  uncertain_since TEXT,                 -- a submission whose fate is unknown, since then
  next_check_at TEXT,                   -- when to look for its job again
  submitted_at TEXT,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL,
  UNIQUE (request_id, target, backend)
);
INSERT INTO builds_new (id, request_id, target, backend, state, shadow, submit_key, external_id, job_url, log_url, results_url,
    cancel_requested, detail, test_summary, comparison, attempt, not_before, earlier_attempts, uncertain_since, next_check_at,
    submitted_at, started_at, finished_at, updated_at)
  SELECT id, request_id, target, CASE backend WHEN 'native' THEN 'cbuild' ELSE backend END, state, shadow, submit_key, external_id,
    job_url, log_url, results_url, cancel_requested, detail, test_summary,
    CASE WHEN json_extract(comparison, '$.status') = 'compared'
      THEN json_set(json_remove(comparison, '$.baseline'), '$.baseline',
        json_object('label', 'lp:' || json_extract(comparison, '$.baseline.branch') || ' revision ' || json_extract(comparison, '$.baseline.revno')))
      ELSE comparison END,
    attempt, not_before, earlier_attempts, CASE state WHEN 'submitting' THEN updated_at END, NULL,
    submitted_at, started_at, finished_at, updated_at FROM builds;
DROP TABLE builds;
ALTER TABLE builds_new RENAME TO builds;
CREATE INDEX builds_by_state ON builds(state);
CREATE INDEX builds_by_request ON builds(request_id);

CREATE TABLE comments_new (
  id INTEGER PRIMARY KEY,
  request_id INTEGER REFERENCES requests(id),
  command_id INTEGER REFERENCES commands(id),
  proposal_id INTEGER NOT NULL REFERENCES proposals(id),
  kind TEXT NOT NULL CHECK (kind IN ('ack', 'results', 'command', 'notice')),
  marker TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'posting', 'posted', 'printed', 'withdrawn', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  posted_link TEXT,
  last_error TEXT,
  vote TEXT CHECK (vote IN ('Approve', 'Needs Fixing')),
  uncertain_since TEXT,                 -- a POST whose fate is unknown, since then
  next_check_at TEXT,                   -- when to look for its marker again
  created_at TEXT NOT NULL,
  posted_at TEXT,
  CHECK ((kind = 'command') = (command_id IS NOT NULL)),
  CHECK (kind IN ('command', 'notice') OR request_id IS NOT NULL)
);
INSERT INTO comments_new (id, request_id, command_id, proposal_id, kind, marker, subject, body, state, attempts, posted_link,
    last_error, vote, uncertain_since, next_check_at, created_at, posted_at)
  SELECT id, request_id, command_id, proposal_id, kind, marker, subject, body, state, attempts, posted_link,
    last_error, vote, CASE state WHEN 'posting' THEN created_at END, NULL, created_at, posted_at FROM comments;
DROP TABLE comments;
ALTER TABLE comments_new RENAME TO comments;
CREATE UNIQUE INDEX one_comment_per_request_kind ON comments(request_id, kind) WHERE kind IN ('ack', 'results');
CREATE UNIQUE INDEX one_reply_per_command ON comments(command_id) WHERE kind = 'command';
CREATE INDEX comments_by_state ON comments(state);
