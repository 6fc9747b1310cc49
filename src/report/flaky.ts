/**
 * Flaky tests learned from history: a test whose result changed between two
 * passed builds of the same revision, target and backend (kind `rebuild`
 * comparisons), counted per target branch, target and backend. Only builds of
 * the same revision are ever compared for this, so a real regression (a test
 * that changes between revisions) is never learned as flaky.
 *
 * The list prints as text, JSON, or a manifest in the format of GCC's
 * contrib/testsuite-management/validate_failures.py (`flaky | FAIL: name`),
 * which the bot's own manifest parser reads back, so it can be merged with
 * the configured manifests (`flaky.learned`). Pure: store rows in.
 */
import { textTable } from '../core/report.js';
import type { Backend } from '../core/model.js';
import { parseManifest, type Manifest, type TestStatus } from '../results/index.js';
import { LISTED_DIFFERENCES, type FlipRow } from '../store/test-comparisons.js';
import { BACKEND_LABEL } from '../core/model.js';

export interface LearnedFlakyTest {
  targetBranch: string;
  target: string;
  backend: Backend;
  tool: string;
  /** The name as the `.sum` line has it (no variation prefix), as a manifest lists it. */
  test: string;
  /** Rebuild comparisons in which its result changed. */
  flips: number;
  firstSeen: string;
  lastSeen: string;
  /** How it changed, earlier → later, with how often, e.g. { "PASS → FAIL": 2 }. */
  changes: Record<string, number>;
  /** The results it had, PASS first (null results left out). */
  statuses: TestStatus[];
  /** The revisions it changed on, in the order seen. */
  revisions: Array<{ revision: string; revisionId: string }>;
}

export interface LearnedFlakyList {
  tests: LearnedFlakyTest[];
  /**
   * Rebuild comparisons left out: more than LISTED_DIFFERENCES tests changed,
   * which says more about the build (a loaded machine, a broken run) than about
   * any one test.
   */
  ignoredComparisons: number;
}

export type FlakyFormat = 'text' | 'json' | 'manifest';
export const FLAKY_FORMATS: readonly FlakyFormat[] = ['text', 'json', 'manifest'];

const STATUS_ORDER: readonly string[] = ['PASS', 'XPASS', 'FAIL', 'XFAIL'];

/** Aggregates rebuild differences into the learned list: tests that changed in at least `minFlips` comparisons. */
export function learnFlakyTests(rows: readonly FlipRow[], options: { minFlips: number }): LearnedFlakyList {
  const ignored = new Set<number>();
  const byTest = new Map<string, LearnedFlakyTest & { comparisons: Set<number> }>();
  for (const row of rows) {
    if (row.comparison_differences > LISTED_DIFFERENCES) {
      ignored.add(row.comparison_id);
      continue;
    }
    const key = JSON.stringify([row.target_branch, row.target, row.backend, row.tool, row.test]);
    let t = byTest.get(key);
    if (!t) {
      t = { targetBranch: row.target_branch, target: row.target, backend: row.backend, tool: row.tool, test: row.test, flips: 0, firstSeen: row.ended_at, lastSeen: row.ended_at, changes: {}, statuses: [], revisions: [], comparisons: new Set() };
      byTest.set(key, t);
    }
    if (!t.comparisons.has(row.comparison_id)) {
      t.comparisons.add(row.comparison_id);
      t.flips++;
    }
    if (row.ended_at < t.firstSeen) t.firstSeen = row.ended_at;
    if (row.ended_at > t.lastSeen) t.lastSeen = row.ended_at;
    const change = `${row.first_status ?? 'missing'} → ${row.second_status ?? 'missing'}`;
    t.changes[change] = (t.changes[change] ?? 0) + 1;
    for (const s of [row.first_status, row.second_status]) if (s && !t.statuses.includes(s)) t.statuses.push(s);
    if (!t.revisions.some((r) => r.revisionId === row.revision_id)) t.revisions.push({ revision: row.revision, revisionId: row.revision_id });
  }
  const tests = [...byTest.values()]
    .filter((t) => t.flips >= options.minFlips)
    .map(({ comparisons: _, ...t }) => ({ ...t, statuses: [...t.statuses].sort((a, b) => rank(a) - rank(b)) }))
    .sort((a, b) => cmp(a.targetBranch, b.targetBranch) || cmp(a.target, b.target) || cmp(a.backend, b.backend) || b.flips - a.flips || cmp(a.tool, b.tool) || cmp(a.test, b.test));
  return { tests, ignoredComparisons: ignored.size };
}

