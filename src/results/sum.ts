/**
 * DejaGnu `.sum` parser.
 *
 * A `.sum` file is read as bytes and a line ends at `\n` only: real files hold
 * bytes that are not UTF-8 and carriage returns inside test names, and GCC's
 * contrib/compare_tests (sed/awk/sort/comm) treats them as plain bytes too.
 *
 * Real files have ~370,000 result lines, so the parser does not build an object
 * per line: it records each result line in typed arrays (`SumIndex`), which the
 * comparison reads directly; `SumFile.results` materialises objects on demand.
 */
import { alignFiles, type CommonRange } from './align.js';
import { byteString, byteStringToText, bytesToText, hasWordAt } from './bytes.js';
import { SUMMARY_LABELS, TEST_STATUSES, emptyCounts, type StatusCounts, type SumWarning, type TestStatus } from './types.js';

/** The input is not a usable `.sum` file; the message names the file and the problem. */
export class SumParseError extends Error {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'SumParseError';
  }
}

/** A line longer than the parse's `maxLineBytes`: refused before it becomes a string. */
export class SumLineTooLongError extends SumParseError {
  constructor(
    source: string,
    readonly line: number,
    readonly bytes: number,
    readonly maxLineBytes: number,
  ) {
    super(source, `line ${line} is ${bytes} bytes long, more than the limit of ${maxLineBytes} bytes on a line`);
    this.name = 'SumLineTooLongError';
  }
}

export interface ParseOptions {
  /** Names the input in errors and warnings (a path, usually). */
  source?: string;
  /**
   * A parse of a similar file (the other side of a comparison): the byte
   * ranges both files share are taken from it instead of being parsed again.
   * The result is the same as without it, only faster.
   */
  like?: SumFile;
  /**
   * Refuse a line longer than this (SumLineTooLongError) before making a
   * string of it: a multi-hundred-megabyte "line" is garbage, and V8 cannot
   * hold a string over ~512 Mi characters. Default DEFAULT_MAX_LINE_BYTES.
   */
  maxLineBytes?: number;
}

export interface SumHeader {
  /** `Test Run By <user> on <date>` */
  testRunBy?: string;
  startedAt?: string;
  /** `Native configuration is <triplet>` */
  nativeConfiguration?: string;
  /** `Target is <triplet>` (cross testing) */
  target?: string;
  /** `Host   is <triplet>` */
  host?: string;
  /** `Build  is <triplet>` */
  build?: string;
  /** Trailer lines such as `/build/gcc/xgcc  version 12.2.0 (…)`. */
  versions: string[];
  /** `runtest completed at <date>` */
  completedAt?: string;
}

/** One `=== <tool> Summary [for <variation>] ===` block as the file declares it. */
export interface DeclaredSummary {
  /** The variation for `Summary for <variation>`; null for the run's total. */
  variation: string | null;
  /** The `# of …` lines DejaGnu totals, by status (absent lines mean 0). */
  counts: Partial<Record<TestStatus, number>>;
  /** Other `# of …` lines (`paths in test names`, `duplicate test names`, …) by label. */
  other: Record<string, number>;
  line: number;
}

/** One `=== <tool> tests ===` section. */
export interface ToolRun {
  tool: string;
  /** Line of the `=== <tool> tests ===` header (0 when results came before any header). */
  line: number;
  /** The `Schedule of variations:` list. */
  variations: string[];
  /** Result lines counted in this run, by variation (the `Running target` name). */
  counted: Record<string, StatusCounts>;
  declared: DeclaredSummary[];
}

/** One result line. Names are display text (UTF-8; bytes that are not UTF-8 show as U+FFFD). */
export interface TestResult {
  status: TestStatus;
  name: string;
  tool: string;
  /** The `Running target <variation>` in force: `unix`, `unix/-m32`, a board name, or '' before any. */
  variation: string;
  line: number;
}

/** compare_tests classes of a line after its `XFAIL`→`FAIL`, `XPASS`→`PASS` rewriting. */
export const CLS_PASS = 1; // grep '^PASS'
export const CLS_FAIL = 2; // grep '^FAIL'
export const CLS_FAIL_COLON = 4; // grep '^FAIL:'
export const CLS_PASS_OR_FAIL = 8; // grep '^[PF]A[SI][SL]'
/** The compare_tests name is in `SumIndex.overrides`, not `prefix + name range`. */
export const CLS_OVERRIDE = 16;

/**
 * Every line that is a DejaGnu result or takes part in compare_tests, in file
 * order, as parallel arrays; and where the other lines are. Internal to the
 * results component.
 */
export interface SumIndex {
  buf: Buffer;
  count: number;
  lineStart: Int32Array;
  /** The test name: bytes after `STATUS: ` (for compare_tests lines of the usual shape, its name less the target prefix). */
  nameStart: Int32Array;
  nameEnd: Int32Array;
  lineNo: Int32Array;
  /** 1 + index in TEST_STATUSES; 0 for a compare_tests line that is no DejaGnu result (e.g. `PASSED: x`). */
  status: Uint8Array;
  cls: Uint8Array;
  /** Index in `targets`. */
  target: Int32Array;
  /** Index in `SumFile.runs`. */
  run: Int32Array;
  /** `nameFingerprint` of compare_tests lines of the usual shape (`PASS: `, `XFAIL: `, …); 0 for other lines. */
  fingerprint: Int32Array;
  /** First byte of the test name (for telling names that could be split after another target's prefix). */
  nameFirst: Uint8Array;
  /** Indexes of the compare_tests lines that have no fingerprint (FAIL, XFAIL, unusual shapes), in order. */
  specials: Int32Array;
  /** Start offsets of the lines that are not in the index (headers, blank lines, …), in order. */
  others: Int32Array;
  /** The target id in force after each of `others`. */
  othersTarget: Int32Array;
  /** `Running target` names (awk's `$3`, byte strings) by id; id 0 is '' (before any). */
  targets: string[];
  /** compare_tests names (byte strings) of lines of an unusual shape, by index. */
  overrides: Map<number, string>;
  /** Lines end in `\r\n` throughout and the `\r` was dropped. */
  crlf: boolean;
  /** Lines longer than LONG_LINE_BYTES. */
  longLines: number;
  /** Set when parsed `like` another file: the ranges both share (`a` in that file, `b` in this one). */
  alignedWith?: { index: SumIndex; ranges: CommonRange[] };
}

