/**
 * Builds nobody's proposal revision asked for: dailies of a branch or ref tip
 * (which become the baselines proposals branched there are compared with),
 * builds a person schedules by hand (`cbuild-bot schedule`), and cancelling a
 * request (`cbuild-bot cancel`).
 */
import type { DailyConfig } from '../config/config.js';
import { BACKENDS, FINAL_BUILD_STATES, type Backend, type RequestRow, type Revision, type SourceTipRow, type VcsKind } from '../core/model.js';
import { tipRevision } from '../core/plan.js';
import { plannedBuilds } from '../core/rollout.js';
import { projectOf, sameSource, sourceOf, vcsFor } from '../vcs/index.js';
import type { CycleContext } from './context.js';
import type { RequestMaker } from './requests.js';

/** A bad `schedule`/`cancel` argument or an impossible request: the message names what was wrong. */
export class ManualBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManualBuildError';
  }
}

export interface DailyOutcome {
  /** How the daily's source is named, e.g. `lp:gcc-linaro/4.7`. */
  source: string;
  /** The new request, or null when that revision was already built (or is not scanned yet). */
  request: RequestRow | null;
  message: string;
}

/** A source named in the config or on the command line, read on Launchpad and recorded. */
async function readSource(ctx: CycleContext, vcs: VcsKind, name: string, ref?: string): Promise<SourceTipRow> {
  const v = vcsFor(vcs);
  const link = await v.resolveLink(ctx.launchpad, name, ref);
  const { tip } = await v.readTip(ctx.launchpad, link, await ctx.store.sourceTip(link), ctx.now());
  v.checkSource(sourceOf(tip));
  await ctx.store.upsertSourceTips([tip]);
  return tip;
}

/** How logs and turns name a daily: its branch, or its repository and ref. */
export function dailyName(daily: DailyConfig): string {
  return 'branch' in daily ? daily.branch : daily.ref ? `${daily.repository} ${daily.ref}` : daily.repository;
}

/** One daily: the tip on every target and backend in use, unless that revision was already built. */
export async function runDaily(ctx: CycleContext, requests: RequestMaker, daily: DailyConfig): Promise<DailyOutcome> {
  const tip = 'branch' in daily ? await readSource(ctx, 'bzr', daily.branch) : await readSource(ctx, 'git', daily.repository, daily.ref);
  const name = dailyName(daily);
  const current = tipRevision(tip, ctx.config.launchpad.branchUrl);
  if (!current) return { source: name, request: null, message: `${name}: Launchpad has not scanned it yet` };
  const vcs = vcsFor(tip.vcs);
  vcs.checkRevision(current.revision);
  const revision = vcs.describeRevision(current.revision);
  const existing = await ctx.store.baselineFor(current.source, current.revision.id!);
  if (existing) return { source: name, request: null, message: `${name} ${revision} was already built (request ${existing.id})` };
  const builds = plannedBuilds(ctx.config.rollout, Object.keys(ctx.config.targets), projectOf(current.source), null).map((b) => ({ ...b, shadow: false }));
  const request = await requests.create(
    { kind: 'baseline', origin: 'daily', proposalId: null, baseRequestId: null, ...current },
    builds,
  );
  return { source: name, request, message: `${name} ${revision}: daily build queued as request ${request.id}` };
}

/** What to build by hand: a bzr branch (its tip, or a revno) or a git ref (its tip, or a commit). */
export type ScheduleSource = { branch: string; revno?: number } | { repository: string; ref?: string; commit?: string };

export interface ScheduleOptions {
  source: ScheduleSource;
  targets?: string[];
  backend: Backend | 'both';
  /** A proposal the bot watches (web or API link): its results are commented there. */
  mp?: string;
  requestedBy: string;
}

