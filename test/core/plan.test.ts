import assert from 'node:assert/strict';
import { finishedUnreported, planBuilds, planComments, planComparisons, planRequests, type PlanConfig } from '../../src/core/plan.js';
import type { BranchRow, BuildRow, CommentRow, ProposalRow, RequestRow } from '../../src/core/model.js';

const config: PlanConfig = { statuses: ['Needs review', 'Work in progress'], targets: ['a9hf', 'x86_64'], rollout: {} };

function proposal(id: number, over: Partial<ProposalRow> = {}): ProposalRow {
  return {
    id, self_link: `http://lp/1.0/~u/p/b${id}/+merge/${id}`, web_link: `http://lp/~u/p/b${id}/+merge/${id}`,
    source_branch_link: `http://lp/1.0/~u/p/b${id}`, source_branch: `~u/p/b${id}`,
    target_branch_link: 'http://lp/1.0/~l/p/trunk', target_branch: '~l/p/trunk', queue_status: 'Needs review',
    http_etag: '"a-b"', tracked: 1, first_seen_at: 't', updated_at: 't', ...over,
  };
}
function branch(id: number, rev: string | null, count = 3): [string, BranchRow] {
  const link = `http://lp/1.0/~u/p/b${id}`;
  return [link, { self_link: link, unique_name: `~u/p/b${id}`, bzr_identity: `lp:~u/p/b${id}`, last_scanned_id: rev, revision_count: count, http_etag: null, checked_at: 't' }];
}
function request(id: number, proposalId: number | null, rev: string, state: RequestRow['state'] = 'active', over: Partial<RequestRow> = {}): RequestRow {
  return {
    id, kind: proposalId === null ? 'baseline' : 'proposal', origin: proposalId === null ? 'branch-point' : 'revision', requested_by: null, proposal_id: proposalId, base_request_id: null, branch: `~u/p/b${proposalId}`,
    revision_id: rev, revno: 3, state, superseded_by: null, created_at: 't', finished_at: null, ...over,
  };
}
function build(id: number, requestId: number, state: BuildRow['state'], over: Partial<BuildRow> = {}): BuildRow {
  return {
    id, request_id: requestId, target: 'a9hf', backend: 'lava', state, shadow: 0, submit_key: `k${id}`, external_id: null, job_url: null,
    log_url: null, results_url: null, cancel_requested: 0, detail: null, test_summary: null, comparison: null, attempt: 1, not_before: null, earlier_attempts: null, submitted_at: null,
    started_at: null, finished_at: null, updated_at: 't', ...over,
  };
}

