/**
 * Capacity forecast: if every native build of a target had run on LAVA, how
 * long would builds have waited for a device, and how busy would the pool be?
 *
 * The model is a replay of the recorded window, not a formula. Each native
 * build that ran to an end becomes a LAVA job arriving when the native one
 * was submitted, taking a LAVA build time; the jobs go first come, first
 * served to the devices of the target's LAVA device type (the ones in service
 * now), each to the device that frees first. Why not M/M/c (Erlang C) or an
 * M/G/c approximation: those assume Poisson arrivals and a steady state, and
 * this data has neither. Arrivals come in bursts (the dailies all start at
 * the same minute, a proposal brings its baseline along, a push of several
 * revisions), builds take hours and a device type has a handful of boards, so
 * a burst decides the waits; a steady-state formula fed the same mean rate
 * predicts much shorter waits than that burst gives. The replay keeps the
 * bursts as they happened, uses the real spread of build times, and needs no
 * assumption beyond "the same builds, on LAVA". Its limits: it starts the
 * window with idle devices and knows only the bot's own builds (not the
 * lab's other users), so it is a lower bound on the wait; utilisation at or
 * above 100% means the pool cannot keep up at all.
 *
 * A build's LAVA time is, in order of preference: the LAVA build of the same
 * request and target (the shadow or paired build), the native build's time
 * scaled by the target's LAVA/native median ratio, or the target's LAVA
 * median. Targets sharing a device type share the pool in the replay.
 * Pure: store rows in, figures out.
 */
import type { BuildRow } from '../core/model.js';
import type { DevicePoolAnswer } from './report.js';
import { buildTimeMs } from './rows.js';
import { durationStats, type DurationStats } from './stats.js';
import type { ReportWindow } from './window.js';

export interface Forecast {
  target: string;
  deviceType: string | null;
  /** The targets whose native builds share the device type's pool in the replay (this one included). */
  sharedBy: string[];
  /** Devices of the type in service now. */
  devices: number | null;
  /** This target's native builds replayed: submitted in the window and run to an end. */
  arrivals: number;
  arrivalsPerHour: number;
  /** Mean LAVA build time given to them. */
  meanBuildMs: number | null;
  /** Device time every replayed build asks / device time the pool has over the window. */
  utilisation: number | null;
  /** The queue waits the replay gives this target's builds. */
  wait: DurationStats;
  /** Why there is no forecast; null when there is one. */
  unavailable: string | null;
}

/** One LAVA job of the replay. */
export interface ReplayJob {
  arrivalMs: number;
  serviceMs: number;
}

/**
 * First come, first served on `devices` identical devices, each job to the
 * device that frees first; jobs arriving at the same moment keep their order.
 * Returns each job's wait, in the order given.
 */
export function replayQueue(jobs: readonly ReplayJob[], devices: number): number[] {
  if (devices < 1) throw new RangeError(`replayQueue: needs at least one device, not ${devices}`);
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[a]!.arrivalMs - jobs[b]!.arrivalMs || a - b);
  const freeAt: number[] = new Array(devices).fill(-Infinity);
  const waits: number[] = new Array(jobs.length);
  for (const i of order) {
    const job = jobs[i]!;
    let device = 0;
    for (let d = 1; d < devices; d++) if (freeAt[d]! < freeAt[device]!) device = d;
    const start = Math.max(job.arrivalMs, freeAt[device]!);
    waits[i] = start - job.arrivalMs;
    freeAt[device] = start + job.serviceMs;
  }
  return waits;
}

const RAN_TO_AN_END = new Set(['passed', 'failed', 'infra']);
/** Build times that stand for a whole build: an infrastructure failure stops early. */
const BUILT = new Set(['passed', 'failed']);

function median(values: readonly number[]): number | null {
  return durationStats(values).median;
}

