/**
 * Test by test, where two runs of the same revision and target differ: CBuild
 * against LAVA (does LAVA's build image give the same results?) or one run
 * against a rebuild on the same backend (a test whose result changes is
 * flaky). The same engine as the regression comparison (compareSums, GCC's
 * compare_tests categories, names compared as bytes), so a difference here is
 * one the regression comparison would also see.
 */
import { compareSums, type Category } from './compare.js';
import type { SumFile } from './sum.js';
import { summarizeCounts } from './sum.js';
import type { TestStatus } from './types.js';

export interface TestDifference {
  tool: string;
  /** The name as compare_tests prints it (with its `<variation>: ` prefix off `unix`). */
  name: string;
  /** The name as the `.sum` line has it. */
  test: string;
  category: Category;
  /** The result in the first run (XFAIL/XPASS as written); null: no PASS/FAIL/XPASS/XFAIL result there. */
  first: TestStatus | null;
  second: TestStatus | null;
}

export interface TestByTest {
  /** PASS, FAIL, XPASS and XFAIL results compared: those of the larger side. */
  tests: number;
  /** Every differing test, in compare_tests' order (category, then name as bytes). */
  differences: TestDifference[];
}

/** The results compare_tests looks at (PASS, FAIL, XPASS, XFAIL lines) in a parsed `.sum` file. */
export function comparedResults(sum: SumFile): number {
  let n = 0;
  for (const counts of Object.values(summarizeCounts(sum))) n += counts.PASS + counts.FAIL + counts.XPASS + counts.XFAIL;
  return n;
}

/** Where two runs of the same revision and target differ, test by test. */
export function testByTest(first: SumFile, second: SumFile): TestByTest {
  const result = compareSums(first, second);
  return {
    tests: Math.max(comparedResults(first), comparedResults(second)),
    differences: result.changes.map((c) => ({ tool: c.tool, name: c.name, test: c.test, category: c.category, first: c.before, second: c.after })),
  };
}

/** How one test differs, e.g. "PASS on CBuild / FAIL on LAVA", "PASS on CBuild / missing on LAVA". */
export function describeTestDifference(d: Pick<TestDifference, 'first' | 'second'>, labels: readonly [string, string]): string {
  return `${d.first ?? 'missing'} on ${labels[0]} / ${d.second ?? 'missing'} on ${labels[1]}`;
}
