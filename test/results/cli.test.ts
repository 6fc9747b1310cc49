import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { compareCommand } from '../../src/results/compare-cli.js';
import { fixture, repoRoot, sumText, tempDir } from './helpers.js';

const cli = join(repoRoot, 'dist', 'src', 'cli.js');

/** `node dist/src/cli.js compare …` as a user runs it. */
function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, 'compare', ...args], { encoding: 'utf8', cwd: repoRoot });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** compareCommand in this process, with its output captured. */
async function runInProcess(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const status = await compareCommand(args, { stdout, stderr });
  return { status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('results: cbuild-bot compare', () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => {
    dir = tempDir();
  });
  after(() => dir.cleanup());

  it('exits 1 on regressions and prints one JSON object with compare_tests lists and details', () => {
    const run = runCli([fixture('basic-old.sum'), fixture('basic-new.sum'), '--json']);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stderr, '');
    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    for (const key of ['now_fail', 'now_pass', 'new_fail', 'new_pass', 'gone_pass', 'gone_fail']) assert.ok(Array.isArray(json[key]), key);
    assert.deepEqual(json.now_fail, [
      'gcc.c-torture/execute/pr43220.c  -O2  execution test',
      'gcc.dg/tree-ssa/ssa-dom-thread-4.c scan-tree-dump-times dom1 "Threaded" 1',
      'unix/-mthumb: gcc.c-torture/execute/thumb-xpass.c  -O1  execution test',
    ]);
    assert.deepEqual(json.gone_fail, ['gcc.dg/old-failing.c execution test']);
    assert.deepEqual(json.summary, {
      regressions: 2,
      already_tracked: 1,
      new_failures: 1,
      flaky: 0,
      changes: 10,
      verdict:
        '2 regression(s) (tests that passed now FAIL); 1 new test(s) that FAIL to triage; 1 PASS -> XFAIL (already tracked); 0 change(s) of known-flaky tests ignored.',
    });
    const regressions = json.regressions as Array<Record<string, unknown>>;
    assert.deepEqual(regressions[1], {
      name: 'unix/-mthumb: gcc.c-torture/execute/thumb-xpass.c  -O1  execution test',
      test: 'gcc.c-torture/execute/thumb-xpass.c  -O1  execution test',
      tool: 'gcc',
      variation: 'unix/-mthumb',
      category: 'now_fail',
      before: 'XPASS',
      after: 'FAIL',
      before_line: 42,
      after_line: 43,
      flaky: false,
    });
    assert.deepEqual(Object.keys((json.by_tool as Record<string, object>).gcc), ['unix', 'unix/-mthumb']);
    assert.deepEqual((json.counts as Record<string, Record<string, Record<string, number>>>).after.gcc!.FAIL, 3);
    assert.deepEqual(json.warnings, { before: [], after: [], manifest: [] });
  });

  it('exits 0 without regressions and prints compare_tests sections, counts, warnings and the verdict', () => {
    const old = readFileSync(fixture('basic-old.sum'), 'utf8');
    const improved = old
      .replace('FAIL: gcc.c-torture/execute/builtins/memcpy-chk.c', 'PASS: gcc.c-torture/execute/builtins/memcpy-chk.c')
      .replace('PASS: gcc.dg/old-removed.c (test for excess errors)\n', 'PASS: gcc.dg/brand-new.c (test for excess errors)\n');
    const run = runCli([fixture('basic-old.sum'), dir.file('improved.sum', improved)]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Tests that now work, but didn't before:\n\ngcc\.c-torture\/execute\/builtins\/memcpy-chk\.c execution, {2}-O2 \n\n/m);
    assert.match(run.stdout, /^New tests that PASS:\n\ngcc\.dg\/brand-new\.c \(test for excess errors\)\n\n/m);
    assert.match(run.stdout, /^Old tests that passed, that have disappeared: \(Eeek!\)\n\ngcc\.dg\/old-removed\.c \(test for excess errors\)\n\n/m);
    assert.match(run.stdout, /^ {2}gcc {3}before {4}10 {5}2 /m);
    assert.match(run.stdout, /^ {2}new .*improved\.sum:\d+: 'gcc Summary for unix' declares 2 unexpected failures but the file has 1 FAIL line\(s\)$/m);
    assert.match(run.stdout, /^No regressions; 0 new test\(s\) that FAIL to triage/m);
    assert.doesNotMatch(run.stdout, /Tests that now fail, but worked before/);
  });

  it('lists manifest tests apart and does not count them (exit 0 when only they regressed)', async () => {
    const manifest = dir.file('flaky.xfail', 'flaky | FAIL: gcc.c-torture/execute/pr43220.c  -O2  execution test\nFAIL: unix/-mthumb: gcc.c-torture/execute/thumb-xpass.c  -O1  execution test\n');
    const run = await runInProcess([fixture('basic-old.sum'), fixture('basic-new.sum'), '--manifest', manifest]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /Known-flaky tests that changed \(listed in .*flaky\.xfail\); never counted as regressions:\n\ngcc\.c-torture\/execute\/pr43220\.c {2}-O2 {2}execution test {2}\[now_fail: PASS -> FAIL\]\n/,
    );
    assert.doesNotMatch(run.stdout, /Tests that now fail, but worked before:/);
  });

  it('reads .xz files', async function () {
    const xz = spawnSync('xz', ['-c'], { input: readFileSync(fixture('basic-new.sum')) });
    if (xz.status !== 0) {
      if (process.env.CI === 'true') assert.fail('xz is not installed (CI installs xz-utils)');
      this.skip();
    }
    const run = await runInProcess([fixture('basic-old.sum'), dir.file('gcc.sum.xz', xz.stdout), '--json']);
    assert.equal(run.status, 1, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { now_fail: string[] }).now_fail.length, 3);
  });

  it('exits 2 with a message naming what is wrong', async () => {
    const empty = dir.file('empty.sum', '');
    const garbled = dir.file('make.log', 'make: *** [bootstrap] Error 2\n');
    const badManifest = dir.file('bad.xfail', 'FAIL gcc.dg/x.c\n');
    const good = fixture('basic-old.sum');
    const cases: Array<[string[], RegExp]> = [
      [[good], /^cbuild-bot compare: needs two files: OLD\.sum and NEW\.sum\n\nUsage: cbuild-bot compare/],
      [[good, good, good], /^cbuild-bot compare: too many arguments: /],
      [[good, good, '--colour'], /^cbuild-bot compare: Unknown option '--colour'/],
      [[good, join(dir.path, 'nope.sum')], /^cbuild-bot compare: .*nope\.sum: no such file\n$/],
      [[empty, good], /^cbuild-bot compare: .*empty\.sum: empty file: no DejaGnu results\n$/],
      [[good, garbled], /^cbuild-bot compare: .*make\.log: not a DejaGnu \.sum file/],
      [[good, good, '--manifest', badManifest], /^cbuild-bot compare: .*bad\.xfail:1: expected '\[attributes \|\] STATUS: test name'/],
      [[good, good, '--manifest', join(dir.path, 'none.xfail')], /^cbuild-bot compare: .*none\.xfail: cannot read the manifest: no such file/],
    ];
    for (const [args, message] of cases) {
      const run = await runInProcess(args);
      assert.equal(run.status, 2, args.join(' '));
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
    // And through the real command line too.
    const run = runCli([good, join(dir.path, 'nope.sum')]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /nope\.sum: no such file/);
  });

  it('prints its usage with --help and exits 0', async () => {
    const run = await runInProcess(['--help']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Usage: cbuild-bot compare OLD\.sum\[\.xz\] NEW\.sum\[\.xz\] \[--manifest FILE\] \[--json\]/);
  });

  it('reports hundreds of thousands of changes (two unrelated files) in text and JSON', async function () {
    this.timeout(60_000);
    const lines = (prefix: string) => Array.from({ length: 200_000 }, (_, i) => `${i % 4 ? 'PASS' : 'FAIL'}: ${prefix}/t${i}.c execution test`);
    const before = dir.file('gcc.sum', sumText(lines('gcc.dg')));
    const after = dir.file('g++.sum', sumText(lines('g++.dg'), { tool: 'g++' }));
    const text = await runInProcess([before, after]);
    assert.equal(text.status, 0, text.stderr);
    assert.equal(text.stdout.split('\n').filter((l) => l.endsWith(' execution test')).length, 400_000);
    const json = await runInProcess([before, after, '--json']);
    const parsed = JSON.parse(json.stdout) as { new_fail: string[]; gone_pass: string[] };
    assert.equal(parsed.new_fail.length, 50_000);
    assert.equal(parsed.gone_pass.length, 150_000);
  });

  it('compares a file with itself as no change at all', async () => {
    const file = dir.file('same.sum', sumText(['PASS: a.c', 'XFAIL: b.c', 'UNSUPPORTED: c.c']));
    const run = await runInProcess([file, file]);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^No differences in PASS\/FAIL results\.$/m);
  });
});
