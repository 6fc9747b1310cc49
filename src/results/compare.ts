/**
 * Comparison of two parsed `.sum` files with exactly the categories of GCC's
 * contrib/compare_tests (cbuild.md §8), then classified after Joseph Myers'
 * notion of a regression (cbuild.md §7).
 *
 * compare_tests' semantics, as implemented here:
 * - each line is rewritten `XFAIL`→`FAIL`, `XPASS`→`PASS` (line start only);
 * - after `Running target <t>` with t ≠ `unix`, `<t>: ` goes after the first `: `;
 * - a name is the line less `^[^:]*:[ \t]`;
 * - the six lists are `comm` over sorted name lists, i.e. multiset operations:
 *   a name twice in one list and once in the other pairs once; the rest is left over.
 *   With P/F = lines starting `PASS`/`FAIL`, FC = `FAIL:`, PF = `[PF]A[SI][SL]`:
 *     now_fail  = min(FC_new, P_old)      now_pass  = min(P_new, F_old)
 *     new_fail  = F_new − PF_old (≥ 0)    new_pass  = P_new − PF_old (≥ 0)
 *     gone_pass = P_old − PF_new (≥ 0)    gone_fail = F_old − PF_new (≥ 0)
 * Names are compared as bytes and listed in byte order (compare_tests under
 * LC_ALL=C), then shown as UTF-8 text.
 *
 * Speed: real files have ~370k result lines and two runs differ in a few
 * hundred. The parser takes a cheap fingerprint of every name (a few of its
 * bytes), and memcmp finds the byte-identical stretches of the two files
 * (align.ts). A name all of whose lines lie in such stretches has the same
 * counts on both sides, so it is in a list only if it has both PASS and FAIL
 * lines. Only the names of differing lines are taken in full (as strings);
 * identical lines are looked at only when their fingerprint matches one of
 * those names or a FAIL-class line's.
 *
 * Lines of an unusual shape (`PASS:\tx`, `PASSED: x`: DejaGnu never writes
 * them) make compare_tests' sort key disagree with its names, so its `comm`
 * runs on unsorted input; when a file has such lines the pipeline is
 * emulated step by step instead, artefacts included.
 */
import { alignFiles, type CommonRange } from './align.js';
import { byteStringToText, bytesToText } from './bytes.js';
import { activeManifestNames, manifestKey, type Manifest } from './manifest.js';
import {
  CLS_FAIL,
  CLS_FAIL_COLON,
  CLS_OVERRIDE,
  CLS_PASS,
  CLS_PASS_OR_FAIL,
  compareTestsLine,
  dataViewOf,
  lowerBound,
  nameFingerprint,
  nameFingerprintOfParts,
  stripStatus,
  targetPrefix,
  type SumFile,
  type SumIndex,
} from './sum.js';
import { TEST_STATUSES, type TestStatus } from './types.js';

/** compare_tests' six lists, in the order it prints them. */
export const CATEGORIES = ['now_fail', 'now_pass', 'new_fail', 'new_pass', 'gone_pass', 'gone_fail'] as const;
export type Category = (typeof CATEGORIES)[number];

/** compare_tests' headings (cbuild.md §8). */
export const CATEGORY_HEADINGS: Record<Category, string> = {
  now_fail: 'Tests that now fail, but worked before:',
  now_pass: "Tests that now work, but didn't before:",
  new_fail: 'New tests that FAIL:',
  new_pass: 'New tests that PASS:',
  gone_pass: 'Old tests that passed, that have disappeared: (Eeek!)',
  gone_fail: 'Old tests that failed, that have disappeared: (Eeek!)',
};

/** One entry of one of the six lists, with where it came from. */
export interface Change {
  category: Category;
  /** The name exactly as compare_tests prints it (with its `<variation>: ` prefix off `unix`). */
  name: string;
  /** The test name as the `.sum` line has it (no variation prefix). */
  test: string;
  tool: string;
  variation: string;
  /** Status in the old file (null: absent); XFAIL/XPASS as written, not as compare_tests folds them. */
  before: TestStatus | null;
  after: TestStatus | null;
  beforeLine: number | null;
  afterLine: number | null;
  /** The known-flaky manifest lists this test. */
  flaky: boolean;
}

