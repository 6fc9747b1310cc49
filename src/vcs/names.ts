/**
 * The naming rules the bot checks untrusted names against: exactly what
 * Launchpad and git accept, no stricter (a valid name is always built) and no
 * laxer (nothing else reaches a job). Values that pass still reach YAML and
 * shell only as quoted data; these checks are about meaning, not quoting.
 */

/** Launchpad's `valid_name` (people, teams, projects): lp/app/validators/name.py. */
const LAUNCHPAD_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** Launchpad's `valid_branch_name` and `valid_git_repository_name`: `^(?i)[a-z0-9][a-z0-9+\.\-@_]*\Z`. */
const LAUNCHPAD_CODE_NAME = /^[a-z0-9][a-z0-9+.\-@_]*$/i;

/** A name or revision the bot will not pass on, saying which and why. */
export class UnsafeValueError extends Error {
  constructor(what: string, value: string, why: string) {
    super(`${what} ${JSON.stringify(value.slice(0, 120))} ${why}`);
    this.name = 'UnsafeValueError';
  }
}

export function checkLaunchpadName(what: string, name: string): void {
  if (!LAUNCHPAD_NAME.test(name)) {
    throw new UnsafeValueError(what, name, 'is not a Launchpad name (lower-case letters, digits, "+", "-" and "." after the first character)');
  }
}

export function checkCodeName(what: string, name: string): void {
  if (!LAUNCHPAD_CODE_NAME.test(name)) {
    throw new UnsafeValueError(what, name, 'is not a Launchpad branch or repository name (letters, digits, "+", "-", ".", "@" and "_" after the first character)');
  }
}

/**
 * Why `ref` is not a full ref name by git's rules (`git check-ref-format
 * <refname>`, refs.c `check_refname_format` without --allow-onelevel,
 * --refspec-pattern or --normalize), or null when it is one.
 */
export function refFormatProblem(ref: string): string | null {
  if (ref === '@') return 'is "@"';
  if (ref.includes('@{')) return 'contains "@{"';
  if (ref.startsWith('/') || ref.endsWith('/')) return 'begins or ends with "/"';
  if (ref.endsWith('.')) return 'ends with "."';
  if (ref.includes('..')) return 'contains ".."';
  const bad = /[\u0000-\u0020\u007f~^:?*[\\]/.exec(ref);
  if (bad) return `contains ${JSON.stringify(bad[0])}, which git does not allow in ref names`;
  const components = ref.split('/');
  if (components.length < 2) return 'has one component only (git ref names look like refs/heads/<name>)';
  for (const c of components) {
    if (c === '') return 'contains "//"';
    if (c.startsWith('.')) return `has a component starting with "." (${JSON.stringify(c)})`;
    if (c.endsWith('.lock')) return `has a component ending with ".lock" (${JSON.stringify(c)})`;
  }
  return null;
}

export function checkRefName(ref: string): void {
  const problem = refFormatProblem(ref);
  if (problem) throw new UnsafeValueError('git ref', ref, problem);
}

/** A git object name: SHA-1 (40 hex digits) or SHA-256 (64), lower case as Launchpad and git print them. */
export function checkCommitId(commit: string): void {
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) {
    throw new UnsafeValueError('git commit', commit, 'is not a commit object name (40 or 64 lower-case hex digits)');
  }
}