/** The revision a manual build asks for, checked against what Launchpad says of the source. */
function askedRevision(tip: SourceTipRow, source: ScheduleSource, current: Revision): Revision {
  if ('branch' in source) {
    if (source.revno === undefined || source.revno === tip.revno) return current;
    if (source.revno < 1 || source.revno > (tip.revno ?? 0)) throw new ManualBuildError(`--revision ${source.revno}: ${source.branch} has revisions 1 to ${tip.revno}`);
    // Launchpad's API cannot map an older revno to its revision id; bzr can, at checkout. Recorded as a revno, not as an id.
    return { id: null, revno: source.revno };
  }
  return source.commit === undefined ? current : { id: source.commit, revno: null };
}

/** Records a manual build request; the caller submits its builds. */
export async function scheduleBuild(ctx: CycleContext, requests: RequestMaker, options: ScheduleOptions): Promise<RequestRow> {
  const { store, config } = ctx;
  const known = Object.keys(config.targets);
  const unknown = (options.targets ?? []).filter((t) => !known.includes(t));
  if (unknown.length) throw new ManualBuildError(`--target ${unknown.join(', ')}: no such target (targets are ${known.join(', ')})`);
  const targets = options.targets?.length ? known.filter((t) => options.targets!.includes(t)) : known;
  const backends = options.backend === 'both' ? BACKENDS : [options.backend];

  const given = options.source;
  const named = 'branch' in given ? `--branch ${given.branch}` : `--repository ${given.repository}`;
  const tip = 'branch' in given ? await readSource(ctx, 'bzr', given.branch) : await readSource(ctx, 'git', given.repository, given.ref);
  const current = tipRevision(tip, config.launchpad.branchUrl);
  if (!current) throw new ManualBuildError(`${named}: Launchpad has not scanned it yet`);
  const revision = askedRevision(tip, given, current.revision);
  vcsFor(tip.vcs).checkRevision(revision);

  let proposalId: number | null = null;
  let baseRequestId: number | null = null;
  if (options.mp) {
    const proposal = await findProposal(ctx, options.mp);
    if (!sameSource(proposal.source, current.source)) {
      const describe = vcsFor(tip.vcs).describeSource;
      throw new ManualBuildError(`--mp ${options.mp} proposes ${describe(proposal.source)}, not ${describe(current.source)}`);
    }
    proposalId = proposal.id;
    const base = tipRevision(await store.sourceTip(proposal.target.link), config.launchpad.branchUrl);
    if (base) baseRequestId = await requests.baseline(base, plannedBuilds(config.rollout, known, projectOf(base.source), null));
  }
  return requests.create(
    {
      kind: proposalId === null ? 'adhoc' : 'proposal',
      origin: 'schedule',
      requestedBy: options.requestedBy,
      proposalId,
      baseRequestId,
      source: current.source,
      sourceUrl: current.sourceUrl,
      revision,
    },
    targets.flatMap((target) => backends.map((backend) => ({ target, backend }))),
  );
}

async function findProposal(ctx: CycleContext, link: string) {
  const id = /\+merge\/(\d+)\/?$/.exec(link)?.[1];
  const proposal = (await ctx.store.allProposals()).find(
    (p) => p.web_link === link || p.self_link === link || (id !== undefined && p.web_link.endsWith(`/+merge/${id}`)),
  );
  if (!proposal) throw new ManualBuildError(`--mp ${link}: the bot does not watch this merge proposal (add its project or target to launchpad.watch)`);
  return proposal;
}

/** Ends a request by hand: its unfinished builds are flagged for cancellation. */
export async function cancelRequest(ctx: CycleContext, id: number): Promise<RequestRow> {
  const { store } = ctx;
  const request = await store.request(id);
  if (!request) throw new ManualBuildError(`request ${id} does not exist`);
  if (request.state !== 'active') {
    const builds = (await store.buildsOfRequests([id])).get(id) ?? [];
    // A done request may still have shadow builds running: those can be stopped.
    if (request.state !== 'done' || builds.every((b) => FINAL_BUILD_STATES.has(b.state))) {
      throw new ManualBuildError(`request ${id} is ${request.state}: nothing to cancel`);
    }
  }
  await store.endRequest(id, 'cancelled', ctx.now());
  return (await store.request(id))!;
}
