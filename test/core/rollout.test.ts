import assert from 'node:assert/strict';
import { inRolloutPercent, planRolloutChanges, plannedBuilds, projectOf, resolveRollout } from '../../src/core/rollout.js';
import type { BuildRow, ProposalRow, RequestRow } from '../../src/core/model.js';
import type { RolloutConfig } from '../../src/config/config.js';

function request(id: number, over: Partial<RequestRow> = {}): RequestRow {
  return {
    id, kind: 'proposal', origin: 'revision', requested_by: null, proposal_id: 1, base_request_id: null, branch: '~u/gcc-linaro/b',
    revision_id: 'r', revno: 3, state: 'active', superseded_by: null, created_at: 't', finished_at: null, ...over,
  };
}
function build(id: number, over: Partial<BuildRow> = {}): BuildRow {
  return {
    id, request_id: 1, target: 'a9hf', backend: 'lava', state: 'running', shadow: 0, submit_key: `k${id}`, external_id: null, job_url: null,
    log_url: null, results_url: null, cancel_requested: 0, detail: null, test_summary: null, comparison: null, attempt: 1, not_before: null,
    earlier_attempts: null, submitted_at: null, started_at: null, finished_at: null, updated_at: 't', ...over,
  };
}
const proposal = { id: 1, self_link: 'http://lp/1.0/~u/gcc-linaro/b/+merge/1' } as ProposalRow;

describe('core/rollout', () => {
  it('takes the most specific setting: project+target, project, target, top level, defaults', () => {
    const rollout: RolloutConfig = {
      lava: 'shadow',
      lavaPercent: 50,
      targets: { x86_64: { lava: 'off' } },
      projects: { 'gcc-linaro': { lava: 'on', targets: { a9hf: { native: 'off', lavaPercent: 10 } } } },
    };
    assert.deepEqual(resolveRollout(rollout, 'gcc-linaro', 'a9hf'), { lava: 'on', native: 'off', lavaPercent: 10 });
    assert.deepEqual(resolveRollout(rollout, 'gcc-linaro', 'x86_64'), { lava: 'on', native: 'on', lavaPercent: 50 });
    assert.deepEqual(resolveRollout(rollout, 'binutils', 'x86_64'), { lava: 'off', native: 'on', lavaPercent: 50 });
    assert.deepEqual(resolveRollout(rollout, 'binutils', 'a9hf'), { lava: 'shadow', native: 'on', lavaPercent: 50 });
    assert.deepEqual(resolveRollout({}, 'p', 't'), { lava: 'on', native: 'on', lavaPercent: 100 }, 'default: paired builds');
    assert.equal(projectOf('~linaro-toolchain/gcc-linaro/4.8'), 'gcc-linaro');
  });

  it('puts a stable share of proposals inside a percentage rollout', () => {
    const links = Array.from({ length: 1000 }, (_, i) => `https://api.launchpad.net/1.0/~u${i}/gcc-linaro/b/+merge/${i}`);
    const inside = links.filter((l) => inRolloutPercent(l, 25)).length;
    assert.ok(inside > 180 && inside < 320, `25% of 1000 proposals, got ${inside}`);
    assert.deepEqual(links.map((l) => inRolloutPercent(l, 25)), links.map((l) => inRolloutPercent(l, 25)), 'stable');
    assert.equal(links.filter((l) => inRolloutPercent(l, 0)).length, 0);
    assert.equal(links.filter((l) => inRolloutPercent(l, 100)).length, 1000);
    const outside = links.find((l) => !inRolloutPercent(l, 25))!;
    assert.deepEqual(plannedBuilds({ lavaPercent: 25 }, ['a9hf'], 'gcc-linaro', outside).map((b) => b.backend), ['native']);
    assert.deepEqual(plannedBuilds({ lavaPercent: 25 }, ['a9hf'], 'gcc-linaro', null).map((b) => b.backend), ['native', 'lava'], 'dailies ignore the percentage');
  });

  it('rolls back without cancelling a running job: pending builds are withdrawn, running ones go shadow', () => {
    const requests = new Map([[1, request(1)], [2, request(2, { kind: 'baseline', origin: 'daily', proposal_id: null })]]);
    const builds = [
      build(1, { state: 'pending' }),
      build(2, { state: 'running' }),
      build(3, { state: 'passed' }),
      build(4, { backend: 'native', state: 'running' }),
      build(5, { request_id: 2, state: 'running' }),
      build(6, { state: 'queued', shadow: 1 }),
    ];
    const off = planRolloutChanges({ lava: 'off' }, builds, requests, new Map([[1, proposal]]));
    assert.deepEqual(off.withdraw.map((b) => b.id), [1]);
    assert.deepEqual(off.toShadow.map((b) => b.id), [2], 'a baseline is never shown anyway; a shadow build stays as it is');
    const shadow = planRolloutChanges({ lava: 'shadow' }, builds, requests, new Map([[1, proposal]]));
    assert.deepEqual([shadow.withdraw.map((b) => b.id), shadow.toShadow.map((b) => b.id)], [[], [1, 2]]);
    const on = planRolloutChanges({ lava: 'on' }, builds, requests, new Map([[1, proposal]]));
    assert.deepEqual([on.withdraw, on.toShadow], [[], []]);
    const nativeOff = planRolloutChanges({ native: 'off' }, [build(7, { backend: 'native', state: 'pending' })], requests, new Map([[1, proposal]]));
    assert.deepEqual(nativeOff.withdraw.map((b) => b.id), [7]);
  });
});
