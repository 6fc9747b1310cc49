/**
 * Comparing a passed build's DejaGnu results with its baseline build (the
 * target at the branch point, same target, same backend), the way GCC's
 * contrib/compare_tests does. The full report is published next to the
 * build's results as `testsuite-diff.txt`, as CBuild did, and linked from the
 * comment; the comment itself carries counts, the first regressions, and the
 * warnings that say the comparison may be incomplete.
 */
import type { CBuildClient } from '../cbuild/client.js';
import { compareSums, formatCompareReport, type Manifest } from '../results/index.js';
import type { BuildComparison, BuildRow, RequestRow } from '../core/model.js';
import { vcsFor } from '../vcs/index.js';
import { fetchSumPair, pairSumFiles, type ResultLimits } from './results.js';

/** How many names of each kind a comment lists before pointing at the full diff. */
export const LISTED_NAMES = 10;

const BASELINE_TROUBLE: Partial<Record<BuildRow['state'], string>> = {
  failed: 'failed to build',
  infra: 'hit an infrastructure failure',
  cancelled: 'was cancelled',
  error: 'could not be submitted',
};

/** A baseline as a reviewer reads it: `lp:~linaro-toolchain/gcc-linaro/4.8 revision 6`, `lp:~…/+git/gcc-linaro:master @ 1a2b3c4`. */
export function baselineLabel(request: RequestRow): string {
  return vcsFor(request.source.vcs).describeRevisionOf(request.source, request.revision, 'short');
}

export async function compareWithBaseline(
  results: CBuildClient,
  build: BuildRow,
  baseline: BuildRow | null,
  baseRequest: RequestRow | null,
  limits: ResultLimits,
  manifest: Manifest | undefined,
  /** Told when the full diff could not be published (the comparison itself stands). */
  onDiffError: (err: unknown) => void,
): Promise<BuildComparison> {
  if (!baseRequest) return { status: 'not-compared', reason: 'no baseline: the target had no scanned revision' };
  const base = baselineLabel(baseRequest);
  if (!baseline) return { status: 'not-compared', reason: `the baseline (${base}) has no build for this target and backend` };
  if (baseline.state !== 'passed') {
    return { status: 'not-compared', reason: `the baseline build of ${base} ${BASELINE_TROUBLE[baseline.state] ?? `is ${baseline.state}`}` };
  }
  const mine = build.results_url ? results.locateResultDir(build.results_url) : null;
  const theirs = baseline.results_url ? results.locateResultDir(baseline.results_url) : null;
  if (!mine) return { status: 'not-compared', reason: 'this build published no results' };
  if (!theirs) return { status: 'not-compared', reason: `the baseline build of ${base} published no results` };

  const files = await pairSumFiles(results, theirs, mine);
  if (files.both.length + files.onlySecond.length === 0) return { status: 'not-compared', reason: 'this build published no .sum files' };

  const counts = { regressions: 0, now_pass: 0, new_fail: 0, new_pass: 0, gone: 0, flaky: 0, already_tracked: 0 };
  const regressions: string[] = [];
  const newFailures: string[] = [];
  const flaky: string[] = [];
  const warnings: string[] = files.onlySecond.map(({ sumName }) => `${sumName} has no counterpart in the baseline`);
  const report: string[] = [
    'Difference in testsuite results between:',
    ` ${theirs.jobName} build ${theirs.resultDir}`,
    'and this build:',
    ` ${mine.jobName} build ${mine.resultDir}`,
    '',
  ];
  for (const pair of files.both) {
    let before, after;
    try {
      [before, after] = await fetchSumPair(results, theirs, mine, pair, limits);
    } catch (err) {
      return { status: 'not-compared', reason: `results could not be read: ${(err as Error).message}` };
    }
    const result = compareSums(before, after, { manifest });
    counts.regressions += result.regressions.length;
    counts.now_pass += result.now_pass.length;
    counts.new_fail += result.newFailures.length;
    counts.new_pass += result.new_pass.length;
    counts.gone += result.gone_pass.length + result.gone_fail.length;
    counts.flaky += result.flaky.length;
    counts.already_tracked += result.alreadyTracked.length;
    regressions.push(...result.regressions.map((c) => `${c.tool}: ${c.name}`));
    newFailures.push(...result.newFailures.map((c) => `${c.tool}: ${c.name}`));
    flaky.push(...result.flaky.map((c) => `${c.tool}: ${c.name}`));
    warnings.push(...result.warnings, ...before.warnings.map((w) => `baseline ${w.message}`), ...after.warnings.map((w) => w.message));
    report.push(`=== ${pair.sumName} ===`, '', formatCompareReport(result, { before, after }), '');
  }
  for (const { sumName } of files.onlyFirst) warnings.push(`${sumName} of the baseline is missing from this build`);

  let diffUrl: string | null = null;
  try {
    await results.uploadResultFile(mine.jobName, mine.resultDir, 'testsuite-diff.txt', report.join('\n'));
    diffUrl = results.resultDirUrl(mine.jobName, mine.resultDir) + 'testsuite-diff.txt';
  } catch (err) {
    onDiffError(err);
  }
  return {
    status: 'compared',
    baseline: { label: base },
    counts,
    regressions: regressions.slice(0, LISTED_NAMES),
    newFailures: newFailures.slice(0, LISTED_NAMES),
    flaky: flaky.slice(0, LISTED_NAMES),
    diffUrl,
    warnings: [...new Set(warnings)].slice(0, LISTED_NAMES),
  };
}