export interface CompareOptions {
  /** Known-flaky tests: their changes go to `flaky` and never count as regressions. */
  manifest?: Manifest;
  /** Day against which manifest `expire=` dates are checked (default: now). */
  today?: Date;
}

export interface CompareResult {
  /** compare_tests' lists: names as it prints them, byte order, repeated names kept. */
  now_fail: string[];
  now_pass: string[];
  new_fail: string[];
  new_pass: string[];
  gone_pass: string[];
  gone_fail: string[];
  /** Every entry of the six lists, in the same order. */
  changes: Change[];
  /** PASS/XPASS → FAIL: "an unambiguous regression" (cbuild.md §7). Flaky tests excluded. */
  regressions: Change[];
  /** PASS/XPASS → XFAIL: compare_tests lists them under now_fail; a regression "already being tracked". */
  alreadyTracked: Change[];
  /** New tests that FAIL (not XFAIL): not regressions (§7) but need someone to look. Flaky tests excluded. */
  newFailures: Change[];
  /** Changes of tests the manifest lists, whatever their category. */
  flaky: Change[];
  /** Changes by tool, then variation, then category. */
  byTool: Record<string, Record<string, Partial<Record<Category, Change[]>>>>;
  /** Problems with the manifest (expired entries). */
  warnings: string[];
}

const OLD = 0;
const NEW = 1;

/** compare_tests name prefixes (byte strings) of the targets of both files, by shared id. */
class SharedTargets {
  readonly names: string[] = [];
  readonly prefixes: string[] = [];
  private readonly ids = new Map<string, number>();
  id(target: string): number {
    let id = this.ids.get(target);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(target);
      this.prefixes.push(targetPrefix(target));
      this.ids.set(target, id);
    }
    return id;
  }
}

/** One side of the comparison: a parsed file and how its targets map to shared ids. */
class Side {
  readonly ix: SumIndex;
  /** Shared target id of each of the file's target ids. */
  readonly targetIds: Int32Array;

  constructor(
    readonly sum: SumFile,
    private readonly shared: SharedTargets,
  ) {
    this.ix = sum.index;
    this.targetIds = Int32Array.from(this.ix.targets, (t) => shared.id(t));
  }

  /** compare_tests' name of line `i`, as a byte string. */
  name(i: number): string {
    const ix = this.ix;
    if (ix.cls[i]! & CLS_OVERRIDE) return ix.overrides.get(i)!;
    return this.prefix(i) + ix.buf.toString('latin1', ix.nameStart[i]!, ix.nameEnd[i]!);
  }

  prefix(i: number): string {
    return this.shared.prefixes[this.targetIds[this.ix.target[i]!]!]!;
  }
}

/** Per-name line counts of both files, for the names that can appear in a list. */
class NameCounts {
  /** Entry of each name (byte string); V8 hashes and compares the strings natively. */
  readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  /** counts[entry * 8 + side * 4 + k], k: 0 P, 1 F, 2 FC, 3 PF. */
  counts = new Int32Array(1024);
  /** Lines of each entry: (side, index) pairs. */
  readonly lines: number[][] = [];

  entry(name: string): number {
    let entry = this.ids.get(name);
    if (entry === undefined) {
      entry = this.names.length;
      this.ids.set(name, entry);
      this.names.push(name);
      this.lines.push([]);
      if (this.counts.length < this.names.length * 8) {
        const grown = new Int32Array(this.counts.length * 2);
        grown.set(this.counts);
        this.counts = grown;
      }
    }
    return entry;
  }

  add(entry: number, side: number, index: number, cls: number): void {
    const base = entry * 8 + side * 4;
    if (cls & CLS_PASS) this.counts[base]!++;
    if (cls & CLS_FAIL) this.counts[base + 1]!++;
    if (cls & CLS_FAIL_COLON) this.counts[base + 2]!++;
    this.counts[base + 3]!++;
    this.lines[entry]!.push(side, index);
  }
}