/** The LAVA build time each native build of `target` would take, or why there is none. */
function serviceTimes(target: string, builds: readonly BuildRow[], window: ReportWindow): { jobs: Array<ReplayJob & { build: BuildRow }> } | { unavailable: string } {
  const since = window.since.getTime();
  const until = window.until.getTime();
  const ofTarget = builds.filter((b) => b.target === target);
  const times = (backend: string) => ofTarget.filter((b) => b.backend === backend && BUILT.has(b.state)).map(buildTimeMs).filter((ms): ms is number => ms !== null);
  const lavaMedian = median(times('lava'));
  const nativeMedian = median(times('cbuild'));
  if (lavaMedian === null) return { unavailable: `no LAVA build of ${target} ran to an end in the window: no build time to replay` };
  const lavaOf = new Map(ofTarget.filter((b) => b.backend === 'lava').map((b) => [b.request_id, b]));
  const jobs: Array<ReplayJob & { build: BuildRow }> = [];
  for (const b of ofTarget) {
    if (b.backend !== 'cbuild' || !RAN_TO_AN_END.has(b.state) || !b.submitted_at) continue;
    const arrivalMs = Date.parse(b.submitted_at);
    if (!(arrivalMs >= since && arrivalMs < until)) continue;
    const paired = lavaOf.get(b.request_id);
    const pairedMs = paired && BUILT.has(paired.state) ? buildTimeMs(paired) : null;
    const nativeMs = BUILT.has(b.state) ? buildTimeMs(b) : null;
    const serviceMs = pairedMs ?? (nativeMs !== null && nativeMedian ? (nativeMs * lavaMedian) / nativeMedian : lavaMedian);
    jobs.push({ arrivalMs, serviceMs, build: b });
  }
  return { jobs };
}

/** The forecast of each target in `targets` (deviceTypes: target → LAVA device type). */
export function forecastLava(
  targets: readonly string[],
  builds: readonly BuildRow[],
  window: ReportWindow,
  deviceTypes: Readonly<Record<string, string>>,
  pool: DevicePoolAnswer,
): Forecast[] {
  const windowMs = window.until.getTime() - window.since.getTime();
  const none = (target: string, deviceType: string | null, unavailable: string, partial: Partial<Forecast> = {}): Forecast => ({
    target, deviceType, sharedBy: [target], devices: null, arrivals: 0, arrivalsPerHour: 0, meanBuildMs: null, utilisation: null, wait: durationStats([]), unavailable, ...partial,
  });
  return targets.map((target): Forecast => {
    const deviceType = deviceTypes[target] ?? null;
    if (!deviceType) return none(target, null, `no LAVA device type is configured for ${target}`);
    if (pool === null || 'unavailable' in pool) return none(target, deviceType, `LAVA's device pool is unknown${pool ? ` (${pool.unavailable})` : ''}`);
    const type = pool.pool.types.find((t) => t.deviceType === deviceType);
    const devices = type ? type.devices - type.outOfService : 0;
    const sharedBy = Object.keys(deviceTypes).filter((t) => deviceTypes[t] === deviceType).sort();
    const perTarget = sharedBy.map((t) => ({ t, times: serviceTimes(t, builds, window) }));
    const own = perTarget.find((p) => p.t === target)!.times;
    if ('unavailable' in own) return none(target, deviceType, own.unavailable, { sharedBy, devices });
    // Another target of the pool without LAVA build times cannot be replayed: say so rather than leave its load out.
    const missing = perTarget.find((p) => 'unavailable' in p.times);
    if (missing && 'unavailable' in missing.times) return none(target, deviceType, `${deviceType} is shared with ${missing.t}, and ${missing.times.unavailable}`, { sharedBy, devices });
    const jobs = perTarget.flatMap((p) => ('jobs' in p.times ? p.times.jobs : []));
    const mine = own.jobs;
    const base = {
      target, deviceType, sharedBy, devices,
      arrivals: mine.length,
      arrivalsPerHour: windowMs > 0 ? mine.length / (windowMs / 3_600_000) : 0,
      meanBuildMs: mine.length ? mine.reduce((n, j) => n + j.serviceMs, 0) / mine.length : null,
    };
    if (devices < 1) return { ...base, utilisation: null, wait: durationStats([]), unavailable: `no ${deviceType} device is in service: every build would wait` };
    const order = [...jobs].sort((a, b) => a.arrivalMs - b.arrivalMs || a.build.id - b.build.id);
    const waits = replayQueue(order, devices);
    const myWaits = order.flatMap((j, i) => (j.build.target === target ? [waits[i]!] : []));
    const asked = jobs.reduce((n, j) => n + j.serviceMs, 0);
    return { ...base, utilisation: windowMs > 0 ? asked / (devices * windowMs) : null, wait: durationStats(myWaits), unavailable: null };
  });
}
