/**
 * Observing Launchpad: list the watched proposals and learn each one's source
 * revision, recording facts only. Requests stay near "pages + what changed":
 * the store is read once per cycle, a bzr proposal whose entry (ETag) is
 * unchanged is not looked at again, git refs and every tip are read with
 * If-None-Match, and each tip at most once per cycle.
 */
import type { MergeProposal } from '../launchpad/wire.js';
import type { ProposalRow, SourceTipRow } from '../core/model.js';
import { composeNotice } from '../core/report.js';
import { VCSES, UnsafeValueError, sourceOf, type Vcs } from '../vcs/index.js';
import type { CycleContext } from './context.js';

export interface ObserveResult {
  listed: number;
  changed: number;
  /** Conditional GETs Launchpad answered 304 (nothing changed). */
  notModified: number;
  /** False when a watched listing failed: proposals missing from it may not have left. */
  complete: boolean;
}

/** One cycle's reads of Launchpad and the store's state at its start. */
class Observation {
  readonly result: ObserveResult = { listed: 0, changed: 0, notModified: 0, complete: true };
  private readonly tipsRead = new Map<string, Promise<SourceTipRow>>();

  constructor(
    private readonly ctx: CycleContext,
    readonly proposals: Map<string, ProposalRow>,
    private readonly tips: Map<string, SourceTipRow>,
  ) {}

  /** A source's tip, read from Launchpad at most once this cycle and recorded when it changed. */
  tip(vcs: Vcs, link: string): Promise<SourceTipRow> {
    let read = this.tipsRead.get(link);
    if (!read) {
      read = vcs.readTip(this.ctx.launchpad, link, this.tips.get(link), this.ctx.now()).then(async ({ tip, notModified }) => {
        if (notModified) this.result.notModified++;
        else await this.ctx.store.upsertSourceTip(tip);
        this.tips.set(link, tip);
        return tip;
      });
      // A failed read is tried again by the next proposal that needs it.
      read.catch(() => this.tipsRead.delete(link));
      this.tipsRead.set(link, read);
    }
    return read;
  }

  knownTip(link: string): SourceTipRow | undefined {
    return this.tips.get(link);
  }
}

export async function observeProposals(ctx: CycleContext): Promise<ObserveResult> {
  const { store, launchpad, config, guard } = ctx;
  const observation = new Observation(ctx, new Map((await store.allProposals()).map((p) => [p.self_link, p])), await store.sourceTips());
  const seen = new Set<string>();
  for (const target of config.launchpad.watch) {
    const proposals = await guard.item('list merge proposals', { watch: watchName(target) }, () => launchpad.getMergeProposals(target, config.launchpad.statuses), 'launchpad');
    if (!proposals) {
      observation.result.complete = false;
      continue;
    }
    for (const mp of proposals) {
      if (seen.has(mp.self_link)) continue;
      seen.add(mp.self_link);
      observation.result.listed++;
      if (await guard.item('read merge proposal', { proposal: mp.web_link }, () => recordProposal(ctx, observation, mp), 'launchpad')) {
        observation.result.changed++;
      }
    }
  }
  // A tracked proposal missing from a complete listing may have left the watched
  // statuses, or only moved between pages while they were read: ask Launchpad.
  if (observation.result.complete) {
    for (const p of observation.proposals.values()) {
      if (!p.tracked || seen.has(p.self_link)) continue;
      if (await guard.item('re-read merge proposal', { proposal: p.web_link }, () => reread(ctx, observation, p), 'launchpad')) {
        observation.result.changed++;
      }
    }
  }
  return observation.result;
}

function watchName(target: CycleContext['config']['launchpad']['watch'][number]): string {
  if ('project' in target) return target.project;
  if ('branch' in target) return target.branch;
  return target.ref ? `${target.repository} ${target.ref}` : target.repository;
}

/** A tracked proposal the listing did not show: it leaves tracking only when Launchpad says its status is not watched. */
async function reread(ctx: CycleContext, observation: Observation, p: ProposalRow): Promise<boolean> {
  const got = await ctx.launchpad.getEntry<MergeProposal>(p.self_link, p.http_etag ?? undefined);
  if ('notModified' in got) {
    observation.result.notModified++;
    return false;
  }
  if (ctx.config.launchpad.statuses.includes(got.entry.queue_status)) return recordProposal(ctx, observation, got.entry);
  await ctx.store.setProposalStatus(p.id, got.entry.queue_status, false, got.etag, ctx.now());
  ctx.logger.info('proposal left the watched statuses', { proposal: p.web_link, status: got.entry.queue_status });
  return true;
}

/** Records one listed proposal; returns true when something about it changed. */
async function recordProposal(ctx: CycleContext, observation: Observation, mp: MergeProposal): Promise<boolean> {
  const vcs = VCSES.find((v) => v.proposalLinks(mp) !== null);
  if (!vcs) throw new Error('Launchpad lists it with neither bzr branches nor git refs for its source and target');
  const links = vcs.proposalLinks(mp)!;
  const known = observation.proposals.get(mp.self_link);
  const knownSource = known ? observation.knownTip(known.source.link) : undefined;
  const entryUnchanged = !!known && known.tracked && known.http_etag === mp.http_etag && known.source.link === links.source && !!knownSource;
  if (entryUnchanged && !vcs.pollsTip) return false;
  const source = await observation.tip(vcs, links.source);
  if (entryUnchanged && source.tip === knownSource!.tip) return false;
  // The target's tip is the branch point a new revision is compared against.
  const target = await observation.tip(vcs, links.target);
  const { row } = await ctx.store.upsertProposal(
    {
      self_link: mp.self_link,
      web_link: mp.web_link,
      source: { vcs: vcs.kind, link: links.source, path: source.path, ref: source.ref },
      target: { vcs: vcs.kind, link: links.target, path: target.path, ref: target.ref },
      queue_status: mp.queue_status,
      http_etag: mp.http_etag,
    },
    ctx.now(),
  );
  observation.proposals.set(row.self_link, row);
  await checkBuildable(ctx, vcs, row, source, target);
  return true;
}

/**
 * A name or revision the bot cannot take makes the proposal unbuildable:
 * said once in a comment and once in the log, not every cycle; it clears
 * when Launchpad shows something the bot can build.
 */
async function checkBuildable(ctx: CycleContext, vcs: Vcs, proposal: ProposalRow, source: SourceTipRow, target: SourceTipRow): Promise<void> {
  let reason: string | null = null;
  try {
    vcs.checkSource(sourceOf(source));
    vcs.checkSource(sourceOf(target));
    vcs.sourceUrl(source, ctx.config.launchpad.branchUrl);
    for (const tip of [source, target]) {
      const revision = vcs.tipRevision(tip);
      if (revision) vcs.checkRevision(revision);
    }
  } catch (err) {
    if (!(err instanceof UnsafeValueError)) throw err;
    reason = err.message;
  }
  if (reason === proposal.unbuildable) return;
  await ctx.store.setUnbuildable(proposal.id, reason);
  if (reason === null) {
    ctx.logger.info('proposal can be built again', { proposal: proposal.web_link });
    return;
  }
  ctx.logger.warn('proposal cannot be built', { proposal: proposal.web_link, reason });
  await ctx.store.queueComment(composeNotice(proposal, reason), ctx.now());
}
