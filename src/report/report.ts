/**
 * The capacity and stability report that `cbuild-bot report`, the capacity
 * page and /api/capacity all show: one computation, three renderings.
 */
import type { BuildRow, RequestRow } from '../core/model.js';
import { computeAgreement, type AgreementReport } from './agreement.js';
import { computeCapacity, type CapacityReport } from './capacity.js';
import type { DevicePool } from './devices.js';
import type { ReportWindow } from './window.js';

/** LAVA's pool as asked now: the answer, why there is none, or not asked (no LAVA configured). */
export type DevicePoolAnswer = { pool: DevicePool } | { unavailable: string } | null;

export interface StabilityReport {
  window: { since: string; until: string; label: string; days: number; observedSince: string; observedMs: number };
  capacity: CapacityReport['rows'];
  samples: CapacityReport['samples'];
  agreement: AgreementReport;
  lavaDevices: DevicePoolAnswer;
}

export function buildReport(
  rows: { builds: readonly BuildRow[]; requests: ReadonlyMap<number, RequestRow>; firstRecordedAt?: string | null },
  window: ReportWindow,
  lavaDevices: DevicePoolAnswer,
): StabilityReport {
  const capacity = computeCapacity(rows.builds, window, rows.firstRecordedAt ?? null);
  return {
    window: { since: capacity.since, until: capacity.until, label: window.label, days: capacity.days, observedSince: capacity.observedSince, observedMs: capacity.observedMs },
    capacity: capacity.rows,
    samples: capacity.samples,
    agreement: computeAgreement(rows.builds, rows.requests),
    lavaDevices,
  };
}
