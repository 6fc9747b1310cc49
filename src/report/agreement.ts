/**
 * The agreement table: for each revision built on both backends for the same
 * target, do CBuild and LAVA say the same thing? Before LAVA becomes the main
 * build platform its results must match the CBuild ones. When both passed,
 * the bot compares their `.sum` files test by test (bot/agreement.ts) and the
 * pair names each differing test and how (PASS on CBuild / FAIL on LAVA);
 * until then, and besides, the DejaGnu counts are compared per tool and
 * result kind. Over the window, per target: the agreement rate test by test,
 * and the tests that disagree on more than one revision (the build image's
 * suspects). Pure: store rows in, verdicts out.
 */
import { FINAL_BUILD_STATES, type BuildRow, type RequestRow, type TestSummary } from '../core/model.js';
import { describeTestDifference, type Category, type TestStatus } from '../results/index.js';
import type { StoredComparison } from '../store/test-comparisons.js';
import { vcsFor } from '../vcs/index.js';
import { endedAt } from './rows.js';

export type AgreementVerdict =
  /** Same outcome and, when both passed, the same DejaGnu counts. */
  | 'agree'
  /** Both passed but their test counts differ. */
  | 'tests-differ'
  /** One built, the other broke. */
  | 'outcome-differs'
  /** One could not say (infrastructure failure, cancelled, not submitted, no test results). */
  | 'not-comparable';

export interface CountDifference {
  tool: string;
  /** A DejaGnu result kind: PASS, FAIL, XFAIL, … */
  result: string;
  cbuild: number;
  lava: number;
}

/** One differing test of a pair, names exactly as the comparison gave them. */
export interface DifferingTest {
  tool: string;
  /** As compare_tests prints it (with its `<variation>: ` prefix off unix). */
  name: string;
  category: Category;
  cbuild: TestStatus | null;
  lava: TestStatus | null;
  /** E.g. "PASS on CBuild / FAIL on LAVA". */
  how: string;
}

/** The pair's test-by-test comparison, once the bot made it. */
export type TestByTestAgreement =
  | {
      status: 'compared';
      /** PASS/FAIL/XPASS/XFAIL results compared. */
      tests: number;
      /** Every differing test, listed or not. */
      differences: number;
      /** The first differing tests (the store keeps a bounded number). */
      listed: DifferingTest[];
      warnings: string[];
    }
  | { status: 'not-compared'; reason: string };

export interface AgreementPair {
  requestId: number;
  /** The source as people name it, e.g. `lp:~alice/gcc-linaro/fix`. */
  source: string;
  /** The revision as people name it, e.g. `revision 2` or `1a2b3c4`. */
  revision: string;
  target: string;
  cbuild: { state: string; tests: TestSummary | null };
  lava: { state: string; tests: TestSummary | null; shadow: boolean };
  verdict: AgreementVerdict;
  /** For tests-differ: every tool and result kind whose counts differ. */
  differences: CountDifference[];
  /** Both passed: the test-by-test comparison, or null while the bot has not made it yet. */
  testByTest: TestByTestAgreement | null;
  /** For not-comparable: why. */
  reason: string | null;
  endedAt: string;
}

export interface AgreementSummary {
  target: string;
  pairs: number;
  agree: number;
  testsDiffer: number;
  outcomeDiffers: number;
  notComparable: number;
}

/** Per target, the pairs compared test by test and how their results agree. */
export interface TestAgreementSummary {
  target: string;
  /** Pairs compared test by test. */
  pairs: number;
  /** Results compared test by test, and how many of them differed. */
  tests: number;
  differingTests: number;
  /** Share of the results compared test by test that agree; null when none were. */
  agreementRate: number | null;
}

