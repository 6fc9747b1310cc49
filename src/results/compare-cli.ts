/**
 * `cbuild-bot compare OLD.sum[.xz] NEW.sum[.xz] [--manifest FILE] [--json]`:
 * GCC's contrib/compare_tests for two DejaGnu summaries, with the
 * classification of cbuild.md §7.
 *
 * Exit status: 0 no regressions, 1 regressions (a test that passed now FAILs),
 * 2 bad input or arguments. Unlike compare_tests, new tests that FAIL do not
 * set 1 (Joseph Myers: not regressions); they are listed for triage.
 *
 * Imports only this component and node built-ins, so the command starts fast.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { compareSums } from './compare.js';
import { ManifestError, parseManifest, type Manifest } from './manifest.js';
import { SumReadError, readSum, readSumBytes } from './read.js';
import { compareResultToJson, formatCompareReport } from './report.js';
import { DEFAULT_MAX_LINE_BYTES, SumLineTooLongError, SumParseError, parseSum } from './sum.js';

export const COMPARE_USAGE = `Usage: cbuild-bot compare OLD.sum[.xz] NEW.sum[.xz] [--manifest FILE] [--json] [--max-line-bytes N]

Compares two DejaGnu .sum files (plain, .xz or .gz) the way GCC's contrib/compare_tests does
and classifies the changes: a test that passed and now FAILs is a regression; new tests that
FAIL are listed for triage; PASS -> XFAIL, disappeared tests and XPASS are not regressions.

Options:
  --manifest FILE  known-flaky tests (validate_failures.py format: '[flaky |] FAIL: name');
                   their changes are listed apart and never count as regressions
  --json           print one JSON object: now_fail, now_pass, new_fail, new_pass, gone_pass and
                   gone_fail exactly as compare_tests lists them, plus details
  --max-line-bytes N
                   refuse a file with a line longer than N bytes (default ${DEFAULT_MAX_LINE_BYTES}):
                   such a line is garbage, not a test result
  -h, --help       this help

Exit status: 0 no regressions, 1 regressions, 2 bad input or arguments.
`;

export interface CompareIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A problem the user can fix (arguments, files); exit status 2. */
class UsageError extends Error {}

export async function compareCommand(argv: string[], io: CompareIo): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args: argv,
      options: {
        manifest: { type: 'string' },
        json: { type: 'boolean', default: false },
        'max-line-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr.write(`cbuild-bot compare: ${(error as Error).message}\n\n${COMPARE_USAGE}`);
    return 2;
  }
  if (options.values.help) {
    io.stdout.write(COMPARE_USAGE);
    return 0;
  }
  try {
    const [oldPath, newPath, ...extra] = options.positionals;
    if (!oldPath || !newPath) throw new UsageError('needs two files: OLD.sum and NEW.sum');
    if (extra.length > 0) throw new UsageError(`too many arguments: ${extra.join(' ')}`);
    const manifestPath = options.values.manifest;
    const maxLineBytes = positiveInteger('--max-line-bytes', options.values['max-line-bytes']) ?? DEFAULT_MAX_LINE_BYTES;

    // The thread pool reads both files at once; the old one is parsed as its
    // chunks arrive, then the new one "like" the old one (the ranges both
    // share are not parsed twice).
    const newBytes = readSumBytes(newPath, { maxLineBytes });
    newBytes.catch(() => undefined);
    const manifest = manifestPath === undefined ? undefined : loadManifest(manifestPath);
    manifest?.catch(() => undefined);
    const before = await readSum(oldPath, { maxLineBytes });
    const after = parseSum(await newBytes, { source: newPath, like: before, maxLineBytes });
    const result = compareSums(before, after, { manifest: await manifest });

    const files = { before, after, manifest: manifestPath };
    // Compact JSON: two unrelated files make ~10^6 entries (use jq to read it).
    io.stdout.write(options.values.json ? `${JSON.stringify(compareResultToJson(result, files))}\n` : formatCompareReport(result, files));
    return result.regressions.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`cbuild-bot compare: ${error.message}\n\n${COMPARE_USAGE}`);
      return 2;
    }
    if (error instanceof SumLineTooLongError) {
      io.stderr.write(`cbuild-bot compare: ${error.message} (--max-line-bytes)\n`);
      return 2;
    }
    if (error instanceof SumReadError || error instanceof SumParseError || error instanceof ManifestError) {
      io.stderr.write(`cbuild-bot compare: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function positiveInteger(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`${option}: expected a positive number of bytes, not ${JSON.stringify(value)}`);
  return Number(value);
}

async function loadManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ManifestError(`${path}: cannot read the manifest: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return parseManifest(text, { source: path });
}