const STATUS_WORDS = TEST_STATUSES.map((status, i) => ({ word: status, code: i + 1 }));
const LABEL_TO_STATUS = new Map<string, TestStatus>(SUMMARY_LABELS.map(([status, label]) => [label, status]));
/** Lines longer than this are reported: real result lines are at most a few KiB. */
const LONG_LINE_BYTES = 64 * 1024;
/** Lines longer than this are refused (ParseOptions.maxLineBytes). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Offsets are kept in Int32Array. */
const MAX_PARSE_BYTES = 0x7fffffff;

const TOOL_HEADER = /^\s*=== (.+) tests ===\s*$/;
const SUMMARY_HEADER = /^\s*=== (.+?) Summary(?: for (.+?))? ===\s*$/;
const COUNT_LINE = /^# of (.+?)\s+(\d+)\s*$/;
const TEST_RUN_BY = /^Test [Rr]un [Bb]y (.*?) on (.*)$/;
const VERSION_LINE = /^\S+\s+version\s/;

/** `$3` of an awk line split on blanks, as compare_tests takes the target from `Running target …`. */
function awkThirdField(line: string): string {
  return line.split(/[ \t]+/).filter((field) => field !== '')[2] ?? '';
}

/**
 * compare_tests' name for a line (byte strings), literally: `sed` rewrites XFAIL/XPASS,
 * `awk` inserts `<target>: ` after the first `: ` unless the target is `unix`
 * (`&` in the target stands for the matched `: `, `\&` for `&`), then `sed`
 * strips `^[^:]*:[ \t]`.
 */
function compareTestsName(line: string, target: string): string {
  return stripStatus(compareTestsLine(line, target));
}

/** The line as compare_tests' `sed | awk` pre-processing leaves it (byte strings). */
export function compareTestsLine(line: string, target: string): string {
  let rewritten = line.startsWith('XFAIL') ? `FAIL${line.slice(5)}` : line.startsWith('XPASS') ? `PASS${line.slice(5)}` : line;
  if (target !== 'unix') {
    const at = rewritten.indexOf(': ');
    if (at >= 0) {
      const inserted = target.replace(/\\&|&/g, (m) => (m === '&' ? ': ' : '&'));
      rewritten = `${rewritten.slice(0, at)}: ${inserted}: ${rewritten.slice(at + 2)}`;
    }
  }
  return rewritten;
}

/** compare_tests' `sed 's/^[^:]*:[ \t]//'`. */
export function stripStatus(line: string): string {
  const strip = /^[^:]*:[ \t]/.exec(line);
  return strip ? line.slice(strip[0].length) : line;
}

/** The compare_tests name prefix of lines under `target` (byte string). */
export function targetPrefix(target: string): string {
  return target === 'unix' ? '' : compareTestsName(': ', target);
}

const FP_MUL = 0x01000193;

/**
 * Cheap hash of a compare_tests name split as a prefix of `prefixLength` bytes
 * (the target's) and the rest, bytes [start, end) of `bytes`: the rest's
 * length and 28 of its bytes: 12 to 32 (where GCC names have the test file's
 * name, after its directory), 4 in the middle and the last 4, read as 32-bit
 * words. The comparison uses it to skip most identical lines without hashing
 * them in full.
 */
