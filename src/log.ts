import { redact } from './secrets.js';
import { oneLine } from './text.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
export const LOG_LEVELS = Object.keys(ORDER) as LogLevel[];

/** `text`: `time LEVEL message key=value` lines; `json`: one JSON object per line, for log collectors. */
export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** How a command logs, from `--log-level`/`--log-format`; a command without `level` uses its own default. */
export interface LogSettings {
  level?: LogLevel;
  format: LogFormat;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LogSink {
  write(line: string): void;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/@+~-]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/** Secrets masked in every string, at any depth, before values are quoted or serialised (escaping would hide them from `redact`). */
function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  return value;
}

/**
 * One line per entry on stderr (or a given sink), always redacted. An Error
 * field is logged as its message; its stack only at debug level, as
 * `<field>_stack`.
 */
export function createLogger(
  options: { level?: LogLevel; format?: LogFormat; sink?: LogSink; fields?: LogFields; clock?: () => Date } = {},
): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const sink = options.sink ?? { write: (line: string) => process.stderr.write(line) };
  const clock = options.clock ?? (() => new Date());
  const base = options.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[level] < threshold) return;
    const all: LogFields = {};
    const errorKeys = new Set<string>();
    for (const [key, value] of Object.entries({ ...base, ...fields })) {
      if (value === undefined) continue;
      if (value instanceof Error) {
        all[key] = value.message;
        errorKeys.add(key);
        if (threshold <= ORDER.debug && value.stack) all[`${key}_stack`] = value.stack;
      } else {
        all[key] = value;
      }
    }
    const time = clock().toISOString();
    const safe = redactDeep(all) as LogFields;
    if (options.format === 'json') {
      sink.write(JSON.stringify({ time, level, message: redact(msg), ...safe }) + '\n');
      return;
    }
    const tail = Object.entries(safe)
      .map(([k, v]) => `${k}=${errorKeys.has(k) ? JSON.stringify(v) : formatValue(v)}`)
      .join(' ');
    // A message may quote a service's text (a LAVA fault, a check's line): one line, no control character reaches the terminal.
    sink.write(`${time} ${level.toUpperCase()} ${oneLine(redact(msg))}${tail ? ' ' + tail : ''}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** The logger a command uses: the user's `--log-level`/`--log-format`, else the command's own default level. */
export function commandLogger(settings: LogSettings, defaultLevel: LogLevel): Logger {
  return createLogger({ level: settings.level ?? defaultLevel, format: settings.format });
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ level: 'error', sink: { write: () => {} } });
