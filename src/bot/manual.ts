/**
 * Builds nobody's proposal revision asked for: dailies of a branch tip (which
 * become the baselines proposals branched there are compared with), builds a
 * person schedules by hand (`cbuild-bot schedule`), and cancelling a request
 * (`cbuild-bot cancel`).
 */
import type { LaunchpadClient } from '../launchpad/client.js';
import type { Store } from '../store/store.js';
import type { BotConfig, DailyConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import { BACKENDS, FINAL_BUILD_STATES, type Backend, type RequestRow } from '../core/model.js';
import { checkBranchName } from '../core/names.js';
import { plannedBuilds, projectOf } from '../core/rollout.js';
import type { RequestMaker } from './requests.js';

export interface ManualContext {
  store: Store;
  launchpad: LaunchpadClient;
  config: BotConfig;
  requests: RequestMaker;
  logger: Logger;
}

/** A bad `schedule`/`cancel` argument or an impossible request: the message names what was wrong. */
export class ManualBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManualBuildError';
  }
}

export interface DailyOutcome {
  branch: string;
  /** The new request, or null when that revision was already built (or is not scanned yet). */
  request: RequestRow | null;
  message: string;
}

/** One daily: the branch tip on every target and backend in use, unless that revision was already built. */
export async function runDaily(ctx: ManualContext, daily: DailyConfig): Promise<DailyOutcome> {
  const branch = await ctx.launchpad.resolveBranch(daily.branch);
  const name = checkBranchName(branch.unique_name);
  if (!branch.last_scanned_id) return { branch: name, request: null, message: `${daily.branch}: Launchpad has not scanned the branch yet` };
  const existing = await ctx.store.baselineFor(name, branch.last_scanned_id);
  if (existing) {
    return { branch: name, request: null, message: `${daily.branch} revision ${branch.revision_count} was already built (request ${existing.id})` };
  }
  const builds = plannedBuilds(ctx.config.rollout, Object.keys(ctx.config.targets), projectOf(name), null).map((b) => ({ ...b, shadow: false }));
  const request = await ctx.requests.create(
    { kind: 'baseline', origin: 'daily', proposalId: null, baseRequestId: null, branch: name, revisionId: branch.last_scanned_id, revno: branch.revision_count },
    builds,
  );
  return { branch: name, request, message: `${daily.branch} revision ${branch.revision_count}: daily build queued as request ${request.id}` };
}

export interface ScheduleOptions {
  /** lp:project[/series] or lp:~owner/project/name. */
  branch: string;
  revno?: number;
  targets?: string[];
  backend: Backend | 'both';
  /** A proposal the bot watches (web or API link): its results are commented there. */
  mp?: string;
  requestedBy: string;
}

/** Records a manual build request; the caller submits its builds. */
export async function scheduleBuild(ctx: ManualContext, options: ScheduleOptions): Promise<RequestRow> {
  const { store, config } = ctx;
  const known = Object.keys(config.targets);
  const unknown = (options.targets ?? []).filter((t) => !known.includes(t));
  if (unknown.length) throw new ManualBuildError(`--target ${unknown.join(', ')}: no such target (targets are ${known.join(', ')})`);
  const targets = options.targets?.length ? known.filter((t) => options.targets!.includes(t)) : known;
  const backends = options.backend === 'both' ? BACKENDS : [options.backend];

  const branch = await ctx.launchpad.resolveBranch(options.branch);
  const name = checkBranchName(branch.unique_name);
  if (!branch.last_scanned_id) throw new ManualBuildError(`--branch ${options.branch}: Launchpad has not scanned the branch yet`);
  let revisionId = branch.last_scanned_id;
  let revno = branch.revision_count;
  if (options.revno !== undefined && options.revno !== branch.revision_count) {
    if (options.revno < 1 || options.revno > branch.revision_count) {
      throw new ManualBuildError(`--revision ${options.revno}: ${options.branch} has revisions 1 to ${branch.revision_count}`);
    }
    // Launchpad's API cannot map an older revno to its revision id; bzr can, at checkout.
    revisionId = `revno:${options.revno}`;
    revno = options.revno;
  }

  let proposalId: number | null = null;
  let baseRequestId: number | null = null;
  if (options.mp) {
    const proposal = await findProposal(store, options.mp);
    if (proposal.source_branch !== name) {
      throw new ManualBuildError(`--mp ${options.mp} proposes lp:${proposal.source_branch}, not ${options.branch} (lp:${name})`);
    }
    proposalId = proposal.id;
    const target = await store.branch(proposal.target_branch_link);
    if (target?.last_scanned_id) {
      baseRequestId = await ctx.requests.baseline(
        { branch: target.unique_name, revisionId: target.last_scanned_id, revno: target.revision_count },
        plannedBuilds(config.rollout, known, projectOf(target.unique_name), null),
      );
    }
  }
  return ctx.requests.create(
    {
      kind: proposalId === null ? 'adhoc' : 'proposal',
      origin: 'schedule',
      requestedBy: options.requestedBy,
      proposalId,
      baseRequestId,
      branch: name,
      revisionId,
      revno,
    },
    targets.flatMap((target) => backends.map((backend) => ({ target, backend }))),
  );
}

async function findProposal(store: Store, link: string) {
  const id = /\+merge\/(\d+)\/?$/.exec(link)?.[1];
  const proposal = (await store.allProposals()).find(
    (p) => p.web_link === link || p.self_link === link || (id !== undefined && p.web_link.endsWith(`/+merge/${id}`)),
  );
  if (!proposal) throw new ManualBuildError(`--mp ${link}: the bot does not watch this merge proposal (add its project or target branch to launchpad.watch)`);
  return proposal;
}

/** Ends a request by hand: its unfinished builds are flagged for cancellation. */
export async function cancelRequest(store: Store, id: number, now: string): Promise<RequestRow> {
  const request = await store.request(id);
  if (!request) throw new ManualBuildError(`request ${id} does not exist`);
  if (request.state !== 'active') {
    const builds = (await store.buildsOfRequests([id])).get(id) ?? [];
    // A done request may still have shadow builds running: those can be stopped.
    if (request.state !== 'done' || builds.every((b) => FINAL_BUILD_STATES.has(b.state))) {
      throw new ManualBuildError(`request ${id} is ${request.state}: nothing to cancel`);
    }
  }
  await store.endRequest(id, 'cancelled', now);
  return (await store.request(id))!;
}
