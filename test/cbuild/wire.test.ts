import assert from 'node:assert/strict';
import { fileNameProblem, formatResultDir, jobNameProblem, parseResultDir, spawnRequestProblem } from '../../src/cbuild/wire.js';

describe('CBuild naming rules', () => {
  it('accepts the job names CBuild used and the ones the bot makes', () => {
    for (const name of [
      'gcc-4.6+svn173209',
      'gcc-linaro-4.8-2014.01',
      'binutils-2.24~20120920+gitb05c76f',
      'valgrind-3.6~linaro-2010.10-0+svn12345',
      'gcc-linaro+bzr115123~user~topic~r42',
    ]) {
      assert.equal(jobNameProblem(name), null, name);
    }
  });

  it('says what is wrong with a bad job name', () => {
    assert.equal(jobNameProblem(''), 'job name is empty');
    assert.match(jobNameProblem('.hidden')!, /must start with a letter or digit/);
    assert.match(jobNameProblem('gcc/../x')!, /contain only letters, digits and \. \+ ~ _ -/);
    assert.equal(jobNameProblem('g'.repeat(200)), null);
    assert.equal(jobNameProblem('g'.repeat(201)), 'job name is 201 characters long (at most 200)');
  });

  it('parses result directory names, including LAVA device names with dashes', () => {
    assert.deepEqual(parseResultDir('armv7l-maverick-cbuild113-ursa3-cortexa9r1'), {
      arch: 'armv7l',
      distro: 'maverick',
      cbuildRevno: 113,
      host: 'ursa3',
      config: 'cortexa9r1',
    });
    const lava = { arch: 'armv7l', distro: 'precise', cbuildRevno: 461, host: 'panda-es-01', config: 'cortexa9hfr1' };
    assert.equal(formatResultDir(lava), 'armv7l-precise-cbuild461-panda-es-01-cortexa9hfr1');
    assert.deepEqual(parseResultDir(formatResultDir(lava)), lava);
    assert.equal(parseResultDir('x86_64-precise-cbuild461-oort8-x86_64r1')?.arch, 'x86_64');
    assert.equal(parseResultDir('i686-precise-oort8-i686r1'), null);
    assert.equal(parseResultDir('..'), null);
  });

  it('checks file names and spawn requests', () => {
    assert.equal(fileNameProblem('g++.sum.xz'), null);
    assert.match(fileNameProblem('../gcc.sum')!, /file name "..\/gcc.sum" must be/);
    const bzr = { vcs: 'bzr', source: '~u/gcc-linaro/t', ref: null, url: 'lp:~u/gcc-linaro/t', revision: 'r', revno: 3, target: 'a9hf' };
    assert.equal(spawnRequestProblem(bzr), null);
    assert.equal(spawnRequestProblem({ ...bzr, revision: null }), null, 'a bzr build by revno');
    assert.equal(spawnRequestProblem({ ...bzr, revision: '' }), 'spawn request field "revision" must be a revision id or null');
    assert.equal(spawnRequestProblem({ ...bzr, revno: null }), 'spawn request field "revno" must be a positive integer');
    const git = { vcs: 'git', source: '~u/gcc-linaro/+git/gcc-linaro', ref: 'refs/heads/t', url: 'https://git.example/x', revision: 'a'.repeat(40), revno: null, target: 'a9hf' };
    assert.equal(spawnRequestProblem(git), null);
    assert.equal(spawnRequestProblem({ ...git, revno: 3 }), 'spawn request field "revno" must be null for git');
    assert.equal(spawnRequestProblem({ ...git, vcs: 'hg' }), 'spawn request field "vcs" must be "bzr" or "git"');
    assert.equal(spawnRequestProblem([]), 'spawn request must be a JSON object');
  });
});