function statusOf(ix: SumIndex, i: number): TestStatus {
  const code = ix.status[i]!;
  if (code !== 0) return TEST_STATUSES[code - 1]!;
  return ix.cls[i]! & CLS_PASS ? 'PASS' : 'FAIL';
}

/** Runs of identical lines as index ranges: old [aLo, aHi) pairs with new [bLo, bLo + aHi − aLo). */
interface Segments {
  aLo: number[];
  aHi: number[];
  bLo: number[];
}

/**
 * The common byte ranges as index ranges, less their first lines while the
 * two files are under different targets (their names differ there; a
 * `Running target` line inside the range sets both alike from then on).
 */
function pairedSegments(a: SumIndex, b: SumIndex, ranges: CommonRange[], targetsOld: Int32Array, targetsNew: Int32Array): Segments {
  const segments: Segments = { aLo: [], aHi: [], bLo: [] };
  for (const range of ranges) {
    let aLo = lowerBound(a.lineStart, a.count, range.a);
    const aHi = lowerBound(a.lineStart, a.count, range.a + range.len);
    let bLo = lowerBound(b.lineStart, b.count, range.b);
    const bHi = lowerBound(b.lineStart, b.count, range.b + range.len);
    if (aHi - aLo !== bHi - bLo) throw new Error(`internal error: identical byte ranges index differently (old ${aLo}-${aHi}, new ${bLo}-${bHi})`);
    while (aLo < aHi && targetsOld[a.target[aLo]!] !== targetsNew[b.target[bLo]!]) {
      aLo++;
      bLo++;
    }
    if (aLo < aHi) {
      segments.aLo.push(aLo);
      segments.aHi.push(aHi);
      segments.bLo.push(bLo);
    }
  }
  return segments;
}

/** Calls `visit` for each compare_tests line of `ix` outside the given index ranges. */
function forEachUnpaired(ix: SumIndex, lo: number[], hi: number[], visit: (i: number) => void): void {
  let from = 0;
  for (let s = 0; s <= lo.length; s++) {
    const to = s < lo.length ? lo[s]! : ix.count;
    for (let i = from; i < to; i++) if (ix.cls[i]! & CLS_PASS_OR_FAIL) visit(i);
    if (s < lo.length) from = hi[s]!;
  }
}

/**
 * A set of fingerprints as a Bloom filter of 2^21 bits (256 KiB, fits the L2
 * cache) with two probes: with the few thousand names of a real comparison,
 * about 1 false positive in 40,000 lookups; never a false negative.
 */
class FingerprintBits {
  readonly words = new Int32Array(1 << 16);
  add(fp: number): void {
    this.words[(fp >>> 6) & 0xffff] |= 1 << ((fp >>> 1) & 31);
    const second = secondProbe(fp);
    this.words[second >>> 5] |= 1 << (second & 31);
  }
  has(fp: number): boolean {
    return bloomHas(this.words, fp);
  }
  /** Whether any split of `name` into a target prefix and a rest has its fingerprint here. */
  hasName(name: string, prefixes: string[]): boolean {
    return prefixes.some((prefix) => name.startsWith(prefix) && this.has(nameFingerprintOfParts(prefix.length, name, undefined, 0, 0)));
  }
  addName(name: string, prefixes: string[]): void {
    for (const prefix of prefixes) if (name.startsWith(prefix)) this.add(nameFingerprintOfParts(prefix.length, name, undefined, 0, 0));
  }
}

/** The second bit of a fingerprint (the first is its bits 1-21), from its other bits. */
function secondProbe(fp: number): number {
  return Math.imul(fp, 0x9e3779b1) >>> 11;
}

function bloomHas(words: Int32Array, fp: number): boolean {
  if ((words[(fp >>> 6) & 0xffff]! & (1 << ((fp >>> 1) & 31))) === 0) return false;
  const second = secondProbe(fp);
  return (words[second >>> 5]! & (1 << (second & 31))) !== 0;
}

function hasByteStringAt(buf: Buffer, at: number, end: number, bytes: string): boolean {
  if (end - at < bytes.length) return false;
  for (let k = 0; k < bytes.length; k++) if (buf[at + k] !== bytes.charCodeAt(k)) return false;
  return true;
}

