/**
 * The bot's own vocabulary: what the store holds, decoded (booleans, parsed
 * JSON, structured sources and revisions), and the states things move through.
 * The store is the only place that knows how these are spelled in SQLite.
 */

/** The build backends: the native CBuild build and the same build as a LAVA job. */
export type Backend = 'cbuild' | 'lava';
export const BACKENDS: readonly Backend[] = ['cbuild', 'lava'];
/** How comments, pages, reports and commands name each backend. */
export const BACKEND_LABEL: Record<Backend, string> = { cbuild: 'CBuild', lava: 'LAVA' };

/** Version-control systems Launchpad hosts merge proposals for (bzr until 2025-12-11, git today). */
export type VcsKind = 'bzr' | 'git';
export const VCS_KINDS: readonly VcsKind[] = ['bzr', 'git'];

/**
 * Where a build's source is: a bzr branch (`path` its unique name
 * `~owner/project/name`, no ref), or a ref of a git repository (`path` the
 * repository's unique name `~owner/project/+git/name`, `ref` e.g.
 * `refs/heads/topic`).
 */
export interface Source {
  vcs: VcsKind;
  path: string;
  ref: string | null;
}

/** A source as Launchpad names it: the API link of the bzr branch or git ref entry. */
export interface LinkedSource extends Source {
  link: string;
}

/**
 * One revision of a source, never ambiguous: a bzr revision id (with the
 * branch's revno when it was seen), a bzr revno alone (a build scheduled by
 * revno: the API cannot map an old revno to its id), or a git commit object
 * name (no revno).
 */
export interface Revision {
  id: string | null;
  revno: number | null;
}

export type BuildState =
  | 'pending' // recorded, not yet submitted
  | 'submitting' // submission started; the job may or may not exist
  | 'queued'
  | 'running'
  | 'passed'
  | 'failed' // the change's fault: the build broke
  | 'infra' // the lab's fault: LAVA Incomplete, dead host, refused submission
  | 'cancelled'
  | 'held' // the bot's own configuration is wrong (template, credentials): waits for a fix
  | 'error'; // the bot could not submit it for good: needs an operator

/** States a build never leaves (`held` is left once the configuration is fixed). */
export const FINAL_BUILD_STATES: ReadonlySet<BuildState> = new Set(['passed', 'failed', 'infra', 'cancelled', 'error']);

export type RequestState = 'active' | 'superseded' | 'closed' | 'cancelled' | 'done';
/** Requests whose builds are stopped: their results are not current. */
export const ENDED_REQUEST_STATES: ReadonlySet<RequestState> = new Set(['superseded', 'closed', 'cancelled']);
/** `notice`: a one-off word on a proposal the bot cannot build (e.g. a name it cannot take). */
export type CommentKind = 'ack' | 'results' | 'command' | 'notice';
/**
 * `withdrawn`: never posted because its request ended or its proposal
 * closed first; `failed`: Launchpad refused it too many times.
 */
export type CommentState = 'pending' | 'posting' | 'posted' | 'printed' | 'withdrawn' | 'failed';
export type ReviewVote = 'Approve' | 'Needs Fixing';

/** Launchpad's proposal statuses after which nothing more will be merged. */
export const FINAL_PROPOSAL_STATUSES: ReadonlySet<string> = new Set(['Merged', 'Rejected', 'Superseded']);

export interface ProposalRow {
  id: number;
  self_link: string;
  web_link: string;
  source: LinkedSource;
  target: LinkedSource;
  queue_status: string;
  http_etag: string | null;
  /** False once Launchpad says its status is not one the bot watches. */
  tracked: boolean;
  /** Why the bot cannot build it (a name or revision it cannot take); null when it can. */
  unbuildable: string | null;
  first_seen_at: string;
  updated_at: string;
}

/** What the bot last read of a bzr branch or git ref: its tip. */
export interface SourceTipRow extends LinkedSource {
  /** `lp:gcc-linaro`, `lp:~o/p/b`; for git the repository's git_identity. */
  identity: string;
  /** bzr last_scanned_id, git commit_sha1; null until Launchpad scanned it. */
  tip: string | null;
  /** bzr revision_count; null for git. */
  revno: number | null;
  /** Where a builder clones a git repository from (its git_https_url); null for bzr. */
  repository_url: string | null;
  http_etag: string | null;
  checked_at: string;
}

/**
 * `proposal`: a proposal's revision, reported on the proposal; `baseline`: a
 * target branch revision that proposals are compared with (branch points and
 * dailies); `adhoc`: a manual build that belongs to no proposal.
 */
export type RequestKind = 'proposal' | 'baseline' | 'adhoc';
/** Why a request exists. */
export type RequestOrigin = 'revision' | 'branch-point' | 'daily' | 'schedule' | 'rebuild';

