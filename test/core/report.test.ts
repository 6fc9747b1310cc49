import assert from 'node:assert/strict';
import { COMMENT_BUDGET, composeAck, composeResults, decideVote, formatDuration, hasMarker, textTable } from '../../src/core/report.js';
import type { BuildComparison, BuildRow, ProposalRow, RequestRow } from '../../src/core/model.js';
import { textToHtml } from '../../src/launchpad/text-to-html.js';
import { buildLines, linesOf, renderedFromHtml, verdictLine, type RenderedComment } from '../support/rendered-comment.js';
import * as row from '../support/rows.js';

const proposal: ProposalRow = row.proposal(1, {
  self_link: 'http://lp/1.0/~alice/gcc-linaro/neon/+merge/7', web_link: 'http://lp/~alice/gcc-linaro/neon/+merge/7',
  source: { vcs: 'bzr', link: 'x', path: '~alice/gcc-linaro/neon', ref: null },
  target: { vcs: 'bzr', link: 'y', path: '~linaro/gcc-linaro/trunk', ref: null },
});
const request: RequestRow = row.request(12, 1, 'alice@example.com-20121105120000-0123456789abcdef', 'active', {
  source: { vcs: 'bzr', path: '~alice/gcc-linaro/neon', ref: null },
  revision: { id: 'alice@example.com-20121105120000-0123456789abcdef', revno: 115 },
});
function build(target: string, backend: BuildRow['backend'], state: BuildRow['state'], over: Partial<BuildRow> = {}): BuildRow {
  return row.build(1, 12, state, {
    target, backend, external_id: '1', job_url: `http://jobs/${target}/${backend}`, log_url: `http://logs/${target}/${backend}`,
    started_at: '2026-11-24T10:00:00.000Z', finished_at: '2026-11-24T14:05:00.000Z', ...over,
  });
}
function compared(regressions: string[] = [], over: Partial<Extract<BuildComparison, { status: 'compared' }>> = {}): BuildComparison {
  return {
    status: 'compared',
    baseline: { label: 'lp:~linaro/gcc-linaro/trunk revision 5' },
    counts: { regressions: regressions.length, now_pass: 0, new_fail: 0, new_pass: 0, gone: 0, flaky: 0, already_tracked: 0 },
    regressions, newFailures: [], diffUrl: null, warnings: [], ...over,
  };
}

/** The comment as a reviewer reads it on Launchpad's page: text_to_html, then the browser's whitespace collapse. */
function rendered(body: string): RenderedComment {
  return renderedFromHtml(textToHtml(body));
}

function assertEveryBuildOnOneLine(body: string, builds: BuildRow[], links: (b: BuildRow) => (string | null)[]): void {
  const comment = rendered(body);
  for (const b of builds) {
    const lines = buildLines(comment, { target: b.target, backend: b.backend, state: b.state, urls: links(b) });
    assert.ok(lines.length >= 1, `no line holds ${b.target} ${b.backend} ${b.state} and its link as a reader sees it:\n${comment.text}`);
  }
}

