import assert from 'node:assert/strict';
import { cbuildJobName } from '../../src/core/names.js';
import { nextAttempt, nextUncertainCheck } from '../../src/core/retry.js';
import { CBuildBackend } from '../../src/backends/cbuild.js';
import { LavaBackend } from '../../src/backends/lava.js';
import { vcsFor } from '../../src/vcs/index.js';
import type { CBuildClient } from '../../src/cbuild/client.js';
import type { LavaClient } from '../../src/lava/client.js';

const cbuild = new CBuildBackend({} as CBuildClient);
const lava = new LavaBackend({} as LavaClient, {} as CBuildClient);
const target = { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template: 't' } };

describe('core/names and the backends\' keys', () => {
  it('builds CBuild job names in the tarball style with the request key, for bzr and git', () => {
    const bzr = vcsFor('bzr').jobStem({ vcs: 'bzr', path: '~alice/gcc-linaro/neon-vectorize', ref: null }, { id: 'x', revno: 115123 });
    assert.equal(cbuildJobName('gcc-linaro', bzr, 42), 'gcc-linaro+bzr115123~alice~neon-vectorize~r42');
    const git = vcsFor('git').jobStem({ vcs: 'git', path: '~alice/gcc-linaro/+git/gcc-linaro', ref: "refs/heads/fix-$(id);&'x" }, { id: '1a2b3c4d'.repeat(5), revno: null });
    assert.equal(cbuildJobName('gcc-linaro', git, 42), 'gcc-linaro+git1a2b3c4~alice~fix-__id____x~r42', 'characters a job name cannot hold become _');
  });

  it('keeps the request key when a long branch name is shortened', () => {
    const stem = vcsFor('bzr').jobStem({ vcs: 'bzr', path: `~alice/gcc-linaro/${'x'.repeat(199)}`, ref: null }, { id: 'x', revno: 1 });
    const name = cbuildJobName('gcc-linaro', stem, 12345);
    assert.equal(name.length, 200);
    assert.ok(name.endsWith('~r12345'));
    const job = lava.submitKey(12345, target, 'a9hf', name);
    assert.equal(job.length, 200);
    assert.ok(job.startsWith('cbuild-bot r12345 a9hf '));
    assert.equal(cbuild.submitKey(12345, target, 'a9hf', name), `a9hf-ubuntu/${name}`);
  });

  it('gives each attempt its own job name, and retries with the configured delays until the attempts are used', () => {
    assert.equal(cbuild.attemptKey('a9hf-ubuntu/gcc-linaro+bzr2~bob~fix~r3', 2), 'a9hf-ubuntu/gcc-linaro+bzr2~bob~fix~r3.2');
    assert.equal(cbuild.attemptKey('a9hf-ubuntu/gcc-linaro+bzr2~bob~fix~r3.2', 3), 'a9hf-ubuntu/gcc-linaro+bzr2~bob~fix~r3.3');
    assert.equal(lava.attemptKey('cbuild-bot r3 a9hf x attempt 2', 3), 'cbuild-bot r3 a9hf x attempt 3');
    assert.deepEqual(nextAttempt(1, 3, [60, 300]), { attempt: 2, delayMs: 60_000 });
    assert.deepEqual(nextAttempt(2, 3, [60, 300]), { attempt: 3, delayMs: 300_000 });
    assert.equal(nextAttempt(3, 3, [60, 300]), null);
    assert.deepEqual(nextAttempt(3, 5, [60]), { attempt: 4, delayMs: 60_000 });
  });

  it('looks for an uncertain request at doubling intervals, last at the end of the window, then stops', () => {
    const settings = { settleSeconds: 60, firstCheckSeconds: 2 };
    const since = '2026-12-01T10:00:00.000Z';
    const at = (s: number) => new Date(Date.parse(since) + s * 1000);
    assert.equal(nextUncertainCheck(since, at(0), settings), '2026-12-01T10:00:02.000Z');
    assert.equal(nextUncertainCheck(since, at(2), settings), '2026-12-01T10:00:04.000Z');
    assert.equal(nextUncertainCheck(since, at(20), settings), '2026-12-01T10:00:40.000Z');
    assert.equal(nextUncertainCheck(since, at(40), settings), '2026-12-01T10:01:00.000Z', 'never past the window');
    assert.equal(nextUncertainCheck(since, at(60), settings), null, 'the window has passed: do it again');
  });
});
