/**
 * Values that come from Launchpad (branch names, revision ids) are untrusted:
 * they are checked against strict forms before they reach a job name, a LAVA
 * job definition or a CBuild spawn, and the names built from them use a safe
 * character set only.
 */

const UNIQUE_NAME = /^~[a-z0-9][a-z0-9+.-]{0,63}\/[a-z0-9][a-z0-9+.-]{0,99}\/[A-Za-z0-9][A-Za-z0-9+._-]{0,199}$/;
/** bzr revision ids: `email-date-hash`, or imported forms such as `svn-v4:uuid:trunk:123`. */
const REVISION_ID = /^[A-Za-z0-9][A-Za-z0-9@._+:~/=-]{0,254}$/;

export class UnsafeValueError extends Error {
  constructor(what: string, value: string) {
    super(`${what} ${JSON.stringify(value.slice(0, 120))} has characters the bot does not accept`);
    this.name = 'UnsafeValueError';
  }
}

export function checkBranchName(uniqueName: string): string {
  if (!UNIQUE_NAME.test(uniqueName)) throw new UnsafeValueError('branch name', uniqueName);
  return uniqueName;
}

export function checkRevisionId(revisionId: string): string {
  if (!REVISION_ID.test(revisionId) || revisionId.includes('..')) throw new UnsafeValueError('revision id', revisionId);
  return revisionId;
}

/**
 * CBuild job name in the tarball-basename style (cbuild.md §4), plus the
 * request id so that every request gets its own job:
 * `gcc-linaro+bzr115123~user~topic~r42`.
 */
export function cbuildJobName(product: string, branchUniqueName: string, revno: number, requestId: number): string {
  const [owner, , name] = checkBranchName(branchUniqueName).slice(1).split('/');
  const key = `~r${requestId}`;
  // Shorten the descriptive middle, never the request key that makes the name unique.
  const body = `${product}+bzr${revno}~${owner}~${name}`.replace(/[^A-Za-z0-9.+~_-]/g, '_');
  return body.slice(0, 200 - key.length) + key;
}

/** LAVA job name: identifies the request, so a crash between submit and record is recoverable. */
export function lavaJobName(requestId: number, target: string, cbuildJob: string): string {
  const key = `cbuild-bot r${requestId} ${target} `;
  return key + cbuildJob.slice(0, 200 - key.length);
}

/**
 * The idempotency key of a later attempt: `a9hf-ubuntu/<job>.2` for CBuild
 * (a new job name, since spawning an existing name returns the old job) and
 * `<LAVA job name> attempt 2` for LAVA.
 */
export function attemptKey(firstKey: string, backend: 'native' | 'lava', attempt: number): string {
  const base = backend === 'native' ? firstKey.replace(/\.\d+$/, '') : firstKey.replace(/ attempt \d+$/, '');
  if (attempt <= 1) return base;
  return backend === 'native' ? `${base}.${attempt}` : `${base} attempt ${attempt}`;
}

/**
 * What to do after an infrastructure failure of attempt `attempt`: retry after
 * `delayMs`, or give up (null) once `maxAttempts` are used.
 */
export function nextAttempt(attempt: number, maxAttempts: number, delaysSeconds: readonly number[]): { attempt: number; delayMs: number } | null {
  if (attempt >= maxAttempts) return null;
  const delay = delaysSeconds[Math.min(attempt - 1, delaysSeconds.length - 1)] ?? 0;
  return { attempt: attempt + 1, delayMs: delay * 1000 };
}