export function nameFingerprint(prefixLength: number, bytes: DataView, start: number, end: number): number {
  const n = end - start;
  let h = Math.imul(n + 1, 0x9e3779b1) ^ prefixLength;
  if (n >= 36) {
    h = Math.imul(h ^ bytes.getInt32(start + 12, true), FP_MUL);
    h = Math.imul(h ^ bytes.getInt32(start + 16, true), FP_MUL);
    h = Math.imul(h ^ bytes.getInt32(start + 20, true), FP_MUL);
    h = Math.imul(h ^ bytes.getInt32(start + 24, true), FP_MUL);
    h = Math.imul(h ^ bytes.getInt32(start + 28, true), FP_MUL);
    h = Math.imul(h ^ bytes.getInt32(start + (n >>> 1), true), FP_MUL);
    h = Math.imul(h ^ bytes.getInt32(end - 4, true), FP_MUL);
  } else {
    for (let k = start; k < end; k++) h = Math.imul(h ^ bytes.getUint8(k), FP_MUL);
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 12;
  // Odd, so never 0 (which marks lines without a fingerprint), and a small integer for V8.
  return (h & 0x3ffffffe) | 1;
}

/**
 * nameFingerprint of a name whose bytes are `head` (a byte string) then
 * `buf[start, end)`, split after its first `prefixLength` bytes: the same
 * value as nameFingerprint gives for the same name and split.
 */
export function nameFingerprintOfParts(prefixLength: number, head: string, buf: Buffer | undefined, start: number, end: number): number {
  const headLength = head.length;
  const n = headLength + (end - start) - prefixLength;
  // Byte k of the rest (the name after the split).
  const at = (k: number): number => {
    const i = prefixLength + k;
    return i < headLength ? head.charCodeAt(i) : buf![start + i - headLength]!;
  };
  const word = (k: number): number => at(k) | (at(k + 1) << 8) | (at(k + 2) << 16) | (at(k + 3) << 24);
  let h = Math.imul(n + 1, 0x9e3779b1) ^ prefixLength;
  if (n >= 36) {
    h = Math.imul(h ^ word(12), FP_MUL);
    h = Math.imul(h ^ word(16), FP_MUL);
    h = Math.imul(h ^ word(20), FP_MUL);
    h = Math.imul(h ^ word(24), FP_MUL);
    h = Math.imul(h ^ word(28), FP_MUL);
    h = Math.imul(h ^ word(n >>> 1), FP_MUL);
    h = Math.imul(h ^ word(n - 4), FP_MUL);
  } else {
    for (let k = 0; k < n; k++) h = Math.imul(h ^ at(k), FP_MUL);
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h & 0x3ffffffe) | 1;
}

/** A DataView over a Buffer's bytes, for nameFingerprint. */
export function dataViewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** compare_tests classes of the line at `buf[s, e)`, from its first bytes. */
function compareClass(buf: Buffer, s: number, e: number): number {
  // `sed 's/^XFAIL/FAIL/; s/^XPASS/PASS/'`: read the rewritten line through an offset.
  let o = s;
  if (buf[s] === 0x58 /* X */ && (hasWordAt(buf, s, e, 'XFAIL') || hasWordAt(buf, s, e, 'XPASS'))) o = s + 1;
  if (o + 4 > e) return 0;
  const c0 = buf[o]!;
  const c1 = buf[o + 1]!;
  const c2 = buf[o + 2]!;
  const c3 = buf[o + 3]!;
  if (!((c0 === 0x50 || c0 === 0x46) && c1 === 0x41 && (c2 === 0x53 || c2 === 0x49) && (c3 === 0x53 || c3 === 0x4c))) return 0;
  let cls = CLS_PASS_OR_FAIL;
  if (c0 === 0x50 && c2 === 0x53 && c3 === 0x53) cls |= CLS_PASS;
  if (c0 === 0x46 && c2 === 0x49 && c3 === 0x4c) {
    cls |= CLS_FAIL;
    if (o + 4 < e && buf[o + 4] === 0x3a) cls |= CLS_FAIL_COLON;
  }
  return cls;
}

/** The DejaGnu status code of a line `STATUS:…` (1 + index in TEST_STATUSES), else 0. */
function statusCode(buf: Buffer, s: number, e: number): number {
  const c0 = buf[s];
  for (const { word, code } of STATUS_WORDS) {
    if (word.charCodeAt(0) === c0 && hasWordAt(buf, s, e, word) && buf[s + word.length] === 0x3a && s + word.length < e) return code;
  }
  return 0;
}

/** First index in `sorted[0, count)` whose value is ≥ `value`. */
export function lowerBound(sorted: Int32Array, count: number, value: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class GrowableIndex {
  lineStart: Int32Array;
  nameStart: Int32Array;
  nameEnd: Int32Array;
  lineNo: Int32Array;
  status: Uint8Array;
  cls: Uint8Array;
  target: Int32Array;
  run: Int32Array;
  fingerprint: Int32Array;
  nameFirst: Uint8Array;
  specials: Int32Array;

  constructor(capacity: number) {
    this.lineStart = new Int32Array(capacity);
    this.nameStart = new Int32Array(capacity);
    this.nameEnd = new Int32Array(capacity);
    this.lineNo = new Int32Array(capacity);
    this.status = new Uint8Array(capacity);
    this.cls = new Uint8Array(capacity);
    this.target = new Int32Array(capacity);
    this.run = new Int32Array(capacity);
    this.fingerprint = new Int32Array(capacity);
    this.nameFirst = new Uint8Array(capacity);
    this.specials = new Int32Array(capacity);
  }

  /** Makes room for `needed` entries in all. */
  reserve(needed: number): void {
    let capacity = this.lineStart.length;
    if (needed <= capacity) return;
    while (capacity < needed) capacity *= 2;
    const grown = <T extends Int32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity);
      b.set(a);
      return b;
    };
    this.lineStart = grown(this.lineStart);
    this.nameStart = grown(this.nameStart);
    this.nameEnd = grown(this.nameEnd);
    this.lineNo = grown(this.lineNo);
    this.status = grown(this.status);
    this.cls = grown(this.cls);
    this.target = grown(this.target);
    this.run = grown(this.run);
    this.fingerprint = grown(this.fingerprint);
    this.nameFirst = grown(this.nameFirst);
    this.specials = grown(this.specials);
  }
}

/** A growable list of numbers in an Int32Array. */
class IntList {
  items = new Int32Array(256);
  count = 0;
  push(value: number): void {
    if (this.count === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.count++] = value;
  }
  toArray(): Int32Array {
    return this.items.subarray(0, this.count);
  }
}

/** A parsed `.sum` file. */
export class SumFile {
  private materialised: TestResult[] | undefined;

  constructor(
    readonly source: string,
    readonly header: SumHeader,
    readonly runs: ToolRun[],
    readonly warnings: SumWarning[],
    /** Number of DejaGnu result lines (all statuses). */
    readonly resultCount: number,
    readonly lineCount: number,
    /** Internal: what the comparison reads. */
    readonly index: SumIndex,
  ) {}

  /** Every result line in file order (built on first use: ~370k objects for a full GCC run). */
  get results(): readonly TestResult[] {
    if (!this.materialised) {
      const ix = this.index;
      const out: TestResult[] = [];
      const variations = ix.targets.map(byteStringToText);
      for (let i = 0; i < ix.count; i++) {
        const code = ix.status[i]!;
        if (code === 0) continue;
        out.push({
          status: TEST_STATUSES[code - 1]!,
          name: bytesToText(ix.buf, ix.nameStart[i]!, ix.nameEnd[i]!),
          tool: this.runs[ix.run[i]!]!.tool,
          variation: variations[ix.target[i]!]!,
          line: ix.lineNo[i]!,
        });
      }
      this.materialised = out;
    }
    return this.materialised;
  }
}

