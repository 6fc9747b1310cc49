/**
 * Byte-level helpers. `.sum` files are bytes, not text: real ones hold bytes
 * that are not UTF-8 and carriage returns inside test names, so the parser keeps
 * names as "byte strings" (latin1: one char per byte, round-trips 1:1) and only
 * turns them into display text (UTF-8, invalid bytes as U+FFFD) at the edge.
 */

const NON_ASCII = /[^\x00-\x7f]/;

/** Display text of a byte string: its UTF-8 decoding, U+FFFD for invalid bytes. */
export function byteStringToText(bytes: string): string {
  return NON_ASCII.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

/** Display text of `buf[start, end)`. */
export function bytesToText(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if (buf[i]! >= 0x80) return buf.toString('utf8', start, end);
  }
  return buf.toString('latin1', start, end);
}

/** Byte string of `buf[start, end)` (see the module comment). */
export function byteString(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

/** True when `buf` holds `word` (ASCII) at `at`, within `end`. */
export function hasWordAt(buf: Buffer, at: number, end: number, word: string): boolean {
  if (at + word.length > end) return false;
  for (let i = 0; i < word.length; i++) {
    if (buf[at + i] !== word.charCodeAt(i)) return false;
  }
  return true;
}
