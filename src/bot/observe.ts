/**
 * Observing Launchpad: list the watched proposals and learn each one's source
 * revision, recording facts only. Requests stay near "pages + what changed":
 * the store is read once per cycle, a bzr proposal whose entry (ETag) is
 * unchanged is not looked at again, git refs and every tip are read with
 * If-None-Match, and each tip at most once per cycle (a target shared by
 * every proposal is read once). What changed is recorded in a constant
 * number of store statements per listing, however many proposals it holds.
 *
 * A delivery (bot/hints.ts) observes the same way, for the few proposals it
 * names: their entries and source tips are read again at once.
 */
import type { MergeProposal } from '../launchpad/wire.js';
import { LaunchpadError } from '../launchpad/client.js';
import type { ProposalRow, SourceTipRow } from '../core/model.js';
import { composeNotice } from '../core/report.js';
import type { ProposalFacts } from '../store/store.js';
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

export interface ObserveOptions {
  /**
   * Whether to read the tips a VCS polls (git refs) even when the proposal's
   * entry is unchanged (default true). With webhooks on, a push shows in the
   * entry (a new preview diff) and in a delivery, so only the sweep reads them.
   */
  pollTips?: boolean;
}

/** A proposal whose facts changed, read in this cycle and waiting to be recorded with the others. */
interface Changed {
  facts: ProposalFacts;
  vcs: Vcs;
  source: SourceTipRow;
  target: SourceTipRow;
}

/** One cycle's reads of Launchpad and the store's state at its start. */
class Observation {
  readonly result: ObserveResult = { listed: 0, changed: 0, notModified: 0, complete: true };
  private readonly tipsRead = new Map<string, Promise<SourceTipRow>>();
  /** Tips read with a new value, recorded together by `record`. */
  private readonly newTips = new Map<string, SourceTipRow>();
  private readonly changed: Changed[] = [];

  constructor(
    private readonly ctx: CycleContext,
    readonly proposals: Map<string, ProposalRow>,
    private readonly tips: Map<string, SourceTipRow>,
    readonly pollTips: boolean,
  ) {}

