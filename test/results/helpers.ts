/**
 * Helpers for the results tests: paths, temporary files, a small `.sum`
 * builder, and GCC's compare_tests steps run in a shell as an oracle.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, type Category } from '../../src/results/index.js';

/** The repository (tests run from dist/test/results/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function fixture(name: string): string {
  return join(repoRoot, 'test', 'fixtures', 'results', name);
}

/** A temporary directory, removed by `cleanup`. */
export function tempDir(): { path: string; file(name: string, content: string | Buffer): string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'cbuild-results-'));
  return {
    path,
    file(name, content) {
      const file = join(path, name);
      writeFileSync(file, content);
      return file;
    },
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}

const LABELS: Array<[string, string]> = [
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

/**
 * A `.sum` text in DejaGnu's layout around `body` (result lines and
 * `Running target` lines), with a total summary that matches the body.
 */
export function sumText(body: string[], options: { tool?: string; summary?: boolean; target?: string | null } = {}): string {
  const tool = options.tool ?? 'gcc';
  const counts = new Map<string, number>();
  for (const line of body) {
    const status = /^([A-Z]+): /.exec(line)?.[1];
    if (status) counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const summary = LABELS.filter(([s]) => counts.get(s)).map(([s, label]) => `# of ${label}\t${counts.get(s)}`);
  const target = options.target === undefined ? 'unix' : options.target;
  return [
    'Test Run By tester on Mon Jan  7 10:00:00 2013',
    'Native configuration is armv7l-unknown-linux-gnueabihf',
    '',
    `\t\t=== ${tool} tests ===`,
    '',
    ...(target === null ? [] : [`Running target ${target}`]),
    ...body,
    '',
    ...(options.summary === false ? [] : [`\t\t=== ${tool} Summary ===`, '', ...summary]),
    '',
  ].join('\n');
}

/** Whether the tools the oracle needs are here (Debian has them). */
export function haveShellTools(): boolean {
  return ['bash', 'sed', 'awk', 'sort', 'comm', 'grep'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
}

/**
 * compare_tests' six lists for two `.sum` contents, from its own steps in a
 * shell (scripts/bench-compare-pipeline.sh, LC_ALL=C), as UTF-8 text.
 */
export function compareTestsOracle(before: string | Buffer, after: string | Buffer): Record<Category, string[]> {
  const dir = tempDir();
  try {
    const a = dir.file('before.sum', typeof before === 'string' ? Buffer.from(before, 'latin1') : before);
    const b = dir.file('after.sum', typeof after === 'string' ? Buffer.from(after, 'latin1') : after);
    const out = join(dir.path, 'out');
    const run = spawnSync('bash', [join(repoRoot, 'scripts', 'bench-compare-pipeline.sh'), a, b, out], { env: { ...process.env, LC_ALL: 'C' } });
    if (run.status !== 0) throw new Error(`compare_tests pipeline failed: ${run.stderr.toString()}`);
    const lists = {} as Record<Category, string[]>;
    for (const category of CATEGORIES) {
      const text = readFileSync(join(out, category));
      lists[category] = text.length === 0 ? [] : text.toString('latin1').replace(/\n$/, '').split('\n').map((l) => Buffer.from(l, 'latin1').toString('utf8'));
    }
    return lists;
  } finally {
    dir.cleanup();
  }
}

/** The six lists of a comparison result, for deepEqual against the oracle. */
export function sixLists(result: Record<Category, string[]>): Record<Category, string[]> {
  return Object.fromEntries(CATEGORIES.map((c) => [c, result[c]])) as Record<Category, string[]>;
}
