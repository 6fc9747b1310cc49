/**
 * What the status pages and /api show about requests and builds: store rows
 * turned into plain objects with live durations (a running build's time so
 * far), safe links and masked text. The HTML pages render these same views,
 * so the API and the pages never disagree.
 */
import type { BuildRow, CommentRow, ProposalRow, RequestOrigin, Source, TestSummary } from '../core/model.js';
import { FINAL_BUILD_STATES } from '../core/model.js';
import { vcsFor } from '../vcs/index.js';
import { shownBuilds } from '../core/plan.js';
import { requestOutcome, type RequestOutcome } from '../core/report.js';
import { redact } from '../secrets.js';
import type { RequestHistory } from '../store/history.js';
import { buildTimeMs, queueWaitMs } from '../report/rows.js';
import { linkTarget } from './html.js';

/** A bzr branch or git ref as people name it, and its page on Launchpad's code site. */
export interface SourceView {
  vcs: string;
  /** `lp:~alice/gcc-linaro/fix`, `lp:~alice/gcc-linaro/+git/gcc-linaro:fix`. */
  name: string;
  /** Relative to the code site's root. */
  webPath: string;
}

export function sourceView(source: Source): SourceView {
  const vcs = vcsFor(source.vcs);
  return { vcs: source.vcs, name: vcs.describeSource(source), webPath: vcs.webPath(source) };
}

export interface ProposalView {
  id: number;
  webLink: string | null;
  source: SourceView;
  target: SourceView;
  status: string;
  tracked: boolean;
}

export interface BuildView {
  id: number;
  target: string;
  backend: string;
  state: string;
  /** A shadow build (LAVA in shadow rollout, or CBuild where LAVA is main): not shown in the proposal's comments. */
  shadow: boolean;
  attempt: number;
  submittedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Submitted → started; while queued, the wait so far. */
  queueWaitMs: number | null;
  /** Started → finished; while running, the time so far. */
  buildTimeMs: number | null;
  jobUrl: string | null;
  logUrl: string | null;
  resultsUrl: string | null;
  detail: string | null;
  tests: TestSummary | null;
  /** Regressions against the baseline, when compared. */
  regressions: number | null;
}

export interface CommentView {
  kind: string;
  state: string;
  /** The comment's page on Launchpad's web site, for people. */
  link: string | null;
  /** The comment in Launchpad's web service, as the bot recorded it. */
  apiLink: string | null;
  postedAt: string | null;
}

export interface RequestView {
  id: number;
  kind: string;
  origin: RequestOrigin;
  requestedBy: string | null;
  state: string;
  /** What an ended request amounts to (over the builds its comment shows); null while it builds. */
  outcome: RequestOutcome | null;
  /** Regressions over those builds. */
  regressions: number;
  source: SourceView;
  /** `revision 2 (alice@…)`, `1a2b3c4`. */
  revision: string;
  /** The full revision id or commit; null for a bzr build by revno. */
  revisionId: string | null;
  /** The bzr revno; null for git. */
  revno: number | null;
  createdAt: string;
  finishedAt: string | null;
  proposal: ProposalView | null;
  builds: BuildView[];
  comments: CommentView[];
}

export function proposalView(p: ProposalRow): ProposalView {
  return {
    id: p.id,
    webLink: linkTarget(p.web_link),
    source: sourceView(p.source),
    target: sourceView(p.target),
    status: p.queue_status,
    tracked: p.tracked,
  };
}

function liveMs(from: string | null, now: Date): number | null {
  if (!from) return null;
  const ms = now.getTime() - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

export function buildView(b: BuildRow, now: Date): BuildView {
  const final = FINAL_BUILD_STATES.has(b.state);
  const comparison = b.comparison;
  return {
    id: b.id,
    target: b.target,
    backend: b.backend,
    state: b.state,
    shadow: b.shadow,
    attempt: b.attempt,
    submittedAt: b.submitted_at,
    startedAt: b.started_at,
    finishedAt: b.finished_at,
    queueWaitMs: b.started_at || final ? queueWaitMs(b) : liveMs(b.submitted_at, now),
    buildTimeMs: final ? buildTimeMs(b) : liveMs(b.started_at, now),
    jobUrl: linkTarget(b.job_url),
    logUrl: linkTarget(b.log_url),
    resultsUrl: linkTarget(b.results_url),
    detail: b.detail === null ? null : redact(b.detail),
    tests: b.test_summary,
    regressions: comparison?.status === 'compared' ? comparison.counts.regressions : null,
  };
}

/**
 * A comment's web page from its API link: Launchpad's URL of a comment is
 * `comments/<id>` under its proposal's URL (`lp:url` of ICodeReviewComment in
 * lib/lp/code/browser/configure.zcml), on the web site (code.launchpad.net)
 * as the proposal's `web_link` is, and in the web service
 * (api.launchpad.net/1.0/) as its `self_link` is. So the page is the
 * proposal's `web_link` + `/comments/<id>` when both name the same proposal.
 */
export function commentWebLink(apiLink: string | null, proposalWebLink: string | null): string | null {
  if (!apiLink || !proposalWebLink) return null;
  let comment: RegExpExecArray | null;
  let proposal: RegExpExecArray | null;
  try {
    comment = /\/\+merge\/([0-9]+)\/comments\/([0-9]+)\/?$/.exec(new URL(apiLink).pathname);
    proposal = /\/\+merge\/([0-9]+)\/?$/.exec(new URL(proposalWebLink).pathname);
  } catch {
    return null;
  }
  if (!comment || !proposal || comment[1] !== proposal[1]) return null;
  return linkTarget(`${proposalWebLink.replace(/\/$/, '')}/comments/${comment[2]}`);
}

function commentView(c: CommentRow, proposal: ProposalRow | null): CommentView {
  return { kind: c.kind, state: c.state, link: commentWebLink(c.posted_link, proposal?.web_link ?? null), apiLink: linkTarget(c.posted_link), postedAt: c.posted_at };
}

function comparedRegressions(b: BuildRow): number {
  return b.comparison?.status === 'compared' ? b.comparison.counts.regressions : 0;
}

export function requestView(h: RequestHistory, now: Date): RequestView {
  const r = h.request;
  const shown = shownBuilds(h.builds);
  return {
    id: r.id,
    kind: r.kind,
    origin: r.origin,
    requestedBy: r.requested_by,
    state: r.state,
    outcome: r.state === 'active' || shown.length === 0 ? null : requestOutcome(shown),
    regressions: shown.reduce((n, b) => n + comparedRegressions(b), 0),
    source: sourceView(r.source),
    revision: vcsFor(r.source.vcs).describeRevision(r.revision),
    revisionId: r.revision.id,
    revno: r.revision.revno,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    proposal: h.proposal ? proposalView(h.proposal) : null,
    builds: h.builds.map((b) => buildView(b, now)),
    comments: h.comments.map((c) => commentView(c, h.proposal)),
  };
}