/**
 * How names can be split differently: a line under a target with prefix p
 * has the same name as a line under a target with the longer prefix p + x
 * when its rest starts with x (`FAIL: unix/-m32: t.c` under `unix` and
 * `PASS: t.c` under `unix/-m32`). Per shared target id: those x.
 */
function longerSplits(shared: SharedTargets): string[][] {
  return shared.prefixes.map((own) => [...new Set(shared.prefixes.filter((p) => p.length > own.length && p.startsWith(own)).map((p) => p.slice(own.length)))]);
}

/**
 * Adds the fingerprints of line `i`'s name under its own split and under the
 * longer-prefix splits its rest allows; true if there were such splits.
 * (Shorter-prefix splits are the other line's longer ones: scanPasses flags
 * those lines.)
 */
function addSplits(bits: FingerprintBits, side: Side, i: number, extras: string[][]): boolean {
  const ix = side.ix;
  bits.add(ix.fingerprint[i]!);
  const target = side.targetIds[ix.target[i]!]!;
  const start = ix.nameStart[i]!;
  const end = ix.nameEnd[i]!;
  let more = false;
  for (const extra of extras[target]!) {
    if (hasByteStringAt(ix.buf, start, end, extra)) {
      bits.add(nameFingerprint(side.prefix(i).length + extra.length, dataViewOf(ix.buf), start + extra.length, end));
      more = true;
    }
  }
  return more;
}

/**
 * Indexes in [from, to) of PASS lines whose fingerprint is in the Bloom filter `bits`, or
 * whose rest starts with a byte in `firstBytes` of their target (256 flags per
 * target id): they may share a name with a line under a longer prefix. A
 * small loop of its own, so the JIT optimises it within the first thousand lines.
 */
function scanPasses(ix: SumIndex, from: number, to: number, bits: Int32Array, firstBytes: Uint8Array, hits: number[]): void {
  const { fingerprint, cls, target, nameFirst } = ix;
  for (let i = from; i < to; i++) {
    const fp = fingerprint[i]!;
    if (fp === 0 || !(cls[i]! & CLS_PASS)) continue;
    if (bloomHas(bits, fp) || firstBytes[(target[i]! << 8) | nameFirst[i]!] === 1) hits.push(i);
  }
}