function rank(status: string): number {
  const i = STATUS_ORDER.indexOf(status);
  return i < 0 ? STATUS_ORDER.length : i;
}

/** Code-unit order: the same for every locale. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The status a manifest entry carries. validate_failures.py reads only FAIL,
 * UNRESOLVED, XPASS and ERROR lines; the bot matches entries by name alone.
 */
function manifestStatus(t: LearnedFlakyTest): 'FAIL' | 'XPASS' {
  return t.statuses.includes('XPASS') && !t.statuses.includes('FAIL') ? 'XPASS' : 'FAIL';
}

/**
 * The learned list as a validate_failures.py manifest: one `flaky | STATUS:
 * name` entry per test, after `#` comments saying where it changed.
 */
export function formatFlakyManifest(tests: readonly LearnedFlakyTest[]): string {
  const lines = [
    '# Flaky tests learned by cbuild-bot: their results changed between builds of the same revision,',
    '# target and backend. validate_failures.py format (contrib/testsuite-management).',
  ];
  const entries = new Map<string, LearnedFlakyTest[]>();
  for (const t of tests) {
    const entry = `flaky | ${manifestStatus(t)}: ${t.test}`;
    entries.set(entry, [...(entries.get(entry) ?? []), t]);
  }
  for (const [entry, seen] of entries) {
    lines.push('');
    for (const t of seen) {
      lines.push(`# ${t.tool} on ${t.target} (${BACKEND_LABEL[t.backend]}), ${t.targetBranch}: changed ${t.flips} time(s) (${describeChanges(t)}), last ${t.lastSeen.slice(0, 10)}`);
    }
    lines.push(entry);
  }
  return lines.join('\n') + '\n';
}

/** The learned list as the manifest the comparison applies (read back by the one manifest parser). */
export function learnedManifest(tests: readonly LearnedFlakyTest[]): Manifest {
  return parseManifest(formatFlakyManifest(tests), { source: 'learned flaky tests' });
}

/** The configured manifest's entries and the learned ones. */
export function mergeManifests(configured: Manifest | undefined, learned: Manifest): Manifest | undefined {
  if (learned.entries.length === 0) return configured;
  if (!configured) return learned;
  return { source: `${configured.source} and ${learned.source}`, entries: [...configured.entries, ...learned.entries] };
}

function describeChanges(t: LearnedFlakyTest): string {
  return Object.entries(t.changes).map(([change, n]) => `${change} ×${n}`).join(', ');
}

export function formatFlaky(list: LearnedFlakyList, format: FlakyFormat, options: { minFlips: number }): string {
  switch (format) {
    case 'json':
      return JSON.stringify(list, null, 2) + '\n';
    case 'manifest':
      return formatFlakyManifest(list.tests);
    case 'text': {
      const parts = [`Flaky tests learned from builds of the same revision, target and backend (changed in at least ${options.minFlips} comparison(s)):`, ''];
      parts.push(
        list.tests.length === 0
          ? '(none)'
          : textTable(
              ['target branch', 'target', 'backend', 'tool', 'test', 'changed', 'how', 'first seen', 'last seen', 'revisions'],
              list.tests.map((t) => [
                t.targetBranch,
                t.target,
                BACKEND_LABEL[t.backend],
                t.tool,
                t.test,
                String(t.flips),
                describeChanges(t),
                t.firstSeen.slice(0, 10),
                t.lastSeen.slice(0, 10),
                t.revisions.map((r) => r.revision).join(', '),
              ]),
            ),
      );
      if (list.ignoredComparisons) {
        parts.push('', `${list.ignoredComparisons} rebuild(s) in which more than ${LISTED_DIFFERENCES} tests changed were not learned from: that says more about the build than about the tests.`);
      }
      return parts.join('\n') + '\n';
    }
  }
}
