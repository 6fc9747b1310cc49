/**
 * Test results of a finished build: the DejaGnu `.sum` files in its result
 * directory on the CBuild results host. One place lists, pairs and fetches
 * them — for the counts of a build, its comparison with the baseline and the
 * test-by-test comparisons of two builds of the same revision — within the
 * configured limits (a small `.sum.xz` can decompress to gigabytes); every
 * problem names the file and the limit it broke.
 */
import { ResultTooLargeError, type CBuildClient } from '../cbuild/client.js';
import { parseSum, SumLineTooLongError, summarizeCounts, type SumFile } from '../results/sum.js';
import { bytesToText } from '../results/bytes.js';
import { firstErrors } from '../results/build-log.js';
import type { FailureExcerpt, TestSummary } from '../core/model.js';

export interface ResultLimits {
  maxFileBytes: number;
  maxLineBytes: number;
}

/** A result directory on the results host. */
export interface ResultDir {
  jobName: string;
  resultDir: string;
}

export interface FetchedTestSummary {
  counts: TestSummary;
  warnings: string[];
}

/** Where a result directory URL points, or an error naming it. */
export function locate(results: CBuildClient, url: string): ResultDir {
  const located = results.locateResultDir(url);
  if (!located) throw new Error(`${url} is not a result directory on the CBuild results host`);
  return located;
}

/** The `.sum` files of a result directory by name (`gcc.sum`), preferring `gcc.sum` over `gcc.sum.xz` when both are there. */
export async function sumFiles(results: CBuildClient, dir: ResultDir): Promise<Map<string, string>> {
  const names = (await results.listResultFiles(dir.jobName, dir.resultDir)).filter((f) => f.type === 'file' && /\.sum(\.xz)?$/.test(f.name)).map((f) => f.name);
  const byTool = new Map<string, string>();
  for (const name of names.sort((a, b) => b.length - a.length)) byTool.set(name.replace(/\.xz$/, ''), name);
  return byTool;
}

/** One `.sum` file, fetched (decompressed) and parsed within the limits. */
export async function fetchSum(results: CBuildClient, dir: ResultDir, file: string, limits: ResultLimits): Promise<SumFile> {
  const body = await results.fetchResultFile(dir.jobName, dir.resultDir, file, { decompress: file.endsWith('.xz'), maxBytes: limits.maxFileBytes });
  if (!body) throw new Error(`${file} disappeared from ${dir.jobName}/${dir.resultDir}`);
  try {
    return parseSum(body, { source: `${dir.resultDir}/${file}`, maxLineBytes: limits.maxLineBytes });
  } catch (err) {
    if (err instanceof SumLineTooLongError) throw new Error(`${err.message} (results.maxLineBytes)`);
    throw err;
  }
}

/** A `.sum` file by its plain name (`gcc.sum`) and the file that holds it (`gcc.sum.xz`). */
export interface SumFileName {
  sumName: string;
  file: string;
}

/** The `.sum` files of two result directories matched by tool: those in both, and those in one only. */
export async function pairSumFiles(
  results: CBuildClient,
  first: ResultDir,
  second: ResultDir,
): Promise<{ both: Array<{ sumName: string; first: string; second: string }>; onlyFirst: SumFileName[]; onlySecond: SumFileName[] }> {
  const [a, b] = await Promise.all([sumFiles(results, first), sumFiles(results, second)]);
  const only = (of: Map<string, string>, other: Map<string, string>) => [...of].filter(([sumName]) => !other.has(sumName)).map(([sumName, file]) => ({ sumName, file }));
  return {
    both: [...b].filter(([sumName]) => a.has(sumName)).map(([sumName, file]) => ({ sumName, first: a.get(sumName)!, second: file })),
    onlyFirst: only(a, b),
    onlySecond: only(b, a),
  };
}

/** Fetches a matched pair. */
export function fetchSumPair(results: CBuildClient, first: ResultDir, second: ResultDir, pair: { first: string; second: string }, limits: ResultLimits): Promise<[SumFile, SumFile]> {
  return Promise.all([fetchSum(results, first, pair.first, limits), fetchSum(results, second, pair.second, limits)]);
}

/** Null when the directory holds no `.sum` files (a build that broke before testing). */
export async function fetchTestSummary(results: CBuildClient, resultDirUrl: string, limits: ResultLimits): Promise<FetchedTestSummary | null> {
  const dir = locate(results, resultDirUrl);
  const files = await sumFiles(results, dir);
  if (files.size === 0) return null;
  const counts: TestSummary = {};
  const warnings: string[] = [];
  for (const file of files.values()) {
    const sum = await fetchSum(results, dir, file, limits);
    for (const w of sum.warnings) warnings.push(`${file}: ${w.message}`);
    for (const [tool, toolCounts] of Object.entries(summarizeCounts(sum))) {
      const total = (counts[tool] ??= {});
      for (const [status, n] of Object.entries(toolCounts)) if (n) total[status] = (total[status] ?? 0) + n;
    }
  }
  return { counts, warnings };
}

/** The log a failed build leaves in its result directory. */
const BUILD_LOG = 'make.log';

/**
 * The first error lines of a failed build, from the make.log in its result
 * directory (both backends publish it there), within the size limit. A log
 * over the limit, or none, is said in the excerpt's note; a failure to fetch
 * it is thrown, and the caller records the build without an excerpt: a
 * broken build's comment must not wait on its log.
 */
export async function fetchFailureExcerpt(results: CBuildClient, resultDirUrl: string, limits: ResultLimits): Promise<FailureExcerpt> {
  const dir = locate(results, resultDirUrl);
  const logUrl = new URL(BUILD_LOG, resultDirUrl).toString();
  try {
    const body = await results.fetchResultFile(dir.jobName, dir.resultDir, BUILD_LOG, { maxBytes: limits.maxFileBytes });
    if (!body) return { log_url: null, lines: [], note: `the build published no ${BUILD_LOG}` };
    const { lines, found } = firstErrors(bytesToText(body, 0, body.length));
    return found ? { log_url: logUrl, lines } : { log_url: logUrl, lines, note: `no error line found in ${BUILD_LOG}; it ends with` };
  } catch (error) {
    if (error instanceof ResultTooLargeError) return { log_url: logUrl, lines: [], note: error.message };
    throw error;
  }
}