/** A test that differed between CBuild and LAVA on more than one revision of a target: the build image's suspect. */
export interface SuspectTest {
  target: string;
  tool: string;
  name: string;
  /** Pairs it differed in, of `of` pairs of the target compared test by test. */
  pairs: number;
  of: number;
  /** How it differed, with how often, e.g. { "PASS on CBuild / FAIL on LAVA": 3 }. */
  how: Record<string, number>;
  revisions: Array<{ requestId: number; source: string; revision: string }>;
}

export interface AgreementReport {
  /** Newest first. */
  pairs: AgreementPair[];
  byTarget: AgreementSummary[];
  testByTest: TestAgreementSummary[];
  /** Per target, most often first. Only the differences the store lists by name are seen here. */
  suspects: SuspectTest[];
}

const UNDECIDED: Record<string, string> = {
  infra: 'infrastructure failure',
  cancelled: 'cancelled',
  error: 'not submitted',
};

/** Every tool × result kind whose counts differ between the two summaries (absent counts as 0). */
export function countDifferences(cbuild: TestSummary, lava: TestSummary): CountDifference[] {
  const out: CountDifference[] = [];
  for (const tool of [...new Set([...Object.keys(cbuild), ...Object.keys(lava)])].sort()) {
    const n = cbuild[tool] ?? {};
    const l = lava[tool] ?? {};
    for (const result of [...new Set([...Object.keys(n), ...Object.keys(l)])].sort()) {
      if ((n[result] ?? 0) !== (l[result] ?? 0)) out.push({ tool, result, cbuild: n[result] ?? 0, lava: l[result] ?? 0 });
    }
  }
  return out;
}

function judge(
  cbuild: BuildRow,
  lava: BuildRow,
  testByTest: TestByTestAgreement | null,
): { verdict: AgreementVerdict; differences: CountDifference[]; reason: string | null } {
  for (const [name, b] of [['CBuild', cbuild], ['LAVA', lava]] as const) {
    if (UNDECIDED[b.state]) return { verdict: 'not-comparable', differences: [], reason: `${name}: ${UNDECIDED[b.state]}` };
  }
  if (cbuild.state !== lava.state) return { verdict: 'outcome-differs', differences: [], reason: null };
  if (cbuild.state === 'failed') return { verdict: 'agree', differences: [], reason: null };
  const cbuildTests = cbuild.test_summary;
  const lavaTests = lava.test_summary;
  const differences = cbuildTests && lavaTests ? countDifferences(cbuildTests, lavaTests) : [];
  if (testByTest?.status === 'compared') {
    return { verdict: differences.length || testByTest.differences ? 'tests-differ' : 'agree', differences, reason: null };
  }
  if (!cbuildTests || !lavaTests) {
    return { verdict: 'not-comparable', differences: [], reason: `${cbuildTests ? 'LAVA' : 'CBuild'}: no test results` };
  }
  return { verdict: differences.length ? 'tests-differ' : 'agree', differences, reason: null };
}

const SIDES = ['CBuild', 'LAVA'] as const;

function testByTestOf(comparison: StoredComparison | undefined): TestByTestAgreement | null {
  if (!comparison) return null;
  if (comparison.status === 'not-compared') return { status: 'not-compared', reason: comparison.reason ?? 'not compared' };
  return {
    status: 'compared',
    tests: comparison.tests,
    differences: comparison.differences,
    listed: comparison.listed.map((d) => ({
      tool: d.tool,
      name: d.name,
      category: d.category,
      cbuild: d.first_status,
      lava: d.second_status,
      how: describeTestDifference({ first: d.first_status, second: d.second_status }, SIDES),
    })),
    warnings: comparison.warnings,
  };
}

/**
 * Pairs the final CBuild and LAVA builds of each request and target in
 * `builds`; `comparisons` are the bot's test-by-test comparisons of such
 * pairs (kind `backends`).
 */
