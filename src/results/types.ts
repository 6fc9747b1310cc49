/**
 * Shared vocabulary of the DejaGnu results component: the statuses a `.sum`
 * line can carry and the counters of a summary block.
 */

/** Every status DejaGnu writes at the start of a `.sum` result line (cbuild.md §7). */
export const TEST_STATUSES = [
  'PASS',
  'FAIL',
  'XPASS',
  'XFAIL',
  'KPASS',
  'KFAIL',
  'UNSUPPORTED',
  'UNRESOLVED',
  'UNTESTED',
  'ERROR',
  'WARNING',
] as const;

export type TestStatus = (typeof TEST_STATUSES)[number];

/** Number of results per status; every status is present (0 when none). */
export type StatusCounts = Record<TestStatus, number>;

/**
 * The statuses DejaGnu totals in its `# of …` summary lines, with their labels,
 * in the order DejaGnu prints them. ERROR and WARNING are not totalled.
 */
export const SUMMARY_LABELS: ReadonlyArray<readonly [Exclude<TestStatus, 'ERROR' | 'WARNING'>, string]> = [
  ['PASS', 'expected passes'],
  ['FAIL', 'unexpected failures'],
  ['XPASS', 'unexpected successes'],
  ['XFAIL', 'expected failures'],
  ['KPASS', 'unknown successes'],
  ['KFAIL', 'known failures'],
  ['UNTESTED', 'untested testcases'],
  ['UNRESOLVED', 'unresolved testcases'],
  ['UNSUPPORTED', 'unsupported tests'],
];

export function emptyCounts(): StatusCounts {
  const counts = {} as StatusCounts;
  for (const status of TEST_STATUSES) counts[status] = 0;
  return counts;
}

/** Something odd about an input file that does not stop it from being used. */
export interface SumWarning {
  /** 1-based line number the warning is about, when it is about one line. */
  line?: number;
  message: string;
}