/** Number of `\n` in `buf`, counting up to `max`. */
function countNewlines(buf: Buffer, max: number): number {
  let n = 0;
  for (let at = buf.indexOf(10); at >= 0 && n < max; at = buf.indexOf(10, at + 1)) n++;
  return n;
}

/** Decides whether the file uses CRLF line ends, from its first lines. */
function detectCrlf(buf: Buffer): boolean {
  let lines = 0;
  let crlf = 0;
  let pos = 0;
  while (lines < 200) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break;
    lines++;
    if (nl > pos && buf[nl - 1] === 13) crlf++;
    pos = nl + 1;
  }
  return lines > 0 && crlf * 10 >= lines * 9;
}

/**
 * Parses a DejaGnu `.sum` file. Bytes are taken as they are (a string is
 * encoded as UTF-8 first). Throws SumParseError when the input cannot be a
 * `.sum` file (empty, or neither a result line nor a summary); anything else
 * odd becomes a warning on the result.
 */
export function parseSum(input: Buffer | string, options: ParseOptions = {}): SumFile {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  return newParser(buf, options).parse();
}

/** Parsing a buffer while it is being filled from its start (see readSum). */
export interface IncrementalParse {
  /** Parses what the first `available` bytes hold; the whole buffer: all of it. */
  advance(available: number): void;
  /** The result, once the whole buffer was advanced over. */
  end(): SumFile;
}

/** parseSum for a buffer whose bytes arrive in order; same result, same errors. */
export function parseSumIncrementally(buf: Buffer, options: Omit<ParseOptions, 'like'> = {}): IncrementalParse {
  return newParser(buf, options);
}

function newParser(buf: Buffer, options: ParseOptions): SumParser {
  const source = options.source ?? '<input>';
  if (buf.length === 0) throw new SumParseError(source, 'empty file: no DejaGnu results');
  if (buf.length > MAX_PARSE_BYTES) throw new SumParseError(source, `file too large to parse: ${buf.length} bytes (limit ${MAX_PARSE_BYTES})`);
  if (!primed) {
    primed = true;
    new SumParser(Buffer.from(PRIMER, 'latin1'), 'primer').parse();
  }
  return new SumParser(buf, source, options.like?.index, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
}

/**
 * A few lines of every kind the hot loops handle, parsed once before the first
 * real file: V8 then has type feedback for every branch when it optimises the
 * loops, instead of optimising, meeting the first XFAIL line, throwing the
 * code away and recompiling (3 times, ~30 ms on a 370k-line file).
 */
const PRIMER = [
  '\t\t=== primer tests ===',
  'Running target unix',
  ...Array.from({ length: 8 }, (_, i) =>
    [
      `PASS: primer/p${i}.c (test for excess errors) and a name long enough`,
      `FAIL: p${i}.c execution test`,
      `XPASS: p${i}.c x`,
      `XFAIL: p${i}.c y`,
      `UNSUPPORTED: p${i}.c`,
      '',
    ].join('\n'),
  ),
  '\t\t=== primer Summary ===',
  '',
].join('\n');
let primed = false;

/** Where the line scanner stopped; reused between calls so the hot loop allocates nothing. */
interface ScanState {
  lineNo: number;
  count: number;
  specialCount: number;
  /** Longer lines leave the hot loop for `line()`, which reports or refuses them. */
  fastLineLimit: number;
}

/**
 * The hot loop: indexes consecutive result lines of the usual shape
 * (`PASS: `, `FAIL: `, `XPASS: `, `XFAIL: `, `UNSUPPORTED: ` then the name,
 * ended by `\n`) up to `limit` and returns the offset of the first line it
 * leaves to the general parser. Kept small so the JIT optimises it early: it
 * runs once per file, over ~370k lines.
 */
function scanUsualLines(
  buf: Buffer,
  bytes: DataView,
  pos: number,
  limit: number,
  crlf: boolean,
  ix: GrowableIndex,
  counts: Int32Array,
  target: number,
  prefixLength: number,
  run: number,
  st: ScanState,
): number {
  const { lineStart, nameStart, nameEnd, lineNo, status, cls, target: targetOf, run: runOf, fingerprint, nameFirst, specials } = ix;
  const capacity = lineStart.length;
  let n = st.count;
  let specialCount = st.specialCount;
  let line = st.lineNo;
  const fastLineLimit = st.fastLineLimit;
  while (n < capacity && pos < limit) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0 || nl - pos > fastLineLimit) break;
    const c0 = buf[pos];
    let code: number;
    let c: number;
    let start: number;
    if (c0 === 0x50 && buf[pos + 1] === 0x41 && buf[pos + 2] === 0x53 && buf[pos + 3] === 0x53 && buf[pos + 4] === 0x3a && buf[pos + 5] === 0x20) {
      code = 1; // PASS:
      c = CLS_PASS | CLS_PASS_OR_FAIL;
      start = pos + 6;
    } else if (c0 === 0x46 && buf[pos + 1] === 0x41 && buf[pos + 2] === 0x49 && buf[pos + 3] === 0x4c && buf[pos + 4] === 0x3a && buf[pos + 5] === 0x20) {
      code = 2; // FAIL:
      c = CLS_FAIL | CLS_FAIL_COLON | CLS_PASS_OR_FAIL;
      start = pos + 6;
    } else if (c0 === 0x58 && buf[pos + 5] === 0x3a && buf[pos + 6] === 0x20) {
      const c1 = buf[pos + 1];
      if (c1 === 0x50 && buf[pos + 2] === 0x41 && buf[pos + 3] === 0x53 && buf[pos + 4] === 0x53) {
        code = 3; // XPASS:
        c = CLS_PASS | CLS_PASS_OR_FAIL;
      } else if (c1 === 0x46 && buf[pos + 2] === 0x41 && buf[pos + 3] === 0x49 && buf[pos + 4] === 0x4c) {
        code = 4; // XFAIL:
        c = CLS_FAIL | CLS_FAIL_COLON | CLS_PASS_OR_FAIL;
      } else break;
      start = pos + 7;
    } else if (c0 === 0x55 && buf[pos + 11] === 0x3a && buf[pos + 12] === 0x20 && hasWordAt(buf, pos, nl, 'UNSUPPORTED')) {
      code = 7;
      c = 0;
      start = pos + 13;
    } else break;
    // The status bytes are no newline, so `start` is within the line.
    const end = crlf && buf[nl - 1] === 13 ? nl - 1 : nl;
    lineStart[n] = pos;
    nameStart[n] = start;
    nameEnd[n] = end;
    lineNo[n] = ++line;
    status[n] = code;
    cls[n] = c;
    targetOf[n] = target;
    runOf[n] = run;
    if (c !== 0) {
      fingerprint[n] = nameFingerprint(prefixLength, bytes, start, end);
      nameFirst[n] = buf[start]!;
      if (!(c & CLS_PASS)) specials[specialCount++] = n;
    }
    n++;
    counts[code]!++;
    pos = nl + 1;
  }
  st.count = n;
  st.lineNo = line;
  st.specialCount = specialCount;
  return pos;
}

