/**
 * A store with known builds, recorded through the real Store, whose capacity
 * and agreement figures are worked out by hand in the tests.
 *
 * Requests are placed `daysAgo` before the time given to the seed (all but one
 * inside a 7-day window); build times are offsets in seconds from the
 * request's creation: [submitted, started, finished].
 */
import type { Backend, BuildState, TestSummary } from '../../src/core/model.js';
import type { Store } from '../../src/store/store.js';

interface KnownBuild {
  target: string;
  backend: Backend;
  state: BuildState;
  times: [number, number | null, number | null];
  tests?: TestSummary;
  attempt?: number;
  shadow?: boolean;
  jobUrl?: string;
  logUrl?: string;
}

interface KnownRequest {
  branch: string;
  revno: number;
  daysAgo: number;
  state: 'active' | 'done';
  builds: KnownBuild[];
}

const gcc = (pass: number, fail: number): TestSummary => ({ gcc: { PASS: pass, FAIL: fail } });

export const KNOWN: KnownRequest[] = [
  {
    branch: '~alice/gcc-linaro/fix',
    revno: 1,
    daysAgo: 5.5,
    state: 'done',
    builds: [
      { target: 'a9hf', backend: 'cbuild', state: 'passed', times: [0, 60, 3660], tests: gcc(100, 2) },
      { target: 'a9hf', backend: 'lava', state: 'passed', times: [0, 300, 4300], tests: gcc(100, 2) },
      { target: 'x86_64', backend: 'cbuild', state: 'passed', times: [0, 30, 1800], tests: gcc(200, 1) },
      { target: 'x86_64', backend: 'lava', state: 'passed', times: [3600, 4200, 6200], tests: gcc(198, 3), attempt: 2 },
    ],
  },
  {
    branch: '~alice/gcc-linaro/fix',
    revno: 2,
    daysAgo: 4.5,
    state: 'done',
    builds: [
      { target: 'a9hf', backend: 'cbuild', state: 'failed', times: [0, 120, 3000] },
      { target: 'a9hf', backend: 'lava', state: 'infra', times: [0, 900, 1400], attempt: 3 },
      { target: 'x86_64', backend: 'cbuild', state: 'failed', times: [0, 60, 1500] },
      { target: 'x86_64', backend: 'lava', state: 'passed', times: [0, 100, 1500], tests: gcc(1, 0), shadow: true },
    ],
  },
  {
    // Outside the window: must not count.
    branch: '~bob/gcc-linaro/old',
    revno: 7,
    daysAgo: 18,
    state: 'done',
    builds: [
      { target: 'a9hf', backend: 'cbuild', state: 'passed', times: [0, 10, 20], tests: gcc(1, 0) },
      { target: 'a9hf', backend: 'lava', state: 'failed', times: [0, 10, 20] },
    ],
  },
  {
    // Cancelled: counted as builds, not in rates or build times.
    branch: '~carol/gcc-linaro/gone',
    revno: 3,
    daysAgo: 3.5,
    state: 'done',
    builds: [
      { target: 'a9hf', backend: 'cbuild', state: 'cancelled', times: [0, 10, 100] },
      { target: 'a9hf', backend: 'lava', state: 'cancelled', times: [0, null, 100] },
    ],
  },
  {
    // Still building: not in the window's figures, shown in the queue.
    branch: '~dave/gcc-linaro/<b>wip</b>',
    revno: 5,
    daysAgo: 1 / 24,
    state: 'active',
    builds: [
      { target: 'a9hf', backend: 'cbuild', state: 'running', times: [0, 600, null], jobUrl: 'http://cbuild.example/job/1', logUrl: 'http://builder:pw@cbuild.example/log/make.log' },
      { target: 'a9hf', backend: 'lava', state: 'queued', times: [0, null, null], jobUrl: 'http://lava.example/scheduler/job/42' },
    ],
  },
];

const at = (created: string, seconds: number | null) => (seconds === null ? null : new Date(Date.parse(created) + seconds * 1000).toISOString());

/** Records KNOWN through the real Store; returns the request ids in KNOWN's order and the proposal id. */
export async function seedKnownBuilds(store: Store, now: Date): Promise<{ requestIds: number[]; proposalId: number }> {
  const [proposal] = await store.upsertProposals([
    {
      self_link: 'https://api.launchpad.net/1.0/~alice/gcc-linaro/fix/+merge/1',
      web_link: 'https://code.launchpad.net/~alice/gcc-linaro/fix/+merge/1',
      source: { vcs: 'bzr', link: 'https://api.launchpad.net/1.0/~alice/gcc-linaro/fix', path: '~alice/gcc-linaro/fix', ref: null },
      target: { vcs: 'bzr', link: 'https://api.launchpad.net/1.0/~linaro-toolchain/gcc-linaro/4.8', path: '~linaro-toolchain/gcc-linaro/4.8', ref: null },
      queue_status: 'Needs review',
      http_etag: null,
    }],
    '2026-03-01T00:00:00.000Z',
  );
  const requestIds: number[] = [];
  for (const known of KNOWN) {
    const created = new Date(now.getTime() - known.daysAgo * 86_400_000).toISOString();
    const request = {
      kind: 'proposal' as const,
      origin: 'revision' as const,
      proposalId: known.branch === proposal.source.path ? proposal.id : null,
      baseRequestId: null,
      source: { vcs: 'bzr' as const, path: known.branch, ref: null },
      sourceUrl: `lp:${known.branch}`,
      revision: { id: `rev-${known.branch}-${known.revno}`, revno: known.revno },
    };
    const builds = known.builds.map((b) => ({ target: b.target, backend: b.backend, shadow: b.shadow ?? false }));
    const id = await store.createRequest(request, builds, (rid, b) => `key-${rid}-${b.target}-${b.backend}`, created);
    requestIds.push(id);
    const rows = (await store.buildsOfRequests([id])).get(id)!;
    for (const b of known.builds) {
      const row = rows.find((r) => r.target === b.target && r.backend === b.backend)!;
      const [submitted, started, finished] = b.times;
      await store.setBuildState(row.id, b.state, at(created, finished ?? started ?? submitted)!, {
        submitted_at: at(created, submitted),
        started_at: at(created, started),
        finished_at: at(created, finished),
        test_summary: b.tests ?? null,
        attempt: b.attempt ?? 1,
        job_url: b.jobUrl ?? null,
        log_url: b.logUrl ?? null,
      });
    }
    if (known.state === 'done') await store.markRequestDone(id, at(created, Math.max(...known.builds.map((b) => b.times[2] ?? 0)))!);
  }
  return { requestIds, proposalId: proposal.id };
}
