/**
 * Pure decisions: from the store's state and the config, what to build, what
 * to cancel, which comments are due. No I/O and no clock, so every rule here
 * is unit-tested directly.
 */
import {
  FINAL_BUILD_STATES,
  FINAL_PROPOSAL_STATUSES,
  type BuildRow,
  type CommentRow,
  type ProposalRow,
  type RequestRow,
  type Revision,
  type Source,
  type SourceTipRow,
} from './model.js';
import type { RolloutConfig } from '../config/config.js';
import { plannedBuilds, type PlannedBuild } from './rollout.js';
import { projectOf, sourceOf, vcsFor } from '../vcs/index.js';

export interface PlanConfig {
  /** Proposal statuses that get builds. */
  statuses: readonly string[];
  /** Target names, in config order. */
  targets: readonly string[];
  rollout: RolloutConfig;
  /** Where builders fetch a bzr branch (`lp:{branch}`). */
  branchUrl: string;
}

/** A revision of a source, with where builders fetch it. */
export interface SourceRevision {
  source: Source;
  sourceUrl: string;
  revision: Revision;
}

/** The target revision proposals are compared with (its tip when the revision was seen). */
export type BranchPoint = SourceRevision;

export interface NewRequest extends SourceRevision {
  proposalId: number;
  builds: PlannedBuild[];
  /** The target branch revision the proposal is compared against (its tip when the revision was seen). */
  base: BranchPoint | null;
  /** What a baseline of that branch point builds (every backend in use, shadow or not). */
  baseBuilds: PlannedBuild[];
}

export interface RequestPlan {
  create: NewRequest[];
  /** Older revisions of a proposal: their unfinished builds are cancelled and their results never posted. */
  supersede: { requestId: number; proposalId: number }[];
  /** Proposals that left the watched statuses (merged, rejected, …): stop and cancel. */
  close: { requestId: number; reason: string }[];
}

/** A tip as a revision of its source, with where builders fetch it; null until Launchpad scanned it. */
export function tipRevision(tip: SourceTipRow | undefined, branchUrl: string): SourceRevision | null {
  if (!tip) return null;
  const vcs = vcsFor(tip.vcs);
  const revision = vcs.tipRevision(tip);
  return revision ? { source: sourceOf(tip), sourceUrl: vcs.sourceUrl(tip, branchUrl), revision } : null;
}

/**
 * Which requests to create, supersede or close, given each tracked proposal's
 * current source tip. A (proposal, revision) pair is built once: a revision
 * seen before (even a superseded one) is never requested again, unless
 * someone asks for a rebuild — but a request closed because the proposal left
 * the watched statuses does not count, so a proposal watched again is built
 * again. A build scheduled by hand for a proposal is never superseded by the
 * planner: a person asked for that revision.
 */
export function planRequests(
  proposals: readonly ProposalRow[],
  tips: ReadonlyMap<string, SourceTipRow>,
  requests: readonly RequestRow[],
  config: PlanConfig,
): RequestPlan {
  const plan: RequestPlan = { create: [], supersede: [], close: [] };
  const byProposal = new Map<number, RequestRow[]>();
  for (const r of requests) {
    if (r.proposal_id === null) continue;
    const list = byProposal.get(r.proposal_id) ?? [];
    list.push(r);
    byProposal.set(r.proposal_id, list);
  }
  for (const proposal of proposals) {
    const own = byProposal.get(proposal.id) ?? [];
    const active = own.filter((r) => r.state === 'active');
    const wanted = proposal.tracked && config.statuses.includes(proposal.queue_status);
    if (!wanted) {
      const reason = FINAL_PROPOSAL_STATUSES.has(proposal.queue_status)
        ? `proposal is ${proposal.queue_status}`
        : `proposal status is ${proposal.queue_status}, which is not built`;
      for (const r of active) plan.close.push({ requestId: r.id, reason });
      continue;
    }
    if (proposal.unbuildable !== null) continue; // said once in a notice; nothing to build
    const current = tipRevision(tips.get(proposal.source.link), config.branchUrl);
    if (!current) continue; // not scanned by Launchpad yet: nothing to build
    const revision = current.revision.id;
    for (const r of active) {
      if (r.revision.id !== revision && r.origin !== 'schedule') plan.supersede.push({ requestId: r.id, proposalId: proposal.id });
    }
    if (own.some((r) => r.revision.id === revision && r.state !== 'closed')) continue;
    const project = projectOf(proposal.target);
    const builds = plannedBuilds(config.rollout, config.targets, project, proposal.self_link);
    if (builds.length === 0) continue; // every backend is off for this project: nothing to build
    const base = tipRevision(tips.get(proposal.target.link), config.branchUrl);
    plan.create.push({
      proposalId: proposal.id,
      ...current,
      builds,
      base,
      baseBuilds: plannedBuilds(config.rollout, config.targets, project, null),
    });
  }
  return plan;
}

