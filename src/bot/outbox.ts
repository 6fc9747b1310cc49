/**
 * Posting queued comments exactly once. A comment is marked `posting` before
 * the POST and `posted` after; a comment found in `posting` (the process died
 * in between, or the POST's fate is unknown) is first looked for on Launchpad
 * by its marker line, and only re-posted if it is not there.
 */
import type { LaunchpadClient } from '../launchpad/client.js';
import { LaunchpadError } from '../launchpad/client.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../log.js';
import type { CommentRow } from '../core/model.js';
import { hasMarker } from '../core/report.js';
import { HttpError } from '../http/client.js';

export interface OutboxOptions {
  /** Without Launchpad write access: print instead of posting. */
  dryRun: boolean;
  print: (text: string) => void;
  /** Test hook: called right after Launchpad accepted a comment, before the store records it. */
  afterPost?: (comment: CommentRow) => void;
  /** Told of each comment once it is recorded as posted (or printed). */
  onPosted?: (comment: CommentRow) => void;
  /** Told of each failed call to Launchpad. */
  onServiceError?: (message: string) => void;
}

export async function flushOutbox(
  lp: LaunchpadClient,
  store: Store,
  options: OutboxOptions,
  now: () => string,
  logger: Logger,
): Promise<{ posted: number; failed: number }> {
  let posted = 0;
  let failed = 0;
  for (const comment of await store.outbox()) {
    const proposal = await store.proposalById(comment.proposal_id);
    if (!proposal) continue;
    const log = logger.child({ proposal: proposal.web_link, comment: comment.marker });
    if (options.dryRun) {
      options.print(`--- dry run: would comment on ${proposal.web_link}\nSubject: ${comment.subject}${comment.vote ? `\nVote: ${comment.vote}` : ''}\n\n${comment.body}\n`);
      await store.markPosted(comment.id, null, 'printed', now());
      options.onPosted?.(comment);
      continue;
    }
    try {
      if (comment.state === 'posting') {
        const existing = (await lp.getComments(proposal.self_link)).find((c) => hasMarker(c.content ?? '', comment.marker));
        if (existing) {
          await store.markPosted(comment.id, existing.self_link, 'posted', now());
          options.onPosted?.(comment);
          log.info('comment was already on Launchpad; recorded it');
          posted++;
          continue;
        }
      }
      await store.markPosting(comment.id);
      const link = await lp.createComment(proposal.self_link, {
        subject: comment.subject,
        content: comment.body,
        ...(comment.vote ? { vote: comment.vote, reviewType: 'cbuild-bot' } : {}),
      });
      options.afterPost?.(comment);
      await store.markPosted(comment.id, link, 'posted', now());
      options.onPosted?.(comment);
      log.info('posted comment', { link });
      posted++;
    } catch (err) {
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof HttpError || err instanceof LaunchpadError) options.onServiceError?.(message);
      if (err instanceof LaunchpadError && err.status >= 400 && err.status < 500) {
        await store.markRefused(comment.id, message);
        log.error('Launchpad refused the comment', { error: message });
      } else if (err instanceof HttpError || err instanceof LaunchpadError) {
        await store.markUncertain(comment.id, message);
        log.warn('comment may or may not have been posted; will check next cycle', { error: message });
      } else {
        throw err;
      }
    }
  }
  return { posted, failed };
}
