/**
 * Names the bot makes from untrusted values (branch, repository and ref
 * names come from Launchpad): they use a safe character set only, and always
 * end with the request key that makes them unique.
 */

/** CBuild job names: letters, digits and `. + ~ _ -`, at most 200 characters (cbuild/wire.ts). */
const JOB_NAME_UNSAFE = /[^A-Za-z0-9.+~_-]/g;
const MAX_JOB_NAME = 200;

/**
 * CBuild job name in the tarball-basename style (cbuild.md §4), plus the
 * request id so that every request gets its own job:
 * `gcc-linaro+bzr115123~user~topic~r42`, `gcc-linaro+git1a2b3c4~user~topic~r42`.
 * `stem` is the VCS's descriptive middle (Vcs.jobStem).
 */
export function cbuildJobName(product: string, stem: string, requestId: number): string {
  const key = `~r${requestId}`;
  // Shorten the descriptive middle, never the request key that makes the name unique.
  const body = `${product}+${stem}`.replace(JOB_NAME_UNSAFE, '_');
  return body.slice(0, MAX_JOB_NAME - key.length) + key;
}
