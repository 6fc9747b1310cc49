import assert from 'node:assert/strict';
import { attemptKey, cbuildJobName, checkBranchName, checkRevisionId, lavaJobName, nextAttempt } from '../../src/core/names.js';

describe('core/names', () => {
  it('builds CBuild job names in the tarball style with the request key', () => {
    assert.equal(cbuildJobName('gcc-linaro', '~alice/gcc-linaro/neon-vectorize', 115123, 42), 'gcc-linaro+bzr115123~alice~neon-vectorize~r42');
  });

  it('keeps the request key when a long branch name is shortened', () => {
    const name = cbuildJobName('gcc-linaro', `~alice/gcc-linaro/${'x'.repeat(199)}`, 1, 12345);
    assert.equal(name.length, 200);
    assert.ok(name.endsWith('~r12345'));
    const lava = lavaJobName(12345, 'a9hf', name);
    assert.equal(lava.length, 200);
    assert.ok(lava.startsWith('cbuild-bot r12345 a9hf '));
  });

  it('gives each attempt its own job name, and retries with the configured delays until the attempts are used', () => {
    assert.equal(attemptKey('a9hf-ubuntu/gcc-linaro+bzr2~bob~fix~r3', 'native', 2), 'a9hf-ubuntu/gcc-linaro+bzr2~bob~fix~r3.2');
    assert.equal(attemptKey('a9hf-ubuntu/gcc-linaro+bzr2~bob~fix~r3.2', 'native', 3), 'a9hf-ubuntu/gcc-linaro+bzr2~bob~fix~r3.3');
    assert.equal(attemptKey('cbuild-bot r3 a9hf x attempt 2', 'lava', 3), 'cbuild-bot r3 a9hf x attempt 3');
    assert.deepEqual(nextAttempt(1, 3, [60, 300]), { attempt: 2, delayMs: 60_000 });
    assert.deepEqual(nextAttempt(2, 3, [60, 300]), { attempt: 3, delayMs: 300_000 });
    assert.equal(nextAttempt(3, 3, [60, 300]), null);
    assert.deepEqual(nextAttempt(3, 5, [60]), { attempt: 4, delayMs: 60_000 });
  });

  it('refuses branch names and revision ids that could escape quoting', () => {
    assert.throws(() => checkBranchName("~alice/gcc-linaro/x';rm -rf /"), /branch name .* has characters the bot does not accept/);
    assert.throws(() => checkBranchName('~alice/gcc-linaro/a\nb'), /branch name/);
    assert.throws(() => checkRevisionId('rev$(reboot)'), /revision id "rev\$\(reboot\)" has characters/);
    assert.throws(() => checkRevisionId('a/../../etc'), /revision id/);
    assert.equal(checkRevisionId('alice@example.com-20121105120000-0123456789abcdef'), 'alice@example.com-20121105120000-0123456789abcdef');
    assert.equal(checkRevisionId('svn-v4:138bc75d-0d04-0410-961f-82ee72b054a4:trunk:193000'), 'svn-v4:138bc75d-0d04-0410-961f-82ee72b054a4:trunk:193000');
  });
});
