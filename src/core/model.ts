/** The bot's own vocabulary: rows as the store holds them, and the states they move through. */

export type Backend = 'native' | 'lava';
export const BACKENDS: readonly Backend[] = ['native', 'lava'];

export type BuildState =
  | 'pending' // recorded, not yet submitted
  | 'submitting' // submission started; after a crash the job may or may not exist
  | 'queued'
  | 'running'
  | 'passed'
  | 'failed' // the change's fault: the build broke
  | 'infra' // the lab's fault: LAVA Incomplete, dead host, refused submission
  | 'cancelled'
  | 'error'; // the bot could not submit it (bad template, 4xx): needs an operator

export const FINAL_BUILD_STATES: ReadonlySet<BuildState> = new Set(['passed', 'failed', 'infra', 'cancelled', 'error']);

export type RequestState = 'active' | 'superseded' | 'closed' | 'cancelled' | 'done';
/** Requests whose builds are stopped: their results are not current. */
export const ENDED_REQUEST_STATES: ReadonlySet<RequestState> = new Set(['superseded', 'closed', 'cancelled']);
export type CommentKind = 'ack' | 'results' | 'command';
export type CommentState = 'pending' | 'posting' | 'posted' | 'printed';
export type ReviewVote = 'Approve' | 'Needs Fixing';

/** Launchpad's proposal statuses after which nothing more will be merged. */
export const FINAL_PROPOSAL_STATUSES: ReadonlySet<string> = new Set(['Merged', 'Rejected', 'Superseded']);

export interface ProposalRow {
  id: number;
  self_link: string;
  web_link: string;
  source_branch_link: string;
  source_branch: string;
  target_branch_link: string;
  target_branch: string;
  queue_status: string;
  http_etag: string | null;
  tracked: number;
  first_seen_at: string;
  updated_at: string;
}

export interface BranchRow {
  self_link: string;
  unique_name: string;
  bzr_identity: string;
  last_scanned_id: string | null;
  revision_count: number;
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
  branch: string;
  revision_id: string;
  revno: number;
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
  /** 1: a LAVA build in shadow rollout, recorded but never shown in comments. */
  shadow: number;
  submit_key: string;
  external_id: string | null;
  job_url: string | null;
  log_url: string | null;
  results_url: string | null;
  cancel_requested: number;
  detail: string | null;
  test_summary: string | null;
  /** JSON BuildComparison, once compared with the baseline (passed builds only). */
  comparison: string | null;
  /** 1 for the first submission; more after infrastructure failures. */
  attempt: number;
  /** A retried build waits until then before it is submitted again. */
  not_before: string | null;
  /** JSON EarlierAttempt[]: what went wrong with the attempts before this one. */
  earlier_attempts: string | null;
  submitted_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface CommentRow {
  id: number;
  /** Null only for a reply to a command that concerned no request. */
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
  /** JSON string[]: the targets of a rebuild (empty: all). */
  targets: string | null;
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

/** How a passed build's test results compare with its baseline build's. */
export type BuildComparison =
  | {
      status: 'compared';
      baseline: { branch: string; revno: number; revision: string };
      /** compare_tests' six categories, plus regressions (PASS→FAIL), flaky flips and PASS→XFAIL. */
      counts: { regressions: number; now_pass: number; new_fail: number; new_pass: number; gone: number; flaky: number; already_tracked: number };
      /** The first regressions by name, `<tool>: <test>`. */
      regressions: string[];
      /** The first new FAILs by name (not regressions, but need a look). */
      newFailures: string[];
      diffUrl: string | null;
      warnings: string[];
    }
  | { status: 'not-compared'; reason: string };

/** The hidden last line that lets the bot recognise its own comment on Launchpad. */
export function commentMarker(requestId: number, kind: Exclude<CommentKind, 'command'>): string {
  return `${requestId}/${kind}`;
}
export function commandReplyMarker(commandId: number): string {
  return `command/${commandId}`;
}
export const MARKER_PREFIX = 'cbuild-bot-ref: ';
