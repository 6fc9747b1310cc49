/**
 * When to try again, in one place: infrastructure failures are submitted
 * again after the configured delays, a bounded number of times; a request
 * whose fate is unknown (a comment POST or a job submission whose answer
 * never came) is looked for at doubling intervals over the uncertainty
 * window, and repeated only once that window has passed without a trace.
 */

/**
 * What to do after an infrastructure failure of attempt `attempt`: retry after
 * `delayMs`, or give up (null) once `maxAttempts` are used.
 */
export function nextAttempt(attempt: number, maxAttempts: number, delaysSeconds: readonly number[]): { attempt: number; delayMs: number } | null {
  if (attempt >= maxAttempts) return null;
  const delay = delaysSeconds[Math.min(attempt - 1, delaysSeconds.length - 1)] ?? 0;
  return { attempt: attempt + 1, delayMs: delay * 1000 };
}

/**
 * When to look again for the result of a request uncertain since `since`
 * (first after `firstCheckSeconds`, then doubling, the last check at the end
 * of the window), or null once `settleSeconds` have passed.
 */
export function nextUncertainCheck(since: string, now: Date, settings: { settleSeconds: number; firstCheckSeconds: number }): string | null {
  const elapsed = now.getTime() - Date.parse(since);
  const settleMs = settings.settleSeconds * 1000;
  if (elapsed >= settleMs) return null;
  const wait = Math.max(settings.firstCheckSeconds * 1000, elapsed);
  return new Date(Math.min(now.getTime() + wait, Date.parse(since) + settleMs)).toISOString();
}
