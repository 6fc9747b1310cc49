/**
 * The bot's rows, made to order for tests of the pure core and the report:
 * each factory gives a plausible row (bzr unless asked otherwise) and takes
 * overrides, like Zuul's story helpers.
 */
import type { BuildRow, CommentRow, ProposalRow, RequestRow, SourceTipRow } from '../../src/core/model.js';

export const TRUNK_LINK = 'http://lp/1.0/~l/p/trunk';

export function proposal(id: number, over: Partial<ProposalRow> = {}): ProposalRow {
  return {
    id,
    self_link: `http://lp/1.0/~u/p/b${id}/+merge/${id}`,
    web_link: `http://lp/~u/p/b${id}/+merge/${id}`,
    source: { vcs: 'bzr', link: `http://lp/1.0/~u/p/b${id}`, path: `~u/p/b${id}`, ref: null },
    target: { vcs: 'bzr', link: TRUNK_LINK, path: '~l/p/trunk', ref: null },
    queue_status: 'Needs review',
    http_etag: '"a-b"',
    tracked: true,
    unbuildable: null,
    first_seen_at: 't',
    updated_at: 't',
    ...over,
  };
}

/** A git proposal of `refs/heads/b<id>` in `~u/p/+git/p` into the project's default repository's master. */
export function gitProposal(id: number, over: Partial<ProposalRow> = {}): ProposalRow {
  return proposal(id, {
    self_link: `http://lp/1.0/~u/p/+git/p/+merge/${id}`,
    web_link: `http://lp/~u/p/+git/p/+merge/${id}`,
    source: { vcs: 'git', link: `http://lp/1.0/~u/p/+git/p/+ref/b${id}`, path: '~u/p/+git/p', ref: `refs/heads/b${id}` },
    target: { vcs: 'git', link: 'http://lp/1.0/~l/p/+git/p/+ref/master', path: '~l/p/+git/p', ref: 'refs/heads/master' },
    ...over,
  });
}

/** A bzr branch tip: `[link, row]` for a Map of tips. */
export function branchTip(id: number | 'trunk', tip: string | null, revno = 3): [string, SourceTipRow] {
  const link = id === 'trunk' ? TRUNK_LINK : `http://lp/1.0/~u/p/b${id}`;
  const path = id === 'trunk' ? '~l/p/trunk' : `~u/p/b${id}`;
  return [link, { link, vcs: 'bzr', path, ref: null, identity: `lp:${path}`, tip, revno, repository_url: null, http_etag: null, checked_at: 't' }];
}

/** A git ref tip of gitProposal(id)'s source (or, for 'master', its target). */
export function refTip(id: number | 'master', commit: string | null): [string, SourceTipRow] {
  const master = id === 'master';
  const link = master ? 'http://lp/1.0/~l/p/+git/p/+ref/master' : `http://lp/1.0/~u/p/+git/p/+ref/b${id}`;
  const path = master ? '~l/p/+git/p' : '~u/p/+git/p';
  return [
    link,
    {
      link, vcs: 'git', path, ref: master ? 'refs/heads/master' : `refs/heads/b${id}`, identity: master ? 'lp:p' : `lp:${path}`,
      tip: commit, revno: null, repository_url: `https://git.example/${path}`, http_etag: null, checked_at: 't',
    },
  ];
}

export function request(id: number, proposalId: number | null, revision: string | null, state: RequestRow['state'] = 'active', over: Partial<RequestRow> = {}): RequestRow {
  return {
    id,
    kind: proposalId === null ? 'baseline' : 'proposal',
    origin: proposalId === null ? 'branch-point' : 'revision',
    requested_by: null,
    proposal_id: proposalId,
    base_request_id: null,
    source: { vcs: 'bzr', path: `~u/p/b${proposalId}`, ref: null },
    source_url: `lp:~u/p/b${proposalId}`,
    revision: { id: revision, revno: 3 },
    state,
    superseded_by: null,
    created_at: 't',
    finished_at: null,
    ...over,
  };
}

export function build(id: number, requestId: number, state: BuildRow['state'], over: Partial<BuildRow> = {}): BuildRow {
  return {
    id,
    request_id: requestId,
    target: 'a9hf',
    backend: 'lava',
    state,
    shadow: false,
    submit_key: `k${id}`,
    external_id: null,
    job_url: null,
    log_url: null,
    results_url: null,
    cancel_requested: false,
    detail: null,
    test_summary: null,
    comparison: null,
    failure_excerpt: null,
    attempt: 1,
    not_before: null,
    earlier_attempts: [],
    uncertain_since: null,
    next_check_at: null,
    submitted_at: null,
    started_at: null,
    finished_at: null,
    updated_at: 't',
    ...over,
  };
}

export function comment(id: number, requestId: number | null, kind: CommentRow['kind'], over: Partial<CommentRow> = {}): CommentRow {
  return {
    id,
    request_id: requestId,
    command_id: null,
    proposal_id: 1,
    kind,
    marker: `${requestId}/${kind}`,
    subject: 's',
    body: 'b',
    state: 'posted',
    attempts: 1,
    posted_link: null,
    last_error: null,
    vote: null,
    uncertain_since: null,
    next_check_at: null,
    created_at: 't',
    posted_at: 't',
    ...over,
  };
}
