/**
 * `cbuild-bot report` output: plain-text tables, JSON, or CSV of the
 * per-backend/target figures, the agreement of the backends, and per target
 * the readiness verdict and the forecast.
 */
import { textTable } from '../core/report.js';
import { oneLine } from '../text.js';
import { duration, percent } from './stats.js';
import { BACKEND_LABEL } from '../core/model.js';
import type { AgreementPair, SuspectTest } from './agreement.js';
import type { CapacityRow } from './capacity.js';
import type { Forecast } from './forecast.js';
import { CRITERIA } from './readiness.js';
import type { StabilityReport } from './report.js';

export type ReportFormat = 'text' | 'json' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'csv'];

export { percent, duration };

/** How many differing tests a one-line description names. */
const NAMED_DIFFERENCES = 3;

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

/**
 * One line saying where a pair differs: the tests that differ test by test
 * (e.g. "gcc: gcc.dg/pr1.c (PASS on CBuild / FAIL on LAVA)") and the counts
 * that differ (e.g. "gcc FAIL 3 (CBuild) vs 5 (LAVA)").
 */
export function describeDifference(pair: AgreementPair): string {
  const t = pair.testByTest;
  switch (pair.verdict) {
    case 'tests-differ': {
      const parts: string[] = [];
      if (t?.status === 'compared' && t.differences > 0) {
        const named = t.listed.slice(0, NAMED_DIFFERENCES).map((d) => `${d.tool}: ${d.name} (${d.how})`);
        parts.push(`${t.differences} of ${t.tests} test results differ: ${named.join('; ')}${t.differences > named.length ? '; …' : ''}`);
      }
      parts.push(...pair.differences.map((d) => `${d.tool} ${d.result} ${d.cbuild} (CBuild) vs ${d.lava} (LAVA)`));
      return parts.join('; ');
    }
    case 'outcome-differs':
      return `CBuild ${pair.cbuild.state}, LAVA ${pair.lava.state}`;
    case 'not-comparable':
      return pair.reason ?? 'not comparable';
    case 'agree':
      if (pair.cbuild.state === 'failed') return 'both failed to build';
      if (t?.status === 'compared') return `same test counts, and the same ${t.tests} results test by test`;
      return t?.status === 'not-compared' ? `same test counts (not compared test by test: ${t.reason})` : 'same test counts';
  }
}

