/**
 * Untrusted text (branch and ref names, revision ids, comment lines, LAVA's
 * error messages) on its way to a terminal or a comment: control characters
 * are shown as escapes, never passed on, so no value can move the cursor,
 * clear a screen, set a window title (OSC) or ring a bell.
 */

/** C0 controls but newline and tab, DEL, and the C1 controls. */
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function escape(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** Text for a terminal: line breaks and tabs kept, every other control character escaped (`\x1b`). */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL_BUT_LINES, escape);
}

/** One line of text: every control character escaped, line breaks included. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, escape);
}
