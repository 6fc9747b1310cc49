/**
 * The cycle's test-by-test comparisons of two passed builds of the same
 * revision and target (store: TestComparisons):
 * - CBuild against LAVA (shadow LAVA builds included): which tests the two
 *   backends disagree on, for the agreement table and the readiness verdict;
 * - a build against an earlier one on the same backend (a rebuild, a manual
 *   build, a revision built as a proposal and as a baseline): a test whose
 *   result changes there is flaky, since nothing but the run changed.
 * Different revisions are never compared here: a test that changes between
 * them may be a real regression.
 */
import type { CBuildClient } from '../cbuild/client.js';
import type { BotConfig } from '../config/config.js';
import type { Backend } from '../core/model.js';
import { comparedResults, testByTest, type Manifest, type TestDifference } from '../results/index.js';
import { learnedManifest, learnFlakyTests, mergeManifests } from '../report/flaky.js';
import type { Store } from '../store/store.js';
import { LISTED_DIFFERENCES, TestComparisons, type ComparisonOutcome, type PendingComparison } from '../store/test-comparisons.js';
import { fetchSum, fetchSumPair, pairSumFiles, type ResultDir, type ResultLimits } from './results.js';
import type { CycleContext } from './context.js';

/** How many pairs one cycle compares (each fetches two sets of `.sum` files); the rest wait for the next cycle. */
const PAIRS_PER_CYCLE = 10;
/** How many waiting pairs a cycle looks at, so that pairs failing again and again (a results host refusing them) never hold up the others. */
const CANDIDATES_PER_CYCLE = 50;

const SIDES: Record<PendingComparison['kind'], readonly [string, string]> = {
  backends: ['CBuild', 'LAVA'],
  rebuild: ['the earlier build', 'the later build'],
};

/** Compares the pairs of passed builds not compared yet, recording each; one failing pair never stops the others. */
export async function recordTestAgreement(ctx: CycleContext): Promise<number> {
  const comparisons = new TestComparisons(ctx.store);
  const pending = await comparisons.pending(CANDIDATES_PER_CYCLE);
  let compared = 0;
  for (const pair of pending) {
    if (compared === PAIRS_PER_CYCLE) break;
    await ctx.guard.item('compare builds test by test', { build: pair.second.submit_key, with: pair.first.submit_key }, async () => {
      const outcome = await compareTestByTest(ctx.results, ctx.config.results, pair);
      await comparisons.record(pair, outcome, ctx.now());
      compared++;
      ctx.logger.info(pair.kind === 'backends' ? 'compared CBuild and LAVA test by test' : 'compared a rebuild test by test', {
        build: pair.second.submit_key,
        with: pair.first.submit_key,
        status: outcome.status,
        differences: outcome.status === 'compared' ? (outcome.total ?? outcome.differences.length) : undefined,
      });
    }, 'cbuild');
  }
  return compared;
}

/**
 * Fetches both builds' `.sum` files (matched by tool) and compares them test
 * by test. A `.sum` file on one side only: for CBuild against LAVA its results
 * all count as differing (the image lost a testsuite); between two builds on
 * one backend it is only a warning (a run that did not finish says nothing
 * about a test). Listing errors are thrown (tried again next cycle); results
 * that cannot be read make the pair not comparable.
 */
export async function compareTestByTest(cbuild: CBuildClient, limits: ResultLimits, pair: PendingComparison): Promise<ComparisonOutcome> {
  const labels = SIDES[pair.kind];
  const dirs: Array<ResultDir | null> = [pair.first, pair.second].map((b) => (b.results_url ? cbuild.locateResultDir(b.results_url) : null));
  for (const [i, dir] of dirs.entries()) if (!dir) return { status: 'not-compared', reason: `${labels[i]} published no results` };
  const [first, second] = dirs as [ResultDir, ResultDir];
  const files = await pairSumFiles(cbuild, first, second);
  if (files.both.length + files.onlyFirst.length + files.onlySecond.length === 0) return { status: 'not-compared', reason: 'neither build published .sum files' };

  let tests = 0;
  let total = 0;
  const differences: TestDifference[] = [];
  const warnings: string[] = [];
  try {
    for (const sums of files.both) {
      const [a, b] = await fetchSumPair(cbuild, first, second, sums, limits);
      const result = testByTest(a, b);
      tests += result.tests;
      total += result.differences.length;
      differences.push(...result.differences.slice(0, Math.max(0, LISTED_DIFFERENCES - differences.length)));
      for (const [i, sum] of [a, b].entries()) for (const w of sum.warnings) warnings.push(`${sums.sumName} on ${labels[i]}: ${w.message}`);
    }
    for (const [i, only] of [files.onlyFirst, files.onlySecond].entries()) {
      for (const { sumName, file } of only) {
        const missingOn = labels[1 - i];
        if (pair.kind === 'rebuild') {
          warnings.push(`${sumName} is missing on ${missingOn}`);
          continue;
        }
        const n = comparedResults(await fetchSum(cbuild, i === 0 ? first : second, file, limits));
        tests += n;
        total += n;
        warnings.push(`${sumName} is missing on ${missingOn}: its ${n} results count as differing`);
      }
    }
  } catch (err) {
    return { status: 'not-compared', reason: `results could not be read: ${(err as Error).message}` };
  }
  return { status: 'compared', tests, differences, total, warnings: [...new Set(warnings)].slice(0, LISTED_DIFFERENCES) };
}

/**
 * The known-flaky manifest a comparison of a build of `scope` applies: the
 * configured file's entries and, with `flaky.learned` on, the flaky tests
 * learned for that target branch, target and backend. For the regression
 * comparison with the baseline.
 */
export async function comparisonManifest(
  store: Store,
  config: Pick<BotConfig, 'flaky'>,
  scope: { targetBranch: string; target: string; backend: Backend },
  configured: Manifest | undefined,
): Promise<Manifest | undefined> {
  if (!config.flaky.learned) return configured;
  const learned = learnFlakyTests(await new TestComparisons(store).flips(scope), { minFlips: config.flaky.minFlips });
  return mergeManifests(configured, learnedManifest(learned.tests));
}