describe('core/plan', () => {
  describe('planRequests', () => {
    it('creates one request per new (proposal, revision) with a build per target and backend, based on the target tip', () => {
      const trunk: [string, BranchRow] = ['http://lp/1.0/~l/p/trunk', { self_link: 'http://lp/1.0/~l/p/trunk', unique_name: '~l/p/trunk', bzr_identity: 'lp:p', last_scanned_id: 'trunk-9', revision_count: 9, http_etag: null, checked_at: 't' }];
      const plan = planRequests([proposal(1)], new Map([branch(1, 'rev-a', 7), trunk]), [], config);
      assert.equal(plan.create.length, 1);
      assert.deepEqual(plan.create[0], {
        proposalId: 1, branch: '~u/p/b1', revisionId: 'rev-a', revno: 7,
        builds: [
          { target: 'a9hf', backend: 'native', shadow: false }, { target: 'a9hf', backend: 'lava', shadow: false },
          { target: 'x86_64', backend: 'native', shadow: false }, { target: 'x86_64', backend: 'lava', shadow: false },
        ],
        base: { branch: '~l/p/trunk', revisionId: 'trunk-9', revno: 9 },
        baseBuilds: [
          { target: 'a9hf', backend: 'native', shadow: false }, { target: 'a9hf', backend: 'lava', shadow: false },
          { target: 'x86_64', backend: 'native', shadow: false }, { target: 'x86_64', backend: 'lava', shadow: false },
        ],
      });
    });

    it('follows the rollout: a shadow LAVA build is marked, an off one is not built, the baseline builds every backend in use', () => {
      const rollout = { lava: 'off' as const, projects: { p: { targets: { a9hf: { lava: 'shadow' as const } } } } };
      const plan = planRequests([proposal(1)], new Map([branch(1, 'rev-a')]), [], { ...config, rollout });
      assert.deepEqual(plan.create[0].builds, [
        { target: 'a9hf', backend: 'native', shadow: false }, { target: 'a9hf', backend: 'lava', shadow: true },
        { target: 'x86_64', backend: 'native', shadow: false },
      ]);
      assert.deepEqual(plan.create[0].baseBuilds.filter((b) => b.backend === 'lava'), [{ target: 'a9hf', backend: 'lava', shadow: true }]);
      const nothing = planRequests([proposal(1)], new Map([branch(1, 'rev-a')]), [], { ...config, rollout: { lava: 'off', native: 'off' } });
      assert.deepEqual(nothing.create, [], 'every backend off: no request');
    });

    it('never supersedes a build scheduled by hand for the proposal', () => {
      const plan = planRequests([proposal(1)], new Map([branch(1, 'rev-b')]), [request(5, 1, 'rev-a', 'active', { origin: 'schedule' })], config);
      assert.equal(plan.create.length, 1);
      assert.deepEqual(plan.supersede, []);
    });

    it('does nothing for a revision that already has a request', () => {
      const plan = planRequests([proposal(1)], new Map([branch(1, 'rev-a')]), [request(5, 1, 'rev-a')], config);
      assert.deepEqual(plan, { create: [], supersede: [], close: [] });
    });

    it('supersedes the active request when a new revision appears', () => {
      const plan = planRequests([proposal(1)], new Map([branch(1, 'rev-b')]), [request(5, 1, 'rev-a')], config);
      assert.equal(plan.create.length, 1);
      assert.equal(plan.create[0].revisionId, 'rev-b');
      assert.deepEqual(plan.supersede, [{ requestId: 5, proposalId: 1 }]);
    });

    it('never rebuilds a revision seen before, even after it was superseded', () => {
      const plan = planRequests(
        [proposal(1)], new Map([branch(1, 'rev-a')]),
        [request(5, 1, 'rev-a', 'superseded'), request(6, 1, 'rev-b')], config,
      );
      assert.deepEqual(plan.create, []);
      assert.deepEqual(plan.supersede, [{ requestId: 6, proposalId: 1 }]);
    });

    it('closes the requests of merged, rejected or unwatched proposals', () => {
      const plan = planRequests(
        [proposal(1, { queue_status: 'Merged', tracked: 0 }), proposal(2, { queue_status: 'Approved' })],
        new Map([branch(1, 'rev-a'), branch(2, 'rev-c')]),
        [request(5, 1, 'rev-a'), request(6, 2, 'rev-c')], config,
      );
      assert.deepEqual(plan.close, [
        { requestId: 5, reason: 'proposal is Merged' },
        { requestId: 6, reason: 'proposal status is Approved, which is not built' },
      ]);
      assert.deepEqual(plan.create, []);
    });

    it('waits for Launchpad to scan a branch that has no revision yet', () => {
      assert.deepEqual(planRequests([proposal(1)], new Map([branch(1, null)]), [], config).create, []);
    });
  });

  describe('planBuilds', () => {
    it('submits pending, recovers submitting, polls the rest and cancels those of ended requests', () => {
      const requests = new Map([[1, request(1, 1, 'a')], [2, request(2, 2, 'b', 'superseded')]]);
      const plan = planBuilds(
        [build(1, 1, 'pending'), build(2, 1, 'submitting'), build(3, 1, 'running'), build(4, 2, 'queued'), build(5, 1, 'passed'),
          build(6, 1, 'queued', { cancel_requested: 1 }),
          build(7, 1, 'pending', { attempt: 2, not_before: '2026-11-24T10:05:00.000Z' }),
          build(8, 1, 'pending', { attempt: 2, not_before: '2026-11-24T09:59:00.000Z' })],
        requests,
        '2026-11-24T10:00:00.000Z',
        'u',
      );
      assert.deepEqual(plan.submit.map((b) => b.id), [1, 8], 'a retry waits for its not_before');
      assert.deepEqual(planBuilds([build(2, 1, 'submitting', { updated_at: 'u' })], requests, 'now', 't').recover, [], 'a fresh submission is left to its process');
      assert.deepEqual(plan.recover.map((b) => b.id), [2]);
      assert.deepEqual(plan.poll.map((b) => b.id), [3]);
      assert.deepEqual(plan.cancel.map((b) => b.id), [4, 6]);
    });
  });

  describe('planComparisons and finishedUnreported', () => {
    it('compares a passed build once its baseline build of the same target and backend is final', () => {
      const base = request(10, null, 'trunk-9');
      const r = request(1, 1, 'a', 'active', { base_request_id: 10 });
      const mine = build(1, 1, 'passed', { target: 'a9hf', backend: 'lava' });
      const other = build(2, 1, 'passed', { target: 'a9hf', backend: 'native' });
      const baseLava = build(11, 10, 'running', { target: 'a9hf', backend: 'lava' });
      const baseNative = build(12, 10, 'infra', { target: 'a9hf', backend: 'native' });
      const builds = new Map([[1, [mine, other]], [10, [baseLava, baseNative]]]);
      assert.deepEqual(planComparisons([base, r], builds).map((c) => [c.build.id, c.baseline?.id]), [[2, 12]]);
      assert.deepEqual(finishedUnreported([base, r], builds), []);
      const done = new Map([[1, [mine, other]], [10, [{ ...baseLava, state: 'passed' as const }, baseNative]]]);
      assert.deepEqual(planComparisons([base, r], done).map((c) => [c.build.id, c.baseline?.id]), [[1, 11], [2, 12]]);
      assert.deepEqual(finishedUnreported([base, r], done), [10]);
    });

    it('compares without a baseline when the request has none, and never twice', () => {
      const r = request(1, 1, 'a');
      assert.deepEqual(planComparisons([r], new Map([[1, [build(1, 1, 'passed')]]])).map((c) => c.baseline), [null]);
      assert.deepEqual(planComparisons([r], new Map([[1, [build(1, 1, 'passed', { comparison: '{}' })]]])), []);
    });
  });

  describe('planComments', () => {
    const comment = (requestId: number, kind: CommentRow['kind']): CommentRow => ({
      id: 1, request_id: requestId, command_id: null, proposal_id: 1, kind, marker: `${requestId}/${kind}`, subject: '', body: '', state: 'posted',
      attempts: 1, posted_link: null, last_error: null, vote: null, created_at: 't', posted_at: 't',
    });

    it('acknowledges once every build is submitted, and reports once every build is final', () => {
      const r = request(1, 1, 'a');
      assert.deepEqual(planComments([r], new Map([[1, [build(1, 1, 'queued'), build(2, 1, 'pending')]]]), []), []);
      assert.deepEqual(planComments([r], new Map([[1, [build(1, 1, 'queued'), build(2, 1, 'running')]]]), []), [
        { requestId: 1, proposalId: 1, kind: 'ack' },
      ]);
      assert.deepEqual(planComments([r], new Map([[1, [build(1, 1, 'passed', { comparison: '{}' }), build(2, 1, 'infra')]]]), [comment(1, 'ack')]), [
        { requestId: 1, proposalId: 1, kind: 'results' },
      ]);
    });

    it('holds the results comment until every passed build is compared with its baseline', () => {
      const r = request(1, 1, 'a');
      const uncompared = [build(1, 1, 'passed'), build(2, 1, 'failed')];
      assert.deepEqual(planComments([r], new Map([[1, uncompared]]), [comment(1, 'ack')]), []);
      const compared = [build(1, 1, 'passed', { comparison: '{}' }), build(2, 1, 'failed')];
      assert.deepEqual(planComments([r], new Map([[1, compared]]), [comment(1, 'ack')]).map((d) => d.kind), ['results']);
    });

    it('never queues a comment twice and never reports a superseded request', () => {
      const done = [build(1, 1, 'passed', { comparison: '{}' })];
      assert.deepEqual(planComments([request(1, 1, 'a')], new Map([[1, done]]), [comment(1, 'ack'), comment(1, 'results')]), []);
      assert.deepEqual(planComments([request(1, 1, 'a', 'superseded')], new Map([[1, done]]), []), []);
      assert.deepEqual(planComments([request(1, 1, 'a', 'cancelled')], new Map([[1, done]]), []), []);
    });

    it('neither shows nor waits for shadow builds', () => {
      const r = request(1, 1, 'a');
      const builds = [build(1, 1, 'failed'), build(2, 1, 'pending', { shadow: 1 })];
      assert.deepEqual(planComments([r], new Map([[1, builds]]), []).map((d) => d.kind), ['ack', 'results']);
      assert.deepEqual(planComments([r], new Map([[1, [build(2, 1, 'passed', { shadow: 1 })]]]), []), [], 'nothing to show: no comment');
    });
  });

  describe('planBuilds after the results comment', () => {
    it('lets the shadow builds of a reported request run to the end', () => {
      const plan = planBuilds([build(1, 1, 'running', { shadow: 1 })], new Map([[1, request(1, 1, 'a', 'done')]]), 'n', 't');
      assert.deepEqual([plan.poll.length, plan.cancel.length], [1, 0]);
    });
  });
});