/**
 * Copies the offsets and line numbers of index entries [from, to) of another
 * file's parse into `ix` at `at`, moved by `shift` bytes and `lineShift`
 * lines, and counts their statuses. One small loop, like scanUsualLines.
 */
function copyEntries(other: SumIndex, from: number, to: number, ix: GrowableIndex, at: number, shift: number, lineShift: number, counts: Int32Array): void {
  const { lineStart, nameStart, nameEnd, lineNo, status } = other;
  const { lineStart: toLineStart, nameStart: toNameStart, nameEnd: toNameEnd, lineNo: toLineNo } = ix;
  for (let k = from, j = at; k < to; k++, j++) {
    toLineStart[j] = lineStart[k]! + shift;
    toNameStart[j] = nameStart[k]! + shift;
    toNameEnd[j] = nameEnd[k]! + shift;
    toLineNo[j] = lineNo[k]! + lineShift;
    counts[status[k]!]!++;
  }
}

/** The general parser: state between lines, and every line the hot loop leaves to it. */
class SumParser implements IncrementalParse {
  private readonly warnings: SumWarning[] = [];
  private crlf = false;
  private readonly bytes: DataView;
  private readonly ix: GrowableIndex;
  private readonly header: SumHeader = { versions: [] };
  private readonly runs: ToolRun[] = [];
  /** `Running target` names (byte strings) by id; id 0 is '' (before any). */
  private readonly targets: string[] = [''];
  private readonly targetIds = new Map<string, number>([['', 0]]);
  /** Length of each target's compare_tests name prefix. */
  private readonly prefixLengths: number[] = [targetPrefix('').length];
  private readonly overrides = new Map<number, string>();
  private readonly others = new IntList();
  private readonly othersTarget = new IntList();
  /** Counts per status code, by run then target id. */
  private readonly countTables: Array<Map<number, Int32Array>> = [];
  private targetId = 0;
  private runId = -1;
  private counts: Int32Array | undefined;
  private summary: DeclaredSummary | undefined;
  private inSchedule = false;
  private unrecognised = 0;
  private firstUnrecognised = 0;
  private longLines = 0;
  private firstLongLine = 0;
  private readonly st: ScanState;

  /** Where parsing goes on from; the shared range to replay next (`like` mode). */
  private pos = 0;
  private started = false;
  private ranges: CommonRange[] = [];
  private nextRange = 0;
  private follow = false;

