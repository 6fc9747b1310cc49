import assert from 'node:assert/strict';
import { inRolloutPercent, planRolloutChanges, plannedBuilds, resolveRollout } from '../../src/core/rollout.js';
import { projectOf } from '../../src/vcs/index.js';
import type { BuildRow, RequestRow } from '../../src/core/model.js';
import * as row from '../support/rows.js';
import type { RolloutConfig } from '../../src/config/config.js';

const request = (id: number, over: Partial<RequestRow> = {}): RequestRow =>
  row.request(id, 1, 'r', 'active', { source: { vcs: 'bzr', path: '~u/gcc-linaro/b', ref: null }, ...over });
const build = (id: number, over: Partial<BuildRow> = {}): BuildRow => row.build(id, 1, 'running', over);
const proposal = row.proposal(1, { self_link: 'http://lp/1.0/~u/gcc-linaro/b/+merge/1' });

describe('core/rollout', () => {
  it('takes the most specific setting: project+target, project, target, top level, defaults', () => {
    const rollout: RolloutConfig = {
      lava: 'shadow',
      lavaPercent: 50,
      targets: { x86_64: { lava: 'off' } },
      projects: { 'gcc-linaro': { lava: 'on', targets: { a9hf: { cbuild: 'off', lavaPercent: 10 } } } },
    };
    assert.deepEqual(resolveRollout(rollout, 'gcc-linaro', 'a9hf'), { lava: 'on', cbuild: 'off', lavaPercent: 10, main: 'cbuild' });
    assert.deepEqual(resolveRollout(rollout, 'gcc-linaro', 'x86_64'), { lava: 'on', cbuild: 'on', lavaPercent: 50, main: 'cbuild' });
    assert.deepEqual(resolveRollout(rollout, 'binutils', 'x86_64'), { lava: 'off', cbuild: 'on', lavaPercent: 50, main: 'cbuild' });
    assert.deepEqual(resolveRollout(rollout, 'binutils', 'a9hf'), { lava: 'shadow', cbuild: 'on', lavaPercent: 50, main: 'cbuild' });
    assert.deepEqual(resolveRollout({}, 'p', 't'), { lava: 'on', cbuild: 'on', lavaPercent: 100, main: 'cbuild' }, 'default: paired builds');
    assert.equal(projectOf({ vcs: 'bzr', path: '~linaro-toolchain/gcc-linaro/4.8', ref: null }), 'gcc-linaro');
    assert.equal(projectOf({ vcs: 'git', path: '~linaro-toolchain/gcc-linaro/+git/gcc-linaro', ref: 'refs/heads/master' }), 'gcc-linaro');
  });

  it('puts a stable share of proposals inside a percentage rollout', () => {
    const links = Array.from({ length: 1000 }, (_, i) => `https://api.launchpad.net/1.0/~u${i}/gcc-linaro/b/+merge/${i}`);
    const inside = links.filter((l) => inRolloutPercent(l, 25)).length;
    assert.ok(inside > 180 && inside < 320, `25% of 1000 proposals, got ${inside}`);
    assert.deepEqual(links.map((l) => inRolloutPercent(l, 25)), links.map((l) => inRolloutPercent(l, 25)), 'stable');
    assert.equal(links.filter((l) => inRolloutPercent(l, 0)).length, 0);
    assert.equal(links.filter((l) => inRolloutPercent(l, 100)).length, 1000);
    const outside = links.find((l) => !inRolloutPercent(l, 25))!;
    assert.deepEqual(plannedBuilds({ lavaPercent: 25 }, ['a9hf'], 'gcc-linaro', outside).map((b) => b.backend), ['cbuild']);
    assert.deepEqual(plannedBuilds({ lavaPercent: 25 }, ['a9hf'], 'gcc-linaro', null).map((b) => b.backend), ['cbuild', 'lava'], 'dailies ignore the percentage');
  });

  it('rolls back without cancelling a running job: pending builds are withdrawn, running ones go shadow', () => {
    const requests = new Map([[1, request(1)], [2, request(2, { kind: 'baseline', origin: 'daily', proposal_id: null })]]);
    const builds = [
      build(1, { state: 'pending' }),
      build(2, { state: 'running' }),
      build(3, { state: 'passed' }),
      build(4, { backend: 'cbuild', state: 'running' }),
      build(5, { request_id: 2, state: 'running' }),
      build(6, { state: 'queued', shadow: true }),
    ];
    const off = planRolloutChanges({ lava: 'off' }, builds, requests, new Map([[1, proposal]]));
    assert.deepEqual(off.withdraw.map((b) => b.id), [1]);
    assert.deepEqual(off.toShadow.map((b) => b.id), [2], 'a baseline is never shown anyway; a shadow build stays as it is');
    const shadow = planRolloutChanges({ lava: 'shadow' }, builds, requests, new Map([[1, proposal]]));
    assert.deepEqual([shadow.withdraw.map((b) => b.id), shadow.toShadow.map((b) => b.id)], [[], [1, 2]]);
    const on = planRolloutChanges({ lava: 'on' }, builds, requests, new Map([[1, proposal]]));
    assert.deepEqual([on.withdraw, on.toShadow], [[], []]);
    assert.deepEqual(on.toShown.map((b) => b.id), [6], 'LAVA on again: its shadow build of a proposal still waiting for results is shown');
    const nativeOff = planRolloutChanges({ cbuild: 'off' }, [build(7, { backend: 'cbuild', state: 'pending' })], requests, new Map([[1, proposal]]));
    assert.deepEqual(nativeOff.withdraw.map((b) => b.id), [7]);
  });

  it('makes LAVA the main backend of a target: LAVA builds every proposal, CBuild runs as shadow (or off)', () => {
    const rollout: RolloutConfig = { lava: 'shadow', lavaPercent: 10, targets: { a9hf: { main: 'lava' } } };
    assert.deepEqual(resolveRollout(rollout, 'gcc-linaro', 'a9hf'), { lava: 'on', cbuild: 'on', lavaPercent: 100, main: 'lava' }, 'main: lava overrides a less specific lava and lavaPercent');
    const outside = Array.from({ length: 50 }, (_, i) => `http://lp/1.0/~u/gcc-linaro/b/+merge/${i}`).find((l) => !inRolloutPercent(l, 10))!;
    assert.deepEqual(plannedBuilds(rollout, ['a9hf', 'x86_64'], 'gcc-linaro', outside), [
      { target: 'a9hf', backend: 'cbuild', shadow: true },
      { target: 'a9hf', backend: 'lava', shadow: false },
      { target: 'x86_64', backend: 'cbuild', shadow: false },
    ]);
    assert.deepEqual(plannedBuilds({ main: 'lava', cbuild: 'off' }, ['a9hf'], 'gcc-linaro', outside), [{ target: 'a9hf', backend: 'lava', shadow: false }]);
  });

  it('switches a running request to LAVA as main and back, showing and hiding builds, never cancelling one', () => {
    const requests = new Map([[1, request(1)], [2, request(2, { state: 'done' })]]);
    const cbuildRunning = build(1, { backend: 'cbuild', state: 'running' });
    const cbuildPassed = build(2, { backend: 'cbuild', state: 'passed' });
    const lavaShadow = build(3, { state: 'running', shadow: true });
    const doneRequest = build(4, { request_id: 2, backend: 'cbuild', state: 'passed', shadow: true });
    const proposals = new Map([[1, proposal]]);
    const toLava = planRolloutChanges({ main: 'lava' }, [cbuildRunning, cbuildPassed, lavaShadow], requests, proposals);
    assert.deepEqual([toLava.toShadow.map((b) => b.id), toLava.toShown.map((b) => b.id), toLava.withdraw], [[1], [3], []], 'a finished build keeps what it was');
    const back = planRolloutChanges({}, [{ ...cbuildRunning, shadow: true }, { ...cbuildPassed, shadow: true }, build(3, { state: 'running' }), doneRequest], requests, proposals);
    assert.deepEqual([back.toShadow, back.toShown.map((b) => b.id), back.withdraw], [[], [1, 2], []], 'rolled back: CBuild shown again, finished or not; a reported request is left alone');
    const withdrawn = build(5, { backend: 'cbuild', state: 'cancelled', shadow: true });
    assert.deepEqual(planRolloutChanges({}, [withdrawn], requests, proposals).toShown, [], 'a withdrawn build stays withdrawn');
  });
});
