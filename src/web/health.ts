/**
 * The bot's health, as the status page's health line and /readyz tell it:
 * when Launchpad was last polled and last polled successfully, whether the
 * bot runs dry, and the last error of each service. Recorded in memory from
 * the bot's events (a restarted bot starts afresh), so the status server
 * needs nothing from the bot but its observer interface.
 */
import { access, stat, statfs } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname } from 'node:path';
import cron from 'node-cron';
import type { BotEvents, ServiceName } from '../bot/events.js';
import type { BuildRow, CommentRow } from '../core/model.js';
import { redact } from '../secrets.js';
import type { Store } from '../store/store.js';

export const SERVICES: readonly ServiceName[] = ['launchpad', 'cbuild', 'lava'];
export const SERVICE_LABEL: Record<ServiceName, string> = { launchpad: 'Launchpad', cbuild: 'CBuild', lava: 'LAVA' };

/** An error message as the page may show it: secrets masked, no control characters, bounded. */
const MAX_MESSAGE = 300;

export interface ServiceErrorRecord {
  at: string;
  message: string;
}

export interface HealthSnapshot {
  /** When this process started recording. */
  since: string;
  /** The bot runs dry (comments printed, not posted); null until the bot says. */
  dryRun: boolean | null;
  /** The poll cycle's node-cron expression and the longest gap between its runs. */
  schedule: string | null;
  cycleIntervalMs: number | null;
  lastPoll: { at: string; outcome: 'ok' | 'error' } | null;
  lastPolledOkAt: string | null;
  lastErrors: Record<ServiceName, ServiceErrorRecord | null>;
}

/**
 * The longest gap between the next runs of a node-cron expression (a
 * weekday-only schedule's weekend counts), or null when it is no valid one.
 */
export function cycleIntervalMs(schedule: string, runs = 12): number | null {
  if (!cron.validate(schedule)) return null;
  const task = cron.createTask(schedule, () => {});
  try {
    const times = task.getNextRuns(runs).map((d) => d.getTime());
    let longest = 0;
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
    return longest > 0 ? longest : null;
  } finally {
    void task.destroy();
  }
}

function clean(message: string): string {
  const text = redact(message).replace(/ *\p{Cc}[\p{Cc} ]*/gu, ' ').trim();
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

export class Health implements BotEvents {
  private readonly since: string;
  private mode: { dryRun: boolean; schedule: string; cycleIntervalMs: number | null } | null = null;
  private lastPoll: HealthSnapshot['lastPoll'] = null;
  private lastPolledOkAt: string | null = null;
  private readonly lastErrors: Record<ServiceName, ServiceErrorRecord | null> = { launchpad: null, cbuild: null, lava: null };

  constructor(private readonly clock: () => Date = () => new Date()) {
    this.since = clock().toISOString();
  }

  configured(mode: { dryRun: boolean; schedule: string }): void {
    this.mode = { ...mode, cycleIntervalMs: cycleIntervalMs(mode.schedule) };
  }

  polled(outcome: 'ok' | 'error'): void {
    const at = this.clock().toISOString();
    this.lastPoll = { at, outcome };
    if (outcome === 'ok') this.lastPolledOkAt = at;
  }

  serviceError(service: ServiceName, message: string): void {
    this.lastErrors[service] = { at: this.clock().toISOString(), message: clean(message) };
  }

  /** The bot's own configuration is wrong for this backend: the health line says so until it is fixed and works again. */
  configurationError(build: BuildRow, detail: string): void {
    this.serviceError(build.backend, `configuration error, builds held: ${detail}`);
  }

  commentFailed(_comment: CommentRow, error: string): void {
    this.serviceError('launchpad', `a comment was given up: ${error}`);
  }

  requestCreated(): void {}
  buildFinished(): void {}
  buildRetried(): void {}
  requestReported(): void {}
  commentPosted(): void {}

  snapshot(): HealthSnapshot {
    return {
      since: this.since,
      dryRun: this.mode?.dryRun ?? null,
      schedule: this.mode?.schedule ?? null,
      cycleIntervalMs: this.mode?.cycleIntervalMs ?? null,
      lastPoll: this.lastPoll,
      lastPolledOkAt: this.lastPolledOkAt,
      lastErrors: { ...this.lastErrors },
    };
  }
}

export interface ReadinessCheck {
  name: 'launchpad' | 'store';
  ok: boolean;
  detail: string;
}

/** Below this much free space SQLite may fail to write its journal. */
const MIN_FREE_BYTES = 1 << 20;

/**
 * Whether the store can take writes, asked without writing: the connection
 * answers and is not read-only (`PRAGMA query_only`), the database file, its
 * WAL and shared-memory files and their directory are writable by this
 * process (`access(W_OK)`), and the file system has at least 1 MiB free.
 * No lock is taken, so the bot's own writes are never held up by a probe.
 */
export async function storeProblem(store: Store): Promise<string | null> {
  try {
    const row = await store.db.get<{ query_only: number }>('PRAGMA query_only');
    if (row?.query_only) return 'the database connection is read-only';
  } catch (err) {
    return `the database does not answer: ${(err as Error).message}`;
  }
  const path = store.db.path;
  if (path === ':memory:') return null;
  const dir = dirname(path);
  for (const file of [path, `${path}-wal`, `${path}-shm`, dir]) {
    const exists = await stat(file).then(() => true, () => false);
    if (!exists) {
      if (file === path || file === dir) return `${file} is missing`;
      continue;
    }
    try {
      await access(file, constants.W_OK);
    } catch {
      return `${file} is not writable by this process`;
    }
  }
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free < MIN_FREE_BYTES) return `only ${free} bytes are free on the file system of ${dir}`;
  return null;
}

function seconds(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * Ready: Launchpad was polled successfully within two cycle intervals, and
 * the store is writable. Each check says why it failed.
 */
export async function readiness(health: Health | undefined, store: Store, now: Date): Promise<ReadinessCheck[]> {
  const checks: ReadinessCheck[] = [];
  if (!health) {
    checks.push({ name: 'launchpad', ok: false, detail: 'this status server was started without the bot’s health record' });
  } else {
    const h = health.snapshot();
    if (h.cycleIntervalMs === null) {
      checks.push({ name: 'launchpad', ok: false, detail: h.schedule === null ? 'the bot has not started its cycle yet' : `the schedule ${JSON.stringify(h.schedule)} gives no interval` });
    } else if (h.lastPolledOkAt === null) {
      checks.push({ name: 'launchpad', ok: false, detail: `never polled successfully since ${h.since}${h.lastErrors.launchpad ? ` (last error: ${h.lastErrors.launchpad.message})` : ''}` });
    } else {
      const age = now.getTime() - Date.parse(h.lastPolledOkAt);
      const limit = 2 * h.cycleIntervalMs;
      checks.push(
        age <= limit
          ? { name: 'launchpad', ok: true, detail: `polled successfully ${seconds(age)} ago` }
          : { name: 'launchpad', ok: false, detail: `last polled successfully ${seconds(age)} ago, more than two cycles (${seconds(limit)})${h.lastErrors.launchpad ? `; last error: ${h.lastErrors.launchpad.message}` : ''}` },
      );
    }
  }
  const problem = await storeProblem(store);
  checks.push(problem ? { name: 'store', ok: false, detail: problem } : { name: 'store', ok: true, detail: 'writable' });
  return checks;
}
