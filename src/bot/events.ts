/**
 * What the bot reports about its own work as it happens, for observers such
 * as the Prometheus metrics and the status page's health line. The bot calls
 * these after the store recorded the fact, so an observer never sees
 * something that did not happen; observers must not throw and must not block.
 */
import type { BuildRow, CommentRow, RequestRow } from '../core/model.js';
import { CBuildError } from '../cbuild/client.js';
import { HttpError } from '../http/client.js';
import { LaunchpadError } from '../launchpad/client.js';
import { LavaError } from '../lava/client.js';

/** The services the bot talks to. */
export type ServiceName = 'launchpad' | 'cbuild' | 'lava';

export interface BotEvents {
  /** The config in force: at start and after each reload; `schedule` is the one Launchpad is polled on. */
  configured(mode: { dryRun: boolean; schedule: string }): void;
  /** One listing of the watched merge proposals on Launchpad. */
  polled(outcome: 'ok' | 'error'): void;
  /** A call to a service failed; the bot carries on (and retries where it can). */
  serviceError(service: ServiceName, message: string): void;
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
  configured() {},
  polled() {},
  serviceError() {},
  requestCreated() {},
  buildFinished() {},
  buildRetried() {},
  requestReported() {},
  commentPosted() {},
  configurationError() {},
  commentFailed() {},
};

/** Every observer hears every event, in order; one that throws does not keep the others from hearing it. */
export function allEvents(...observers: BotEvents[]): BotEvents {
  const each =
    <K extends keyof BotEvents>(name: K) =>
    (...args: Parameters<BotEvents[K]>) => {
      for (const o of observers) {
        try {
          (o[name] as (...a: Parameters<BotEvents[K]>) => void)(...args);
        } catch {
          // An observer must not throw; if one does, the bot's work is not its concern.
        }
      }
    };
  return Object.fromEntries((Object.keys(NO_EVENTS) as (keyof BotEvents)[]).map((name) => [name, each(name)])) as unknown as BotEvents;
}

/** The text an observer may keep of an error. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An error in a service's answer or on the way to it, as opposed to the bot's own (the store, a template, a bad name). */
export function isServiceError(err: unknown): boolean {
  return err instanceof HttpError || err instanceof LaunchpadError || err instanceof CBuildError || err instanceof LavaError;
}
