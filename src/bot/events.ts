/**
 * What the bot reports about its own work as it happens, for an observer such
 * as the Prometheus metrics. The bot calls these after the store recorded the
 * fact, so an observer never sees something that did not happen; observers
 * must not throw and must not block.
 */
import type { BuildRow, CommentRow, RequestRow } from '../core/model.js';

export interface BotEvents {
  /** One listing of the watched merge proposals on Launchpad. */
  polled(outcome: 'ok' | 'error'): void;
  /** A build request was recorded. */
  requestCreated(request: RequestRow): void;
  /** A build reached a final state; `build` is the row as recorded. */
  buildFinished(build: BuildRow): void;
  /** An infrastructure failure will be submitted again; `build` is the failed attempt. */
  buildRetried(build: BuildRow, reason: string): void;
  /** A results comment was queued for a request: every build shown in it is final. */
  requestReported(request: RequestRow, builds: readonly BuildRow[]): void;
  /** A comment reached Launchpad (or was printed, in a dry run). */
  commentPosted(comment: CommentRow): void;
  /** A build is held because the bot's own configuration is wrong (template, token, queue). */
  configurationError(build: BuildRow, detail: string): void;
  /** Launchpad refused a comment for good (too many 4xx answers). */
  commentFailed(comment: CommentRow, error: string): void;
}

export const NO_EVENTS: BotEvents = {
  polled() {},
  requestCreated() {},
  buildFinished() {},
  buildRetried() {},
  requestReported() {},
  commentPosted() {},
  configurationError() {},
  commentFailed() {},
};
