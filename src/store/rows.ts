/**
 * The one place that knows how the bot's vocabulary is spelled in SQLite:
 * 0/1 flags, JSON columns, sources split into path and ref, revisions into
 * id and revno. Every query that returns rows decodes them here, so nothing
 * else casts or parses a column.
 */
import {
  FINAL_BUILD_STATES,
  type BuildComparison,
  type BuildRow,
  type CommandRow,
  type CommentRow,
  type EarlierAttempt,
  type FailureExcerpt,
  type ProposalRow,
  type RequestRow,
  type SourceTipRow,
  type TestSummary,
  type VcsKind,
} from '../core/model.js';
import type { SqlParam } from './db.js';

/** `state NOT IN (…final states…)`, built from the one list of final states. */
export const UNFINISHED_BUILD = `state NOT IN (${[...FINAL_BUILD_STATES].map((s) => `'${s}'`).join(', ')})`;
export const FINAL_BUILD = `state IN (${[...FINAL_BUILD_STATES].map((s) => `'${s}'`).join(', ')})`;

type Raw = Record<string, unknown>;

const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const flag = (v: unknown): boolean => v === 1 || v === true;
function json<T>(v: unknown): T | null {
  return v === null || v === undefined ? null : (JSON.parse(v as string) as T);
}

export function decodeProposal(r: Raw): ProposalRow {
  const vcs = r.vcs as VcsKind;
  return {
    id: Number(r.id),
    self_link: str(r.self_link),
    web_link: str(r.web_link),
    source: { vcs, link: str(r.source_link), path: str(r.source_path), ref: strOrNull(r.source_ref) },
    target: { vcs, link: str(r.target_link), path: str(r.target_path), ref: strOrNull(r.target_ref) },
    queue_status: str(r.queue_status),
    http_etag: strOrNull(r.http_etag),
    tracked: flag(r.tracked),
    unbuildable: strOrNull(r.unbuildable),
    first_seen_at: str(r.first_seen_at),
    updated_at: str(r.updated_at),
  };
}

export function decodeSourceTip(r: Raw): SourceTipRow {
  return {
    link: str(r.self_link),
    vcs: r.vcs as VcsKind,
    path: str(r.path),
    ref: strOrNull(r.ref),
    identity: str(r.identity),
    tip: strOrNull(r.tip),
    revno: numOrNull(r.revno),
    repository_url: strOrNull(r.repository_url),
    http_etag: strOrNull(r.http_etag),
    checked_at: str(r.checked_at),
  };
}

export function decodeRequest(r: Raw): RequestRow {
  return {
    id: Number(r.id),
    kind: r.kind as RequestRow['kind'],
    origin: r.origin as RequestRow['origin'],
    requested_by: strOrNull(r.requested_by),
    proposal_id: numOrNull(r.proposal_id),
    base_request_id: numOrNull(r.base_request_id),
    source: { vcs: r.vcs as VcsKind, path: str(r.source_path), ref: strOrNull(r.source_ref) },
    source_url: str(r.source_url),
    revision: { id: strOrNull(r.revision_id), revno: numOrNull(r.revno) },
    state: r.state as RequestRow['state'],
    superseded_by: numOrNull(r.superseded_by),
    created_at: str(r.created_at),
    finished_at: strOrNull(r.finished_at),
  };
}

export function decodeBuild(r: Raw): BuildRow {
  return {
    id: Number(r.id),
    request_id: Number(r.request_id),
    target: str(r.target),
    backend: r.backend as BuildRow['backend'],
    state: r.state as BuildRow['state'],
    shadow: flag(r.shadow),
    submit_key: str(r.submit_key),
    external_id: strOrNull(r.external_id),
    job_url: strOrNull(r.job_url),
    log_url: strOrNull(r.log_url),
    results_url: strOrNull(r.results_url),
    cancel_requested: flag(r.cancel_requested),
    detail: strOrNull(r.detail),
    test_summary: json<TestSummary>(r.test_summary),
    comparison: json<BuildComparison>(r.comparison),
    failure_excerpt: json<FailureExcerpt>(r.failure_excerpt),
    attempt: Number(r.attempt),
    not_before: strOrNull(r.not_before),
    earlier_attempts: json<EarlierAttempt[]>(r.earlier_attempts) ?? [],
    uncertain_since: strOrNull(r.uncertain_since),
    next_check_at: strOrNull(r.next_check_at),
    submitted_at: strOrNull(r.submitted_at),
    started_at: strOrNull(r.started_at),
    finished_at: strOrNull(r.finished_at),
    updated_at: str(r.updated_at),
  };
}

export function decodeComment(r: Raw): CommentRow {
  return {
    id: Number(r.id),
    request_id: numOrNull(r.request_id),
    command_id: numOrNull(r.command_id),
    proposal_id: Number(r.proposal_id),
    kind: r.kind as CommentRow['kind'],
    marker: str(r.marker),
    subject: str(r.subject),
    body: str(r.body),
    state: r.state as CommentRow['state'],
    attempts: Number(r.attempts),
    posted_link: strOrNull(r.posted_link),
    last_error: strOrNull(r.last_error),
    vote: strOrNull(r.vote) as CommentRow['vote'],
    uncertain_since: strOrNull(r.uncertain_since),
    next_check_at: strOrNull(r.next_check_at),
    created_at: str(r.created_at),
    posted_at: strOrNull(r.posted_at),
  };
}

export function decodeCommand(r: Raw): CommandRow {
  return {
    id: Number(r.id),
    proposal_id: Number(r.proposal_id),
    comment_link: str(r.comment_link),
    author: str(r.author),
    verb: r.verb as CommandRow['verb'],
    targets: json<string[]>(r.targets) ?? [],
    state: r.state as CommandRow['state'],
    outcome: str(r.outcome),
    request_id: numOrNull(r.request_id),
    created_at: str(r.created_at),
  };
}

/** A build field as its column holds it. */
export type BuildPatch = Partial<Omit<BuildRow, 'id' | 'request_id' | 'target' | 'backend'>>;

/** Encodes a build patch into column/value pairs. */
export function encodeBuildPatch(patch: BuildPatch): [string, SqlParam][] {
  const out: [string, SqlParam][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    switch (key) {
      case 'shadow':
      case 'cancel_requested':
        out.push([key, value ? 1 : 0]);
        break;
      case 'test_summary':
      case 'comparison':
      case 'failure_excerpt':
        out.push([key, value === null ? null : JSON.stringify(value)]);
        break;
      case 'earlier_attempts':
        out.push([key, (value as EarlierAttempt[]).length ? JSON.stringify(value) : null]);
        break;
      default:
        out.push([key, value as SqlParam]);
    }
  }
  return out;
}
