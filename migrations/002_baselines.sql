-- Baselines: the target branch built at the proposal's branch point, on the
-- same targets and backends, so test results can be compared.
ALTER TABLE requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'proposal' CHECK (kind IN ('proposal', 'baseline'));
ALTER TABLE requests ADD COLUMN base_request_id INTEGER REFERENCES requests(id);
-- One baseline build per target branch revision, shared by every proposal branched there.
CREATE UNIQUE INDEX baseline_per_revision ON requests(branch, revision_id) WHERE kind = 'baseline';

-- JSON: the comparison with the baseline build (counts per category, first regressions, diff link),
-- or why there is none.
ALTER TABLE builds ADD COLUMN comparison TEXT;
