/**
 * Wire types of the CBuild scheduler and results host, and the naming rules
 * both sides share.
 *
 * CBuild v1 is gone and its scheduler's HTTP interface was never published
 * (reference cbuild.md §3), so the JSON API these types describe is INVENTED
 * for this project; the names it carries are not: job names are source-tarball
 * basenames (`gcc-linaro+bzr115123~user~topic`, §4), queues are named per board
 * class (`lava-pandaes-usbdrive`, §3), host states are the scheduler page's
 * (§2b), and result directories are `<arch>-<distro>-cbuild<N>-<host>-<config>`
 * under `build/<job>/logs/` (§4, §5). Field names are snake_case, in the style
 * of the Python WSGI app CBuild used.
 *
 * Invented URL scheme (scheduler under `scheduler/`, results host at the root):
 *
 *   GET  /                                         HTML status page: queues, jobs, hosts
 *   GET  /scheduler/queues                         {"queues": [QueueSummary]}
 *   GET  /scheduler/queues/<queue>/jobs            {"queue": q, "jobs": [CBuildJob]} (oldest first)
 *   PUT  /scheduler/queues/<queue>/jobs/<job>      body SpawnRequest → 201 new CBuildJob, 200 existing one
 *   GET  /scheduler/queues/<queue>/jobs/<job>      CBuildJob, 404 if unknown
 *   POST /scheduler/queues/<queue>/jobs/<job>/cancel   CBuildJob (idempotent)
 *   GET  /scheduler/hosts                          {"hosts": [CBuildHost]}
 *   GET  /build/[<job>/[logs/[<hostdir>/]]]        Apache-style index; `?format=json` → DirectoryListing
 *   GET  /build/<job>/logs/<hostdir>/<file>        the file (text/plain; `.xz` as application/x-xz)
 *   PUT  /build/<job>/logs/<hostdir>/<file>        upload (how LAVA runs publish in the hybrid design)
 *
 * Errors are `{"error": "<what was wrong>"}` with 400 (bad name or body),
 * 404, 405, 409 (the job name already denotes another source) or 413.
 */

/** A job's life: `failed` is a make failure (the change's fault), `lost` a dead host (infrastructure). */
export type JobState = 'queued' | 'running' | 'complete' | 'failed' | 'lost' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'complete', 'failed', 'lost', 'cancelled'];
/** States a job never leaves. */
export const FINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['complete', 'failed', 'lost', 'cancelled']);

/** Host states as the CBuild scheduler page named them (cbuild.md §2b). */
export type HostState = 'lurking' | 'idle' | 'updating' | 'running';
export const HOST_STATES: readonly HostState[] = ['lurking', 'idle', 'updating', 'running'];

/**
 * What to build: one revision of a bzr branch or of a git ref. A job name
 * denotes one source, so these fields must agree wherever it is spawned.
 */
export interface SpawnRequest {
  vcs: 'bzr' | 'git';
  /** bzr: the branch unique name `~user/gcc-linaro/fix-neon`; git: the repository's `~user/gcc-linaro/+git/gcc-linaro`. */
  source: string;
  /** git: the ref built, `refs/heads/fix-neon`; null for bzr. */
  ref: string | null;
  /** Where the host fetches from: `lp:~user/gcc-linaro/fix-neon`, `https://git.launchpad.net/~user/gcc-linaro/+git/gcc-linaro`. */
  url: string;
  /** bzr revision id or git commit; null for a bzr build by revno. */
  revision: string | null;
  /** bzr revno; null for git. */
  revno: number | null;
  /** Build target the bot expects from this queue, e.g. `a9hf`; the host's own target is what gets built. */
  target: string;
}

export interface CBuildJob {
  /** Job name (tarball basename plus the bot's request key). */
  name: string;
  queue: string;
  state: JobState;
  spec: SpawnRequest;
  /** Host that claimed the job; null while queued (or cancelled before any host took it). */
  host: string | null;
  /** Result directory name on the results host, known once a host has claimed the job. */
  result_dir: string | null;
  /** A cancel was asked for while running; the host stops at its next poll. */
  cancel_requested: boolean;
  /** ISO 8601 UTC. */
  spawned_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The job's scheduler URL. */
  url: string;
  /** Result directory URL, once the host has published its files (`complete` or `failed`). */
  result_dir_url: string | null;
  /** The top-level build log (`make.log`), once published. */
  log_url: string | null;
}

export interface CBuildHost {
  name: string;
  queue: string;
  state: HostState;
  arch: string;
  distro: string;
  config: string;
  target: string;
  /** Job the host is working on. */
  job: string | null;
  /** Last time the host polled the scheduler (hosts register themselves by polling). */
  last_poll_at: string | null;
}

export interface QueueSummary {
  name: string;
  queued: number;
  running: number;
  hosts: number;
}

export interface DirectoryEntry {
  name: string;
  type: 'directory' | 'file';
  /** Bytes; absent for directories. */
  size?: number;
  modified: string;
}

