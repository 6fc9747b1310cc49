/**
 * The bot's test-by-test comparisons through the simulators (real HTTP, real
 * sqlite): CBuild against LAVA for the same revision and target, and a build
 * against a rebuild of the same revision on the same backend (flaky tests),
 * then what `report` and `cbuild-bot flaky` show of them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startHarness, cycleUntil, type Harness } from '../e2e/harness.js';
import type { WiredBot } from '../../src/app/wiring.js';
import { compareTestByTest, comparisonManifest } from '../../src/bot/agreement.js';
import { CBuildClient } from '../../src/cbuild/client.js';
import { CBuildSimulator } from '../../src/cbuild/simulator.js';
import type { BuildRow } from '../../src/core/model.js';
import { HttpClient } from '../../src/http/client.js';
import type { PendingComparison } from '../../src/store/test-comparisons.js';
import { compareSums, parseManifest, parseSum, renderSum } from '../../src/results/index.js';
import { learnFlakyTests } from '../../src/report/flaky.js';
import { gatherReport } from '../../src/report/gather.js';
import { formatReport } from '../../src/report/format.js';
import { reportSettings } from '../../src/report/report.js';
import { windowEndingAt } from '../../src/report/window.js';
import { TestComparisons } from '../../src/store/test-comparisons.js';
import { runCli } from '../support/cli.js';

const LIMITS = { maxFileBytes: 1 << 24, maxLineBytes: 1 << 16 };
const TRUNK = '~linaro-toolchain/gcc-linaro/trunk';


describe('bot: test-by-test agreement and flaky tests through the simulators', function () {
  this.timeout(90_000);
  let h: Harness;
  let wired: WiredBot;

  before(async () => {
    h = await startHarness();
    // Two proposals whose LAVA image gives other results than CBuild's; one of them regresses a test for real.
    const image = h.propose('ivy', 'image');
    const regress = h.propose('lena', 'regress');
    h.toolchain.lavaDiffers.add(image.branch);
    h.toolchain.lavaDiffers.add(regress.branch);
    h.toolchain.regressed.add(regress.branch);
    // On trunk, gcc.dg/pr3.c passes on every second build of a revision: a flaky test.
    h.toolchain.flaky.add(TRUNK);
    wired = await h.wire();
    const compared = async (kind: 'backends' | 'rebuild', n: number) =>
      (await wired.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM test_comparisons WHERE kind = ?', [kind]))!.n >= n;
    // Two proposals and the trunk baseline, on two targets: six CBuild/LAVA pairs.
    await cycleUntil(wired, () => compared('backends', 6), 30_000);
    // The trunk revision again, on LAVA alone: the same revision, target and backend as its baseline build.
    await wired.bot.schedule({ source: { branch: 'lp:~linaro-toolchain/gcc-linaro/trunk' }, backend: 'lava', requestedBy: 'tester' });
    await cycleUntil(wired, () => compared('rebuild', 2), 30_000);
  });
  after(async () => {
    await h?.close();
  });

  async function backendsOf(branch: string) {
    const requests = await wired.store.db.all<{ id: number }>(`SELECT id FROM requests WHERE source_path = ? AND kind = 'proposal'`, [branch]);
    const lava = (await wired.store.buildsOfRequests(requests.map((r) => r.id))).get(requests[0]!.id)!.filter((b) => b.backend === 'lava');
    return new TestComparisons(wired.store).ofBuilds('backends', lava.map((b) => b.id));
  }

  it('records which tests CBuild and LAVA disagree on, exactly, for each pair that passed on both', async () => {
    const image = await backendsOf('~ivy/gcc-linaro/image');
    assert.deepEqual(image.map((c) => [c.target, c.status, c.tests, c.differences]), [['a9hf', 'compared', 4, 2], ['x86_64', 'compared', 4, 2]].sort(), 'per target');
    for (const c of image) {
      assert.deepEqual(
        c.listed.map((d) => [d.tool, d.name, d.test, d.category, d.first_status, d.second_status]),
        [
          ['gcc', 'gcc.dg/pr2.c (test for excess errors)', 'gcc.dg/pr2.c (test for excess errors)', 'now_fail', 'PASS', 'FAIL'],
          ['gcc', 'gcc.dg/pr4.c scan-assembler vld1', 'gcc.dg/pr4.c scan-assembler vld1', 'gone_fail', 'XFAIL', null],
        ],
      );
      assert.equal(c.target_branch, TRUNK);
    }
    // The regressing proposal regressed on both backends alike: only the image's differences show.
    const regress = await backendsOf('~lena/gcc-linaro/regress');
    assert.deepEqual(regress.map((c) => c.listed.map((d) => d.name)), [
      ['gcc.dg/pr2.c (test for excess errors)', 'gcc.dg/pr4.c scan-assembler vld1'],
      ['gcc.dg/pr2.c (test for excess errors)', 'gcc.dg/pr4.c scan-assembler vld1'],
    ]);
    const trunk = await wired.store.db.all<{ differences: number; status: string }>(
      `SELECT c.differences, c.status FROM test_comparisons c JOIN builds b ON b.id = c.build_id JOIN requests r ON r.id = b.request_id WHERE c.kind = 'backends' AND r.kind = 'baseline'`,
    );
    assert.deepEqual(trunk, [{ differences: 0, status: 'compared' }, { differences: 0, status: 'compared' }], 'the trunk baseline agrees');
  });

  it('compares each pair once, however many cycles run', async () => {
    const before = await wired.store.db.all('SELECT id, kind, build_id FROM test_comparisons ORDER BY id');
    await wired.bot.runCycle();
    await wired.bot.runCycle();
    assert.deepEqual(await wired.store.db.all('SELECT id, kind, build_id FROM test_comparisons ORDER BY id'), before);
  });

  it('shows the differing tests and the suspects in the report', async () => {
    const report = await gatherReport(wired.store, windowEndingAt(new Date(Date.now() + 60_000), '1d'), { settings: reportSettings(h.config) });
    const pair = report.agreement.pairs.find((p) => p.source === 'lp:~ivy/gcc-linaro/image' && p.target === 'a9hf')!;
    assert.equal(pair.verdict, 'tests-differ');
    assert.deepEqual(pair.testByTest?.status === 'compared' && pair.testByTest.listed.map((d) => d.how), ['PASS on CBuild / FAIL on LAVA', 'XFAIL on CBuild / missing on LAVA']);
    // Results compared per target: 4 (image) + 5 (regress: its new pr5.c too) + 4 (trunk); 2 + 2 + 0 differ.
    assert.deepEqual(
      report.agreement.testByTest.map((t) => [t.target, t.pairs, t.tests, t.differingTests]),
      [['a9hf', 3, 13, 4], ['x86_64', 3, 13, 4]],
    );
    assert.deepEqual(
      report.agreement.suspects.map((s) => [s.target, s.name, s.pairs, s.of, s.how, s.revisions.map((r) => r.source)]),
      [
        ['a9hf', 'gcc.dg/pr2.c (test for excess errors)', 2, 3, { 'PASS on CBuild / FAIL on LAVA': 2 }, ['lp:~ivy/gcc-linaro/image', 'lp:~lena/gcc-linaro/regress']],
        ['a9hf', 'gcc.dg/pr4.c scan-assembler vld1', 2, 3, { 'XFAIL on CBuild / missing on LAVA': 2 }, ['lp:~ivy/gcc-linaro/image', 'lp:~lena/gcc-linaro/regress']],
        ['x86_64', 'gcc.dg/pr2.c (test for excess errors)', 2, 3, { 'PASS on CBuild / FAIL on LAVA': 2 }, ['lp:~ivy/gcc-linaro/image', 'lp:~lena/gcc-linaro/regress']],
        ['x86_64', 'gcc.dg/pr4.c scan-assembler vld1', 2, 3, { 'XFAIL on CBuild / missing on LAVA': 2 }, ['lp:~ivy/gcc-linaro/image', 'lp:~lena/gcc-linaro/regress']],
      ],
    );
    const text = formatReport(report, 'text');
    assert.match(text, /^ {2}request \d+ lp:~ivy\/gcc-linaro\/image revision 2 \([^)]+\) on a9hf: 2 of 4 test results differ: gcc: gcc\.dg\/pr2\.c \(test for excess errors\) \(PASS on CBuild \/ FAIL on LAVA\); gcc: gcc\.dg\/pr4\.c scan-assembler vld1 \(XFAIL on CBuild \/ missing on LAVA\)/m);
    assert.match(text, /^ {2}a9hf gcc: gcc\.dg\/pr2\.c \(test for excess errors\): 2 of 3 revisions \(PASS on CBuild \/ FAIL on LAVA ×2\): request \d+ lp:~ivy\/gcc-linaro\/image revision 2 \([^)]+\), request \d+ lp:~lena\/gcc-linaro\/regress revision 2 \([^)]+\)$/m);
  });

  it('learns a flaky test from two builds of the same revision, and never a real regression', async () => {
    const flips = await new TestComparisons(wired.store).flips();
    const learned = learnFlakyTests(flips, { minFlips: 1 });
    assert.deepEqual(
      learned.tests.map((t) => [t.targetBranch, t.target, t.backend, t.tool, t.test, t.flips, t.changes, t.revisions.map((r) => r.revision)]),
      [
        [TRUNK, 'a9hf', 'lava', 'gcc', 'gcc.dg/pr3.c execution test', 1, { 'FAIL → PASS': 1 }, ['revision 3']],
        [TRUNK, 'x86_64', 'lava', 'gcc', 'gcc.dg/pr3.c execution test', 1, { 'FAIL → PASS': 1 }, ['revision 3']],
      ],
    );
    assert.ok(!flips.some((f) => f.test.startsWith('gcc.dg/pr1.c')), 'the regression of pr1.c (another revision than the baseline) is not flaky evidence');
    assert.equal(learnFlakyTests(flips, { minFlips: 2 }).tests.length, 0, 'one change is not two');
  });

  it('prints the learned list with `cbuild-bot flaky`, as a manifest the bot reads back', async () => {
    const config = join(h.dir, 'bot.config.json');
    const text = await runCli(['flaky', '--config', config, '--target', 'a9hf']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^~linaro-toolchain\/gcc-linaro\/trunk +a9hf +LAVA +gcc +gcc\.dg\/pr3\.c execution test +1 +FAIL → PASS ×1 +\d{4}-\d\d-\d\d +\d{4}-\d\d-\d\d +revision 3$/m);
    assert.doesNotMatch(text.stdout, /x86_64/);

    const run = await runCli(['flaky', '--config', config, '--branch', `lp:${TRUNK}`, '--format', 'manifest']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.split('\n').filter((l) => l.startsWith('flaky')).join('\n'), 'flaky | FAIL: gcc.dg/pr3.c execution test', 'one entry for both targets');
    const manifest = parseManifest(run.stdout, { source: 'flaky.xfail' });
    assert.deepEqual(manifest.entries.map((e) => [e.status, e.name, e.flaky]), [['FAIL', 'gcc.dg/pr3.c execution test', true]]);
    // Applied to a comparison, the flaky test's flip is set apart, and a real regression still counts.
    const sum = (pr1: 'PASS' | 'FAIL', pr3: 'PASS' | 'FAIL') =>
      parseSum(renderSum({ tool: 'gcc', results: [{ status: pr1, name: 'gcc.dg/pr1.c (test for excess errors)' }, { status: pr3, name: 'gcc.dg/pr3.c execution test' }] }));
    const result = compareSums(sum('PASS', 'PASS'), sum('FAIL', 'FAIL'), { manifest });
    assert.deepEqual(result.flaky.map((c) => c.name), ['gcc.dg/pr3.c execution test']);
    assert.deepEqual(result.regressions.map((c) => c.name), ['gcc.dg/pr1.c (test for excess errors)']);

    const json = JSON.parse((await runCli(['flaky', '--config', config, '--format', 'json'])).stdout);
    assert.equal(json.tests.length, 2);
    const bad = await runCli(['flaky', '--config', config, '--format', 'yaml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format: expected text, json, manifest, not "yaml"/);
    // A git target branch is its repository with the ref, as the store keeps it: accepted (no flips there).
    const git = await runCli(['flaky', '--config', config, '--branch', 'lp:~linaro-toolchain/gcc-linaro/+git/gcc-linaro:refs/heads/master', '--format', 'json']);
    assert.equal(git.code, 0, git.stderr);
    assert.equal(JSON.parse(git.stdout).tests.length, 0);
    const badRef = await runCli(['flaky', '--config', config, '--branch', '~linaro-toolchain/gcc-linaro/+git/gcc-linaro:refs/heads/a..b']);
    assert.equal(badRef.code, 2);
    assert.match(badRef.stderr, /--branch: expected .* \(contains "\.\."\), not "~linaro-toolchain\/gcc-linaro\/\+git\/gcc-linaro:refs\/heads\/a\.\.b"/);
    const unknown = await runCli(['flaky', '--config', config, '--target', 'armv5']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--target: no such target "armv5" \(targets are a9hf, x86_64\)/);
  });

  it('merges the learned list into the manifest of a comparison only when flaky.learned is on', async () => {
    const scope = { targetBranch: TRUNK, target: 'a9hf', backend: 'lava' as const };
    const configured = parseManifest('FAIL: gcc.dg/known.c execution test\n', { source: 'trunk.xfail' });
    assert.equal(await comparisonManifest(wired.store, { flaky: { learned: false, minFlips: 1 } }, scope, configured), configured);
    const merged = await comparisonManifest(wired.store, { flaky: { learned: true, minFlips: 1 } }, scope, configured);
    assert.deepEqual(merged?.entries.map((e) => `${e.flaky ? 'flaky ' : ''}${e.status}: ${e.name}`), ['FAIL: gcc.dg/known.c execution test', 'flaky FAIL: gcc.dg/pr3.c execution test']);
    assert.equal(merged?.source, 'trunk.xfail and learned flaky tests');
    const native = await comparisonManifest(wired.store, { flaky: { learned: true, minFlips: 1 } }, { ...scope, backend: 'cbuild' }, undefined);
    assert.equal(native, undefined, 'nothing was learned for CBuild');
  });
});

describe('bot: comparing two builds test by test on the results host', function () {
  this.timeout(30_000);
  let sim: CBuildSimulator;
  let cbuild: CBuildClient;
  const JOB = 'gcc-linaro+bzr9~ivy~image~r9';
  const DIRS = { native: 'armv7l-precise-cbuild461-ursa1-cortexa9hfr1', lava: 'armv7l-precise-cbuild461-panda-es-01-cortexa9hfr1', again: 'armv7l-precise-cbuild461-ursa2-cortexa9hfr1' };
  const gcc = (pr1: 'PASS' | 'FAIL') => renderSum({ tool: 'gcc', results: [{ status: pr1, name: 'gcc.dg/pr1.c (test for excess errors)' }, { status: 'PASS', name: 'gcc.dg/pr2.c (test for excess errors)' }] });
  const gxx = renderSum({ tool: 'g++', results: [{ status: 'PASS', name: 'g++.dg/a.C (test for excess errors)' }, { status: 'FAIL', name: 'g++.dg/b.C execution test' }, { status: 'UNSUPPORTED', name: 'g++.dg/c.C' }] });

  before(async () => {
    sim = new CBuildSimulator({ toolchain: { build: () => ({ result: 'pass', durationMs: 1, files: {} }) }, hosts: [] });
    await sim.start();
    cbuild = new CBuildClient({ schedulerUrl: sim.schedulerUrl, resultsUrl: sim.resultsUrl, http: new HttpClient({ retries: 0 }) });
    await cbuild.uploadResultFile(JOB, DIRS.native, 'gcc.sum', gcc('PASS'));
    await cbuild.uploadResultFile(JOB, DIRS.native, 'g++.sum', gxx);
    await cbuild.uploadResultFile(JOB, DIRS.lava, 'gcc.sum', gcc('FAIL'));
    await cbuild.uploadResultFile(JOB, DIRS.again, 'gcc.sum', Buffer.from([0, 1, 2, 0xff, 0]));
  });
  after(() => sim.close());

  let id = 0;
  const build = (backend: 'cbuild' | 'lava', dir: string | null): BuildRow =>
    ({ id: ++id, target: 'a9hf', backend, state: 'passed', results_url: dir ? cbuild.resultDirUrl(JOB, dir) : null, finished_at: null, updated_at: '2026-03-10T00:00:00.000Z' }) as BuildRow;
  const pair = (kind: PendingComparison['kind'], first: BuildRow, second: BuildRow): PendingComparison => ({ kind, first, second, targetBranch: TRUNK, revisionId: 'r9' });

  it('counts every result of a .sum file LAVA did not publish as differing', async () => {
    const outcome = await compareTestByTest(cbuild, LIMITS, pair('backends', build('cbuild', DIRS.native), build('lava', DIRS.lava)));
    assert.equal(outcome.status, 'compared');
    if (outcome.status !== 'compared') return;
    // gcc.sum: 2 results, pr1.c differs; g++.sum (2 PASS/FAIL results) only on CBuild.
    assert.deepEqual([outcome.tests, outcome.total, outcome.differences.map((d) => d.name)], [4, 3, ['gcc.dg/pr1.c (test for excess errors)']]);
    assert.deepEqual(outcome.warnings, ['g++.sum is missing on LAVA: its 2 results count as differing']);
  });

  it('only warns about a .sum file missing from a rebuild: an unfinished run says nothing about a test', async () => {
    const outcome = await compareTestByTest(cbuild, LIMITS, pair('rebuild', build('cbuild', DIRS.native), build('cbuild', DIRS.lava)));
    assert.equal(outcome.status, 'compared');
    if (outcome.status !== 'compared') return;
    assert.deepEqual([outcome.tests, outcome.total, outcome.warnings], [2, 1, ['g++.sum is missing on the later build']]);
  });

  it('says why a pair cannot be compared', async () => {
    assert.deepEqual(await compareTestByTest(cbuild, LIMITS, pair('backends', build('cbuild', DIRS.native), build('lava', null))), { status: 'not-compared', reason: 'LAVA published no results' });
    const garbled = await compareTestByTest(cbuild, LIMITS, pair('rebuild', build('cbuild', DIRS.native), build('cbuild', DIRS.again)));
    assert.equal(garbled.status, 'not-compared');
    assert.match(garbled.status === 'not-compared' ? garbled.reason : '', /^results could not be read: .*gcc\.sum/);
    const empty = await compareTestByTest(cbuild, LIMITS, pair('backends', build('cbuild', 'armv7l-precise-cbuild461-ursa9-cortexa9hfr1'), build('lava', 'armv7l-precise-cbuild461-ursa8-cortexa9hfr1')));
    assert.equal(empty.status === 'not-compared' ? empty.reason : empty.status, 'neither build published .sum files');
  });
});
