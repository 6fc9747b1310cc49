/** `cbuild-bot flaky`: the flaky tests learned from builds of the same revision, as text, JSON or a validate_failures.py manifest. */
import { loadConfig } from '../config/config.js';
import { Store } from '../store/store.js';
import { TestComparisons } from '../store/test-comparisons.js';
import { FLAKY_FORMATS, formatFlaky, learnFlakyTests, type FlakyFormat } from './flaky.js';

export interface FlakyOptions {
  config: string;
  target?: string;
  /** A target branch: its unique name (~owner/project/name), with or without `lp:`. */
  branch?: string;
  format: string;
}

export async function flakyCommand(opts: FlakyOptions, io: { stdout: NodeJS.WritableStream }): Promise<number> {
  // Bad options are named before anything is opened.
  if (!(FLAKY_FORMATS as readonly string[]).includes(opts.format)) {
    throw new RangeError(`--format: expected ${FLAKY_FORMATS.join(', ')}, not ${JSON.stringify(opts.format)}`);
  }
  const branch = opts.branch?.replace(/^lp:/, '');
  if (branch !== undefined && !/^~[a-z0-9][a-z0-9+.-]*\/[a-z0-9][a-z0-9+.-]*\/[A-Za-z0-9][A-Za-z0-9+._-]*$/.test(branch)) {
    throw new RangeError(`--branch: expected a branch's unique name like ~linaro-toolchain/gcc-linaro/4.8, not ${JSON.stringify(opts.branch)}`);
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