/** Compares two parsed `.sum` files (old, then new) the way compare_tests does, and classifies the changes. */
export function compareSums(before: SumFile, after: SumFile, options: CompareOptions = {}): CompareResult {
  const shared = new SharedTargets();
  const sides = [new Side(before, shared), new Side(after, shared)] as const;
  const a = sides[OLD].ix;
  const b = sides[NEW].ix;
  const table = new NameCounts();
  const addLine = (side: number, i: number): void => {
    table.add(table.entry(sides[side]!.name(i)), side, i, sides[side]!.ix.cls[i]!);
  };
  /** Adds an identical pair of lines (old i, new j) to an entry. */
  const addPair = (entry: number, i: number, j: number): void => {
    table.add(entry, OLD, i, a.cls[i]!);
    table.add(entry, NEW, j, a.cls[i]!);
  };

  const literal = a.overrides.size > 0 || b.overrides.size > 0;
  // Identical lines in identical places, in both files (never across line-end styles).
  const known = b.alignedWith?.index === a ? b.alignedWith.ranges : undefined;
  const ranges = literal || a.crlf !== b.crlf ? [] : (known ?? alignFiles(a.buf, b.buf));
  const segments = pairedSegments(a, b, ranges, sides[OLD].targetIds, sides[NEW].targetIds);
  const newHi = segments.aLo.map((lo, s) => segments.bLo[s]! + segments.aHi[s]! - lo);
  const prefixes = [...new Set(shared.prefixes)];
  const extras = longerSplits(shared);

  // 1. Lines outside identical runs: hashed in full; their names are "touched".
  const touched = new FingerprintBits();
  forEachUnpaired(a, segments.aLo, segments.aHi, (i) => {
    addLine(OLD, i);
    if (a.fingerprint[i] !== 0) addSplits(touched, sides[OLD], i, extras);
  });
  forEachUnpaired(b, segments.bLo, newHi, (j) => {
    addLine(NEW, j);
    if (b.fingerprint[j] !== 0) addSplits(touched, sides[NEW], j, extras);
  });

  // A name all of whose lines are identical pairs has the same counts on both
  // sides and is in a list only if it has PASS and FAIL lines. So identical
  // lines matter only for touched names and for names shared by a FAIL-class
  // line and a PASS line; fingerprints find the candidates.
  const failing = new FingerprintBits();
  /** (old, new, resolve by name) of identical FAIL-class lines; by name when the name has other splits. */
  const pairedSpecials: number[] = [];
  let s = 0;
  for (const i of a.specials) {
    while (s < segments.aLo.length && segments.aHi[s]! <= i) s++;
    if (s === segments.aLo.length || i < segments.aLo[s]!) continue;
    const j = i - segments.aLo[s]! + segments.bLo[s]!;
    if (a.fingerprint[i] === 0) addPair(table.entry(sides[OLD].name(i)), i, j); // unusual shape: no fingerprint, take it whole
    else pairedSpecials.push(i, j, addSplits(failing, sides[OLD], i, extras) ? 1 : 0);
  }

  // 2. Identical PASS lines of touched names, or sharing a name with a FAIL-class line.
  const candidates = new Int32Array(touched.words.length);
  for (let w = 0; w < candidates.length; w++) candidates[w] = touched.words[w]! | failing.words[w]!;
  const firstBytes = new Uint8Array(a.targets.length << 8);
  a.targets.forEach((_, t) => {
    for (const extra of extras[sides[OLD].targetIds[t]!]!) firstBytes[(t << 8) | extra.charCodeAt(0)] = 1;
  });
  const mixed = new FingerprintBits();
  for (let seg = 0; seg < segments.aLo.length; seg++) {
    const hits: number[] = [];
    scanPasses(a, segments.aLo[seg]!, segments.aHi[seg]!, candidates, firstBytes, hits);
    const shift = segments.bLo[seg]! - segments.aLo[seg]!;
    for (const i of hits) {
      const name = sides[OLD].name(i);
      let entry = table.ids.get(name);
      if (entry === undefined && failing.hasName(name, prefixes)) entry = table.entry(name);
      if (entry === undefined) continue;
      addPair(entry, i, i + shift);
      mixed.addName(name, prefixes);
    }
  }
  // 3. Identical FAIL-class lines of the names found so far.
  for (let k = 0; k < pairedSpecials.length; k += 3) {
    const i = pairedSpecials[k]!;
    const fp = a.fingerprint[i]!;
    if (!touched.has(fp) && !mixed.has(fp) && pairedSpecials[k + 2] === 0) continue;
    const entry = table.ids.get(sides[OLD].name(i));
    if (entry !== undefined) addPair(entry, i, pairedSpecials[k + 1]!);
  }

  const flakyNames = options.manifest ? activeManifestNames(options.manifest, options.today ?? new Date()) : undefined;
  const found: Array<{ raw: string; change: Change }> = [];
  const order = new Map(CATEGORIES.map((c, i) => [c, i]));
  if (literal) {
    // Counts and order come from the emulated pipeline.
    const lists = literalLists(sides, shared);
    const tally = CATEGORIES.map((c) => {
      const counts = new Map<string, number>();
      for (const name of lists[c]) counts.set(name, (counts.get(name) ?? 0) + 1);
      return counts;
    });
    for (let entry = 0; entry < table.names.length; entry++) {
      const raw = table.names[entry]!;
      const wanted = CATEGORIES.map((c, k): [Category, number] => [c, tally[k]!.get(raw) ?? 0]);
      collectChanges(entry, wanted, table, sides, shared, flakyNames?.names, found);
    }
    const positions = CATEGORIES.map((c) => {
      const at = new Map<string, number[]>();
      lists[c].forEach((name, i) => (at.get(name) ?? at.set(name, []).get(name)!).push(i));
      return at;
    });
    const position = new Map(found.map((f) => [f, positions[order.get(f.change.category)!]!.get(f.raw)!.shift()!]));
    found.sort((x, y) => order.get(x.change.category)! - order.get(y.change.category)! || position.get(x)! - position.get(y)!);
  } else {
    const c = table.counts;
    for (let entry = 0; entry < table.names.length; entry++) {
      const base = entry * 8;
      const [pOld, fOld, pfOld] = [c[base]!, c[base + 1]!, c[base + 3]!];
      const [pNew, fNew, fcNew, pfNew] = [c[base + 4]!, c[base + 5]!, c[base + 6]!, c[base + 7]!];
      const wanted: Array<[Category, number]> = [
        ['now_fail', Math.min(fcNew, pOld)],
        ['now_pass', Math.min(pNew, fOld)],
        ['new_fail', Math.max(0, fNew - pfOld)],
        ['new_pass', Math.max(0, pNew - pfOld)],
        ['gone_pass', Math.max(0, pOld - pfNew)],
        ['gone_fail', Math.max(0, fOld - pfNew)],
      ];
      collectChanges(entry, wanted, table, sides, shared, flakyNames?.names, found);
    }
    found.sort((x, y) => order.get(x.change.category)! - order.get(y.change.category)! || (x.raw < y.raw ? -1 : x.raw > y.raw ? 1 : 0));
  }

  const result: CompareResult = {
    now_fail: [],
    now_pass: [],
    new_fail: [],
    new_pass: [],
    gone_pass: [],
    gone_fail: [],
    changes: found.map((f) => f.change),
    regressions: [],
    alreadyTracked: [],
    newFailures: [],
    flaky: [],
    byTool: {},
    warnings: flakyNames?.warnings ?? [],
  };
  for (const change of result.changes) {
    result[change.category].push(change.name);
    const byVariation = (result.byTool[change.tool] ??= {});
    ((byVariation[change.variation] ??= {})[change.category] ??= []).push(change);
    if (change.flaky) result.flaky.push(change);
    else if (change.category === 'now_fail') (change.after === 'XFAIL' ? result.alreadyTracked : result.regressions).push(change);
    else if (change.category === 'new_fail' && change.after !== 'XFAIL') result.newFailures.push(change);
  }
  return result;
}

