import assert from 'node:assert/strict';
import { mock } from 'node:test';
import { WatchMatcher } from '../../src/bot/hints.js';
import { WATCHED_LINK_TTL_MS, type LaunchpadClient } from '../../src/launchpad/client.js';
import type { MergeProposal } from '../../src/launchpad/wire.js';

const OLD = 'https://api.launchpad.net/1.0/~linaro-toolchain/gcc-linaro/+git/gcc-linaro';
const NEW = 'https://api.launchpad.net/1.0/~linaro-toolchain/gcc-linaro/+git/gcc-linaro-2';

const into = (repository: string) => ({ target_branch_link: null, target_git_repository_link: repository, target_git_path: 'refs/heads/master' }) as unknown as MergeProposal;

describe('bot/hints: WatchMatcher', () => {
  afterEach(() => mock.timers.reset());

  it('looks a watched repository name up again after WATCHED_LINK_TTL_MS, as the listings do: lp:project can become another repository', async () => {
    mock.timers.enable({ apis: ['Date'], now: new Date('2026-12-01T00:00:00Z') });
    let defaultRepository = OLD;
    let lookups = 0;
    const launchpad = { resolveRepository: async () => (lookups++, { self_link: defaultRepository }) } as unknown as LaunchpadClient;
    const matcher = new WatchMatcher(launchpad, () => [{ repository: 'lp:gcc-linaro' }]);

    assert.equal(await matcher.watches(into(OLD)), true);
    defaultRepository = NEW;
    assert.equal(await matcher.watches(into(NEW)), false, 'within the hour the old link stands');
    assert.equal(lookups, 1);
    mock.timers.tick(WATCHED_LINK_TTL_MS + 1);
    assert.equal(await matcher.watches(into(NEW)), true);
    assert.equal(await matcher.watches(into(OLD)), false);
    assert.equal(lookups, 2);
  });
});
