/** Which pairs of passed builds get compared test by test, and what is kept of a comparison: real sqlite. */
import assert from 'node:assert/strict';
import { recordTestAgreement } from '../../src/bot/agreement.js';
import { CBuildClient } from '../../src/cbuild/client.js';
import type { Backend, BuildState } from '../../src/core/model.js';
import { HttpClient } from '../../src/http/client.js';
import { testContext } from '../support/context.js';
import type { TestDifference } from '../../src/results/index.js';
import { Store } from '../../src/store/store.js';
import { LISTED_DIFFERENCES, TestComparisons } from '../../src/store/test-comparisons.js';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');

describe('store: test-by-test comparisons', () => {
  let store: Store;
  let comparisons: TestComparisons;
  let proposalId: number;
  beforeEach(async () => {
    store = await Store.open(':memory:');
    comparisons = new TestComparisons(store);
    ([{ id: proposalId }] = await store.upsertProposals([
      {
        self_link: 'https://api.launchpad.net/1.0/~ivy/gcc-linaro/x/+merge/1', web_link: 'w',
        source: { vcs: 'bzr', link: 's', path: '~ivy/gcc-linaro/x', ref: null },
        target: { vcs: 'bzr', link: 't', path: '~linaro-toolchain/gcc-linaro/4.8', ref: null },
        queue_status: 'Needs review', http_etag: null,
      }],
      '2026-03-01T00:00:00.000Z',
    ));
  });
  afterEach(() => store.close());

  let key = 0;
  /** A request of `revision` with one build per [target, backend, state, finished hour]. */
  async function request(revision: string, builds: Array<[string, Backend, BuildState, number]>, options: { proposal?: boolean } = {}): Promise<number[]> {
    const id = await store.createRequest(
      {
        kind: options.proposal ? 'proposal' : 'adhoc', origin: options.proposal ? 'revision' : 'schedule', proposalId: options.proposal ? proposalId : null, baseRequestId: null,
        source: { vcs: 'bzr', path: options.proposal ? '~ivy/gcc-linaro/x' : '~linaro-toolchain/gcc-linaro/trunk', ref: null }, sourceUrl: 'lp:x', revision: { id: revision, revno: 1 },
      },
      builds.map(([target, backend]) => ({ target, backend })),
      () => `key-${++key}`,
      new Date(T0).toISOString(),
    );
    const rows = (await store.buildsOfRequests([id])).get(id)!;
    for (const [i, [, , state, hour]] of builds.entries()) {
      await store.setBuildState(rows[i]!.id, state, new Date(T0 + hour * 3_600_000).toISOString(), { finished_at: new Date(T0 + hour * 3_600_000).toISOString() });
    }
    return rows.map((r) => r.id);
  }

  const described = async () => (await comparisons.pending(100)).map((p) => `${p.kind} ${p.first.id}->${p.second.id} ${p.targetBranch} ${p.revisionId}`);

  it('pairs CBuild and LAVA of a request when both passed, and a build with the latest earlier one of its revision, target and backend', async () => {
    const [n1, l1] = await request('r1', [['a9hf', 'cbuild', 'passed', 1], ['a9hf', 'lava', 'passed', 2], ['x86_64', 'cbuild', 'passed', 1], ['x86_64', 'lava', 'failed', 2]], { proposal: true });
    const [n2, l2] = await request('r1', [['a9hf', 'cbuild', 'passed', 5], ['a9hf', 'lava', 'passed', 3]]);
    const [n3] = await request('r1', [['a9hf', 'cbuild', 'passed', 4]]);
    await request('r2', [['a9hf', 'cbuild', 'passed', 6]]);
    // By second build: the proposal's pair (its target branch), then n2 (finished after n3: its
    // partner is n3), l2 (with its CBuild pair and with l1), n3 (with n1). The x86_64 LAVA build
    // failed, and r2 was built once: no pairs.
    assert.deepEqual(await described(), [
      `backends ${n1}->${l1} ~linaro-toolchain/gcc-linaro/4.8 r1`,
      `rebuild ${n3}->${n2} ~linaro-toolchain/gcc-linaro/trunk r1`,
      `backends ${n2}->${l2} ~linaro-toolchain/gcc-linaro/trunk r1`,
      `rebuild ${l1}->${l2} ~linaro-toolchain/gcc-linaro/trunk r1`,
      `rebuild ${n1}->${n3} ~linaro-toolchain/gcc-linaro/trunk r1`,
    ]);
  });

  it('keeps the first differences by name with the total, and compares each pair once', async () => {
    await request('r1', [['a9hf', 'cbuild', 'passed', 1], ['a9hf', 'lava', 'passed', 2]]);
    const [pair] = await comparisons.pending(10);
    const name = (i: number) => `gcc.dg/t${String(i).padStart(3, '0')}.c  -O2 \texecution test`;
    const differences = Array.from({ length: 150 }, (_, i): TestDifference => ({ tool: 'gcc', name: name(i), test: name(i), category: 'now_fail', first: 'PASS', second: 'FAIL' }));
    await comparisons.record(pair!, { status: 'compared', tests: 1000, differences, total: 150, warnings: ['g++.sum is missing on LAVA: its 0 results count as differing'] }, 'now');
    await comparisons.record(pair!, { status: 'not-compared', reason: 'again' }, 'later');
    assert.deepEqual(await comparisons.pending(10), []);
    const [stored] = await comparisons.ofBuilds('backends', [pair!.second.id]);
    assert.deepEqual([stored!.status, stored!.tests, stored!.differences, stored!.listed.length, stored!.compared_at], ['compared', 1000, 150, LISTED_DIFFERENCES, 'now']);
    assert.equal(stored!.listed[99]!.name, 'gcc.dg/t099.c  -O2 \texecution test', 'names as given, spacing and all');
    assert.deepEqual(stored!.warnings, ['g++.sum is missing on LAVA: its 0 results count as differing']);
  });

  it('compares at most ten pairs a cycle, the oldest first, and records those that cannot be compared with why', async () => {
    for (let i = 0; i < 12; i++) await request(`r${i}`, [['a9hf', 'cbuild', 'passed', 1], ['a9hf', 'lava', 'passed', 2]]);
    // The builds published nothing: each pair is recorded as not comparable, without asking the results host.
    const cbuild = new CBuildClient({ schedulerUrl: 'http://127.0.0.1:9/', resultsUrl: 'http://127.0.0.1:9/', http: new HttpClient({ retries: 0 }) });
    const ctx = testContext({ store, results: cbuild });
    assert.equal(await recordTestAgreement(ctx), 10);
    assert.equal((await comparisons.pending(100)).length, 2);
    assert.equal(await recordTestAgreement(ctx), 2);
    assert.equal(ctx.guard.errors, 0);
    const rows = await store.db.all<{ status: string; reason: string }>('SELECT status, reason FROM test_comparisons');
    assert.equal(rows.length, 12);
    assert.ok(rows.every((r) => r.status === 'not-compared' && r.reason === 'CBuild published no results'));
  });
});