export interface BuildPlan {
  submit: BuildRow[];
  /** Builds whose submission may or may not have happened before a crash: find the job first. */
  recover: BuildRow[];
  cancel: BuildRow[];
  poll: BuildRow[];
}

/**
 * What to do with each unfinished build; a retry waiting for its `not_before`
 * is left alone until then, a build whose submission's fate is unknown is
 * looked for when its next check is due, and a build held for a
 * configuration error waits for the fix.
 */
export function planBuilds(builds: readonly BuildRow[], requests: ReadonlyMap<number, RequestRow>, now: string): BuildPlan {
  const plan: BuildPlan = { submit: [], recover: [], cancel: [], poll: [] };
  for (const b of builds) {
    if (FINAL_BUILD_STATES.has(b.state)) continue;
    const request = requests.get(b.request_id);
    // A request is done once its comment is posted; its shadow builds still run to the end.
    const live = request?.state === 'active' || request?.state === 'done';
    if (b.cancel_requested || !live) {
      plan.cancel.push(b);
    } else if (b.state === 'pending') {
      if (!b.not_before || b.not_before <= now) plan.submit.push(b);
    } else if (b.state === 'submitting') {
      // Its fate is looked into when due: at once after a crash, then on the uncertainty schedule.
      if (!b.next_check_at || b.next_check_at <= now) plan.recover.push(b);
    } else if (b.state !== 'held') {
      plan.poll.push(b);
    }
  }
  return plan;
}

export interface DueComment {
  requestId: number;
  proposalId: number;
  kind: 'ack' | 'results';
}

/**
 * Comments that are due: an acknowledgement once every shown build of an
 * active request is submitted (so it can link to the jobs), and one results
 * comment once every shown build is final. Shadow builds are neither shown
 * nor waited for. Superseded, closed and cancelled requests get no results
 * comment: their results are not current.
 */
export function planComments(
  requests: readonly RequestRow[],
  buildsByRequest: ReadonlyMap<number, readonly BuildRow[]>,
  comments: readonly CommentRow[],
): DueComment[] {
  const have = new Set(comments.map((c) => `${c.request_id}/${c.kind}`));
  const due: DueComment[] = [];
  for (const r of requests) {
    if (r.state !== 'active' || r.proposal_id === null) continue;
    const builds = shownBuilds(buildsByRequest.get(r.id) ?? []);
    if (builds.length === 0) continue;
    const submitted = builds.every((b) => b.state !== 'pending' && b.state !== 'submitting');
    // Results wait for the comparison of every passed build with its baseline.
    const final = builds.every((b) => FINAL_BUILD_STATES.has(b.state) && (b.state !== 'passed' || b.comparison !== null));
    if (submitted && !have.has(`${r.id}/ack`)) due.push({ requestId: r.id, proposalId: r.proposal_id, kind: 'ack' });
    if (final && !have.has(`${r.id}/results`)) due.push({ requestId: r.id, proposalId: r.proposal_id, kind: 'results' });
  }
  return due;
}

/**
 * Passed builds of active proposal requests that can now be compared: their
 * baseline build (same target and backend) is final, or there is no baseline.
 * Each comes with that baseline build, if any.
 */
export function planComparisons(
  requests: readonly RequestRow[],
  buildsByRequest: ReadonlyMap<number, readonly BuildRow[]>,
): { build: BuildRow; baseline: BuildRow | null; baseRequest: RequestRow | null }[] {
  const byId = new Map(requests.map((r) => [r.id, r]));
  const out: { build: BuildRow; baseline: BuildRow | null; baseRequest: RequestRow | null }[] = [];
  for (const r of requests) {
    if (r.kind !== 'proposal' || r.state !== 'active') continue;
    const baseRequest = r.base_request_id === null ? null : byId.get(r.base_request_id) ?? null;
    for (const b of buildsByRequest.get(r.id) ?? []) {
      if (b.state !== 'passed' || b.comparison !== null) continue;
      const baseline = baseRequest ? (buildsByRequest.get(baseRequest.id) ?? []).find((x) => x.target === b.target && x.backend === b.backend) ?? null : null;
      if (baseline && !FINAL_BUILD_STATES.has(baseline.state)) continue;
      out.push({ build: b, baseline, baseRequest });
    }
  }
  return out;
}

/** The builds a comment shows: all but shadow ones. */
export function shownBuilds<B extends BuildRow>(builds: readonly B[]): B[] {
  return builds.filter((b) => !b.shadow);
}

/** Requests no comment reports (baselines, ad hoc builds) whose every build is final: nothing more to do for them. */
export function finishedUnreported(requests: readonly RequestRow[], buildsByRequest: ReadonlyMap<number, readonly BuildRow[]>): number[] {
  return requests
    .filter((r) => r.kind !== 'proposal' && r.state === 'active')
    .filter((r) => (buildsByRequest.get(r.id) ?? []).every((b) => FINAL_BUILD_STATES.has(b.state)))
    .map((r) => r.id);
}