  /** A source's tip, read from Launchpad at most once this cycle. */
  tip(vcs: Vcs, link: string): Promise<SourceTipRow> {
    let read = this.tipsRead.get(link);
    if (!read) {
      read = vcs.readTip(this.ctx.launchpad, link, this.tips.get(link), this.ctx.now()).then(({ tip, notModified }) => {
        if (notModified) this.result.notModified++;
        else this.newTips.set(link, tip);
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

  changedProposal(change: Changed): void {
    this.changed.push(change);
    this.result.changed++;
  }

  /** Records the new tips and the changed proposals (a few statements in all), then checks each changed one. */
  async record(): Promise<void> {
    const { store } = this.ctx;
    await store.upsertSourceTips([...this.newTips.values()]);
    this.newTips.clear();
    const changed = this.changed.splice(0);
    const rows = await store.upsertProposals(changed.map((c) => c.facts), this.ctx.now());
    for (const [i, row] of rows.entries()) {
      this.proposals.set(row.self_link, row);
      const { vcs, source, target } = changed[i];
      await this.ctx.guard.item('check merge proposal', { proposal: row.web_link }, () => checkBuildable(this.ctx, vcs, row, source, target));
    }
  }
}

export async function observeProposals(ctx: CycleContext, options: ObserveOptions = {}): Promise<ObserveResult> {
  const { store, launchpad, config, guard } = ctx;
  const observation = new Observation(ctx, new Map((await store.allProposals()).map((p) => [p.self_link, p])), await store.sourceTips(), options.pollTips ?? true);
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
      await guard.item('read merge proposal', { proposal: mp.web_link }, () => readProposal(observation, mp, false), 'launchpad');
    }
    await observation.record();
  }
  // A tracked proposal missing from a complete listing may have left the watched
  // statuses, or only moved between pages while they were read: ask Launchpad.
  if (observation.result.complete) {
    for (const p of observation.proposals.values()) {
      if (!p.tracked || seen.has(p.self_link)) continue;
      await guard.item('re-read merge proposal', { proposal: p.web_link }, () => reread(ctx, observation, p), 'launchpad');
    }
    await observation.record();
  }
  return observation.result;
}

/**
 * Reads these proposals again at once (a delivery named them): each entry,
 * and its source and target tips, whatever their ETags said before. A
 * proposal the bot does not track yet is taken only when `watched` says its
 * target is one the config watches.
 */
export async function observeNamedProposals(
  ctx: CycleContext,
  links: readonly string[],
  watched: (mp: MergeProposal) => Promise<boolean>,
): Promise<ObserveResult> {
  const known = new Map<string, ProposalRow>();
  const tips = new Map<string, SourceTipRow>();
  for (const link of links) {
    const row = await ctx.store.proposalByLink(link);
    if (!row) continue;
    known.set(link, row);
    for (const side of [row.source.link, row.target.link]) {
      const tip = await ctx.store.sourceTip(side);
      if (tip) tips.set(side, tip);
    }
  }
  const observation = new Observation(ctx, known, tips, true);
  for (const link of links) {
    await ctx.guard.item('read merge proposal', { proposal: link }, async () => {
      const row = known.get(link);
      if (row) return reread(ctx, observation, row, true);
      let got;
      try {
        got = await ctx.launchpad.getEntry<MergeProposal>(link);
      } catch (err) {
        // A proposal deleted before the bot ever saw it: nothing to do.
        if (err instanceof LaunchpadError && err.status === 404) return;
        throw err;
      }
      if ('notModified' in got) return;
      const mp = got.entry;
      if (!ctx.config.launchpad.statuses.includes(mp.queue_status) || !(await watched(mp))) return;
      observation.result.listed++;
      await readProposal(observation, mp, true);
    }, 'launchpad');
  }
  await observation.record();
  return observation.result;
}

function watchName(target: CycleContext['config']['launchpad']['watch'][number]): string {
  if ('project' in target) return target.project;
  if ('branch' in target) return target.branch;
  return target.ref ? `${target.repository} ${target.ref}` : target.repository;
}

/**
 * A tracked proposal the listing did not show (or a delivery named): it
 * leaves tracking only when Launchpad says its status is not watched, or
 * that it is gone (a deleted proposal's entry answers 404).
 */
async function reread(ctx: CycleContext, observation: Observation, p: ProposalRow, force = false): Promise<void> {
  let got;
  try {
    got = await ctx.launchpad.getEntry<MergeProposal>(p.self_link, force ? undefined : (p.http_etag ?? undefined));
  } catch (err) {
    if (!(err instanceof LaunchpadError && err.status === 404) || !p.tracked) throw err;
    await ctx.store.setProposalStatus(p.id, p.queue_status, false, null, ctx.now());
    ctx.logger.info('proposal is gone from Launchpad (deleted)', { proposal: p.web_link });
    observation.result.changed++;
    return;
  }
  if ('notModified' in got) {
    observation.result.notModified++;
    return;
  }
  if (ctx.config.launchpad.statuses.includes(got.entry.queue_status)) return readProposal(observation, got.entry, force);
  if (!p.tracked && p.queue_status === got.entry.queue_status) return;
  await ctx.store.setProposalStatus(p.id, got.entry.queue_status, false, got.etag, ctx.now());
  ctx.logger.info('proposal left the watched statuses', { proposal: p.web_link, status: got.entry.queue_status });
  observation.result.changed++;
}

/**
 * Reads what changed about one proposal (its tips when they may have moved)
 * and keeps it for `record`. `force` reads the source tip even when the
 * entry looks unchanged: a delivery said something happened.
 */
async function readProposal(observation: Observation, mp: MergeProposal, force: boolean): Promise<void> {
  const vcs = VCSES.find((v) => v.proposalLinks(mp) !== null);
  if (!vcs) throw new Error('Launchpad lists it with neither bzr branches nor git refs for its source and target');
  const links = vcs.proposalLinks(mp)!;
  const known = observation.proposals.get(mp.self_link);
  const knownSource = known ? observation.knownTip(known.source.link) : undefined;
  const entryUnchanged = !!known && known.tracked && known.http_etag === mp.http_etag && known.source.link === links.source && !!knownSource;
  if (entryUnchanged && !force && !(vcs.pollsTip && observation.pollTips)) return;
  const source = await observation.tip(vcs, links.source);
  if (entryUnchanged && source.tip === knownSource!.tip) return;
  // The target's tip is the branch point a new revision is compared against.
  const target = await observation.tip(vcs, links.target);
  observation.changedProposal({
    facts: {
      self_link: mp.self_link,
      web_link: mp.web_link,
      source: { vcs: vcs.kind, link: links.source, path: source.path, ref: source.ref },
      target: { vcs: vcs.kind, link: links.target, path: target.path, ref: target.ref },
      queue_status: mp.queue_status,
      http_etag: mp.http_etag,
    },
    vcs,
    source,
    target,
  });
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
    for (const tip of [source, target]) {
      // The target too: its tip is the baseline, built from the same kind of URL.
      vcs.sourceUrl(tip, ctx.config.launchpad.branchUrl);
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