/** A test-by-test agreement rate: two decimals, since it lives close to 100%. */
export function agreementRate(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(2)}%`;
}

/** How many suspects of a target the text and the page show (JSON has them all). */
export const SUSPECTS_SHOWN = 20;

/** Per target, the suspects shown and how many more there are. */
export function suspectsShown(suspects: readonly SuspectTest[]): Map<string, { shown: SuspectTest[]; more: number }> {
  const out = new Map<string, { shown: SuspectTest[]; more: number }>();
  for (const s of suspects) {
    const entry = out.get(s.target) ?? { shown: [], more: 0 };
    if (entry.shown.length < SUSPECTS_SHOWN) entry.shown.push(s);
    else entry.more++;
    out.set(s.target, entry);
  }
  return out;
}

/** How a suspect differed, e.g. "PASS on CBuild / FAIL on LAVA ×3". */
export function describeSuspect(s: SuspectTest): string {
  return Object.entries(s.how).map(([how, n]) => `${how} ×${n}`).join(', ');
}

/** The forecast in one line, e.g. "2 panda-es devices: 45.0% busy, wait median 0s, p90 1h 00m". */
export function describeForecast(f: Forecast | null): string {
  if (!f) return '-';
  if (f.unavailable) return `no forecast: ${f.unavailable}`;
  const shared = f.sharedBy.length > 1 ? ` (shared with ${f.sharedBy.filter((t) => t !== f.target).join(', ')})` : '';
  const full = f.utilisation !== null && f.utilisation >= 1 ? ': the pool cannot keep up' : '';
  return `${f.arrivals} native build(s) (${f.arrivalsPerHour.toFixed(2)}/h) on ${f.devices} ${f.deviceType} device(s)${shared}: ${percent(f.utilisation)} busy${full}, wait median ${duration(f.wait.median)}, p90 ${duration(f.wait.p90)}, max ${duration(f.wait.max)}`;
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
  parts.push('', 'Agreement: the same revision and target built on both backends (results compared test by test once both passed):', '');
  const agreement = report.agreement;
  if (agreement.pairs.length === 0) {
    parts.push('(no revision was built on both backends in the window)');
  } else {
    parts.push(
      textTable(
        ['target', 'pairs', 'agree', 'tests differ', 'outcome differs', 'not comparable', 'test by test', 'results', 'differ', 'agreement'],
        agreement.byTarget.map((s) => {
          const t = agreement.testByTest.find((x) => x.target === s.target);
          return [
            s.target, String(s.pairs), String(s.agree), String(s.testsDiffer), String(s.outcomeDiffers), String(s.notComparable),
            String(t?.pairs ?? 0), String(t?.tests ?? 0), String(t?.differingTests ?? 0), agreementRate(t?.agreementRate ?? null),
          ];
        }),
      ),
    );
    const differing = agreement.pairs.filter((p) => p.verdict !== 'agree');
    if (differing.length) {
      parts.push('', 'Where they differ or cannot be compared:');
      for (const p of differing) parts.push(oneLine(`  request ${p.requestId} ${p.source} ${p.revision} on ${p.target}: ${describeDifference(p)}`));
    }
    if (agreement.suspects.length) {
      parts.push('', "Tests that differ on more than one revision (the build image's suspects):");
      for (const [target, suspects] of suspectsShown(agreement.suspects)) {
        for (const s of suspects.shown) {
          const revisions = s.revisions.map((r) => `request ${r.requestId} ${r.source} ${r.revision}`).join(', ');
          parts.push(oneLine(`  ${s.target} ${s.tool}: ${s.name}: ${s.pairs} of ${s.of} revisions (${describeSuspect(s)}): ${revisions}`));
        }
        if (suspects.more) parts.push(`  ${target}: ${suspects.more} more (--format json lists them all)`);
      }
    }
  }
  parts.push('', ...readinessLines(report));
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

/**
 * The per-backend/target figures, one row each (durations in seconds, rates as
 * fractions); the LAVA row of each target also carries its readiness and forecast.
 */
function formatCsv(report: StabilityReport): string {
  const header = [
    'since', 'until', 'backend', 'target', 'builds', 'passed', 'failed', 'infra', 'cancelled', 'error', 'pass_rate', 'build_failure_rate',
    'infra_failure_rate', 'attempts', 'retries', 'infra_per_attempt', 'shadow', 'queue_wait_median_s', 'queue_wait_p90_s',
    'build_time_median_s', 'build_time_p90_s', 'throughput_per_day', 'observed_s',
    'readiness', 'readiness_failing', 'agreement_rate', 'forecast_utilisation', 'forecast_wait_median_s', 'forecast_wait_p90_s',
  ];
  const rows = report.capacity.map((r) => {
    const readiness = r.backend === 'lava' ? report.readiness.find((x) => x.target === r.target) : undefined;
    const forecast = readiness?.forecast?.unavailable === null ? readiness.forecast : null;
    return [
      report.window.since, report.window.until, r.backend, r.target, r.builds, r.outcomes.passed, r.outcomes.failed, r.outcomes.infra,
      r.outcomes.cancelled, r.outcomes.error, r.rates.pass, r.rates.buildFailure, r.rates.infraFailure, r.attempts, r.retries,
      r.infraPerAttempt, r.shadow, seconds(r.queueWait.median), seconds(r.queueWait.p90), seconds(r.buildTime.median),
      seconds(r.buildTime.p90), r.throughputPerDay, seconds(report.window.observedMs),
      readiness ? (readiness.ready ? 'ready' : 'not yet') : null,
      readiness ? readiness.criteria.filter((c) => !c.met).map((c) => c.name).join(' ') : null,
      readiness?.criteria.find((c) => c.name === 'agreement')?.value ?? null,
      forecast?.utilisation ?? null, seconds(forecast?.wait.median ?? null), seconds(forecast?.wait.p90 ?? null),
    ];
  });
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The readiness verdict per target, with what failed and the forecast: in `report` and at the end of the sandbox. */
export function readinessLines(report: Pick<StabilityReport, 'readiness'>): string[] {
  const parts = ['Readiness of LAVA as the main build platform, per target (thresholds: config `readiness`):', ''];
  if (report.readiness.length === 0) {
    parts.push('(no target)');
  } else {
    parts.push(
      textTable(
        ['target', 'verdict', ...CRITERIA],
        report.readiness.map((r) => [r.target, r.ready ? 'ready' : 'not yet', ...CRITERIA.map((name) => (r.criteria.find((c) => c.name === name)?.met ? 'ok' : 'NO'))]),
      ),
    );
    parts.push('');
    for (const r of report.readiness) {
      parts.push(oneLine(`  ${r.target}: ${r.verdict}`));
      parts.push(oneLine(`    if every native build of ${r.target} ran on LAVA: ${describeForecast(r.forecast)}`));
    }
  }
  return parts;
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
