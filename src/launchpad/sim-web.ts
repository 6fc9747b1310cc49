/**
 * The simulator's web pages (its root, not /1.0/): a merge proposal's page
 * and each comment's own page, drawn as Launchpad draws them, so that a test
 * or a person in the sandbox reads the bot's comments as reviewers do.
 *
 * Sources (lgp171188/launchpad @ eafda459):
 * - the proposal page's conversation: `BranchMergeProposalView.conversation`
 *   in `lib/lp/code/browser/branchmergeproposal.py` (every comment, oldest
 *   first, each folded: `limit_length=True`), its heading `label` ("Merge X
 *   into Y");
 * - one comment: `lib/lp/services/comments/templates/comment.pt`,
 *   `comment-body.pt` and `lib/lp/code/templates/codereviewcomment-*.pt`
 *   (author "wrote" date, the body as `text_for_display/fmt:obfuscate-email/
 *   fmt:email-to-html`, the vote and review type);
 * - the fold: `MessageComment.text_for_display` in
 *   `lib/lp/services/comments/browser/messagecomment.py`: a body longer than
 *   `config.malone.max_comment_size` (3,200 characters in
 *   `lib/lp/services/config/schema-lazr.conf`) shows its first 3,200
 *   characters and "...", then a "Download full text" link above and a
 *   "Read more..." link below; a body longer than `MAX_RENDERABLE` (10,000,
 *   `lib/lp/services/comments/browser/comment.py`) gets no "Read more..."
 *   and its own page redirects to `+download`
 *   (`CodeReviewCommentIndexView`);
 * - URLs: a comment is `<proposal>/comments/<id>` (`lp:url` of
 *   `ICodeReviewComment` in `lib/lp/code/browser/configure.zcml`);
 * - dates: `DateTimeFormatterAPI.displaydate` in `lib/lp/app/browser/tales.py`.
 *
 * A request is a visitor who is not logged in, as a browser's is: addresses
 * in comments are hidden (`fmt:obfuscate-email`), which also hides bzr
 * revision ids such as `dave@example.com-20261124-…`. The simulator-only
 * query `?logged_in=1` shows the page as a logged-in reviewer sees it.
 * Launchpad's script folds signatures and long quotes behind "[...]"; the
 * page draws that fold itself (`foldForScript`) and serves no script.
 */
import { Html, html } from '../web/html.js';
import type { Links } from './sim-representation.js';
import type { PersonRecord, ProposalRecord, SimComment, SimState } from './sim-state.js';
import { emailToHtml, foldForScript, obfuscateEmail, textToHtml } from './text-to-html.js';

/** `config.malone.max_comment_size`: a longer comment is folded behind "Read more...". */
export const COMMENT_LIMIT = 3200;
/** `MAX_RENDERABLE`: a longer comment has no page of its own, only its download. */
export const MAX_RENDERABLE = 10_000;

export interface WebAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Lengths and slices in code points, as Python's `len()` and `[:n]`. */
function codePoints(text: string): string[] {
  return Array.from(text);
}

/** What a comment shows (`MessageComment`): the body, or its first 3,200 characters and "..." when folded. */
export function commentForDisplay(body: string, limitLength: boolean): { text: string; tooLong: boolean; tooLongToRender: boolean } {
  const chars = codePoints(body);
  const tooLong = limitLength && chars.length > COMMENT_LIMIT;
  return {
    text: tooLong ? `${chars.slice(0, COMMENT_LIMIT).join('')}...` : body,
    tooLong,
    tooLongToRender: chars.length > MAX_RENDERABLE,
  };
}

/** `NumberFormatterAPI.bytes`. */
function bytes(n: number): string {
  if (n === 1) return '1 byte';
  if (n < 1024) return `${n} bytes`;
  const suffixes = ['KiB', 'MiB', 'GiB', 'TiB'];
  const exponent = Math.min(suffixes.length, Math.floor(Math.log(n) / Math.log(1024)));
  return `${(n / 1024 ** exponent).toFixed(1)} ${suffixes[exponent - 1]}`;
}

