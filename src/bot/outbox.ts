/**
 * Posting queued comments exactly once. A comment is marked `posting` before
 * the POST and `posted` after. When the POST's fate is unknown (the process
 * died, the answer never came) the comment's marker line is looked for on
 * Launchpad, again and again over the uncertainty window (a slow Launchpad
 * may complete the POST well after the bot stopped waiting), and only when
 * it never appeared is the comment posted again. A comment whose request
 * ended or whose proposal closed before it was posted is withdrawn, and one
 * Launchpad keeps refusing is given up after a bounded number of tries.
 * A proposal's comments are posted in order: a later one waits while an
 * earlier one's fate is unknown (an acknowledgement after its results
 * would read wrong).
 */
import { LaunchpadError } from '../launchpad/client.js';
import { ENDED_REQUEST_STATES, FINAL_PROPOSAL_STATUSES, type CommentRow, type ProposalRow } from '../core/model.js';
import { hasMarker } from '../core/report.js';
import { HttpError } from '../http/client.js';
import { nextUncertainCheck } from '../core/retry.js';
import type { CycleContext } from './context.js';

export interface OutboxOptions {
  /** Without Launchpad write access: print instead of posting. */
  dryRun: boolean;
  print: (text: string) => void;
  /** Test hook: called right after Launchpad accepted a comment, before the store records it. */
  afterPost?: (comment: CommentRow) => void;
}

export interface OutboxResult {
  posted: number;
  withdrawn: number;
}

/** Why a queued comment must not be posted any more, or null. */
async function withdrawalReason(ctx: CycleContext, comment: CommentRow, proposal: ProposalRow): Promise<string | null> {
  if (!proposal.tracked || FINAL_PROPOSAL_STATUSES.has(proposal.queue_status) || !ctx.config.launchpad.statuses.includes(proposal.queue_status)) {
    return `the proposal is ${proposal.queue_status} and no longer watched`;
  }
  if (comment.request_id !== null && comment.kind !== 'command') {
    const request = await ctx.store.request(comment.request_id);
    if (request && ENDED_REQUEST_STATES.has(request.state)) return `its request ${request.id} was ${request.state} before it was posted`;
  }
  return null;
}

export async function flushOutbox(ctx: CycleContext, options: OutboxOptions): Promise<OutboxResult> {
  const result: OutboxResult = { posted: 0, withdrawn: 0 };
  // A proposal's comments reach it in order: none is posted while an earlier one's POST may still land.
  const awaited = new Set<number>();
  for (const comment of await ctx.store.outbox()) {
    if (awaited.has(comment.proposal_id)) continue;
    await ctx.guard.item('post comment', { comment: comment.marker }, async () => {
      const proposal = await ctx.store.proposalById(comment.proposal_id);
      if (!proposal) throw new Error(`its proposal ${comment.proposal_id} is not in the store`);
      const outcome = await deliver(ctx, options, comment, proposal);
      if (outcome === 'posted') result.posted++;
      if (outcome === 'withdrawn') result.withdrawn++;
      if (outcome === 'waiting') awaited.add(comment.proposal_id);
    }, 'launchpad');
  }
  return result;
}

async function deliver(ctx: CycleContext, options: OutboxOptions, comment: CommentRow, proposal: ProposalRow): Promise<'posted' | 'withdrawn' | 'waiting' | 'failed'> {
  const { store, launchpad, logger, config } = ctx;
  const log = logger.child({ proposal: proposal.web_link, comment: comment.marker });
  const now = ctx.now();
  // How long the fate of an interrupted POST has been unknown, for the log.
  const waited = () => (comment.uncertain_since ? { waited_s: Math.round((ctx.clock().getTime() - Date.parse(comment.uncertain_since)) / 100) / 10 } : {});
  if (comment.state === 'posting') {
    if (comment.next_check_at && comment.next_check_at > now) return 'waiting';
    if (!options.dryRun) {
      const existing = (await launchpad.getComments(proposal.self_link)).find((c) => hasMarker(c.content ?? '', comment.marker));
      if (existing) {
        await store.markPosted(comment.id, existing.self_link, 'posted', now);
        ctx.events.commentPosted(comment);
        log.info('comment was on Launchpad after all; recorded it', waited());
        return 'posted';
      }
    }
  }
  const withdrawal = await withdrawalReason(ctx, comment, proposal);
  if (withdrawal) {
    await store.withdrawComment(comment.id, withdrawal);
    log.info('comment withdrawn, not posted', { reason: withdrawal });
    return 'withdrawn';
  }
  if (comment.state === 'posting' && comment.uncertain_since) {
    const next = nextUncertainCheck(comment.uncertain_since, ctx.clock(), config.uncertainty);
    if (next) {
      await store.markUncertain(comment.id, comment.last_error ?? 'the POST was interrupted', next);
      log.debug('comment not on Launchpad yet; looking again later', { since: comment.uncertain_since, next_check_at: next });
      return 'waiting';
    }
    log.warn('comment still not on Launchpad; posting it again', { ...waited(), since: comment.uncertain_since });
  }
  if (options.dryRun) {
    options.print(`--- dry run: would comment on ${proposal.web_link}\nSubject: ${comment.subject}${comment.vote ? `\nVote: ${comment.vote}` : ''}\n\n${comment.body}\n`);
    await store.markPosted(comment.id, null, 'printed', now);
    ctx.events.commentPosted(comment);
    return 'posted';
  }
  await store.markPosting(comment.id, now);
  try {
    const link = await launchpad.createComment(proposal.self_link, {
      subject: comment.subject,
      content: comment.body,
      ...(comment.vote ? { vote: comment.vote, reviewType: 'cbuild-bot' } : {}),
    });
    options.afterPost?.(comment);
    await store.markPosted(comment.id, link, 'posted', ctx.now());
    ctx.events.commentPosted(comment);
    log.info('posted comment', { link });
    return 'posted';
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof LaunchpadError && err.status >= 400 && err.status < 500) {
      const giveUp = comment.attempts + 1 >= config.comments.maxRefusals;
      await store.markRefused(comment.id, message, giveUp);
      if (giveUp) ctx.events.commentFailed(comment, message);
      throw new Error(`Launchpad refused the comment${giveUp ? ` ${comment.attempts + 1} times; given up` : ''}: ${message}`);
    }
    if (err instanceof HttpError || err instanceof LaunchpadError) {
      ctx.events.serviceError('launchpad', message);
      const next = nextUncertainCheck(now, ctx.clock(), config.uncertainty) ?? ctx.now();
      await store.markUncertain(comment.id, message, next);
      log.warn('comment may or may not have been posted; looking for it before posting again', { error: message, next_check_at: next });
      return 'waiting';
    }
    throw err;
  }
}