/** `?format=json` form of a results-host directory index. */
export interface DirectoryListing {
  /** URL path of the directory, ending in `/`. */
  path: string;
  entries: DirectoryEntry[];
}

export const MAX_JOB_NAME_LENGTH = 200;
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9.+~_-]*$/;
const QUEUE_OR_HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,99}$/;
/** `<uname -m>-<distro codename>-cbuild<revno>-<hostname>-<config>`; the hostname may itself contain dashes (LAVA device names). */
const RESULT_DIR = /^([A-Za-z0-9_]+)-([A-Za-z0-9]+)-cbuild([0-9]+)-([A-Za-z0-9][A-Za-z0-9._-]*)-([A-Za-z0-9_]+)$/;

/** Why `name` is not a usable job name, or null if it is. */
export function jobNameProblem(name: string): string | null {
  if (name.length === 0) return 'job name is empty';
  if (name.length > MAX_JOB_NAME_LENGTH) return `job name is ${name.length} characters long (at most ${MAX_JOB_NAME_LENGTH})`;
  if (!JOB_NAME.test(name)) {
    return `job name ${JSON.stringify(name)} must start with a letter or digit and contain only letters, digits and . + ~ _ -`;
  }
  return null;
}

/** Why `name` is not a usable queue name, or null if it is. */
export function queueNameProblem(name: string): string | null {
  return QUEUE_OR_HOST_NAME.test(name)
    ? null
    : `queue name ${JSON.stringify(name)} must be 1-100 letters, digits, . _ - starting with a letter or digit`;
}

/** Why `name` is not a usable host name, or null if it is. */
export function hostNameProblem(name: string): string | null {
  return QUEUE_OR_HOST_NAME.test(name)
    ? null
    : `host name ${JSON.stringify(name)} must be 1-100 letters, digits, . _ - starting with a letter or digit`;
}

/** Why `name` is not a usable result file name (`gcc.sum`, `g++.sum.xz`, `make.log`), or null if it is. */
export function fileNameProblem(name: string): string | null {
  return FILE_NAME.test(name)
    ? null
    : `file name ${JSON.stringify(name)} must be 1-100 letters, digits, . _ + ~ - starting with a letter or digit`;
}

export interface ResultDirParts {
  arch: string;
  distro: string;
  cbuildRevno: number;
  host: string;
  config: string;
}

/** `armv7l-precise-cbuild461-ursa3-cortexa9hfr1` from its parts. */
export function formatResultDir(parts: ResultDirParts): string {
  return `${parts.arch}-${parts.distro}-cbuild${parts.cbuildRevno}-${parts.host}-${parts.config}`;
}

/** The parts of a result directory name, or null if it does not follow the CBuild pattern. */
export function parseResultDir(name: string): ResultDirParts | null {
  if (name.length > MAX_JOB_NAME_LENGTH) return null;
  const match = RESULT_DIR.exec(name);
  if (!match) return null;
  return { arch: match[1], distro: match[2], cbuildRevno: Number(match[3]), host: match[4], config: match[5] };
}

/** Why `name` is not a result directory name, or null if it is. */
export function resultDirProblem(name: string): string | null {
  return parseResultDir(name)
    ? null
    : `result directory ${JSON.stringify(name)} must look like <arch>-<distro>-cbuild<N>-<host>-<config>, e.g. armv7l-precise-cbuild461-ursa3-cortexa9hfr1`;
}

/** Why `spec` is not a SpawnRequest, or null if it is. */
export function spawnRequestProblem(spec: unknown): string | null {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return 'spawn request must be a JSON object';
  const f = spec as Record<string, unknown>;
  if (f.vcs !== 'bzr' && f.vcs !== 'git') return 'spawn request field "vcs" must be "bzr" or "git"';
  for (const key of ['source', 'url', 'target'] as const) {
    if (typeof f[key] !== 'string' || (f[key] as string).length === 0) return `spawn request field "${key}" must be a non-empty string`;
  }
  const text = (v: unknown) => typeof v === 'string' && v.length > 0;
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (f.vcs === 'git') {
    if (!text(f.ref)) return 'spawn request field "ref" must name the git ref';
    if (!text(f.revision)) return 'spawn request field "revision" must be the git commit';
    if (f.revno !== null && f.revno !== undefined) return 'spawn request field "revno" must be null for git';
  } else {
    if (f.ref !== null && f.ref !== undefined) return 'spawn request field "ref" must be null for bzr';
    if (!(f.revision === null || text(f.revision))) return 'spawn request field "revision" must be a revision id or null';
    if (!positive(f.revno)) return 'spawn request field "revno" must be a positive integer';
  }
  return null;
}

/**
 * Encodes one URL path segment, keeping `+` literal as Apache does, so links
 * read like `build/gcc-linaro+bzr115123~user~topic/`.
 */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%2B/g, '+');
}
