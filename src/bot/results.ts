/**
 * Test results of a finished build: the DejaGnu `.sum` files in its result
 * directory on the CBuild results host, parsed and counted per tool.
 */
import type { CBuildClient } from '../cbuild/client.js';
import { parseSum, summarizeCounts } from '../results/sum.js';
import type { TestSummary } from '../core/model.js';

export interface FetchedTestSummary {
  counts: TestSummary;
  warnings: string[];
}

/** Null when the directory holds no `.sum` files (a build that broke before testing). */
export async function fetchTestSummary(cbuild: CBuildClient, resultDirUrl: string): Promise<FetchedTestSummary | null> {
  const located = cbuild.locateResultDir(resultDirUrl);
  if (!located) throw new Error(`${resultDirUrl} is not a result directory on the CBuild results host`);
  const files = (await cbuild.listResultFiles(located.jobName, located.resultDir))
    .filter((f) => f.type === 'file' && /\.sum(\.xz)?$/.test(f.name))
    // Prefer `gcc.sum` over `gcc.sum.xz` when both are there.
    .filter((f, _, all) => !f.name.endsWith('.xz') || !all.some((o) => o.name === f.name.slice(0, -3)));
  if (files.length === 0) return null;
  const counts: TestSummary = {};
  const warnings: string[] = [];
  for (const file of files) {
    const body = await cbuild.fetchResultFile(located.jobName, located.resultDir, file.name, { decompress: file.name.endsWith('.xz') });
    if (!body) continue;
    const sum = parseSum(body, { source: file.name });
    for (const w of sum.warnings) warnings.push(`${file.name}: ${w.message}`);
    for (const [tool, toolCounts] of Object.entries(summarizeCounts(sum))) {
      const total = (counts[tool] ??= {});
      for (const [status, n] of Object.entries(toolCounts)) if (n) total[status] = (total[status] ?? 0) + n;
    }
  }
  return { counts, warnings };
}
