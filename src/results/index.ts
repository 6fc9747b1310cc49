/**
 * DejaGnu test results: parse `.sum` files, compare two runs the way GCC's
 * contrib/compare_tests does and classify the changes (cbuild.md §6-§8), apply
 * a known-flaky manifest, count results for comments, and write `.sum` files
 * for simulators.
 */
export { TEST_STATUSES, SUMMARY_LABELS, emptyCounts, type TestStatus, type StatusCounts, type SumWarning } from './types.js';
export {
  parseSum,
  summarizeCounts,
  SumFile,
  SumParseError,
  type ParseOptions,
  type SumHeader,
  type ToolRun,
  type DeclaredSummary,
  type TestResult,
} from './sum.js';
export { readSum, readSumBytes, SumReadError, type ReadOptions } from './read.js';
export { compareSums, CATEGORIES, CATEGORY_HEADINGS, type Category, type Change, type CompareOptions, type CompareResult } from './compare.js';
export { parseManifest, ManifestError, type Manifest, type ManifestEntry } from './manifest.js';
export { formatCompareReport, compareResultToJson, verdict, type ReportFiles } from './report.js';
export { renderSum, type RenderInput, type RenderResult } from './render.js';
export { testByTest, comparedResults, describeTestDifference, type TestByTest, type TestDifference } from './differences.js';