describe('core/report', () => {
  it('formats durations compactly', () => {
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(12 * 60_000 + 3000), '12m 03s');
    assert.equal(formatDuration(4 * 3600_000 + 5 * 60_000), '4h 05m');
  });

  it('pads terminal table columns to the widest cell', () => {
    assert.equal(textTable(['a', 'bb'], [['xxx', 'y']]), 'a    bb\n---  --\nxxx  y');
  });

  it('acknowledges with the revision and one line per build with its job link, ending with the marker', () => {
    const c = composeAck(proposal, request, [build('x86_64', 'lava', 'queued'), build('a9hf', 'cbuild', 'queued'), build('a9hf', 'lava', 'error', { detail: 'LAVA refused the job: Device unavailable' })], ['a9hf', 'x86_64']);
    assert.equal(c.subject, 'Re: [Merge] lp:~alice/gcc-linaro/neon into lp:~linaro/gcc-linaro/trunk');
    assert.match(c.body, /^cbuild-bot has queued revision 115 \(alice@example.com-20121105120000-0123456789abcdef\) of lp:~alice\/gcc-linaro\/neon for build:/);
    assert.deepEqual(c.body.split('\n').filter((l) => l.startsWith('- ')), [
      '- a9hf CBuild: QUEUED: http://jobs/a9hf/cbuild',
      '- a9hf LAVA: NOT QUEUED: LAVA refused the job: Device unavailable',
      '- x86_64 LAVA: QUEUED: http://jobs/x86_64/lava',
    ]);
    assert.ok(c.body.endsWith('\n\ncbuild-bot-ref: 12/ack'));
    assert.ok(hasMarker(c.body, '12/ack'));
    assert.ok(!hasMarker(c.body, '12/results'));
  });

  it('says in the acknowledgement that the replaced revision\'s builds were cancelled', () => {
    const old = row.request(11, 1, 'alice@example.com-20121104-aaaa', 'superseded', { revision: { id: 'alice@example.com-20121104-aaaa', revno: 114 }, superseded_by: 12 });
    const c = composeAck(proposal, request, [build('a9hf', 'cbuild', 'queued')], ['a9hf'], { superseded: [old] });
    assert.match(c.body, /\nThe builds of revision 114 were cancelled: their results will not be posted\.\n/);
  });

  it('names a git source as lp:<repository>:<branch> @ <short commit>', () => {
    const gitRequest = row.request(13, 2, 'a'.repeat(40), 'active', {
      source: { vcs: 'git', path: '~dev/gcc-linaro/+git/gcc-linaro', ref: 'refs/heads/topic' },
      revision: { id: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b', revno: null },
    });
    const c = composeResults(row.gitProposal(2), gitRequest, [build('a9hf', 'cbuild', 'passed', { comparison: compared() })], ['a9hf']);
    assert.match(c.body, /\nBuilds of lp:~dev\/gcc-linaro\/\+git\/gcc-linaro:topic @ 1a2b3c4:\n/);
  });

  it('puts the verdict first and reports a broken build as the change\'s, with the first errors of its make.log', () => {
    const excerpt = {
      log_url: 'http://results/build/j/logs/x86_64-cbuild/make.log',
      lines: ["../../gcc/gcc/config/arm/arm.c: In function 'arm_expand_prologue':", "../../gcc/gcc/config/arm/arm.c:16231:7: error: 'saved_regs_mask' undeclared", 'make: *** [bootstrap] Error 2'],
    };
    const builds = [
      build('a9hf', 'cbuild', 'failed', { failure_excerpt: excerpt }),
      build('a9hf', 'lava', 'failed', { failure_excerpt: { ...excerpt, log_url: 'http://results/build/j/logs/a9hf-lava/make.log' }, log_url: 'http://lava/log/4' }),
      build('x86_64', 'lava', 'infra', { detail: 'LAVA job 4 ended Incomplete: ssh: connect to host 127.0.0.1 port 2223: Connection refused', attempt: 3, earlier_attempts: [{ attempt: 1, detail: 'LAVA job 2 ended Incomplete: boot timed out', job_url: 'http://jobs/2' }] }),
    ];
    const c = composeResults(proposal, request, builds, ['a9hf', 'x86_64']);
    const lines = c.body.split('\n');
    assert.equal(lines[0], 'The build FAILED on a9hf (CBuild and LAVA).');
    assert.ok(lines.includes('- a9hf CBuild: BUILD FAILED in 4h 05m: http://results/build/j/logs/x86_64-cbuild/make.log'));
    assert.ok(lines.includes('- a9hf LAVA: BUILD FAILED in 4h 05m: http://results/build/j/logs/a9hf-lava/make.log'), 'a failed LAVA build links the make.log it published');
    assert.ok(lines.includes('    LAVA job: http://jobs/a9hf/lava'), 'and its job page; not the dispatcher log');
    assert.ok(lines.includes('- x86_64 LAVA: INFRASTRUCTURE FAILURE in 4h 05m (attempt 3): http://jobs/x86_64/lava'));
    const errors = c.body.slice(c.body.indexOf('First errors'));
    assert.match(errors, /^First errors of the failed builds \(from make.log\):\n- a9hf \(CBuild and LAVA\):\n    \.\.\/\.\.\/gcc\/gcc\/config\/arm\/arm\.c: In function 'arm_expand_prologue':\n    .*error: 'saved_regs_mask' undeclared\n    make: \*\*\* \[bootstrap\] Error 2\n/);
    assert.match(c.body, /\nProblems of the build lab, not of this change:\n- x86_64 LAVA: LAVA job 4 ended Incomplete: ssh: connect to host 127\.0\.0\.1 port 2223: Connection refused\n    attempt 1: LAVA job 2 ended Incomplete: boot timed out http:\/\/jobs\/2\n/);
    assertEveryBuildOnOneLine(c.body, builds, (b) => [b.failure_excerpt?.log_url ?? null, b.job_url]);
    assert.ok(hasMarker(c.body, '12/results'));
  });

  it('leads with the regressions, grouped where backends agree, and marks known-flaky tests', () => {
    const names = ['gcc: gcc.c-torture/execute/pr43220.c  -O2  execution test', 'gcc: gcc.dg/vect/vect-42.c execution test'];
    const builds = [
      build('a9hf', 'cbuild', 'passed', { comparison: compared(names, { diffUrl: 'http://diff/cbuild' }) }),
      build('a9hf', 'lava', 'passed', { comparison: compared(names, { diffUrl: 'http://diff/lava', flaky: ['gcc: gcc.dg/tree-prof/time-profiler-2.c execution test'], counts: { regressions: 2, now_pass: 1, new_fail: 0, new_pass: 3, gone: 0, flaky: 1, already_tracked: 0 } }) }),
      build('x86_64', 'cbuild', 'passed', { comparison: compared(), test_summary: { gcc: { PASS: 100, FAIL: 2, XFAIL: 3 }, 'g++': { PASS: 50 } } }),
    ];
    const c = composeResults(proposal, request, builds, ['a9hf', 'x86_64'], { vote: true });
    const lines = c.body.split('\n');
    assert.equal(lines[0], '2 test regressions on a9hf (CBuild and LAVA): gcc: gcc.c-torture/execute/pr43220.c  -O2  execution test and 1 more.');
    assert.equal(c.vote, 'Needs Fixing');
    assert.ok(lines.includes('- a9hf LAVA: PASS in 4h 05m, 2 regressions: http://jobs/a9hf/lava (full diff: http://diff/lava)'));
    assert.ok(lines.includes('- x86_64 CBuild: PASS in 4h 05m, no regressions: http://logs/x86_64/cbuild'));
    assert.match(c.body, /\nRegressions \(PASS at the branch point, lp:~linaro\/gcc-linaro\/trunk revision 5; FAIL now\):\n- a9hf \(CBuild and LAVA\):\n    gcc: gcc\.c-torture\/execute\/pr43220\.c  -O2  execution test\n    gcc: gcc\.dg\/vect\/vect-42\.c execution test\n/);
    assert.match(c.body, /\nKnown-flaky tests that changed \(not counted as regressions\):\n- a9hf \(LAVA\):\n    gcc: gcc\.dg\/tree-prof\/time-profiler-2\.c execution test\n/);
    assert.match(c.body, /\n- a9hf LAVA: 2 regressions, 1 now passes, 3 new PASSes, 1 known-flaky change\n/);
    assert.match(c.body, /\n- x86_64 CBuild: gcc 100 PASS, 2 FAIL, 3 XFAIL; g\+\+ 50 PASS\n/);
    const comment = rendered(c.body);
    assert.ok(verdictLine(comment, 'regressed') === linesOf(comment)[0], 'the verdict is the first thing a reader sees');
    assertEveryBuildOnOneLine(c.body, builds, (b) => [b.job_url, b.log_url]);
    const lava = rendered(c.body).links.map((l) => l.href).filter((h) => h.includes('lava'));
    assert.deepEqual(lava, ['http://jobs/a9hf/lava', 'http://diff/lava'], 'Launchpad links the job and the diff, without the parenthesis');
  });

  it('says a truncated .sum and never approves it', () => {
    const truncated = compared([], { warnings: ["gcc.sum: no '=== gcc Summary ===' block: file truncated?"] });
    const builds = [build('a9hf', 'cbuild', 'passed', { comparison: compared() }), build('a9hf', 'lava', 'passed', { comparison: truncated })];
    const c = composeResults(proposal, request, builds, ['a9hf'], { vote: true });
    assert.equal(c.body.split('\n')[0], 'Every build passed, but the test results of a9hf (LAVA) are incomplete: see below.');
    assert.match(c.body, /\nIncomplete test results \(the comparison may miss tests, so no Approve vote\):\n- a9hf LAVA: gcc\.sum: no '=== gcc Summary ===' block: file truncated\?\n/);
    assert.ok(c.body.includes('- a9hf LAVA: PASS in 4h 05m, no regressions (results incomplete): http://jobs/a9hf/lava'));
    assert.equal(c.vote, null);
    assert.equal(decideVote(builds), null);
  });

  it('votes only on the change\'s own results, and only when asked to', () => {
    const clean = [build('a9hf', 'cbuild', 'passed', { comparison: compared() }), build('a9hf', 'lava', 'passed', { comparison: compared() })];
    assert.equal(decideVote(clean), 'Approve');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'passed', { comparison: compared(['gcc: x']) })]), 'Needs Fixing');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'failed')]), 'Needs Fixing');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'infra')]), null, 'never a negative vote for the lab');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'passed', { comparison: { status: 'not-compared', reason: 'x' } })]), null);
    assert.equal(composeResults(proposal, request, clean, ['a9hf']).vote, null);
    assert.equal(composeResults(proposal, request, clean, ['a9hf'], { vote: true }).vote, 'Approve');
  });

  it('says plainly when every build passed', () => {
    const c = composeResults(proposal, request, [build('a9hf', 'cbuild', 'passed', { comparison: compared() }), build('a9hf', 'lava', 'passed', { comparison: compared() })], ['a9hf']);
    assert.equal(c.body.split('\n')[0], 'Every build passed with no test regressions.');
  });

  it('says which backend counted where LAVA is the main platform, and shows no shadow build', () => {
    const builds = [
      build('a9hf', 'cbuild', 'passed', { shadow: true, comparison: compared(['gcc: only on cbuild']) }),
      build('a9hf', 'lava', 'passed', { comparison: compared() }),
      build('x86_64', 'cbuild', 'passed', { comparison: compared() }),
      build('x86_64', 'lava', 'passed', { comparison: compared() }),
    ];
    const c = composeResults(proposal, request, builds, ['a9hf', 'x86_64'], { vote: true });
    assert.equal(c.body.split('\n')[0], 'Every build passed with no test regressions.', 'the shadow CBuild build\'s regression does not count');
    assert.equal(c.vote, 'Approve');
    assert.match(c.body, /\nLAVA is the main build platform for a9hf: its results count here; CBuild built it too, as a shadow, not counted\.\n/);
    const lavaOnly = composeResults(proposal, request, [build('a9hf', 'lava', 'passed', { comparison: compared() })], ['a9hf']);
    assert.doesNotMatch(lavaOnly.body, /main build platform/, 'a LAVA-only build (by hand, or CBuild off) is not LAVA as main');
    assert.ok(!c.body.includes('a9hf CBuild'), 'the shadow build has no line');
  });

  it('keeps every build\'s line and the verdict within Launchpad\'s 3,200-character fold, cutting detail instead', () => {
    const targets = ['a9hf', 'a9', 'x86_64', 'aarch64', 'armv5', 'armv7hf', 'i686', 'ppc64'];
    const longName = (i: number) => `gcc: gcc.dg/torture/a-rather-long-directory-name/and-a-long-test-name-${i}.c   -O3 -fomit-frame-pointer -funroll-loops  execution test`;
    const names = Array.from({ length: 10 }, (_, i) => longName(i));
    const builds = targets.flatMap((t, i) => [
      build(t, 'cbuild', 'passed', { comparison: compared(names, { counts: { regressions: 40, now_pass: 3, new_fail: 12, new_pass: 0, gone: 1, flaky: 0, already_tracked: 0 }, newFailures: names, diffUrl: `http://diff/${t}/cbuild` }), test_summary: { gcc: { PASS: 90000 + i, FAIL: 40 } } }),
      build(t, 'lava', i % 2 ? 'failed' : 'passed', i % 2
        ? { failure_excerpt: { log_url: `http://results/${t}/make.log`, lines: Array.from({ length: 10 }, (_, j) => `../../gcc/gcc/some/deep/path/file-${j}.c:${j}:1: error: something went badly wrong in a long message ${j}`) } }
        : { comparison: compared(names.slice(0, 5).map((n) => `${n} (lava)`), { diffUrl: `http://diff/${t}/lava`, warnings: ['gcc.sum: line 12 is garbled'] }) }),
    ]);
    const c = composeResults(proposal, request, builds, targets, { vote: true });
    assert.ok(c.body.length <= COMMENT_BUDGET, `the comment is ${c.body.length} characters:\n${c.body}`);
    assert.match(c.body.split('\n')[0], /^The build FAILED on a9, aarch64, armv7hf, ppc64 \(LAVA\)\.$/);
    assertEveryBuildOnOneLine(c.body, builds, (b) => [b.failure_excerpt?.log_url ?? null, b.job_url, b.log_url]);
    assert.match(c.body, /\n    … and \d+ more: see the full diff\n/, `cut lists say how much is left out:\n${c.body}`);
    assert.ok(hasMarker(c.body, '12/results'));
  });
});
