/**
 * Capacity and stability per backend and target over a window: how long builds
 * wait for a builder and take, how many end per day, how often they pass,
 * break or hit an infrastructure failure, and how often the bot had to retry.
 * Pure: store rows in, figures out.
 */
import { BACKENDS, type Backend, type BuildRow, type BuildState } from '../core/model.js';
import { buildTimeMs, endedAt, queueWaitMs } from './rows.js';
import { durationStats, rate, type DurationStats } from './stats.js';
import type { ReportWindow } from './window.js';

export type Outcome = Extract<BuildState, 'passed' | 'failed' | 'infra' | 'cancelled' | 'error'>;
export const OUTCOMES: readonly Outcome[] = ['passed', 'failed', 'infra', 'cancelled', 'error'];

/** The totals row of a backend carries this instead of a target name. */
export const ALL_TARGETS = '(all)';

export interface CapacityRow {
  backend: Backend;
  target: string;
  /** Builds that ended in the window, whatever their outcome. */
  builds: number;
  outcomes: Record<Outcome, number>;
  /** Shares of the builds that ran to an end (passed + failed + infra); cancelled and never-submitted builds say nothing about the builder. */
  rates: { pass: number | null; buildFailure: number | null; infraFailure: number | null };
  /** Submissions, the retried ones included. */
  attempts: number;
  /** Submissions again after an infrastructure failure. */
  retries: number;
  /** Infrastructure failures (retried or final) per submission: the lab's own stability. */
  infraPerAttempt: number | null;
  /** Builds run as shadow (LAVA in shadow rollout, CBuild where LAVA is main). */
  shadow: number;
  /** Submitted → started, for the last attempt. */
  queueWait: DurationStats;
  /** Started → finished, of builds that ran to an end. */
  buildTime: DurationStats;
  /** Builds that ran to an end (passed, build failure, infrastructure failure). */
  ranToAnEnd: number;
  /** Those per day of the observed period; null when that period is shorter than a day (never extrapolated from minutes). */
  throughputPerDay: number | null;
}

/** One build that ended in the window, for the charts. */
export interface BuildSample {
  backend: Backend;
  target: string;
  outcome: Outcome;
  endedAt: string;
  queueWaitMs: number | null;
  buildTimeMs: number | null;
}

export interface CapacityReport {
  since: string;
  until: string;
  days: number;
  /** The part of the window the store has a record of: from its first request (or the window's start) to the window's end. */
  observedSince: string;
  observedMs: number;
  /** Per backend and target, then one `(all)` row per backend. */
  rows: CapacityRow[];
  samples: BuildSample[];
}

const RAN_TO_AN_END: ReadonlySet<Outcome> = new Set(['passed', 'failed', 'infra']);
const DAY_MS = 86_400_000;

function isOutcome(state: BuildState): state is Outcome {
  return (OUTCOMES as readonly string[]).includes(state);
}

/** Builds of `builds` that ended in the window. */
export function endedInWindow(builds: readonly BuildRow[], window: ReportWindow): BuildRow[] {
  const since = window.since.getTime();
  const until = window.until.getTime();
  return builds.filter((b) => {
    if (!isOutcome(b.state)) return false;
    const t = Date.parse(endedAt(b));
    return t >= since && t < until;
  });
}

function capacityRow(backend: Backend, target: string, builds: readonly BuildRow[], observedMs: number): CapacityRow {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const b of builds) outcomes[b.state as Outcome]++;
  const ran = outcomes.passed + outcomes.failed + outcomes.infra;
  const attempts = builds.reduce((n, b) => n + b.attempt, 0);
  const retries = builds.reduce((n, b) => n + (b.attempt - 1), 0);
  const samples = (f: (b: BuildRow) => number | null, of: readonly BuildRow[]) => of.map(f).filter((ms): ms is number => ms !== null);
  return {
    backend,
    target,
    builds: builds.length,
    outcomes,
    rates: { pass: rate(outcomes.passed, ran), buildFailure: rate(outcomes.failed, ran), infraFailure: rate(outcomes.infra, ran) },
    attempts,
    retries,
    infraPerAttempt: rate(retries + outcomes.infra, attempts),
    shadow: builds.filter((b) => b.shadow).length,
    queueWait: durationStats(samples(queueWaitMs, builds)),
    buildTime: durationStats(samples(buildTimeMs, builds.filter((b) => RAN_TO_AN_END.has(b.state as Outcome)))),
    ranToAnEnd: ran,
    throughputPerDay: observedMs >= DAY_MS ? ran / (observedMs / DAY_MS) : null,
  };
}

/**
 * `firstRecordedAt`: when the store's record begins; a window reaching
 * further back is observed only from there, so a young store's rates are not
 * diluted over days it never saw.
 */
export function computeCapacity(builds: readonly BuildRow[], window: ReportWindow, firstRecordedAt: string | null = null): CapacityReport {
  const days = (window.until.getTime() - window.since.getTime()) / DAY_MS;
  const observedFrom = Math.max(window.since.getTime(), firstRecordedAt ? Date.parse(firstRecordedAt) : -Infinity);
  const observedMs = Math.max(0, window.until.getTime() - observedFrom);
  const ended = endedInWindow(builds, window);
  const targets = [...new Set(ended.map((b) => b.target))].sort();
  const rows: CapacityRow[] = [];
  for (const backend of BACKENDS) {
    const ofBackend = ended.filter((b) => b.backend === backend);
    for (const target of targets) {
      const these = ofBackend.filter((b) => b.target === target);
      if (these.length) rows.push(capacityRow(backend, target, these, observedMs));
    }
    if (ofBackend.length) rows.push(capacityRow(backend, ALL_TARGETS, ofBackend, observedMs));
  }
  const samples = ended
    .map((b) => ({ backend: b.backend, target: b.target, outcome: b.state as Outcome, endedAt: endedAt(b), queueWaitMs: queueWaitMs(b), buildTimeMs: buildTimeMs(b) }))
    .sort((a, b) => a.endedAt.localeCompare(b.endedAt));
  return { since: window.since.toISOString(), until: window.until.toISOString(), days, observedSince: new Date(observedFrom).toISOString(), observedMs, rows, samples };
}
