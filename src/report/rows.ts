/** What the report and the pages read off store rows, in one place: the times a build spent waiting and building. */
import type { BuildRow } from '../core/model.js';

function between(from: string | null, to: string | null, toleranceMs = 0): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < -toleranceMs) return null;
  return Math.max(0, ms);
}

/**
 * LAVA's times come in whole seconds (XML-RPC dateTime), the submission time
 * from the bot's clock: a job that started at once can look up to a second
 * older than its submission. That is a wait of 0, not an unknown one.
 */
const SUBMISSION_CLOCK_TOLERANCE_MS = 1000;

/** Submitted → started (the queue), for the last attempt; null until it started. */
export function queueWaitMs(build: BuildRow): number | null {
  return between(build.submitted_at, build.started_at, SUBMISSION_CLOCK_TOLERANCE_MS);
}

/** Started → finished; null until it finished. */
export function buildTimeMs(build: BuildRow): number | null {
  return between(build.started_at, build.finished_at);
}

/** When a final build ended (a build that never ran has only its last update). */
export function endedAt(build: BuildRow): string {
  return build.finished_at ?? build.updated_at;
}
