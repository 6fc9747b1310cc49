/** `cbuild-bot report` output: plain-text tables, JSON, or CSV of the per-backend/target figures. */
import { formatDuration, textTable } from '../core/report.js';
import type { Backend } from '../core/model.js';
import type { AgreementPair } from './agreement.js';
import type { CapacityRow } from './capacity.js';
import type { StabilityReport } from './report.js';

export type ReportFormat = 'text' | 'json' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'csv'];

export const BACKEND_LABEL: Record<Backend, string> = { cbuild: 'CBuild', lava: 'LAVA' };

export function percent(share: number | null): string {
  return share === null ? '-' : `${(share * 100).toFixed(1)}%`;
}

export function duration(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms);
}

/** "20 s", "45 min", "3 h": a period in round words. */
export function period(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** Throughput as a reader can trust it: "2.29/day" over a day or more, else the count itself, "4 in the last 20 s". */
export function throughputText(row: Pick<CapacityRow, 'ranToAnEnd' | 'throughputPerDay'>, observedMs: number): string {
  return row.throughputPerDay === null ? `${row.ranToAnEnd} in the last ${period(observedMs)}` : `${row.throughputPerDay.toFixed(2)}/day`;
}

/** One line saying where a pair differs, e.g. "gcc FAIL 3 (CBuild) vs 5 (LAVA)". */
export function describeDifference(pair: AgreementPair): string {
  switch (pair.verdict) {
    case 'tests-differ':
      return pair.differences.map((d) => `${d.tool} ${d.result} ${d.cbuild} (CBuild) vs ${d.lava} (LAVA)`).join('; ');
    case 'outcome-differs':
      return `CBuild ${pair.cbuild.state}, LAVA ${pair.lava.state}`;
    case 'not-comparable':
      return pair.reason ?? 'not comparable';
    case 'agree':
      return pair.cbuild.state === 'failed' ? 'both failed to build' : 'same test counts';
  }
}

function formatText(report: StabilityReport): string {
  const w = report.window;
  const observed = w.observedSince > w.since ? `; the store's record begins ${w.observedSince}` : '';
  const parts = [`cbuild-bot capacity and stability, ${w.since} to ${w.until} (last ${w.label}${observed})`, ''];
  parts.push('Builds that ended in the window, per backend and target (rates of builds that ran to an end):', '');
  parts.push(
    report.capacity.length === 0
      ? '(no build ended in the window)'
      : textTable(
          ['backend', 'target', 'builds', 'pass', 'build failure', 'infra failure', 'cancelled', 'retries', 'infra/attempt', 'wait median', 'wait p90', 'build median', 'build p90', 'throughput'],
          report.capacity.map((r) => [
            BACKEND_LABEL[r.backend] + (r.shadow ? ` (${r.shadow} shadow)` : ''),
            r.target,
            String(r.builds),
            percent(r.rates.pass),
            percent(r.rates.buildFailure),
            percent(r.rates.infraFailure),
            String(r.outcomes.cancelled),
            String(r.retries),
            percent(r.infraPerAttempt),
            duration(r.queueWait.median),
            duration(r.queueWait.p90),
            duration(r.buildTime.median),
            duration(r.buildTime.p90),
            throughputText(r, w.observedMs),
          ]),
        ),
  );
  parts.push('', 'Agreement: the same revision and target built on both backends:', '');
  const agreement = report.agreement;
  if (agreement.pairs.length === 0) {
    parts.push('(no revision was built on both backends in the window)');
  } else {
    parts.push(
      textTable(
        ['target', 'pairs', 'agree', 'tests differ', 'outcome differs', 'not comparable'],
        agreement.byTarget.map((s) => [s.target, String(s.pairs), String(s.agree), String(s.testsDiffer), String(s.outcomeDiffers), String(s.notComparable)]),
      ),
    );
    const differing = agreement.pairs.filter((p) => p.verdict !== 'agree');
    if (differing.length) {
      parts.push('', 'Where they differ or cannot be compared:');
      for (const p of differing) parts.push(`  request ${p.requestId} ${p.source} ${p.revision} on ${p.target}: ${describeDifference(p)}`);
    }
  }
  parts.push('');
  const devices = report.lavaDevices;
  if (devices === null) parts.push('LAVA device pool: not asked');
  else if ('unavailable' in devices) parts.push(`LAVA device pool: unavailable (${devices.unavailable})`);
  else {
    parts.push('LAVA device pool now:', '');
    parts.push(
      textTable(
        ['device type', 'devices', 'idle', 'busy', 'out of service', 'jobs waiting'],
        devices.pool.types.map((t) => [t.deviceType, String(t.devices), String(t.idle), String(t.busy), String(t.outOfService), String(t.pendingJobs)]),
      ),
    );
  }
  return parts.join('\n') + '\n';
}

function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

/** The per-backend/target figures, one row each (durations in seconds, rates as fractions). */
function formatCsv(report: StabilityReport): string {
  const header = [
    'since', 'until', 'backend', 'target', 'builds', 'passed', 'failed', 'infra', 'cancelled', 'error', 'pass_rate', 'build_failure_rate',
    'infra_failure_rate', 'attempts', 'retries', 'infra_per_attempt', 'shadow', 'queue_wait_median_s', 'queue_wait_p90_s',
    'build_time_median_s', 'build_time_p90_s', 'throughput_per_day', 'observed_s',
  ];
  const rows = report.capacity.map((r) => [
    report.window.since, report.window.until, r.backend, r.target, r.builds, r.outcomes.passed, r.outcomes.failed, r.outcomes.infra,
    r.outcomes.cancelled, r.outcomes.error, r.rates.pass, r.rates.buildFailure, r.rates.infraFailure, r.attempts, r.retries,
    r.infraPerAttempt, r.shadow, seconds(r.queueWait.median), seconds(r.queueWait.p90), seconds(r.buildTime.median),
    seconds(r.buildTime.p90), r.throughputPerDay, seconds(report.window.observedMs),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function formatReport(report: StabilityReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'csv':
      return formatCsv(report);
    case 'text':
      return formatText(report);
  }
}
