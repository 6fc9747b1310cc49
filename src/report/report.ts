/**
 * The capacity and stability report that `cbuild-bot report`, the capacity
 * page and /api/capacity all show: one computation, three renderings. With
 * it, per target, the readiness verdict of LAVA as the main build platform
 * and the forecast of running every native build on LAVA.
 */
import { defaultReadiness, type BotConfig, type ReadinessConfig } from '../config/config.js';
import type { BuildRow, RequestRow } from '../core/model.js';
import type { StoredComparison } from '../store/test-comparisons.js';
import { computeAgreement, type AgreementReport } from './agreement.js';
import { ALL_TARGETS, computeCapacity, type CapacityReport } from './capacity.js';
import type { DevicePool } from './devices.js';
import { forecastLava } from './forecast.js';
import { computeReadiness, type TargetReadiness } from './readiness.js';
import type { ReportWindow } from './window.js';

/** LAVA's pool as asked now: the answer, why there is none, or not asked (no LAVA configured). */
export type DevicePoolAnswer = { pool: DevicePool } | { unavailable: string } | null;

/** What the report takes from the config. */
export interface ReportSettings {
  /** Target → its LAVA device type. */
  deviceTypes: Record<string, string>;
  readiness: ReadinessConfig;
}

export function reportSettings(config: Pick<BotConfig, 'targets' | 'readiness'>): ReportSettings {
  return { deviceTypes: Object.fromEntries(Object.entries(config.targets).map(([t, c]) => [t, c.lava.deviceType])), readiness: config.readiness };
}

/** Without a config: no device types known, the documented thresholds. */
export function defaultReportSettings(): ReportSettings {
  return { deviceTypes: {}, readiness: defaultReadiness() };
}

export interface StabilityReport {
  window: { since: string; until: string; label: string; days: number; observedSince: string; observedMs: number };
  capacity: CapacityReport['rows'];
  samples: CapacityReport['samples'];
  agreement: AgreementReport;
  lavaDevices: DevicePoolAnswer;
  /** Per target (the configured ones and any built in the window). */
  readiness: TargetReadiness[];
  /** The thresholds the verdicts were judged against. */
  readinessThresholds: ReadinessConfig;
}

export function buildReport(
  rows: { builds: readonly BuildRow[]; requests: ReadonlyMap<number, RequestRow>; firstRecordedAt?: string | null; comparisons?: readonly StoredComparison[] },
  window: ReportWindow,
  lavaDevices: DevicePoolAnswer,
  settings: ReportSettings = defaultReportSettings(),
): StabilityReport {
  const capacity = computeCapacity(rows.builds, window, rows.firstRecordedAt ?? null);
  const agreement = computeAgreement(rows.builds, rows.requests, rows.comparisons);
  const targets = [...new Set([...Object.keys(settings.deviceTypes), ...capacity.rows.map((r) => r.target).filter((t) => t !== ALL_TARGETS)])].sort();
  const windowMs = window.until.getTime() - window.since.getTime();
  const readiness = computeReadiness({
    targets,
    capacity: capacity.rows,
    samples: capacity.samples,
    agreement,
    windowMs,
    deviceTypes: settings.deviceTypes,
    lavaDevices,
    forecasts: forecastLava(targets, rows.builds, window, settings.deviceTypes, lavaDevices),
    thresholds: settings.readiness,
  });
  return {
    window: { since: capacity.since, until: capacity.until, label: window.label, days: capacity.days, observedSince: capacity.observedSince, observedMs: capacity.observedMs },
    capacity: capacity.rows,
    samples: capacity.samples,
    agreement,
    lavaDevices,
    readiness,
    readinessThresholds: settings.readiness,
  };
}