/**
 * compare_tests' six lists by running its steps one by one (sed, awk, sort,
 * grep, comm) in memory: slow, but the plainest statement of what
 * compareSums computes; the tests hold the two against each other.
 */
export function compareTestsStepByStep(before: SumFile, after: SumFile): Record<Category, string[]> {
  const shared = new SharedTargets();
  const lists = literalLists([new Side(before, shared), new Side(after, shared)], shared);
  return Object.fromEntries(CATEGORIES.map((c) => [c, lists[c].map(byteStringToText)])) as Record<Category, string[]>;
}

/** compare_tests' `comm` (C locale): merges two lists it assumes sorted, whether they are or not. */
function comm(x: string[], y: string[]): { only1: string[]; only2: string[]; both: string[] } {
  const out = { only1: [] as string[], only2: [] as string[], both: [] as string[] };
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      out.both.push(x[i]!);
      i++;
      j++;
    } else if (x[i]! < y[j]!) out.only1.push(x[i++]!);
    else out.only2.push(y[j++]!);
  }
  while (i < x.length) out.only1.push(x[i++]!);
  while (j < y.length) out.only2.push(y[j++]!);
  return out;
}

/** The six lists by running compare_tests' pipeline literally (LC_ALL=C), as byte strings. */
function literalLists(sides: readonly [Side, Side], shared: SharedTargets): Record<Category, string[]> {
  const [before, now] = sides.map((side) => {
    const ix = side.ix;
    const keyed: Array<[string, string]> = [];
    for (let i = 0; i < ix.count; i++) {
      if (!(ix.cls[i]! & CLS_PASS_OR_FAIL)) continue;
      const target = shared.names[side.targetIds[ix.target[i]!]!]!;
      const line = compareTestsLine(ix.buf.toString('latin1', ix.lineStart[i]!, ix.nameEnd[i]!), target);
      const colon = line.indexOf(':');
      keyed.push([colon < 0 ? '' : line.slice(colon + 1), line]);
    }
    // sort -t ':' -k 2: by the text after the first ':', then by the whole line.
    keyed.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
    return keyed.map(([, line]) => line);
  }) as [string[], string[]];
  const grep = (lines: string[], pattern: RegExp): string[] => lines.filter((l) => pattern.test(l)).map(stripStatus);
  const passOrFail = /^[PF]A[SI][SL]/;
  return {
    now_fail: comm(grep(now, /^FAIL:/), grep(before, /^PASS/)).both,
    now_pass: comm(grep(now, /^PASS/), grep(before, /^FAIL/)).both,
    new_fail: comm(grep(now, /^FAIL/), grep(before, passOrFail)).only1,
    new_pass: comm(grep(now, /^PASS/), grep(before, passOrFail)).only1,
    gone_pass: comm(grep(now, passOrFail), grep(before, /^PASS/)).only2,
    gone_fail: comm(grep(now, passOrFail), grep(before, /^FAIL/)).only2,
  };
}

