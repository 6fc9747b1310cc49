import assert from 'node:assert/strict';
import { cbuildJobName, checkBranchName, checkRevisionId, lavaJobName } from '../../src/core/names.js';

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

  it('refuses branch names and revision ids that could escape quoting', () => {
    assert.throws(() => checkBranchName("~alice/gcc-linaro/x';rm -rf /"), /branch name .* has characters the bot does not accept/);
    assert.throws(() => checkBranchName('~alice/gcc-linaro/a\nb'), /branch name/);
    assert.throws(() => checkRevisionId('rev$(reboot)'), /revision id "rev\$\(reboot\)" has characters/);
    assert.throws(() => checkRevisionId('a/../../etc'), /revision id/);
    assert.equal(checkRevisionId('alice@example.com-20121105120000-0123456789abcdef'), 'alice@example.com-20121105120000-0123456789abcdef');
    assert.equal(checkRevisionId('svn-v4:138bc75d-0d04-0410-961f-82ee72b054a4:trunk:193000'), 'svn-v4:138bc75d-0d04-0410-961f-82ee72b054a4:trunk:193000');
  });
});
