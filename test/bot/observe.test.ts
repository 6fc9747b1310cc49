/**
 * Observing costs "pages + what changed" on Launchpad and a constant number of
 * store statements per listing, however many proposals it holds; a target
 * shared by every proposal is read once per cycle.
 */
import assert from 'node:assert/strict';
import { LaunchpadSimulator } from '../../src/launchpad/simulator.js';
import { LaunchpadClient } from '../../src/launchpad/client.js';
import { HttpClient } from '../../src/http/client.js';
import { Store } from '../../src/store/store.js';
import { observeProposals } from '../../src/bot/observe.js';
import { testConfig, testContext } from '../support/context.js';

/** Counts the statements the store sends to SQLite. */
function countStatements(store: Store): { count: number } {
  const counter = { count: 0 };
  for (const method of ['run', 'get', 'all', 'exec'] as const) {
    const original = store.db[method].bind(store.db) as (...args: unknown[]) => Promise<unknown>;
    (store.db as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      counter.count++;
      return original(...args);
    };
  }
  return counter;
}

describe('bot: observing Launchpad', () => {
  let lp: LaunchpadSimulator;
  let root: string;
  let trunk: string;
  afterEach(() => lp.close());

  async function world(proposals: number) {
    lp = new LaunchpadSimulator();
    root = await lp.start();
    lp.addPerson('owner', 'Owner');
    lp.addProject('gcc-linaro', 'Linaro GCC');
    trunk = lp.addBranch({ owner: 'owner', project: 'gcc-linaro', name: 'trunk', developmentFocus: true });
    lp.pushRevisions(trunk, 2);
    const branches: string[] = [];
    for (let i = 0; i < proposals; i++) {
      const branch = lp.addBranch({ owner: 'owner', project: 'gcc-linaro', name: `b${i}` });
      lp.pushRevisions(branch, 1);
      lp.createMergeProposal({ source: branch, target: trunk, registrant: 'owner' });
      branches.push(branch);
    }
    const store = await Store.open(':memory:');
    const ctx = testContext({
      store,
      launchpad: new LaunchpadClient({ serviceRoot: root, http: new HttpClient({ retries: 0 }) }),
      config: testConfig({ launchpad: { serviceRoot: root, watch: [{ project: 'gcc-linaro' }] } }),
    });
    return { store, ctx, branches };
  }

  for (const [small, large] of [[10, 60]]) {
    it(`records a listing of ${small} or ${large} new proposals with the same number of store statements`, async () => {
      const statements: number[] = [];
      for (const size of [small, large]) {
        const { store, ctx } = await world(size);
        const counter = countStatements(store);
        const observed = await observeProposals(ctx);
        assert.deepEqual([observed.listed, observed.changed], [size, size]);
        assert.equal((await store.trackedProposals()).length, size);
        statements.push(counter.count);
        await store.close();
        await lp.close();
      }
      assert.equal(statements[0], statements[1], `statements for ${small} and ${large} proposals: ${statements.join(' and ')}`);
    });
  }

  it('reads the target shared by every changed proposal once per cycle, records one change or five alike, and a quiet listing touches nothing', async () => {
    const { store, ctx, branches } = await world(5);
    await observeProposals(ctx);
    const counter = countStatements(store);
    lp.pushRevisions(branches[0], 1);
    await observeProposals(ctx);
    const one = counter.count;
    for (const branch of branches) lp.pushRevisions(branch, 1);
    lp.clearRequests();
    counter.count = 0;
    const observed = await observeProposals(ctx);
    assert.equal(observed.changed, 5);
    assert.equal(counter.count, one, `statements for one changed proposal and for five: ${one} and ${counter.count}`);
    assert.equal(lp.requests.filter((r) => r.path === `/1.0/${trunk}`).length, 1, 'the branch point is read once');
    assert.equal(lp.requests.length, 1 + 5 + 1, 'the page, five sources, the target');
    counter.count = 0;
    lp.clearRequests();
    await observeProposals(ctx);
    assert.equal(lp.requests.length, 1, 'a quiet cycle: the page');
    assert.equal(counter.count, 2, 'a quiet cycle reads the proposals and the tips, and writes nothing');
    await store.close();
  });
});
