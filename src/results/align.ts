/**
 * Finds the byte ranges two similar `.sum` files share: runs of identical
 * complete lines, at any offsets. Two runs of one testsuite differ in a few
 * hundred of ~370k lines, so memcmp over growing chunks finds the long
 * identical stretches and a short look-ahead resynchronises after each
 * difference. What is not in a range is simply "different": only speed,
 * never a result, depends on how well the ranges are chosen.
 */

/** A byte range of identical complete lines: `a` in the old file, `b` in the new. */
export interface CommonRange {
  a: number;
  b: number;
  len: number;
}

/** Length of the common prefix of `A[pa…]` and `B[pb…]`, by memcmp on growing chunks. */
function commonPrefix(A: Buffer, pa: number, B: Buffer, pb: number): number {
  const max = Math.min(A.length - pa, B.length - pb);
  let n = 0;
  let step = 1024;
  while (n < max) {
    const m = Math.min(step, max - n);
    if (A.compare(B, pb + n, pb + n + m, pa + n, pa + n + m) === 0) {
      n += m;
      if (step < 1 << 22) step *= 4;
      continue;
    }
    let lo = n;
    let hi = n + m;
    while (hi - lo > 64) {
      const mid = (lo + hi) >>> 1;
      if (A.compare(B, pb + lo, pb + mid, pa + lo, pa + mid) === 0) lo = mid;
      else hi = mid;
    }
    while (lo < hi && A[pa + lo] === B[pb + lo]) lo++;
    return lo;
  }
  return n;
}

/** Offset after the line that starts at `pos`. */
function lineAfter(buf: Buffer, pos: number): number {
  const nl = buf.indexOf(10, pos);
  return nl < 0 ? buf.length : nl + 1;
}

function sameLine(A: Buffer, sa: number, ea: number, B: Buffer, sb: number, eb: number): boolean {
  return ea - sa === eb - sb && ea > sa && A.compare(B, sb, eb, sa, ea) === 0;
}

/** Lines longer than this are never matched by content in a look-ahead (a huge "line" must not become a string). */
const MAX_KEY_BYTES = 64 * 1024;

/** A line as a lookup key, or null when it is too long to be one. */
function lineKey(buf: Buffer, start: number, end: number): string | null {
  return end - start > MAX_KEY_BYTES ? null : buf.toString('latin1', start, end);
}

/** Start offsets of up to `count` lines from `pos` (and the offset after them). */
function lineStarts(buf: Buffer, pos: number, count: number): number[] {
  const starts: number[] = [];
  while (starts.length <= count && pos < buf.length) {
    starts.push(pos);
    pos = lineAfter(buf, pos);
  }
  starts.push(pos);
  return starts;
}

/**
 * After two lines differ: how many bytes to skip in each file to reach the
 * nearest pair of identical lines (smallest number of lines skipped), looking
 * further ahead when nothing matches nearby. Only speed depends on the choice.
 */
function resync(A: Buffer, pa: number, B: Buffer, pb: number): [number, number] {
  // One line changed, removed or added: the usual case, checked without a window.
  const a1 = lineAfter(A, pa);
  const b1 = lineAfter(B, pb);
  const a2 = lineAfter(A, a1);
  const b2 = lineAfter(B, b1);
  if (sameLine(A, a1, a2, B, pb, b1)) return [a1 - pa, 0];
  if (sameLine(A, pa, a1, B, b1, b2)) return [0, b1 - pb];
  if (sameLine(A, a1, a2, B, b1, b2)) return [a1 - pa, b1 - pb];
  for (let window = 16; ; window *= 4) {
    const sa = lineStarts(A, pa, window);
    const sb = lineStarts(B, pb, window);
    const firstInB = new Map<string, number>();
    for (let j = 0; j + 1 < sb.length; j++) {
      const key = lineKey(B, sb[j], sb[j + 1]);
      if (key !== null && !firstInB.has(key)) firstInB.set(key, j);
    }
    let best: [number, number] | undefined;
    for (let i = 0; i + 1 < sa.length && (!best || i < best[0] + best[1]); i++) {
      const key = lineKey(A, sa[i], sa[i + 1]);
      const j = key === null ? undefined : firstInB.get(key);
      if (j !== undefined && (!best || i + j < best[0] + best[1])) best = [i, j];
    }
    if (best) return [sa[best[0]]! - pa, sb[best[1]]! - pb];
    const endA = sa[sa.length - 1]!;
    const endB = sb[sb.length - 1]!;
    if ((endA >= A.length && endB >= B.length) || window >= 1 << 16) return [endA - pa, endB - pb];
  }
}

/** Byte ranges of identical complete lines shared by the two files, in order. */
export function alignFiles(A: Buffer, B: Buffer): CommonRange[] {
  const ranges: CommonRange[] = [];
  let pa = 0;
  let pb = 0;
  while (pa < A.length && pb < B.length) {
    const k = commonPrefix(A, pa, B, pb);
    let take: number;
    if (pa + k === A.length && pb + k === B.length) take = k;
    else {
      const nl = k > 0 ? A.lastIndexOf(10, pa + k - 1) : -1;
      take = nl >= pa ? nl + 1 - pa : 0;
    }
    if (take > 0) {
      ranges.push({ a: pa, b: pb, len: take });
      pa += take;
      pb += take;
    }
    if (pa >= A.length || pb >= B.length) break;
    const [skipA, skipB] = resync(A, pa, B, pb);
    pa += skipA;
    pb += skipB;
  }
  return ranges;
}

