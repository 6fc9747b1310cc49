/**
 * Writes a DejaGnu `.sum` file in the real layout (as runtest writes it), so
 * simulators can publish build results that the parser, compare_tests and
 * people read like real ones. parseSum(renderSum(x)) gives back x's results.
 */
import { SUMMARY_LABELS, type TestStatus } from './types.js';

export interface RenderResult {
  status: TestStatus;
  /** Test name as after `STATUS: ` (no newline). */
  name: string;
  /** Which of `variations` it ran under (default: the first). */
  variation?: string;
  /** The .exp driver for its `Running … ...` line (default: derived from the name). */
  exp?: string;
}

export interface RenderInput {
  /** `gcc`, `g++`, `libstdc++`, … */
  tool: string;
  /** The configuration tested: `Native configuration is <target>` (default x86_64-pc-linux-gnu). */
  target?: string;
  /** DejaGnu variations, each run as `Running target <v>` (default ['unix']). */
  variations?: string[];
  results: readonly RenderResult[];
  /** `Test Run By <user>` (default cbuild). */
  user?: string;
  /** Start of the run (default now); the end is `duration` later. */
  startedAt?: Date;
  /** Length of the run in seconds (default: one second per 100 results). */
  durationSeconds?: number;
  /** Trailer `<compiler>  version <version>` (defaults: /build/gcc/xgcc, 4.8.1). */
  compiler?: string;
  version?: string;
  /** Testsuite directory in `Running <srcdir>/<dir>/<x>.exp ...` lines. */
  srcdir?: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Tcl's `clock format` default (C locale `%a %b %e %H:%M:%S %Y`), in UTC. */
function dejagnuDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${time} ${date.getUTCFullYear()}`;
}

/** The .exp that runs a test: `gcc.dg/vect/x.c` → `<srcdir>/gcc.dg/vect/vect.exp`, `gcc.dg/x.c` → `<srcdir>/gcc.dg/dg.exp`. */
function driverFor(name: string, srcdir: string): string {
  const path = name.split(/\s/, 1)[0]!;
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : path;
  const base = dir.slice(dir.lastIndexOf('/') + 1).replace(/^(gcc|g\+\+|gfortran|objc|obj-c\+\+)\./, '');
  return `${srcdir}/${dir}/${base}.exp`;
}

/** `# of <label>` lines of the statuses counted, numbers aligned at column 32 like DejaGnu's. */
export function summaryCountLines(counts: ReadonlyMap<TestStatus, number>): string[] {
  const lines: string[] = [];
  for (const [status, label] of SUMMARY_LABELS) {
    const n = counts.get(status) ?? 0;
    if (n === 0) continue;
    const text = `# of ${label}`;
    lines.push(`${text}${'\t'.repeat(Math.max(1, Math.ceil((32 - text.length) / 8)))}${n}`);
  }
  return lines;
}

function count(results: readonly RenderResult[]): Map<TestStatus, number> {
  const counts = new Map<TestStatus, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return counts;
}

export function renderSum(input: RenderInput): string {
  const variations = input.variations?.length ? input.variations : ['unix'];
  const srcdir = input.srcdir ?? '/build/gcc/gcc/testsuite';
  const started = input.startedAt ?? new Date();
  const finished = new Date(started.getTime() + 1000 * (input.durationSeconds ?? Math.ceil(input.results.length / 100)));
  for (const r of input.results) {
    if (/[\r\n]/.test(r.name)) throw new Error(`renderSum: test name has a line break: ${JSON.stringify(r.name)}`);
    if (r.variation !== undefined && !variations.includes(r.variation)) {
      throw new Error(`renderSum: result '${r.name}' is for variation '${r.variation}', not one of ${variations.join(', ')}`);
    }
  }

  const lines = [
    `Test Run By ${input.user ?? 'cbuild'} on ${dejagnuDate(started)}`,
    `Native configuration is ${input.target ?? 'x86_64-pc-linux-gnu'}`,
    '',
    `\t\t=== ${input.tool} tests ===`,
    '',
    'Schedule of variations:',
    ...variations.map((v) => `    ${v}`),
    '',
  ];
  for (const variation of variations) {
    const results = input.results.filter((r) => (r.variation ?? variations[0]) === variation);
    lines.push(`Running target ${variation}`);
    let driver: string | undefined;
    for (const r of results) {
      const exp = r.exp ?? driverFor(r.name, srcdir);
      if (exp !== driver) lines.push(`Running ${exp} ...`);
      driver = exp;
      lines.push(`${r.status}: ${r.name}`);
    }
    if (variations.length > 1) lines.push('', `\t\t=== ${input.tool} Summary for ${variation} ===`, '', ...summaryCountLines(count(results)));
  }
  lines.push('', `\t\t=== ${input.tool} Summary ===`, '', ...summaryCountLines(count(input.results)));
  lines.push(`${input.compiler ?? '/build/gcc/xgcc'}  version ${input.version ?? '4.8.1'} `, '', `runtest completed at ${dejagnuDate(finished)}`, '');
  return lines.join('\n');
}
