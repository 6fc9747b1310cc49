/** Summary statistics of durations, as the report and the pages show them, and how they print. */
import { formatDuration } from '../core/report.js';

export interface DurationStats {
  count: number;
  /** Milliseconds; null when there are no samples. The median of an even count is the mean of the middle two. */
  median: number | null;
  /** Nearest-rank 90th percentile. */
  p90: number | null;
  mean: number | null;
  max: number | null;
}

export function durationStats(samples: readonly number[]): DurationStats {
  if (samples.length === 0) return { count: 0, median: null, p90: null, mean: null, max: null };
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return {
    count: n,
    median: n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    p90: sorted[Math.ceil(0.9 * n) - 1],
    mean: sorted.reduce((a, b) => a + b, 0) / n,
    max: sorted[n - 1],
  };
}

/** A share in [0, 1], or null when there is nothing to divide by. */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export function percent(share: number | null): string {
  return share === null ? '-' : `${(share * 100).toFixed(1)}%`;
}

export function duration(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms);
}