export interface RequestRow {
  id: number;
  kind: RequestKind;
  origin: RequestOrigin;
  /** Who asked, for manual builds and commands. */
  requested_by: string | null;
  proposal_id: number | null;
  base_request_id: number | null;
  source: Source;
  /** Where builders fetch the source from (bzr: `lp:~o/p/b`; git: the repository's https URL). */
  source_url: string;
  revision: Revision;
  state: RequestState;
  superseded_by: number | null;
  created_at: string;
  finished_at: string | null;
}

export interface BuildRow {
  id: number;
  request_id: number;
  target: string;
  backend: Backend;
  state: BuildState;
  /** A shadow build (LAVA in shadow rollout, or CBuild where LAVA is the main backend): recorded, never shown in comments. */
  shadow: boolean;
  submit_key: string;
  external_id: string | null;
  job_url: string | null;
  log_url: string | null;
  results_url: string | null;
  cancel_requested: boolean;
  detail: string | null;
  test_summary: TestSummary | null;
  /** Once compared with the baseline (passed builds only). */
  comparison: BuildComparison | null;
  /** A failed build's first error lines, read from its make.log on the results host. */
  failure_excerpt: FailureExcerpt | null;
  /** 1 for the first submission; more after infrastructure failures. */
  attempt: number;
  /** A retried build waits until then before it is submitted again. */
  not_before: string | null;
  /** What went wrong with the attempts before this one. */
  earlier_attempts: EarlierAttempt[];
  /** Since when a submission's fate is unknown (the job may appear yet); null when known. */
  uncertain_since: string | null;
  /** When to look for the job of an uncertain submission again. */
  next_check_at: string | null;
  submitted_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface CommentRow {
  id: number;
  /** Null for a reply to a command that concerned no request, and for notices. */
  request_id: number | null;
  command_id: number | null;
  proposal_id: number;
  kind: CommentKind;
  marker: string;
  subject: string;
  body: string;
  state: CommentState;
  attempts: number;
  posted_link: string | null;
  last_error: string | null;
  vote: ReviewVote | null;
  /** Since when a POST's fate is unknown (Launchpad may complete it yet); null when known. */
  uncertain_since: string | null;
  /** When to look for the marker of an uncertain post again. */
  next_check_at: string | null;
  created_at: string;
  posted_at: string | null;
}

export type CommandVerb = 'rebuild' | 'cancel';

/** A command found in a proposal comment, recorded once per comment. */
export interface CommandRow {
  id: number;
  proposal_id: number;
  comment_link: string;
  author: string;
  verb: CommandVerb;
  /** The targets of a rebuild (empty: all). */
  targets: string[];
  /** done: acted on; refused: from a trusted person but not possible (reply says why); ignored: not trusted or the bot's own. */
  state: 'done' | 'refused' | 'ignored';
  outcome: string;
  request_id: number | null;
  created_at: string;
}

/** Per-tool DejaGnu counts stored on a build, e.g. { gcc: { PASS: 10, FAIL: 1 } }. */
export type TestSummary = Record<string, Record<string, number>>;

export interface EarlierAttempt {
  attempt: number;
  detail: string;
  job_url: string | null;
}

/** The first error lines of a failed build's log, as a person scanning it would find them. */
export interface FailureExcerpt {
  /** The log the lines come from (a make.log on the results host); null when there was none. */
  log_url: string | null;
  /** At most a few sanitised lines; empty when the log could not be read (see note). */
  lines: string[];
  /** Why there is no excerpt (no log published, log too large, …). */
  note?: string;
}

/** How a passed build's test results compare with its baseline build's. */
export type BuildComparison =
  | {
      status: 'compared';
      /** The baseline as a reviewer reads it, e.g. `lp:gcc-linaro revision 6` or `lp:gcc-linaro:master @ 1a2b3c4`. */
      baseline: { label: string };
      /** compare_tests' six categories, plus regressions (PASS→FAIL), flaky flips and PASS→XFAIL. */
      counts: { regressions: number; now_pass: number; new_fail: number; new_pass: number; gone: number; flaky: number; already_tracked: number };
      /** The first regressions by name, `<tool>: <test>`. */
      regressions: string[];
      /** The first new FAILs by name (not regressions, but need a look). */
      newFailures: string[];
      /** The first flips of known-flaky tests by name (configured or learned manifests): never counted as regressions. */
      flaky?: string[];
      diffUrl: string | null;
      /** Problems with the results files (truncated, garbled): the comparison may be incomplete. */
      warnings: string[];
    }
  | { status: 'not-compared'; reason: string };

/** The hidden last line that lets the bot recognise its own comment on Launchpad. */
export function commentMarker(requestId: number, kind: 'ack' | 'results'): string {
  return `${requestId}/${kind}`;
}
export function commandReplyMarker(commandId: number): string {
  return `command/${commandId}`;
}
export const MARKER_PREFIX = 'cbuild-bot-ref: ';