export function computeAgreement(
  builds: readonly BuildRow[],
  requests: ReadonlyMap<number, RequestRow>,
  comparisons: readonly StoredComparison[] = [],
): AgreementReport {
  const halves = new Map<string, { cbuild?: BuildRow; lava?: BuildRow }>();
  for (const b of builds) {
    if (!FINAL_BUILD_STATES.has(b.state)) continue;
    const key = `${b.request_id}\u0000${b.target}`;
    halves.set(key, { ...halves.get(key), [b.backend]: b });
  }
  const byPair = new Map(comparisons.filter((c) => c.kind === 'backends').map((c) => [`${c.other_build_id}/${c.build_id}`, c]));
  const pairs: AgreementPair[] = [];
  for (const { cbuild, lava } of halves.values()) {
    const request = cbuild && lava ? requests.get(cbuild.request_id) : undefined;
    if (!cbuild || !lava || !request) continue;
    const testByTest = cbuild.state === 'passed' && lava.state === 'passed' ? testByTestOf(byPair.get(`${cbuild.id}/${lava.id}`)) : null;
    const vcs = vcsFor(request.source.vcs);
    pairs.push({
      requestId: request.id,
      source: vcs.describeSource(request.source),
      revision: vcs.describeRevision(request.revision),
      target: cbuild.target,
      cbuild: { state: cbuild.state, tests: cbuild.test_summary },
      lava: { state: lava.state, tests: lava.test_summary, shadow: lava.shadow },
      ...judge(cbuild, lava, testByTest),
      testByTest,
      endedAt: [endedAt(cbuild), endedAt(lava)].sort()[1],
    });
  }
  pairs.sort((a, b) => b.endedAt.localeCompare(a.endedAt) || b.requestId - a.requestId || a.target.localeCompare(b.target));
  const targets = [...new Set(pairs.map((p) => p.target))].sort();
  const byTarget = targets.map((target): AgreementSummary => {
    const of = pairs.filter((p) => p.target === target);
    const count = (v: AgreementVerdict) => of.filter((p) => p.verdict === v).length;
    return { target, pairs: of.length, agree: count('agree'), testsDiffer: count('tests-differ'), outcomeDiffers: count('outcome-differs'), notComparable: count('not-comparable') };
  });
  const testByTest = targets.map((target): TestAgreementSummary => {
    const compared = pairs.flatMap((p) => (p.target === target && p.testByTest?.status === 'compared' ? [p.testByTest] : []));
    const tests = compared.reduce((n, c) => n + c.tests, 0);
    const differingTests = compared.reduce((n, c) => n + c.differences, 0);
    return { target, pairs: compared.length, tests, differingTests, agreementRate: tests > 0 ? Math.max(0, 1 - differingTests / tests) : null };
  });
  return { pairs, byTarget, testByTest, suspects: targets.flatMap((t) => suspectsOf(t, pairs.filter((p) => p.target === t))) };
}

/** The tests of one target that differed in more than one pair, most often first. */
function suspectsOf(target: string, pairs: readonly AgreementPair[]): SuspectTest[] {
  const compared = pairs.flatMap((p) => (p.testByTest?.status === 'compared' ? [{ pair: p, listed: p.testByTest.listed }] : []));
  const byTest = new Map<string, SuspectTest>();
  // Oldest pair first, so each suspect's revisions read in order.
  for (const { pair, listed } of [...compared].reverse()) {
    const seen = new Set<string>();
    for (const d of listed) {
      const key = `${d.tool}\u0000${d.name}`;
      let s = byTest.get(key);
      if (!s) byTest.set(key, (s = { target, tool: d.tool, name: d.name, pairs: 0, of: compared.length, how: {}, revisions: [] }));
      s.how[d.how] = (s.how[d.how] ?? 0) + 1;
      if (seen.has(key)) continue;
      seen.add(key);
      s.pairs++;
      s.revisions.push({ requestId: pair.requestId, source: pair.source, revision: pair.revision });
    }
  }
  const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...byTest.values()].filter((s) => s.pairs > 1).sort((a, b) => b.pairs - a.pairs || byBytes(a.tool, b.tool) || byBytes(a.name, b.name));
}
