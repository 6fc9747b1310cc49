/**
 * Observing Launchpad: list the watched proposals and learn each one's source
 * revision, recording facts only. Requests stay near "pages + what changed":
 * a proposal whose entry (http_etag) is unchanged is not looked at again, and
 * branch entries are fetched with If-None-Match.
 */
import type { LaunchpadClient } from '../launchpad/client.js';
import type { Branch, MergeProposal } from '../launchpad/wire.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../log.js';
import type { WatchTarget } from '../config/config.js';
import { NO_EVENTS, errorMessage, isServiceError, type BotEvents } from './events.js';

export interface ObserveResult {
  listed: number;
  changed: number;
  errors: number;
}

export async function observeProposals(
  lp: LaunchpadClient,
  store: Store,
  watch: readonly WatchTarget[],
  statuses: readonly string[],
  now: string,
  logger: Logger,
  events: Pick<BotEvents, 'serviceError'> = NO_EVENTS,
): Promise<ObserveResult> {
  const result: ObserveResult = { listed: 0, changed: 0, errors: 0 };
  const seen = new Set<string>();
  let listingComplete = true;
  for (const target of watch) {
    let proposals: MergeProposal[];
    try {
      proposals = await lp.getMergeProposals(target, [...statuses]);
    } catch (err) {
      listingComplete = false;
      result.errors++;
      if (isServiceError(err)) events.serviceError('launchpad', errorMessage(err));
      logger.error('cannot list merge proposals', { watch: 'project' in target ? target.project : target.branch, error: err });
      continue;
    }
    for (const mp of proposals) {
      if (seen.has(mp.self_link)) continue;
      seen.add(mp.self_link);
      result.listed++;
      try {
        if (await recordProposal(lp, store, mp, now)) result.changed++;
      } catch (err) {
        result.errors++;
        if (isServiceError(err)) events.serviceError('launchpad', errorMessage(err));
        logger.error('cannot read merge proposal', { proposal: mp.web_link, error: err });
      }
    }
  }
  // Tracked proposals missing from a complete listing changed status: learn the new one.
  if (listingComplete) {
    for (const p of await store.trackedProposals()) {
      if (seen.has(p.self_link)) continue;
      try {
        const got = await lp.getEntry<MergeProposal>(p.self_link, p.http_etag ?? undefined);
        const status = 'entry' in got ? got.entry.queue_status : p.queue_status;
        const etag = 'entry' in got ? got.etag : p.http_etag;
        await store.setProposalStatus(p.id, status, false, etag, now);
        result.changed++;
        logger.info('proposal left the watched statuses', { proposal: p.web_link, status });
      } catch (err) {
        result.errors++;
        if (isServiceError(err)) events.serviceError('launchpad', errorMessage(err));
        logger.error('cannot re-read merge proposal', { proposal: p.web_link, error: err });
      }
    }
  }
  return result;
}

/** Records one listed proposal; returns true when something about it changed. */
async function recordProposal(lp: LaunchpadClient, store: Store, mp: MergeProposal, now: string): Promise<boolean> {
  if (!mp.source_branch_link || !mp.target_branch_link) return false; // a git proposal: not ours
  const known = await store.proposalByLink(mp.self_link);
  const sourceKnown = known ? await store.branch(known.source_branch_link) : undefined;
  if (known && known.tracked === 1 && known.http_etag === mp.http_etag && sourceKnown) return false;
  // The target's tip is the branch point a new revision is compared against: refresh both (304 when unchanged).
  const source = await refreshBranch(lp, store, mp.source_branch_link, now);
  const target = await refreshBranch(lp, store, mp.target_branch_link, now);
  await store.upsertProposal(
    {
      self_link: mp.self_link,
      web_link: mp.web_link,
      source_branch_link: mp.source_branch_link,
      source_branch: source.unique_name,
      target_branch_link: mp.target_branch_link,
      target_branch: target.unique_name,
      queue_status: mp.queue_status,
      http_etag: mp.http_etag,
    },
    now,
  );
  return true;
}

async function refreshBranch(lp: LaunchpadClient, store: Store, link: string, now: string) {
  const known = await store.branch(link);
  const got = await lp.getEntry<Branch>(link, known?.http_etag ?? undefined);
  if ('notModified' in got) {
    if (!known) throw new Error(`Launchpad answered 304 for ${link}, which the bot has never read`);
    return known;
  }
  const b = got.entry;
  const row = {
    self_link: link,
    unique_name: b.unique_name,
    bzr_identity: b.bzr_identity,
    last_scanned_id: b.last_scanned_id,
    revision_count: b.revision_count,
    http_etag: got.etag,
    checked_at: now,
  };
  await store.upsertBranch(row);
  return row;
}
