/**
 * Commands in merge proposal comments: a line `cbuild-bot: rebuild [target ...]`
 * or `cbuild-bot: cancel`. Quoted lines (`> ...`, as Launchpad's reply form
 * quotes) are not commands, and neither is anything in the bot's own comments.
 */
import { MARKER_PREFIX, type CommandVerb } from './model.js';

export type ParsedCommand =
  | { verb: CommandVerb; targets: string[]; line: string }
  | { error: string; line: string };

const COMMAND_LINE = /^cbuild-bot:\s*(.*)$/i;
const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** The first command in a comment, null when there is none (or the comment is the bot's own). */
export function parseCommand(content: string): ParsedCommand | null {
  if (content.includes(MARKER_PREFIX)) return null;
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    const m = COMMAND_LINE.exec(line);
    if (!m) continue;
    const [verb = '', ...args] = m[1].trim().split(/[\s,]+/).filter(Boolean);
    const shown = line.slice(0, 200);
    switch (verb.toLowerCase()) {
      case 'rebuild': {
        const bad = args.find((a) => !TARGET_NAME.test(a));
        if (bad !== undefined) return { error: `"${bad.slice(0, 40)}" is not a target name`, line: shown };
        return { verb: 'rebuild', targets: [...new Set(args)], line: shown };
      }
      case 'cancel':
        if (args.length) return { error: 'cancel takes no arguments', line: shown };
        return { verb: 'cancel', targets: [], line: shown };
      default:
        return { error: `unknown command "${verb.slice(0, 40)}" (known: rebuild [target ...], cancel)`, line: shown };
    }
  }
  return null;
}

/** The Launchpad name in a person link such as `https://api.launchpad.net/1.0/~alice`. */
export function personName(link: string): string | null {
  const m = /\/~([^/?#]+)\/?$/.exec(link);
  return m ? decodeURIComponent(m[1]) : null;
}
