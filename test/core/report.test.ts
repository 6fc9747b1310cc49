import assert from 'node:assert/strict';
import { composeAck, composeResults, decideVote, formatDuration, hasMarker, textTable } from '../../src/core/report.js';
import type { BuildComparison, BuildRow, ProposalRow, RequestRow } from '../../src/core/model.js';
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

describe('core/report', () => {
  it('formats durations compactly', () => {
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(12 * 60_000 + 3000), '12m 03s');
    assert.equal(formatDuration(4 * 3600_000 + 5 * 60_000), '4h 05m');
  });

  it('pads table columns to the widest cell', () => {
    assert.equal(textTable(['a', 'bb'], [['xxx', 'y']]), 'a    bb\n---  --\nxxx  y');
  });

  it('acknowledges with the revision, every target x backend and the job links, ending with the marker', () => {
    const c = composeAck(proposal, request, [build('x86_64', 'lava', 'queued'), build('a9hf', 'cbuild', 'queued'), build('a9hf', 'lava', 'queued')], ['a9hf', 'x86_64']);
    assert.equal(c.subject, 'Re: [Merge] lp:~alice/gcc-linaro/neon into lp:~linaro/gcc-linaro/trunk');
    assert.match(c.body, /queued revision 115 \(alice@example.com-20121105120000-0123456789abcdef\) of lp:~alice\/gcc-linaro\/neon/);
    const rows = c.body.split('\n').filter((l) => /^(a9hf|x86_64) /.test(l));
    assert.deepEqual(rows, [
      'a9hf    CBuild   http://jobs/a9hf/cbuild',
      'a9hf    LAVA     http://jobs/a9hf/lava',
      'x86_64  LAVA     http://jobs/x86_64/lava',
    ]);
    assert.ok(c.body.endsWith('\n\ncbuild-bot-ref: 12/ack'));
    assert.ok(hasMarker(c.body, '12/ack'));
    assert.ok(!hasMarker(c.body, '12/results'));
  });

  it('reports a build failure as the change\'s fault and an Incomplete LAVA job as infrastructure', () => {
    const c = composeResults(proposal, request, [
      build('a9hf', 'cbuild', 'failed'),
      build('a9hf', 'lava', 'infra', { detail: 'LAVA job 4 ended Incomplete: ssh: connect to host 127.0.0.1 port 2223: Connection refused' }),
      build('x86_64', 'cbuild', 'passed', { test_summary: { gcc: { PASS: 100, FAIL: 2, XFAIL: 3 } } }),
    ], ['a9hf', 'x86_64']);
    assert.match(c.body, /the build FAILED on a9hf \(CBuild\)\./);
    assert.match(c.body, /a9hf    CBuild   BUILD FAILED            4h 05m    http:\/\/logs\/a9hf\/cbuild/);
    assert.match(c.body, /a9hf    LAVA     INFRASTRUCTURE FAILURE  4h 05m/);
    assert.match(c.body, /problems of the build lab, not of this change:\n  a9hf \(LAVA\): LAVA job 4 ended Incomplete: ssh: connect/);
    assert.match(c.body, /x86_64  CBuild   gcc   100   2     3      0      0           0/);
    assert.ok(hasMarker(c.body, '12/results'));
  });

  it('votes only on the change\'s own results, and only when asked to', () => {
    const compared = (regressions: number): BuildComparison => ({
      status: 'compared',
      baseline: { label: 'lp:~linaro/gcc-linaro/trunk revision 5' },
      counts: { regressions, now_pass: 0, new_fail: 0, new_pass: 0, gone: 0, flaky: 0, already_tracked: 0 },
      regressions: [], newFailures: [], diffUrl: null, warnings: [],
    });
    const clean = [build('a9hf', 'cbuild', 'passed', { comparison: compared(0) }), build('a9hf', 'lava', 'passed', { comparison: compared(0) })];
    assert.equal(decideVote(clean), 'Approve');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'passed', { comparison: compared(2) })]), 'Needs Fixing');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'failed')]), 'Needs Fixing');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'infra')]), null, 'never a negative vote for the lab');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'passed', { comparison: { status: 'not-compared', reason: 'x' } })]), null);
    assert.equal(composeResults(proposal, request, clean, ['a9hf']).vote, null);
    assert.equal(composeResults(proposal, request, clean, ['a9hf'], { vote: true }).vote, 'Approve');
  });

  it('says plainly when every build passed', () => {
    const c = composeResults(proposal, request, [build('a9hf', 'cbuild', 'passed'), build('a9hf', 'lava', 'passed')], ['a9hf']);
    assert.match(c.body.split('\n')[0], /every build passed\.$/);
  });
});