/** `fmt:datetime`, in UTC (the visitor's time zone when not logged in). */
function dateTime(date: Date): string {
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)} UTC`;
}

/** `fmt:displaydate`: "on 2026-03-10" after a day, else "5 minutes ago", "a moment ago". */
export function displayDate(date: Date, now: Date): string {
  const deltaMs = now.getTime() - date.getTime();
  if (Math.abs(deltaMs) > 86_400_000) return `on ${date.toISOString().slice(0, 10)}`;
  const future = deltaMs < 0;
  const total = Math.floor(Math.abs(deltaMs) / 1000);
  const [hours, minutes, seconds] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const prefix = future ? 'in ' : '';
  if (!hours && !minutes && seconds <= 10) return `${prefix}a moment${future ? '' : ' ago'}`;
  const [amount, unit] = hours ? [hours, 'hour'] : minutes ? [minutes, 'minute'] : [seconds, 'second'];
  return `${prefix}${amount} ${unit}${amount === 1 ? '' : 's'}${future ? '' : ' ago'}`;
}

/** The database names of the votes (`CodeReviewVote`), for the `vote…` CSS classes. */
const VOTE_NAMES: Record<string, string> = {
  Disapprove: 'DISAPPROVE',
  Abstain: 'ABSTAIN',
  Approve: 'APPROVE',
  'Needs Resubmitting': 'NEEDS_RESUBMITTING',
  'Needs Fixing': 'NEEDS_FIXING',
  'Needs Information': 'NEEDS_INFO',
};

const STYLE = `
body { font-family: Ubuntu, "Bitstream Vera Sans", "DejaVu Sans", Tahoma, sans-serif; font-size: 13px; color: #333; margin: 1em 2em; max-width: 62em; line-height: 1.4; }
h1 { font-size: 22px; font-weight: normal; }
a { color: #03a; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dl.summary dt { font-weight: bold; }
dl.summary dd { margin: 0; }
.boardComment { border: 1px solid #d2d2d2; margin: 1em 0; }
.boardCommentDetails { background: #eee; padding: .3em .6em; }
.boardCommentDetails table { width: 100%; border-collapse: collapse; }
.boardCommentDetails td.bug-comment-index { text-align: right; }
.boardCommentBody, .boardCommentActivity { padding: .3em .6em; }
.boardCommentActivity { border-top: 1px solid #eee; }
.voteAPPROVE { color: green; } .voteNEEDS_FIXING, .voteDISAPPROVE { color: #c00; } .voteNEEDS_INFO, .voteABSTAIN, .voteNEEDS_RESUBMITTING { color: #b50; }
`;

function page(title: string, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`.text;
}

/** What the page needs to know about the request. */
interface View {
  state: SimState;
  links: Links;
  loggedIn: boolean;
  now: Date;
}

function viewerQuery(view: View): string {
  return view.loggedIn ? '?logged_in=1' : '';
}

function proposalUrl(view: View, proposal: ProposalRecord): string {
  return view.links.web(view.links.proposalPath(proposal));
}

function commentUrl(view: View, proposal: ProposalRecord, comment: SimComment): string {
  return `${proposalUrl(view, proposal)}/comments/${comment.id}`;
}

/** `fmt:link-display-name-id`. */
function personLink(view: View, person: PersonRecord): Html {
  return html`<a href="${view.links.web(`~${person.name}`)}" class="sprite person">${person.displayName} (${person.name})</a>`;
}

/** One comment as `comment.pt` draws it; `limitLength` folds a long body (the proposal page does, the comment's own page does not). */
function renderComment(view: View, proposal: ProposalRecord, comment: SimComment, limitLength: boolean): Html {
  const url = commentUrl(view, proposal, comment);
  const shown = commentForDisplay(comment.content, limitLength);
  const text = view.loggedIn ? shown.text : obfuscateEmail(shown.text);
  const hasBody = comment.content !== '';
  const header = html`<div class="boardCommentDetails"><table><tbody><tr><td>${personLink(view, view.state.person(comment.author))} ${hasBody ? 'wrote' : ''} <time itemprop="commentTime" title="${dateTime(comment.dateCreated)}" datetime="${comment.dateCreated.toISOString()}">${displayDate(comment.dateCreated, view.now)}</time>:</td><td class="bug-comment-index"><a itemprop="url" href="${url}${viewerQuery(view)}">#</a></td></tr></tbody></table></div>`;
  const body = hasBody
    ? html`<div class="boardCommentBody" itemprop="commentText">${shown.tooLong ? html`<a href="${url}/+download">Download full text</a> (${bytes(codePoints(comment.content).length)})` : ''}<div class="editable-message-body"><div class="comment-text editable-message-text" itemprop="commentText">${new Html(foldForScript(emailToHtml(text)))}</div>${shown.tooLong && !shown.tooLongToRender ? html`<p><a href="${url}${viewerQuery(view)}">Read more...</a></p>` : ''}</div></div>`
    : '';
  const footer = comment.vote
    ? html`<div class="boardCommentActivity"><strong>review:</strong> <span class="vote${VOTE_NAMES[comment.vote] ?? comment.vote}">${comment.vote}</span>${comment.reviewType ? html` (${comment.reviewType})` : ''}</div>`
    : '';
  return html`<div itemscope="" itemtype="http://schema.org/UserComments" class="boardComment editable-message" data-baseurl="${url}">${header}${body}${footer}</div>`;
}

function proposalPage(view: View, proposal: ProposalRecord): string {
  const { state } = view;
  const source = state.displayName(proposal, 'source');
  const target = state.displayName(proposal, 'target');
  const label = `Merge ${source} into ${target}`;
  const comments = state.proposalComments(proposal).sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime() || a.id - b.id);
  const project = state.projectOf(proposal);
  return page(
    `${label} : Code : ${state.project(project).displayName}`,
    html`<h1>${label}</h1>
<dl class="summary" id="proposal-summary">
<dt>Proposed by:</dt><dd>${personLink(view, state.person(proposal.registrant))}</dd>
<dt>Status:</dt><dd id="queue-status">${proposal.status}</dd>
<dt>Proposed branch:</dt><dd>${source}</dd>
<dt>Merge into:</dt><dd>${target}</dd>
</dl>
${proposal.commitMessage ? html`<h2>Commit message</h2><div id="commit-message">${new Html(textToHtml(proposal.commitMessage))}</div>` : ''}
${proposal.description ? html`<h2>Description of the change</h2><div id="description">${new Html(textToHtml(proposal.description))}</div>` : ''}
<div id="conversation">${comments.map((c) => renderComment(view, proposal, c, true))}</div>`,
  );
}

function commentPage(view: View, proposal: ProposalRecord, comment: SimComment): string {
  return page(
    'Code review comment',
    html`<h1>Code review comment for ${view.state.displayName(proposal, 'source')}</h1>
${renderComment(view, proposal, comment, false)}
<p>«&nbsp;<a href="${proposalUrl(view, proposal)}${viewerQuery(view)}">Back to merge proposal</a></p>`,
  );
}

function htmlAnswer(body: string): WebAnswer {
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body };
}

/** A proposal's page under its source: a bzr branch (`~o/p/b`) or a git repository (`~o/p/+git/r`, `~o/+git/r`). */
const WEB_PATH = /^\/(~[^/]+\/[^/]+\/(?:\+git\/)?[^/]+)\/\+merge\/([0-9]+)(?:\/comments\/([0-9]+)(\/\+download)?)?\/?$/;

/**
 * The web page at `url`, or undefined when the simulator has none there (the
 * caller answers 404). GET and HEAD only; no login is asked for.
 */
export function serveWebPage(state: SimState, links: Links, method: string, url: URL): WebAnswer | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const match = WEB_PATH.exec(url.pathname);
  if (!match) return undefined;
  let source: string;
  try {
    source = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  const proposal = state.proposals.get(Number(match[2]));
  if (!proposal || proposal.source !== source) return undefined;
  const view: View = { state, links, loggedIn: url.searchParams.get('logged_in') === '1', now: state.now() };
  if (match[3] === undefined) return htmlAnswer(proposalPage(view, proposal));
  const comment = state.comments.get(Number(match[3]));
  if (!comment || comment.proposalId !== proposal.id) return undefined;
  const text = view.loggedIn ? comment.content : obfuscateEmail(comment.content);
  if (match[4]) {
    return {
      status: 200,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Disposition': `attachment; filename="comment-${comment.id}.txt"` },
      body: text,
    };
  }
  if (commentForDisplay(comment.content, false).tooLongToRender) {
    return { status: 302, headers: { Location: `${commentUrl(view, proposal, comment)}/+download`, 'Content-Type': 'text/plain; charset=utf-8' }, body: '' };
  }
  return htmlAnswer(commentPage(view, proposal, comment));
}
