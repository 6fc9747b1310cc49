-- Test-by-test comparisons of two passed builds of the same revision and target,
-- with the same engine as the regression comparison (compare_tests categories):
--   kind 'backends': the CBuild (first) and the LAVA (second) build of one request:
--                    do CBuild and LAVA agree test by test?
--   kind 'rebuild':  an earlier (first) and a later (second) build on the same
--                    backend: a test whose result changes is flaky evidence.
-- Each build is compared once per kind; build_id is the second build.
CREATE TABLE test_comparisons (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('backends', 'rebuild')),
  build_id INTEGER NOT NULL REFERENCES builds(id),
  other_build_id INTEGER NOT NULL REFERENCES builds(id),
  target TEXT NOT NULL,
  backend TEXT NOT NULL CHECK (backend IN ('cbuild', 'lava')),  -- of build_id
  target_branch TEXT NOT NULL,          -- the proposal's target (bzr unique name, or git repository:ref), or the source built (baselines, ad hoc builds)
  revision_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('compared', 'not-compared')),
  reason TEXT,                          -- not-compared: why
  tests INTEGER NOT NULL DEFAULT 0,     -- PASS/FAIL/XPASS/XFAIL results compared (the larger side, per .sum file)
  differences INTEGER NOT NULL DEFAULT 0, -- every differing test, listed below or not
  warnings TEXT,                        -- JSON list: .sum files on one side only, parser warnings
  ended_at TEXT NOT NULL,               -- when the later of the two builds finished
  compared_at TEXT NOT NULL,
  UNIQUE (kind, build_id)
);
CREATE INDEX test_comparisons_by_kind ON test_comparisons(kind, target_branch, target);

-- The first differences of each comparison (bounded; test_comparisons.differences has the total).
-- Names exactly as the comparison gives them: `name` as compare_tests prints it
-- (with its `<variation>: ` prefix off unix), `test` as the .sum line has it.
CREATE TABLE test_differences (
  id INTEGER PRIMARY KEY,
  comparison_id INTEGER NOT NULL REFERENCES test_comparisons(id),
  tool TEXT NOT NULL,
  name TEXT NOT NULL,
  test TEXT NOT NULL,
  category TEXT NOT NULL CHECK (category IN ('now_fail', 'now_pass', 'new_fail', 'new_pass', 'gone_pass', 'gone_fail')),
  first_status TEXT,                    -- on the first build (null: no PASS/FAIL result there)
  second_status TEXT
);
CREATE INDEX test_differences_by_comparison ON test_differences(comparison_id);

-- Builds of the same revision are found by revision id.
CREATE INDEX requests_by_revision ON requests(revision_id);
