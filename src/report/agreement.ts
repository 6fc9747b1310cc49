/**
 * The agreement table: for each revision built on both backends for the same
 * target, do CBuild and LAVA say the same thing? Before LAVA becomes the main
 * build platform its results must match the native ones; where they do not,
 * this names the tool and result kind (e.g. gcc FAIL: 3 on CBuild, 5 on LAVA).
 * Pure: store rows in, verdicts out.
 */
import { FINAL_BUILD_STATES, type BuildRow, type RequestRow, type TestSummary } from '../core/model.js';
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

export interface AgreementReport {
  /** Newest first. */
  pairs: AgreementPair[];
  byTarget: AgreementSummary[];
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

function judge(cbuild: BuildRow, lava: BuildRow): { verdict: AgreementVerdict; differences: CountDifference[]; reason: string | null } {
  for (const [name, b] of [['CBuild', cbuild], ['LAVA', lava]] as const) {
    if (UNDECIDED[b.state]) return { verdict: 'not-comparable', differences: [], reason: `${name}: ${UNDECIDED[b.state]}` };
  }
  if (cbuild.state !== lava.state) return { verdict: 'outcome-differs', differences: [], reason: null };
  if (cbuild.state === 'failed') return { verdict: 'agree', differences: [], reason: null };
  const cbuildTests = cbuild.test_summary;
  const lavaTests = lava.test_summary;
  if (!cbuildTests || !lavaTests) {
    return { verdict: 'not-comparable', differences: [], reason: `${cbuildTests ? 'LAVA' : 'CBuild'}: no test results` };
  }
  const differences = countDifferences(cbuildTests, lavaTests);
  return { verdict: differences.length ? 'tests-differ' : 'agree', differences, reason: null };
}

/** Pairs the final CBuild and LAVA builds of each request and target in `builds`. */
export function computeAgreement(builds: readonly BuildRow[], requests: ReadonlyMap<number, RequestRow>): AgreementReport {
  const halves = new Map<string, { cbuild?: BuildRow; lava?: BuildRow }>();
  for (const b of builds) {
    if (!FINAL_BUILD_STATES.has(b.state)) continue;
    const key = `${b.request_id}\u0000${b.target}`;
    halves.set(key, { ...halves.get(key), [b.backend]: b });
  }
  const pairs: AgreementPair[] = [];
  for (const { cbuild, lava } of halves.values()) {
    const request = cbuild && lava ? requests.get(cbuild.request_id) : undefined;
    if (!cbuild || !lava || !request) continue;
    const vcs = vcsFor(request.source.vcs);
    pairs.push({
      requestId: request.id,
      source: vcs.describeSource(request.source),
      revision: vcs.describeRevision(request.revision),
      target: cbuild.target,
      cbuild: { state: cbuild.state, tests: cbuild.test_summary },
      lava: { state: lava.state, tests: lava.test_summary, shadow: lava.shadow },
      ...judge(cbuild, lava),
      endedAt: [endedAt(cbuild), endedAt(lava)].sort()[1],
    });
  }
  pairs.sort((a, b) => b.endedAt.localeCompare(a.endedAt) || b.requestId - a.requestId || a.target.localeCompare(b.target));
  const byTarget = [...new Set(pairs.map((p) => p.target))].sort().map((target) => {
    const of = pairs.filter((p) => p.target === target);
    const count = (v: AgreementVerdict) => of.filter((p) => p.verdict === v).length;
    return { target, pairs: of.length, agree: count('agree'), testsDiffer: count('tests-differ'), outcomeDiffers: count('outcome-differs'), notComparable: count('not-comparable') };
  });
  return { pairs, byTarget };
}
