/** The time window a report covers, from a `--since`/`?since=` value such as 7d, 24h or 30m. */

export interface ReportWindow {
  since: Date;
  until: Date;
  /** The window's length as text, as given (e.g. "7d"). */
  label: string;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Milliseconds of "7d", "24h", "30m" or "2w"; throws naming `option` on anything else. */
export function parseDuration(text: string, option: string): number {
  const match = /^([1-9][0-9]{0,5})([mhdw])$/.exec(text.trim());
  if (!match) {
    throw new RangeError(`${option}: expected a length of time like 7d, 24h, 30m or 2w, not ${JSON.stringify(text)}`);
  }
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** The window ending `now` that `since` (e.g. "7d") reaches back over. */
export function windowEndingAt(now: Date, since: string, option = '--since'): ReportWindow {
  return { since: new Date(now.getTime() - parseDuration(since, option)), until: now, label: since.trim() };
}
