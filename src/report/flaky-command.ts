/** `cbuild-bot flaky`: the flaky tests learned from builds of the same revision, as text, JSON or a validate_failures.py manifest. */
import { loadConfig } from '../config/config.js';
import { refFormatProblem } from '../vcs/names.js';
import { Store } from '../store/store.js';
import { TestComparisons } from '../store/test-comparisons.js';
import { FLAKY_FORMATS, formatFlaky, learnFlakyTests, type FlakyFormat } from './flaky.js';

export interface FlakyOptions {
  config: string;
  target?: string;
  /** A target branch as results are kept under it: a bzr branch's unique name, or a git repository's with `:<ref>`; with or without `lp:`. */
  branch?: string;
  format: string;
}

export async function flakyCommand(opts: FlakyOptions, io: { stdout: NodeJS.WritableStream }): Promise<number> {
  // Bad options are named before anything is opened.
  if (!(FLAKY_FORMATS as readonly string[]).includes(opts.format)) {
    throw new RangeError(`--format: expected ${FLAKY_FORMATS.join(', ')}, not ${JSON.stringify(opts.format)}`);
  }
  const branch = opts.branch?.replace(/^lp:/, '');
  if (branch !== undefined && targetBranchProblem(branch)) {
    throw new RangeError(
      `--branch: expected a bzr branch's unique name like ~linaro-toolchain/gcc-linaro/4.8, or a git repository's with its ref like ~linaro-toolchain/gcc-linaro/+git/gcc-linaro:refs/heads/master (${targetBranchProblem(branch)}), not ${JSON.stringify(opts.branch)}`,
    );
  }
  const config = loadConfig(opts.config);
  if (opts.target !== undefined && !(opts.target in config.targets)) {
    throw new RangeError(`--target: no such target ${JSON.stringify(opts.target)} (targets are ${Object.keys(config.targets).join(', ')})`);
  }
  const store = await Store.open(config.database);
  try {
    const rows = await new TestComparisons(store).flips({ targetBranch: branch, target: opts.target });
    const list = learnFlakyTests(rows, { minFlips: config.flaky.minFlips });
    io.stdout.write(formatFlaky(list, opts.format as FlakyFormat, { minFlips: config.flaky.minFlips }));
    return 0;
  } finally {
    await store.close();
  }
}

/** Why `key` cannot be a target branch of the store (vcs/sourceKey), or null. */
function targetBranchProblem(key: string): string | null {
  const git = /^(~[^/:]+\/(?:[^/:]+\/)?\+git\/[^/:]+):(.+)$/.exec(key);
  if (git) return git[2].startsWith('refs/') ? refFormatProblem(git[2]) : 'a git ref starts with refs/';
  return /^~[^/:]+\/[^/:]+\/[^/:]+$/.test(key) ? null : 'not of either form';
}
