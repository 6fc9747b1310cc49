/**
 * The comparison as people and programs read it: a text report in
 * compare_tests' layout (its headings, one name a line) with the
 * classification of cbuild.md §7 added, and a JSON form whose six
 * compare_tests keys hold exactly its lists.
 */
import { CATEGORIES, CATEGORY_HEADINGS, type Category, type Change, type CompareResult } from './compare.js';
import type { SumFile } from './sum.js';
import { summarizeCounts } from './sum.js';
import { TEST_STATUSES, type StatusCounts, type SumWarning } from './types.js';

export interface ReportFiles {
  before: SumFile;
  after: SumFile;
  /** Where the manifest came from, for the flaky section. */
  manifest?: string;
}

const ALREADY_TRACKED_HEADING = 'Tests that now fail as expected (XFAIL), but worked before (already tracked, not counted as regressions):';
const NEW_FAIL_NOTE = '(not regressions; each needs someone to fix the test or XFAIL it)';

/** One line per change of the manifest's tests: name, category and statuses. */
function flakyLine(change: Change): string {
  return `${change.name}  [${change.category}: ${change.before ?? 'absent'} -> ${change.after ?? 'absent'}]`;
}

/** Appends a compare_tests section (heading, blank, one name a line, blank) when it has names. */
function pushSection(lines: string[], heading: string, names: string[], note?: string): void {
  if (names.length === 0) return;
  lines.push(heading);
  if (note) lines.push(note);
  lines.push('');
  // One at a time: a real diff can list hundreds of thousands of names, too many for push(...names).
  for (const name of names) lines.push(name);
  lines.push('');
}

/** Status counts of both files, per tool, as an aligned table. */
function countsTable(before: Record<string, StatusCounts>, after: Record<string, StatusCounts>): string[] {
  const tools = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const statuses = TEST_STATUSES.filter((s) => tools.some((t) => (before[t]?.[s] ?? 0) + (after[t]?.[s] ?? 0) > 0));
  const rows: string[][] = [['tool', '', ...statuses]];
  for (const tool of tools) {
    rows.push([tool || '(unknown)', 'before', ...statuses.map((s) => String(before[tool]?.[s] ?? 0))]);
    rows.push(['', 'after', ...statuses.map((s) => String(after[tool]?.[s] ?? 0))]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => `  ${r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`.trimEnd());
}

function warningLines(label: string, source: string, warnings: SumWarning[]): string[] {
  return warnings.map((w) => `  ${label} ${source}${w.line !== undefined ? `:${w.line}` : ''}: ${w.message}`);
}

/** The verdict line: how many regressions, and what else needs a look. */
export function verdict(result: CompareResult): string {
  const parts = [
    result.regressions.length === 0 ? 'No regressions' : `${result.regressions.length} regression(s) (tests that passed now FAIL)`,
    `${result.newFailures.length} new test(s) that FAIL to triage`,
    `${result.alreadyTracked.length} PASS -> XFAIL (already tracked)`,
    `${result.flaky.length} change(s) of known-flaky tests ignored`,
  ];
  return `${parts.join('; ')}.`;
}

/**
 * The text report. compare_tests' sections keep its headings and list names
 * as it prints them; known-flaky tests and PASS -> XFAIL changes are moved to
 * sections of their own. Then counts, warnings and the verdict.
 */
export function formatCompareReport(result: CompareResult, files: ReportFiles): string {
  const listed = (category: Category, keep: (c: Change) => boolean = () => true): string[] =>
    result.changes.filter((c) => c.category === category && !c.flaky && keep(c)).map((c) => c.name);
  const lines: string[] = [];
  for (const category of CATEGORIES) {
    if (category === 'now_fail') {
      pushSection(lines, CATEGORY_HEADINGS.now_fail, listed('now_fail', (c) => c.after !== 'XFAIL'));
      pushSection(lines, ALREADY_TRACKED_HEADING, listed('now_fail', (c) => c.after === 'XFAIL'));
    } else if (category === 'new_fail') {
      pushSection(lines, CATEGORY_HEADINGS.new_fail, listed('new_fail'), NEW_FAIL_NOTE);
    } else {
      pushSection(lines, CATEGORY_HEADINGS[category], listed(category));
    }
  }
  if (result.flaky.length > 0) {
    const from = files.manifest ? ` (listed in ${files.manifest})` : '';
    pushSection(lines, `Known-flaky tests that changed${from}; never counted as regressions:`, result.flaky.map(flakyLine));
  }
  if (result.changes.length === 0) lines.push('No differences in PASS/FAIL results.', '');

  lines.push('Results:', '', ...countsTable(summarizeCounts(files.before), summarizeCounts(files.after)), '');
  const warnings = [
    ...warningLines('old', files.before.source, files.before.warnings),
    ...warningLines('new', files.after.source, files.after.warnings),
    ...result.warnings.map((w) => `  manifest ${w}`),
  ];
  if (warnings.length > 0) lines.push('Warnings:', '', ...warnings, '');
  lines.push(verdict(result), '');
  return lines.join('\n');
}

function changeToJson(change: Change): Record<string, unknown> {
  return {
    name: change.name,
    test: change.test,
    tool: change.tool,
    variation: change.variation,
    category: change.category,
    before: change.before,
    after: change.after,
    before_line: change.beforeLine,
    after_line: change.afterLine,
    flaky: change.flaky,
  };
}

/**
 * The JSON form. Keys now_fail, now_pass, new_fail, new_pass, gone_pass and
 * gone_fail hold compare_tests' lists exactly (flaky tests included, as it
 * has no manifest); the classification under other keys, with details
 * (statuses, lines) for what needs a look; by_tool splits the six lists per
 * tool and variation (names only: two unrelated files differ in ~10^6 names).
 */
export function compareResultToJson(result: CompareResult, files: ReportFiles): Record<string, unknown> {
  const byTool: Record<string, Record<string, Record<string, string[]>>> = {};
  for (const [tool, variations] of Object.entries(result.byTool)) {
    for (const [variation, categories] of Object.entries(variations)) {
      const out: Record<string, string[]> = {};
      for (const category of CATEGORIES) if (categories[category]) out[category] = categories[category].map((c) => c.name);
      (byTool[tool] ??= {})[variation] = out;
    }
  }
  const json: Record<string, unknown> = {};
  for (const category of CATEGORIES) json[category] = result[category];
  return {
    ...json,
    summary: {
      regressions: result.regressions.length,
      already_tracked: result.alreadyTracked.length,
      new_failures: result.newFailures.length,
      flaky: result.flaky.length,
      changes: result.changes.length,
      verdict: verdict(result),
    },
    regressions: result.regressions.map(changeToJson),
    already_tracked: result.alreadyTracked.map(changeToJson),
    new_failures: result.newFailures.map(changeToJson),
    flaky: result.flaky.map(changeToJson),
    by_tool: byTool,
    counts: { before: summarizeCounts(files.before), after: summarizeCounts(files.after) },
    warnings: { before: files.before.warnings, after: files.after.warnings, manifest: result.warnings },
    files: { before: files.before.source, after: files.after.source, manifest: files.manifest ?? null },
  };
}
