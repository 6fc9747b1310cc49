/**
 * Is LAVA ready to be the main build platform of a target? A verdict per
 * target from the window's figures, against the `readiness` thresholds of the
 * config: `ready` when every criterion is met, else `not yet: ` and the
 * failing ones, each saying what was measured against what was asked.
 *
 * Criteria (every one needs data: no evidence is not readiness):
 * - agreement: share of the test results, compared test by test, on which
 *   CBuild and LAVA agree, over at least `minPairs` revisions;
 * - outcomes: share of the revisions built to an end on both where one built
 *   and the other broke;
 * - infra: LAVA infrastructure failures per submission;
 * - queue-wait, build-time: LAVA's median and 90th percentile against native's;
 * - throughput: LAVA builds run to an end against native's (native's demand);
 * - headroom: device time of the target's LAVA device type (devices in service
 *   now × the window) left unused by the bot's LAVA builds of every target on
 *   that type. The pool is known only as it is now, so this assumes it was
 *   the same over the window.
 * Pure: the report's figures in, verdicts out.
 */
import type { RatioThreshold, ReadinessConfig } from '../config/config.js';
import { formatDuration } from '../core/report.js';
import type { AgreementReport } from './agreement.js';
import type { BuildSample, CapacityRow } from './capacity.js';
import type { Forecast } from './forecast.js';
import type { DevicePoolAnswer } from './report.js';
import { percent } from './stats.js';

export const CRITERIA = ['agreement', 'outcomes', 'infra', 'queue-wait', 'build-time', 'throughput', 'headroom'] as const;
export type CriterionName = (typeof CRITERIA)[number];

export interface ReadinessCriterion {
  name: CriterionName;
  met: boolean;
  /** The figure the threshold is about (a share, or LAVA/native for waits, build times and throughput); null when it could not be measured. */
  value: number | null;
  /** What was measured against what is asked, e.g. "99.95% of 4000 test results agree over 6 revisions (at least 99.90% over 5)". */
  detail: string;
}

export interface TargetReadiness {
  target: string;
  ready: boolean;
  /** "ready", or "not yet: " and the failing criteria. */
  verdict: string;
  criteria: ReadinessCriterion[];
  /** "If every native build ran on LAVA", shown next to the verdict. */
  forecast: Forecast | null;
}

export interface ReadinessInput {
  targets: readonly string[];
  capacity: readonly CapacityRow[];
  samples: readonly BuildSample[];
  agreement: AgreementReport;
  windowMs: number;
  /** Target → its LAVA device type. */
  deviceTypes: Readonly<Record<string, string>>;
  lavaDevices: DevicePoolAnswer;
  forecasts: readonly Forecast[];
  thresholds: ReadinessConfig;
}

function criterion(name: CriterionName, met: boolean, value: number | null, detail: string): ReadinessCriterion {
  return { name, met, value, detail };
}

function agreementCriterion(target: string, input: ReadinessInput): ReadinessCriterion {
  const t = input.thresholds;
  const s = input.agreement.testByTest.find((a) => a.target === target);
  const asked = `at least ${percent2(t.minAgreement)} over ${t.minPairs} revision(s)`;
  if (!s || s.agreementRate === null) return criterion('agreement', false, null, `no revision compared test by test on both backends (${asked})`);
  const met = s.pairs >= t.minPairs && s.agreementRate >= t.minAgreement;
  return criterion('agreement', met, s.agreementRate, `${percent2(s.agreementRate)} of ${s.tests} test results agree over ${s.pairs} revision(s) (${asked})`);
}

function outcomesCriterion(target: string, input: ReadinessInput): ReadinessCriterion {
  const max = input.thresholds.maxOutcomeMismatch;
  const s = input.agreement.byTarget.find((a) => a.target === target);
  const decided = s ? s.agree + s.testsDiffer + s.outcomeDiffers : 0;
  if (!s || decided === 0) return criterion('outcomes', false, null, `no revision built to an end on both backends (at most ${percent(max)} may differ)`);
  const share = s.outcomeDiffers / decided;
  return criterion('outcomes', share <= max, share, `${s.outcomeDiffers} of ${decided} revision(s) built on one backend and broke on the other (at most ${percent(max)})`);
}

function row(input: ReadinessInput, backend: string, target: string): CapacityRow | undefined {
  return input.capacity.find((r) => r.backend === backend && r.target === target);
}

function infraCriterion(target: string, input: ReadinessInput): ReadinessCriterion {
  const max = input.thresholds.maxInfraPerAttempt;
  const lava = row(input, 'lava', target);
  if (!lava || lava.infraPerAttempt === null) return criterion('infra', false, null, `no LAVA build in the window (at most ${percent(max)} infrastructure failures per attempt)`);
  return criterion('infra', lava.infraPerAttempt <= max, lava.infraPerAttempt, `${percent(lava.infraPerAttempt)} of ${lava.attempts} LAVA attempt(s) hit an infrastructure failure (at most ${percent(max)})`);
}

