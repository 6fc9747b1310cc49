import assert from 'node:assert/strict';
import { composeAck, composeResults, decideVote, formatDuration, hasMarker, textTable } from '../../src/core/report.js';
import type { BuildRow, ProposalRow, RequestRow } from '../../src/core/model.js';

const proposal: ProposalRow = {
  id: 1, self_link: 'http://lp/1.0/~alice/gcc-linaro/neon/+merge/7', web_link: 'http://lp/~alice/gcc-linaro/neon/+merge/7',
  source_branch_link: 'x', source_branch: '~alice/gcc-linaro/neon', target_branch_link: 'y', target_branch: '~linaro/gcc-linaro/trunk',
  queue_status: 'Needs review', http_etag: null, tracked: 1, first_seen_at: 't', updated_at: 't',
};
const request: RequestRow = {
  id: 12, kind: 'proposal', origin: 'revision', requested_by: null, proposal_id: 1, base_request_id: null, branch: '~alice/gcc-linaro/neon', revision_id: 'alice@example.com-20121105120000-0123456789abcdef',
  revno: 115, state: 'active', superseded_by: null, created_at: 't', finished_at: null,
};
function build(target: string, backend: BuildRow['backend'], state: BuildRow['state'], over: Partial<BuildRow> = {}): BuildRow {
  return {
    id: 1, request_id: 12, target, backend, state, shadow: 0, submit_key: 'k', external_id: '1', job_url: `http://jobs/${target}/${backend}`,
    log_url: `http://logs/${target}/${backend}`, results_url: null, cancel_requested: 0, detail: null, test_summary: null, comparison: null, attempt: 1, not_before: null, earlier_attempts: null,
    submitted_at: null, started_at: '2026-11-24T10:00:00.000Z', finished_at: '2026-11-24T14:05:00.000Z', updated_at: 't', ...over,
  };
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
    const c = composeAck(proposal, request, [build('x86_64', 'lava', 'queued'), build('a9hf', 'native', 'queued'), build('a9hf', 'lava', 'queued')], ['a9hf', 'x86_64']);
    assert.equal(c.subject, 'Re: [Merge] lp:~alice/gcc-linaro/neon into lp:~linaro/gcc-linaro/trunk');
    assert.match(c.body, /queued revision 115 \(alice@example.com-20121105120000-0123456789abcdef\) of lp:~alice\/gcc-linaro\/neon/);
    const rows = c.body.split('\n').filter((l) => /^(a9hf|x86_64) /.test(l));
    assert.deepEqual(rows, [
      'a9hf    CBuild   http://jobs/a9hf/native',
      'a9hf    LAVA     http://jobs/a9hf/lava',
      'x86_64  LAVA     http://jobs/x86_64/lava',
    ]);
    assert.ok(c.body.endsWith('\n\ncbuild-bot-ref: 12/ack'));
    assert.ok(hasMarker(c.body, '12/ack'));
    assert.ok(!hasMarker(c.body, '12/results'));
  });

  it('reports a build failure as the change\'s fault and an Incomplete LAVA job as infrastructure', () => {
    const c = composeResults(proposal, request, [
      build('a9hf', 'native', 'failed'),
      build('a9hf', 'lava', 'infra', { detail: 'LAVA job 4 ended Incomplete: ssh: connect to host 127.0.0.1 port 2223: Connection refused' }),
      build('x86_64', 'native', 'passed', { test_summary: JSON.stringify({ gcc: { PASS: 100, FAIL: 2, XFAIL: 3 } }) }),
    ], ['a9hf', 'x86_64']);
    assert.match(c.body, /the build FAILED on a9hf \(CBuild\)\./);
    assert.match(c.body, /a9hf    CBuild   BUILD FAILED            4h 05m    http:\/\/logs\/a9hf\/native/);
    assert.match(c.body, /a9hf    LAVA     INFRASTRUCTURE FAILURE  4h 05m/);
    assert.match(c.body, /problems of the build lab, not of this change:\n  a9hf \(LAVA\): LAVA job 4 ended Incomplete: ssh: connect/);
    assert.match(c.body, /x86_64  CBuild   gcc   100   2     3      0      0           0/);
    assert.ok(hasMarker(c.body, '12/results'));
  });

  it('votes only on the change\'s own results, and only when asked to', () => {
    const compared = (regressions: number) =>
      JSON.stringify({
        status: 'compared',
        baseline: { branch: '~linaro/gcc-linaro/trunk', revno: 5, revision: 'r5' },
        counts: { regressions, now_pass: 0, new_fail: 0, new_pass: 0, gone: 0, flaky: 0, already_tracked: 0 },
        regressions: [], newFailures: [], diffUrl: null, warnings: [],
      });
    const clean = [build('a9hf', 'native', 'passed', { comparison: compared(0) }), build('a9hf', 'lava', 'passed', { comparison: compared(0) })];
    assert.equal(decideVote(clean), 'Approve');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'passed', { comparison: compared(2) })]), 'Needs Fixing');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'failed')]), 'Needs Fixing');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'infra')]), null, 'never a negative vote for the lab');
    assert.equal(decideVote([clean[0], build('a9hf', 'lava', 'passed', { comparison: JSON.stringify({ status: 'not-compared', reason: 'x' }) })]), null);
    assert.equal(composeResults(proposal, request, clean, ['a9hf']).vote, null);
    assert.equal(composeResults(proposal, request, clean, ['a9hf'], { vote: true }).vote, 'Approve');
  });

  it('says plainly when every build passed', () => {
    const c = composeResults(proposal, request, [build('a9hf', 'native', 'passed'), build('a9hf', 'lava', 'passed')], ['a9hf']);
    assert.match(c.body.split('\n')[0], /every build passed\.$/);
  });
});
