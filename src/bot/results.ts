/**
 * Test results of a finished build: the DejaGnu `.sum` files in its result
 * directory on the CBuild results host. One place lists, pairs and fetches
 * them, for the counts of a build, its comparison with the baseline and the
 * test-by-test comparisons of two builds of the same revision.
 */
import type { CBuildClient } from '../cbuild/client.js';
import { parseSum, summarizeCounts, type SumFile } from '../results/sum.js';
import type { TestSummary } from '../core/model.js';

/** A build's result directory on the results host. */
export interface ResultDir {
  jobName: string;
  resultDir: string;
}

export interface FetchedTestSummary {
  counts: TestSummary;
  warnings: string[];
}

/** The `.sum` files of a result directory by their plain name (`gcc.sum`), preferring `gcc.sum` over `gcc.sum.xz` when both are there. */
export async function listSumFiles(cbuild: CBuildClient, dir: ResultDir): Promise<Map<string, string>> {
  const names = (await cbuild.listResultFiles(dir.jobName, dir.resultDir)).filter((f) => f.type === 'file' && /\.sum(\.xz)?$/.test(f.name)).map((f) => f.name);
  const out = new Map<string, string>();
  for (const name of names.sort()) {
    const plain = name.replace(/\.xz$/, '');
    if (!out.has(plain) || name === plain) out.set(plain, name);
  }
  return out;
}

/** One `.sum` file fetched (decompressed) and parsed; null when it is no longer there. */
export async function fetchSum(cbuild: CBuildClient, dir: ResultDir, file: string): Promise<SumFile | null> {
  const body = await cbuild.fetchResultFile(dir.jobName, dir.resultDir, file, { decompress: file.endsWith('.xz') });
  return body ? parseSum(body, { source: `${dir.resultDir}/${file}` }) : null;
}

/** A `.sum` file by its plain name (`gcc.sum`) and the file that holds it (`gcc.sum.xz`). */
export interface SumFileName {
  sumName: string;
  file: string;
}

/** The `.sum` files of two result directories matched by tool: those in both, and those in one only. */
export async function pairSumFiles(
  cbuild: CBuildClient,
  first: ResultDir,
  second: ResultDir,
): Promise<{ both: Array<{ sumName: string; first: string; second: string }>; onlyFirst: SumFileName[]; onlySecond: SumFileName[] }> {
  const [a, b] = await Promise.all([listSumFiles(cbuild, first), listSumFiles(cbuild, second)]);
  const only = (of: Map<string, string>, other: Map<string, string>) => [...of].filter(([sumName]) => !other.has(sumName)).map(([sumName, file]) => ({ sumName, file }));
  return {
    both: [...b].filter(([sumName]) => a.has(sumName)).map(([sumName, file]) => ({ sumName, first: a.get(sumName)!, second: file })),
    onlyFirst: only(a, b),
    onlySecond: only(b, a),
  };
}

/** Fetches a matched pair; throws naming the file when either side disappeared. */
export async function fetchSumPair(cbuild: CBuildClient, first: ResultDir, second: ResultDir, pair: { first: string; second: string }): Promise<[SumFile, SumFile]> {
  const fetchOne = async (dir: ResultDir, file: string) => {
    const sum = await fetchSum(cbuild, dir, file);
    if (!sum) throw new Error(`${file} disappeared from ${dir.jobName}/${dir.resultDir}`);
    return sum;
  };
  return Promise.all([fetchOne(first, pair.first), fetchOne(second, pair.second)]);
}

/** Null when the directory holds no `.sum` files (a build that broke before testing). */
export async function fetchTestSummary(cbuild: CBuildClient, resultDirUrl: string): Promise<FetchedTestSummary | null> {
  const located = cbuild.locateResultDir(resultDirUrl);
  if (!located) throw new Error(`${resultDirUrl} is not a result directory on the CBuild results host`);
  const files = await listSumFiles(cbuild, located);
  if (files.size === 0) return null;
  const counts: TestSummary = {};
  const warnings: string[] = [];
  for (const file of files.values()) {
    const sum = await fetchSum(cbuild, located, file);
    if (!sum) continue;
    for (const w of sum.warnings) warnings.push(`${file}: ${w.message}`);
    for (const [tool, toolCounts] of Object.entries(summarizeCounts(sum))) {
      const total = (counts[tool] ??= {});
      for (const [status, n] of Object.entries(toolCounts)) if (n) total[status] = (total[status] ?? 0) + n;
    }
  }
  return { counts, warnings };
}