  constructor(
    private readonly buf: Buffer,
    private readonly source: string,
    private readonly like?: SumIndex,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {
    this.st = { lineNo: 0, count: 0, specialCount: 0, fastLineLimit: Math.min(LONG_LINE_BYTES, maxLineBytes) };
    this.bytes = dataViewOf(buf);
    this.ix = new GrowableIndex(Math.max(1024, Math.ceil(buf.length / 72)));
  }

  parse(): SumFile {
    this.advance(this.buf.length);
    return this.end();
  }

  /**
   * Parses the complete lines in the first `available` bytes (the whole
   * buffer: every line): lets a caller parse a file while the rest of it is
   * still being read into the buffer. The result does not depend on how the
   * bytes arrived.
   */
  advance(available: number): void {
    const final = available >= this.buf.length;
    const view = final ? this.buf : this.buf.subarray(0, available);
    const { st } = this;
    if (!this.started) {
      // Line ends are decided on the first 200 lines: wait for them.
      if (!final && countNewlines(view, 200) < 200) return;
      this.started = true;
      this.crlf = detectCrlf(view);
      const like = this.like;
      if (like !== undefined) {
        if (!final) throw new Error('internal error: parsing like another file needs the whole file');
        // Ranges shared with `like` are replayed from its index; they start and end at line starts.
        // (A limit below LONG_LINE_BYTES must see every line itself.)
        this.follow = like.crlf === this.crlf && like.overrides.size === 0 && like.longLines === 0 && this.maxLineBytes >= LONG_LINE_BYTES;
        this.ranges = this.follow ? alignFiles(like.buf, this.buf) : [];
      }
    }
    const ranges = this.ranges;
    let pos = this.pos;
    while (pos < available) {
      if (this.nextRange < ranges.length && pos === ranges[this.nextRange]!.b) {
        const range = ranges[this.nextRange++]!;
        if (this.targets[this.targetId] === targetBefore(this.like!, range.a)) pos = this.replay(this.like!, range);
        continue;
      }
      const limit = this.nextRange < ranges.length ? ranges[this.nextRange]!.b : available;
      if (this.counts !== undefined) {
        const before = st.count;
        this.ix.reserve(st.count + 1);
        const prefixLength = this.prefixLengths[this.targetId]!;
        pos = scanUsualLines(view, this.bytes, pos, limit, this.crlf, this.ix, this.counts, this.targetId, prefixLength, this.runId, st);
        if (st.count !== before) this.afterResult();
        if (pos >= limit) continue;
      }
      if (!final && view.indexOf(10, pos) < 0) break; // the rest of this line is still being read
      pos = this.line(pos);
    }
    this.pos = pos;
  }

  /** After the last `advance`: checks that need the whole file, and the result. */
  end(): SumFile {
    const { buf, warnings, st } = this;
    if (this.pos < buf.length) throw new Error(`internal error: parse ended at byte ${this.pos} of ${buf.length}`);
    const firstNul = buf.indexOf(0);
    if (firstNul >= 0) warnings.unshift({ line: countLines(buf, firstNul) + 1, message: 'file holds NUL bytes: binary data or a corrupt file?' });
    if (this.crlf) warnings.unshift({ message: 'lines end in CRLF (\\r\\n); the \\r before each \\n was dropped (compare_tests would keep it in every name)' });
    if (buf[buf.length - 1] !== 10) warnings.push({ line: st.lineNo, message: 'last line has no newline: file truncated?' });
    const file = this.finish();
    if (this.follow) file.index.alignedWith = { index: this.like!, ranges: this.ranges };
    return file;
  }

  /**
   * Takes the lines of a shared range from `like`'s index, and parses the
   * other lines of the range (headers, `Running target`, …) as usual. Entries
   * are copied in bulk, split only where the target or run changes.
   */
  private replay(like: SumIndex, range: CommonRange): number {
    const st = this.st;
    const ix = this.ix;
    const shift = range.b - range.a;
    const end = range.a + range.len;
    const k0 = lowerBound(like.lineStart, like.count, range.a);
    const kEnd = lowerBound(like.lineStart, like.count, end);
    const o0 = lowerBound(like.others, like.others.length, range.a);
    const oEnd = lowerBound(like.others, like.others.length, end);
    // Every line is an entry or an "other" line, so `like`'s line number of
    // entry k / other o is k + (others before it) + 1.
    const lineShift = st.lineNo - (k0 + o0);
    const at = st.count;
    const m = kEnd - k0;
    ix.reserve(at + m);
    ix.status.set(like.status.subarray(k0, kEnd), at);
    ix.cls.set(like.cls.subarray(k0, kEnd), at);
    ix.fingerprint.set(like.fingerprint.subarray(k0, kEnd), at);
    ix.nameFirst.set(like.nameFirst.subarray(k0, kEnd), at);
    for (let s = lowerBound(like.specials, like.specials.length, k0); s < like.specials.length && like.specials[s]! < kEnd; s++) {
      ix.specials[st.specialCount++] = like.specials[s]! - k0 + at;
    }

    let blockStart = k0;
    let entriesSeen = k0;
    const takeEntries = (upTo: number): void => {
      // Entries before the next other line: what their parse would have done.
      if (upTo === entriesSeen) return;
      if (this.runId < 0) {
        this.copyBlock(like, blockStart, entriesSeen, at - k0, shift, lineShift);
        blockStart = entriesSeen;
        this.ensureRun(entriesSeen + lowerBound(like.others, like.others.length, like.lineStart[entriesSeen]!) + 1 + lineShift);
      }
      this.afterResult();
      entriesSeen = upTo;
    };
    for (let o = o0; o < oEnd; o++) {
      const kBefore = lowerBound(like.lineStart, kEnd, like.others[o]!);
      takeEntries(kBefore);
      const s = like.others[o]! + shift;
      const nl = this.buf.indexOf(10, s);
      let e = nl < 0 ? this.buf.length : nl;
      if (this.crlf && e > s && this.buf[e - 1] === 13) e--;
      const target = this.targetId;
      const run = this.runId;
      this.otherLine(s, e, o + kBefore + 1 + lineShift);
      if (this.targetId !== target || this.runId !== run) {
        this.copyBlock(like, blockStart, kBefore, at - k0, shift, lineShift, target, run);
        blockStart = kBefore;
      }
    }
    takeEntries(kEnd);
    this.copyBlock(like, blockStart, kEnd, at - k0, shift, lineShift);
    st.count = at + m;
    st.lineNo += m + (oEnd - o0);
    return end + shift;
  }

  /** Copies entries [from, to) of `like` (index moved by `indexShift`) under the given target and run. */
  private copyBlock(like: SumIndex, from: number, to: number, indexShift: number, shift: number, lineShift: number, target = this.targetId, run = this.runId): void {
    if (to <= from) return;
    this.ix.target.fill(target, from + indexShift, to + indexShift);
    this.ix.run.fill(run < 0 ? 0 : run, from + indexShift, to + indexShift);
    copyEntries(like, from, to, this.ix, from + indexShift, shift, lineShift, this.countsFor(run, target));
  }

  /** Parses the line at `pos` whatever it is; returns where the next line starts. */
  private line(pos: number): number {
    const { buf, st } = this;
    const nl = buf.indexOf(10, pos);
    const next = nl < 0 ? buf.length : nl + 1;
    let e = nl < 0 ? buf.length : nl;
    if (this.crlf && e > pos && buf[e - 1] === 13) e--;
    const lineNo = ++st.lineNo;
    if (e - pos > this.maxLineBytes) throw new SumLineTooLongError(this.source, lineNo, e - pos, this.maxLineBytes);
    if (e - pos > LONG_LINE_BYTES && this.longLines++ === 0) this.firstLongLine = lineNo;

    const code = statusCode(buf, pos, e);
    let cls = compareClass(buf, pos, e);
    if (code === 0 && cls === 0) {
      this.otherLine(pos, e, lineNo);
      return next;
    }
    let nameStart = pos;
    let usual = false;
    if (code !== 0) {
      nameStart = pos + TEST_STATUSES[code - 1]!.length + 1;
      // `STATUS: name` is what DejaGnu writes; a tab is tolerated.
      if (nameStart < e && buf[nameStart] === 0x20) {
        nameStart++;
        usual = code <= 4;
      } else if (nameStart < e && buf[nameStart] === 0x09) nameStart++;
      if (this.runId < 0) this.ensureRun(lineNo);
      this.counts ??= this.countsFor(this.runId, this.targetId);
      this.counts[code]!++;
      this.afterResult();
    } else this.unrecognisedLine(lineNo);
    if (cls !== 0 && !usual) {
      // compare_tests' name is not the target prefix + the name: keep it whole.
      cls |= CLS_OVERRIDE;
      this.overrides.set(st.count, compareTestsName(byteString(buf, pos, e), this.targets[this.targetId]!));
    }
    this.ix.reserve(st.count + 1);
    const ix = this.ix;
    const i = st.count++;
    ix.lineStart[i] = pos;
    ix.nameStart[i] = nameStart;
    ix.nameEnd[i] = e;
    ix.lineNo[i] = lineNo;
    ix.status[i] = code;
    ix.cls[i] = cls;
    ix.target[i] = this.targetId;
    ix.run[i] = this.runId < 0 ? 0 : this.runId;
    ix.fingerprint[i] = usual ? nameFingerprint(this.prefixLengths[this.targetId]!, this.bytes, nameStart, e) : 0;
    ix.nameFirst[i] = nameStart < e ? buf[nameStart]! : 0;
    if (cls !== 0 && !(usual && cls & CLS_PASS)) ix.specials[st.specialCount++] = i;
    return next;
  }

  /** A result line ends a summary block and a schedule list. */
  private afterResult(): void {
    this.summary = undefined;
    this.inSchedule = false;
  }

  private countsFor(run: number, target: number): Int32Array {
    const byTarget = (this.countTables[run] ??= new Map());
    let table = byTarget.get(target);
    if (!table) {
      table = new Int32Array(TEST_STATUSES.length + 1);
      byTarget.set(target, table);
    }
    return table;
  }

  private ensureRun(line: number): void {
    this.runs.push({ tool: '', line: 0, variations: [], counted: {}, declared: [] });
    this.runId = 0;
    this.warnings.push({ line, message: "result lines before any '=== <tool> tests ===' header: their tool is unknown" });
  }

  private unrecognisedLine(lineNo: number): void {
    if (this.unrecognised++ === 0) this.firstUnrecognised = lineNo;
  }

  /** Headers, summaries, `Running target`, anything unexpected. */
  private otherLine(s: number, e: number, lineNo: number): void {
    this.others.push(s);
    this.otherLineState(s, e, lineNo);
    this.othersTarget.push(this.targetId);
  }

  private otherLineState(s: number, e: number, lineNo: number): void {
    const buf = this.buf;
    // Most of these lines are blank or `Running /…/dg.exp ...`: decided from their bytes.
    if (e === s) {
      this.inSchedule = false;
      return;
    }
    if (buf[s] === 0x52 && hasWordAt(buf, s, e, 'Running ') && !hasWordAt(buf, s, e, 'Running target ')) {
      this.afterResult();
      return;
    }
    const text = byteString(buf, s, e);
    const header = this.header;
    if (this.inSchedule) {
      if (/^\s+\S/.test(text)) {
        this.runs[this.runs.length - 1]?.variations.push(byteStringToText(text.trim()));
        return;
      }
      this.inSchedule = false;
    }
    let m: RegExpExecArray | null;
    if (text.startsWith('# of ')) {
      m = COUNT_LINE.exec(text);
      if (!m || !this.summary) {
        this.unrecognisedLine(lineNo);
        return;
      }
      const status = LABEL_TO_STATUS.get(m[1]!);
      if (status) this.summary.counts[status] = Number(m[2]);
      else this.summary.other[m[1]!] = Number(m[2]);
      return;
    }
    if (text.trim() === '') return;
    this.summary = undefined;
    if (text.startsWith('Running target ')) {
      const name = awkThirdField(text);
      let id = this.targetIds.get(name);
      if (id === undefined) {
        id = this.targets.length;
        this.targets.push(name);
        this.targetIds.set(name, id);
        this.prefixLengths.push(targetPrefix(name).length);
      }
      this.targetId = id;
      this.counts = this.runId >= 0 ? this.countsFor(this.runId, id) : undefined;
    } else if ((m = TOOL_HEADER.exec(text))) {
      this.runs.push({ tool: byteStringToText(m[1]!), line: lineNo, variations: [], counted: {}, declared: [] });
      this.runId = this.runs.length - 1;
      this.counts = this.countsFor(this.runId, this.targetId);
    } else if ((m = SUMMARY_HEADER.exec(text))) {
      const summary: DeclaredSummary = { variation: m[2] === undefined ? null : byteStringToText(m[2]), counts: {}, other: {}, line: lineNo };
      this.summary = summary;
      const tool = byteStringToText(m[1]!);
      const run = [...this.runs].reverse().find((r) => r.tool === tool);
      if (run) run.declared.push(summary);
      else this.warnings.push({ line: lineNo, message: `summary for tool '${tool}' without its '=== ${tool} tests ===' header` });
    } else if (text === 'Schedule of variations:') {
      this.inSchedule = true;
    } else if ((m = TEST_RUN_BY.exec(text))) {
      header.testRunBy = byteStringToText(m[1]!);
      header.startedAt = byteStringToText(m[2]!);
    } else if (text.startsWith('Native configuration is ')) {
      header.nativeConfiguration = byteStringToText(text.slice('Native configuration is '.length));
    } else if ((m = /^(Target|Host|Build)\s+is (.*)$/.exec(text))) {
      header[m[1]!.toLowerCase() as 'target' | 'host' | 'build'] = byteStringToText(m[2]!);
    } else if (text.startsWith('runtest completed at ')) {
      header.completedAt = byteStringToText(text.slice('runtest completed at '.length));
    } else if (VERSION_LINE.test(text)) {
      header.versions.push(byteStringToText(text.trim()));
    } else {
      this.unrecognisedLine(lineNo);
    }
  }

  private finish(): SumFile {
    const { warnings, runs, targets, st } = this;
    if (this.longLines > 0) {
      warnings.push({ line: this.firstLongLine, message: `${this.longLines} line(s) longer than ${LONG_LINE_BYTES} bytes: binary data or a corrupt file?` });
    }
    if (this.unrecognised > 0) {
      warnings.push({
        line: this.firstUnrecognised,
        message: `${this.unrecognised} line(s) are not DejaGnu .sum content (first at line ${this.firstUnrecognised})`,
      });
    }
    let resultCount = 0;
    this.countTables.forEach((byTarget, runIndex) => {
      const run = runs[runIndex]!;
      for (const [target, table] of byTarget) {
        const counted = (run.counted[byteStringToText(targets[target]!)] ??= emptyCounts());
        TEST_STATUSES.forEach((status, i) => {
          counted[status] += table[i + 1]!;
          resultCount += table[i + 1]!;
        });
      }
    });
    if (resultCount === 0 && !runs.some((run) => run.declared.length > 0)) {
      const hints = warnings.map((w) => w.message).join('; ');
      throw new SumParseError(
        this.source,
        `not a DejaGnu .sum file: no result lines (PASS:, FAIL:, …) and no summary block in ${st.lineNo} line(s)${hints ? ` (${hints})` : ''}`,
      );
    }
    for (const run of runs) {
      for (const variation of Object.keys(run.counted)) {
        if (TEST_STATUSES.every((status) => run.counted[variation]![status] === 0)) delete run.counted[variation];
      }
      crossCheck(run, warnings);
    }
    if (resultCount === 0) warnings.push({ message: 'no result lines: the testsuite ran no test' });

    const ix = this.ix;
    const index: SumIndex = {
      buf: this.buf,
      count: st.count,
      lineStart: ix.lineStart,
      nameStart: ix.nameStart,
      nameEnd: ix.nameEnd,
      lineNo: ix.lineNo,
      status: ix.status,
      cls: ix.cls,
      target: ix.target,
      run: ix.run,
      fingerprint: ix.fingerprint,
      nameFirst: ix.nameFirst,
      specials: ix.specials.subarray(0, st.specialCount),
      others: this.others.toArray(),
      othersTarget: this.othersTarget.toArray(),
      targets,
      overrides: this.overrides,
      crlf: this.crlf,
      longLines: this.longLines,
    };
    return new SumFile(this.source, this.header, runs, warnings, resultCount, st.lineNo, index);
  }
}

/** Name of the target in force just before offset `at` of an indexed file. */
function targetBefore(ix: SumIndex, at: number): string {
  const o = lowerBound(ix.others, ix.others.length, at) - 1;
  return ix.targets[o < 0 ? 0 : ix.othersTarget[o]!]!;
}

/** Compares each declared summary of a run with the result lines counted. */
function crossCheck(run: ToolRun, warnings: SumWarning[]): void {
  const label = run.tool || '(unknown tool)';
  if (!run.declared.some((d) => d.variation === null)) {
    warnings.push({ line: run.line || undefined, message: `no '=== ${label} Summary ===' block: file truncated?` });
  }
  const total = emptyCounts();
  for (const counts of Object.values(run.counted)) for (const status of TEST_STATUSES) total[status] += counts[status];
  for (const declared of run.declared) {
    const counted = declared.variation === null ? total : (run.counted[declared.variation] ?? emptyCounts());
    const what = declared.variation === null ? `'${label} Summary'` : `'${label} Summary for ${declared.variation}'`;
    for (const [status, text] of SUMMARY_LABELS) {
      const says = declared.counts[status] ?? 0;
      if (says !== counted[status]) {
        warnings.push({ line: declared.line, message: `${what} declares ${says} ${text} but the file has ${counted[status]} ${status} line(s)` });
      }
    }
  }
}

/** Number of `\n` in `buf[0, end)`. */
function countLines(buf: Buffer, end: number): number {
  let n = 0;
  for (let at = buf.indexOf(10); at >= 0 && at < end; at = buf.indexOf(10, at + 1)) n++;
  return n;
}

/** Result counts per tool (runs of the same tool added up), for comments. */
export function summarizeCounts(sum: SumFile): Record<string, StatusCounts> {
  const out: Record<string, StatusCounts> = {};
  for (const run of sum.runs) {
    const total = (out[run.tool] ??= emptyCounts());
    for (const counts of Object.values(run.counted)) for (const status of TEST_STATUSES) total[status] += counts[status];
  }
  return out;
}
