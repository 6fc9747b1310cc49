/**
 * The first errors of a failed build's log, found the way a person scans a
 * make.log: the first compiler or make error line (with the "In function"
 * line that names where it is), then the error lines after it. The lines go
 * into a comment, so they are sanitised: terminal colour sequences removed,
 * other control characters shown escaped, long lines cut.
 */
import { oneLine } from '../text.js';

/** Lines a person reads as errors: `file.c:1:2: error: …`, `Error 1`, `make: *** …`, a linker's or an assembler's `Error: …`. */
const ERROR_LINE = /\berror:|\bError[: ]|^make(\[\d+\])?: \*\*\*|\bfatal:|\bundefined reference to\b/i;
/** A line just before an error that says where it is. */
const CONTEXT_LINE = /: (In (member )?function|In constructor|In destructor|At top level|In instantiation of)\b|^In file included from /;
/** ANSI escape sequences (GCC's coloured diagnostics): dropped, not escaped, so the text reads as on a terminal. */
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export const EXCERPT_LINES = 10;
const MAX_LINE_CHARS = 200;

function clean(line: string): string {
  const text = oneLine(line.replace(/\t/g, ' ').replace(/\r$/, '')).trimEnd();
  return text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS - 1)}…` : text;
}

/**
 * The first error lines of a build log (at most `maxLines`), or, when no line
 * looks like an error, its last non-empty lines: where a person would look next.
 */
export function firstErrors(log: string, maxLines = EXCERPT_LINES): { lines: string[]; found: boolean } {
  // Colours go first: `\x1b[Kerror:` must read as `error:`.
  const lines = log.replace(ANSI, '').split('\n');
  const first = lines.findIndex((l) => ERROR_LINE.test(l));
  if (first < 0) {
    const tail = lines.map(clean).filter((l) => l !== '').slice(-Math.min(5, maxLines));
    return { lines: tail, found: false };
  }
  const out: string[] = [];
  if (first > 0 && CONTEXT_LINE.test(lines[first - 1])) out.push(clean(lines[first - 1]));
  for (let i = first; i < lines.length && out.length < maxLines; i++) {
    if (ERROR_LINE.test(lines[i])) out.push(clean(lines[i]));
  }
  return { lines: out, found: true };
}
