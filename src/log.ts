import { redact } from './secrets.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

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
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[\w.:/@+~-]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/** One-line `time LEVEL message key=value` logs on stderr (or a given sink), always redacted. */
export function createLogger(
  options: { level?: LogLevel; sink?: LogSink; fields?: LogFields; clock?: () => Date } = {},
): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const sink = options.sink ?? { write: (line: string) => process.stderr.write(line) };
  const clock = options.clock ?? (() => new Date());
  const base = options.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[level] < threshold) return;
    const all = { ...base, ...fields };
    const tail = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
    sink.write(redact(`${clock().toISOString()} ${level.toUpperCase()} ${msg}${tail ? ' ' + tail : ''}\n`));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ level: 'error', sink: { write: () => {} } });