function ratioCriterion(name: 'queue-wait' | 'build-time', target: string, input: ReadinessInput): ReadinessCriterion {
  const t: RatioThreshold = name === 'queue-wait' ? input.thresholds.queueWait : input.thresholds.buildTime;
  const pick = (r: CapacityRow | undefined) => (r ? (name === 'queue-wait' ? r.queueWait : r.buildTime) : undefined);
  const lava = pick(row(input, 'lava', target));
  const native = pick(row(input, 'cbuild', target));
  const graceMs = t.graceSeconds * 1000;
  const asked = `at most ${t.maxMedianRatio}× and ${t.maxP90Ratio}× native's, or ${formatDuration(graceMs)}`;
  const what = name === 'queue-wait' ? 'queue wait' : 'build time';
  if (!lava || lava.median === null || lava.p90 === null) return criterion(name, false, null, `no LAVA ${what} in the window (${asked})`);
  if (!native || native.median === null || native.p90 === null) {
    const short = lava.p90 <= graceMs;
    return criterion(name, short, null, `no native ${what} to compare with; LAVA's median ${formatDuration(lava.median)}, p90 ${formatDuration(lava.p90)} (${asked})`);
  }
  const within = (mine: number, theirs: number, ratio: number) => mine <= Math.max(theirs * ratio, graceMs);
  const met = within(lava.median, native.median, t.maxMedianRatio) && within(lava.p90, native.p90, t.maxP90Ratio);
  const times = (mine: number, theirs: number) => `${formatDuration(mine)} vs ${formatDuration(theirs)}${theirs > 0 ? ` (${(mine / theirs).toFixed(1)}×)` : ''}`;
  return criterion(
    name,
    met,
    native.median > 0 ? lava.median / native.median : null,
    `LAVA's median ${times(lava.median, native.median)}, p90 ${times(lava.p90, native.p90)} (${asked})`,
  );
}

function throughputCriterion(target: string, input: ReadinessInput): ReadinessCriterion {
  const min = input.thresholds.minThroughputRatio;
  // Counts over the same window: their ratio needs no rate (a rate per day is not known below a day).
  const lava = row(input, 'lava', target)?.ranToAnEnd ?? 0;
  const native = row(input, 'cbuild', target)?.ranToAnEnd ?? 0;
  if (native === 0) return criterion('throughput', false, null, `no native build ran to an end in the window: no demand to measure LAVA against (at least ${percent(min)} of native's)`);
  const ratio = lava / native;
  return criterion('throughput', ratio >= min, ratio, `LAVA ran ${lava} build(s) to an end, native ${native} (${percent(ratio)}; at least ${percent(min)})`);
}

function headroomCriterion(target: string, input: ReadinessInput): ReadinessCriterion {
  const min = input.thresholds.minHeadroom;
  const asked = `at least ${percent(min)} free`;
  const deviceType = input.deviceTypes[target];
  if (!deviceType) return criterion('headroom', false, null, `no LAVA device type is configured for ${target} (${asked})`);
  const pool = input.lavaDevices;
  if (pool === null || 'unavailable' in pool) return criterion('headroom', false, null, `LAVA's device pool is unknown${pool ? ` (${pool.unavailable})` : ''} (${asked})`);
  const type = pool.pool.types.find((t) => t.deviceType === deviceType);
  const inService = type ? type.devices - type.outOfService : 0;
  if (inService === 0) return criterion('headroom', false, 0, `no ${deviceType} device is in service (${asked})`);
  const sharing = new Set(Object.keys(input.deviceTypes).filter((t) => input.deviceTypes[t] === deviceType));
  const usedMs = input.samples.filter((s) => s.backend === 'lava' && sharing.has(s.target)).reduce((n, s) => n + (s.buildTimeMs ?? 0), 0);
  const availableMs = inService * input.windowMs;
  const headroom = 1 - usedMs / availableMs;
  return criterion(
    'headroom',
    headroom >= min,
    headroom,
    `${deviceType}: ${inService} device(s) in service; LAVA builds used ${formatDuration(usedMs)} of ${formatDuration(availableMs)} (${percent(headroom)} free; ${asked})`,
  );
}

/** Two decimals: agreement rates live close to 100%. */
function percent2(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}

export function computeReadiness(input: ReadinessInput): TargetReadiness[] {
  return [...input.targets].sort().map((target) => {
    const criteria = [
      agreementCriterion(target, input),
      outcomesCriterion(target, input),
      infraCriterion(target, input),
      ratioCriterion('queue-wait', target, input),
      ratioCriterion('build-time', target, input),
      throughputCriterion(target, input),
      headroomCriterion(target, input),
    ];
    const failing = criteria.filter((c) => !c.met);
    return {
      target,
      ready: failing.length === 0,
      verdict: failing.length === 0 ? 'ready' : `not yet: ${failing.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
      criteria,
      forecast: input.forecasts.find((f) => f.target === target) ?? null,
    };
  });
}
