/** What the report and the pages read off store rows, in one place: the times a build spent waiting and building. */
import type { BuildRow } from '../core/model.js';

/** A LAVA build run in shadow rollout: recorded and shown here, but not in merge-proposal comments. */
export function isShadow(build: BuildRow): boolean {
  return build.shadow;
}

function between(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/** Submitted → started (the queue), for the last attempt; null until it started. */
export function queueWaitMs(build: BuildRow): number | null {
  return between(build.submitted_at, build.started_at);
}

/** Started → finished; null until it finished. */
export function buildTimeMs(build: BuildRow): number | null {
  return between(build.started_at, build.finished_at);
}

/** When a final build ended (a build that never ran has only its last update). */
export function endedAt(build: BuildRow): string {
  return build.finished_at ?? build.updated_at;
}
