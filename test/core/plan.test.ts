import assert from 'node:assert/strict';
import { finishedUnreported, planBuilds, planComments, planComparisons, planRequests, type PlanConfig } from '../../src/core/plan.js';
import type { BuildComparison } from '../../src/core/model.js';
import { branchTip, build, comment as commentRow, gitProposal, proposal, refTip, request } from '../support/rows.js';

const config: PlanConfig = { statuses: ['Needs review', 'Work in progress'], targets: ['a9hf', 'x86_64'], rollout: {}, branchUrl: 'lp:{branch}' };
const COMPARED: BuildComparison = { status: 'not-compared', reason: 'x' };
const branch = branchTip;

describe('core/plan', () => {
  describe('planRequests', () => {
    it('creates one request per new (proposal, revision) with a build per target and backend, based on the target tip', () => {
      const plan = planRequests([proposal(1)], new Map([branch(1, 'rev-a', 7), branch('trunk', 'trunk-9', 9)]), [], config);
      assert.equal(plan.create.length, 1);
      const everyBackend = [
        { target: 'a9hf', backend: 'cbuild', shadow: false }, { target: 'a9hf', backend: 'lava', shadow: false },
        { target: 'x86_64', backend: 'cbuild', shadow: false }, { target: 'x86_64', backend: 'lava', shadow: false },
      ];
      assert.deepEqual(plan.create[0], {
        proposalId: 1,
        source: { vcs: 'bzr', path: '~u/p/b1', ref: null },
        sourceUrl: 'lp:~u/p/b1',
        revision: { id: 'rev-a', revno: 7 },
        builds: everyBackend,
        base: { source: { vcs: 'bzr', path: '~l/p/trunk', ref: null }, sourceUrl: 'lp:~l/p/trunk', revision: { id: 'trunk-9', revno: 9 } },
        baseBuilds: everyBackend,
      });
    });

    it('builds a git proposal at its ref\'s commit, fetched from the repository\'s https URL, based on the target ref', () => {
      const sha = 'a'.repeat(40);
      const plan = planRequests([gitProposal(1)], new Map([refTip(1, sha), refTip('master', 'b'.repeat(40))]), [], config);
      assert.deepEqual([plan.create[0].source, plan.create[0].sourceUrl, plan.create[0].revision], [
        { vcs: 'git', path: '~u/p/+git/p', ref: 'refs/heads/b1' }, 'https://git.example/~u/p/+git/p', { id: sha, revno: null },
      ]);
      assert.deepEqual(plan.create[0].base?.revision, { id: 'b'.repeat(40), revno: null });
      assert.deepEqual(plan.create[0].base?.source, { vcs: 'git', path: '~l/p/+git/p', ref: 'refs/heads/master' });
    });

    it('follows the rollout: a shadow LAVA build is marked, an off one is not built, the baseline builds every backend in use', () => {
      const rollout = { lava: 'off' as const, projects: { p: { targets: { a9hf: { lava: 'shadow' as const } } } } };
      const plan = planRequests([proposal(1)], new Map([branch(1, 'rev-a')]), [], { ...config, rollout });
      assert.deepEqual(plan.create[0].builds, [
        { target: 'a9hf', backend: 'cbuild', shadow: false }, { target: 'a9hf', backend: 'lava', shadow: true },
        { target: 'x86_64', backend: 'cbuild', shadow: false },
      ]);
      assert.deepEqual(plan.create[0].baseBuilds.filter((b) => b.backend === 'lava'), [{ target: 'a9hf', backend: 'lava', shadow: true }]);
      const nothing = planRequests([proposal(1)], new Map([branch(1, 'rev-a')]), [], { ...config, rollout: { lava: 'off', cbuild: 'off' } });
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
      assert.equal(plan.create[0].revision.id, 'rev-b');
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

    it('builds a revision again when its only request was closed and the proposal is watched again', () => {
      const plan = planRequests([proposal(1)], new Map([branch(1, 'rev-a')]), [request(5, 1, 'rev-a', 'closed')], config);
      assert.deepEqual(plan.create.map((r) => r.revision.id), ['rev-a']);
      const cancelled = planRequests([proposal(1)], new Map([branch(1, 'rev-a')]), [request(5, 1, 'rev-a', 'cancelled')], config);
      assert.deepEqual(cancelled.create, [], 'a person cancelled it: not built again by itself');
    });

    it('builds nothing for a proposal the bot cannot build (a notice said why)', () => {
      const plan = planRequests([proposal(1, { unbuildable: 'bzr revision id "x y" has characters the bot does not pass to bzr' })], new Map([branch(1, 'rev-a')]), [], config);
      assert.deepEqual(plan.create, []);
    });

    it('closes the requests of merged, rejected or unwatched proposals', () => {
      const plan = planRequests(
        [proposal(1, { queue_status: 'Merged', tracked: false }), proposal(2, { queue_status: 'Approved' })],
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
    it('submits pending, looks into uncertain submissions when due, polls the rest, leaves held ones and cancels those of ended requests', () => {
      const requests = new Map([[1, request(1, 1, 'a')], [2, request(2, 2, 'b', 'superseded')]]);
      const now = '2026-11-24T10:00:00.000Z';
      const plan = planBuilds(
        [build(1, 1, 'pending'), build(2, 1, 'submitting'), build(3, 1, 'running'), build(4, 2, 'queued'), build(5, 1, 'passed'),
          build(6, 1, 'queued', { cancel_requested: true }),
          build(7, 1, 'pending', { attempt: 2, not_before: '2026-11-24T10:05:00.000Z' }),
          build(8, 1, 'pending', { attempt: 2, not_before: '2026-11-24T09:59:00.000Z' }),
          build(9, 1, 'submitting', { next_check_at: '2026-11-24T10:00:02.000Z' }),
          build(10, 1, 'submitting', { next_check_at: '2026-11-24T09:59:59.000Z' }),
          build(11, 1, 'held', { detail: 'template broken' })],
        requests,
        now,
      );
      assert.deepEqual(plan.submit.map((b) => b.id), [1, 8], 'a retry waits for its not_before');
      assert.deepEqual(plan.recover.map((b) => b.id), [2, 10], 'an uncertain submission is looked into at once after a restart, else when due');
      assert.deepEqual(plan.poll.map((b) => b.id), [3]);
      assert.deepEqual(plan.cancel.map((b) => b.id), [4, 6]);
    });
  });

  describe('planComparisons and finishedUnreported', () => {
    it('compares a passed build once its baseline build of the same target and backend is final', () => {
      const base = request(10, null, 'trunk-9');
      const r = request(1, 1, 'a', 'active', { base_request_id: 10 });
      const mine = build(1, 1, 'passed', { target: 'a9hf', backend: 'lava' });
      const other = build(2, 1, 'passed', { target: 'a9hf', backend: 'cbuild' });
      const baseLava = build(11, 10, 'running', { target: 'a9hf', backend: 'lava' });
      const baseNative = build(12, 10, 'infra', { target: 'a9hf', backend: 'cbuild' });
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
      assert.deepEqual(planComparisons([r], new Map([[1, [build(1, 1, 'passed', { comparison: COMPARED })]]])), []);
    });
  });

  describe('planComments', () => {
    const comment = (requestId: number, kind: 'ack' | 'results') => commentRow(1, requestId, kind);

    it('acknowledges once every build is submitted, and reports once every build is final', () => {
      const r = request(1, 1, 'a');
      assert.deepEqual(planComments([r], new Map([[1, [build(1, 1, 'queued'), build(2, 1, 'pending')]]]), []), []);
      assert.deepEqual(planComments([r], new Map([[1, [build(1, 1, 'queued'), build(2, 1, 'running')]]]), []), [
        { requestId: 1, proposalId: 1, kind: 'ack' },
      ]);
      assert.deepEqual(planComments([r], new Map([[1, [build(1, 1, 'passed', { comparison: COMPARED }), build(2, 1, 'infra')]]]), [comment(1, 'ack')]), [
        { requestId: 1, proposalId: 1, kind: 'results' },
      ]);
    });

    it('holds the results comment until every passed build is compared with its baseline', () => {
      const r = request(1, 1, 'a');
      const uncompared = [build(1, 1, 'passed'), build(2, 1, 'failed')];
      assert.deepEqual(planComments([r], new Map([[1, uncompared]]), [comment(1, 'ack')]), []);
      const compared = [build(1, 1, 'passed', { comparison: COMPARED }), build(2, 1, 'failed')];
      assert.deepEqual(planComments([r], new Map([[1, compared]]), [comment(1, 'ack')]).map((d) => d.kind), ['results']);
    });

    it('never queues a comment twice and never reports a superseded request', () => {
      const done = [build(1, 1, 'passed', { comparison: COMPARED })];
      assert.deepEqual(planComments([request(1, 1, 'a')], new Map([[1, done]]), [comment(1, 'ack'), comment(1, 'results')]), []);
      assert.deepEqual(planComments([request(1, 1, 'a', 'superseded')], new Map([[1, done]]), []), []);
      assert.deepEqual(planComments([request(1, 1, 'a', 'cancelled')], new Map([[1, done]]), []), []);
    });

    it('neither shows nor waits for shadow builds', () => {
      const r = request(1, 1, 'a');
      const builds = [build(1, 1, 'failed'), build(2, 1, 'pending', { shadow: true })];
      assert.deepEqual(planComments([r], new Map([[1, builds]]), []).map((d) => d.kind), ['ack', 'results']);
      assert.deepEqual(planComments([r], new Map([[1, [build(2, 1, 'passed', { shadow: true })]]]), []), [], 'nothing to show: no comment');
    });
  });

  describe('planBuilds after the results comment', () => {
    it('lets the shadow builds of a reported request run to the end', () => {
      const plan = planBuilds([build(1, 1, 'running', { shadow: true })], new Map([[1, request(1, 1, 'a', 'done')]]), 'n');
      assert.deepEqual([plan.poll.length, plan.cancel.length], [1, 0]);
    });
  });
});