/** Turns how often one name is in each list into list entries, picking the lines each entry stands for. */
function collectChanges(
  entry: number,
  wanted: Array<[Category, number]>,
  table: NameCounts,
  sides: readonly [Side, Side],
  shared: SharedTargets,
  flakyNames: Set<string> | undefined,
  out: Array<{ raw: string; change: Change }>,
): void {
  if (wanted.every(([, n]) => n === 0)) return;

  // This name's lines per side, in file order.
  const pairs = table.lines[entry]!;
  const lines: [number[], number[]] = [[], []];
  for (let k = 0; k < pairs.length; k += 2) lines[pairs[k]! as 0 | 1].push(pairs[k + 1]!);
  lines[0].sort((x, y) => x - y);
  lines[1].sort((x, y) => x - y);
  const withClass = (side: 0 | 1, cls: number): number[] => lines[side].filter((i) => sides[side].ix.cls[i]! & cls);
  const first = (list: number[], n: number): number[] => list.slice(0, n);
  const last = (list: number[], n: number): number[] => list.slice(list.length - n);

  const raw = table.names[entry]!;
  const name = byteStringToText(raw);
  for (const [category, n] of wanted) {
    if (n === 0) continue;
    let olds: Array<number | undefined> = [];
    let news: Array<number | undefined> = [];
    if (category === 'now_fail') [olds, news] = [first(withClass(0, CLS_PASS), n), first(withClass(1, CLS_FAIL_COLON), n)];
    else if (category === 'now_pass') [olds, news] = [first(withClass(0, CLS_FAIL), n), first(withClass(1, CLS_PASS), n)];
    else if (category === 'new_fail') news = last(withClass(1, CLS_FAIL), n);
    else if (category === 'new_pass') news = last(withClass(1, CLS_PASS), n);
    else if (category === 'gone_pass') olds = last(withClass(0, CLS_PASS), n);
    else olds = last(withClass(0, CLS_FAIL), n);
    for (let k = 0; k < n; k++) {
      const oldIndex = olds[k];
      const newIndex = news[k];
      const [side, index] = newIndex !== undefined ? ([1, newIndex] as const) : ([0, oldIndex!] as const);
      const ix = sides[side].ix;
      const test = bytesToText(ix.buf, ix.nameStart[index]!, ix.nameEnd[index]!);
      const variation = byteStringToText(shared.names[sides[side].targetIds[ix.target[index]!]!]!);
      const flaky = flakyNames !== undefined && (flakyNames.has(manifestKey(test)) || flakyNames.has(manifestKey(name)));
      out.push({
        raw,
        change: {
          category,
          name,
          test,
          tool: sides[side].sum.runs[ix.run[index]!]?.tool ?? '',
          variation,
          before: oldIndex === undefined ? null : statusOf(sides[0].ix, oldIndex),
          after: newIndex === undefined ? null : statusOf(sides[1].ix, newIndex),
          beforeLine: oldIndex === undefined ? null : sides[0].ix.lineNo[oldIndex]!,
          afterLine: newIndex === undefined ? null : sides[1].ix.lineNo[newIndex]!,
          flaky,
        },
      });
    }
  }
}
