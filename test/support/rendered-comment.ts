/**
 * A comment as a reviewer reads it on Launchpad's merge-proposal page: its
 * text after the browser's whitespace collapse (innerText) and its links,
 * read from a page in Chromium or worked out from the page's HTML. The checks
 * say what a reader must find, whatever the comment's layout: a line per
 * build with its target, backend, result and link, and the verdict before
 * the fold.
 */
import type { Page } from 'playwright-core';
import type { Backend, BuildState } from '../../src/core/model.js';
import type { RequestOutcome } from '../../src/core/report.js';

export interface RenderedLink {
  href: string;
  /** The link's text as shown (word breaks removed). */
  text: string;
}

export interface RenderedComment {
  /** The body's innerText: one line per line break, a blank line between paragraphs, &nbsp; as U+00A0. */
  text: string;
  links: RenderedLink[];
}

/** The lines a reader sees, non-breaking spaces read as spaces. */
export function linesOf(comment: RenderedComment): string[] {
  return comment.text.split('\n').map((line) => line.replace(/\u00a0/g, ' '));
}

/** A comment on the page, by its web URL (Launchpad marks each comment with it, `data-baseurl`). */
export async function readComment(page: Page, commentWebUrl: string): Promise<RenderedComment> {
  const body = page.locator(`div.boardComment[data-baseurl="${commentWebUrl}"] .comment-text`);
  const [text, links] = await Promise.all([
    body.innerText(),
    body.locator('a').evaluateAll((anchors) => anchors.map((a) => ({ href: a.getAttribute('href') ?? '', text: (a as HTMLElement).innerText }))),
  ]);
  return { text, links: links.filter((l) => l.text !== '') };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', nbsp: '\u00a0' };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') return String.fromCodePoint(name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

/**
 * What a browser shows of a comment body's HTML (as `text_to_html` makes
 * it), without a browser: CSS `white-space: normal` (each run of spaces, tabs
 * and newlines is one space, none at the start or end of a line; &nbsp; is
 * kept), a line per `<br />`, a blank line between paragraphs, nothing for
 * `<wbr />` or what is `display: none`. The browser test checks it against
 * Chromium's innerText.
 */
export function renderedFromHtml(html: string): RenderedComment {
  const blocks: string[][] = [];
  let lines: string[] = [];
  let line = '';
  const links: RenderedLink[] = [];
  let link: RenderedLink | null = null;
  let hiddenDepth = 0;
  const endLine = () => {
    lines.push(line.replace(/^ +| +$/g, ''));
    line = '';
  };
  const endBlock = () => {
    if (line !== '' || lines.length) endLine();
    if (lines.some((l) => l !== '')) blocks.push(lines);
    lines = [];
  };
  for (const token of html.match(/<[^>]*>|[^<]+/g) ?? []) {
    if (token.startsWith('<')) {
      const tag = /^<\/?([a-z]+)/i.exec(token)?.[1]?.toLowerCase();
      const closing = token.startsWith('</');
      if (tag === 'span' && hiddenDepth > 0) hiddenDepth += closing ? -1 : 1;
      else if (tag === 'span' && !closing && /display:\s*none/.test(token)) hiddenDepth = 1;
      if (hiddenDepth > 0) continue;
      if (tag === 'br') endLine();
      else if (tag === 'p' || tag === 'div') endBlock();
      else if (tag === 'a' && !closing) link = { href: decode(/href="([^"]*)"/.exec(token)?.[1] ?? ''), text: '' };
      else if (tag === 'a' && closing && link) {
        if (link.text !== '') links.push({ ...link, text: link.text.trim() });
        link = null;
      }
      continue;
    }
    if (hiddenDepth > 0) continue;
    const shown = decode(token.replace(/[ \t\n\r\f]+/g, ' '));
    const text = line === '' || line.endsWith(' ') ? shown.replace(/^ /, '') : shown;
    line += text;
    if (link) link.text += text;
  }
  endBlock();
  return { text: blocks.map((b) => b.join('\n')).join('\n\n'), links };
}

/** The words a reader takes for each result (any layout the formatter may choose). */
const RESULT_WORDS: Record<BuildState, RegExp> = {
  passed: /\b(PASS|PASSED|SUCCESS)\b/i,
  failed: /\b(FAIL|FAILED|FAILURE)\b/i,
  infra: /\b(INFRA|INFRASTRUCTURE)\b/i,
  cancelled: /\bCANCELL?ED\b/i,
  error: /\b(NOT SUBMITTED|ERROR)\b/i,
  pending: /\bPENDING\b/i,
  submitting: /\bSUBMITTING\b/i,
  queued: /\bQUEUED\b/i,
  running: /\bRUNNING\b/i,
  held: /\bHELD\b/i,
};

const BACKEND_NAMES: Record<Backend, string> = { cbuild: 'CBuild', lava: 'LAVA' };

export interface ShownBuild {
  target: string;
  backend: Backend;
  state: BuildState;
  /** The build's links; the line must link one of them. */
  urls: (string | null)[];
}

const word = (text: string) => new RegExp(`(^|[^A-Za-z0-9_.-])${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_-])`);

/**
 * The lines that hold everything a reader needs about one build: its target
 * and backend as words, its result word, and a link to it (the URL's text on
 * the line, and a link with that exact target in the comment).
 */
export function buildLines(comment: RenderedComment, build: ShownBuild): string[] {
  const urls = build.urls.filter((u): u is string => !!u);
  const linked = new Set(comment.links.map((l) => l.href));
  return linesOf(comment).filter(
    (line) =>
      word(build.target).test(line) &&
      word(BACKEND_NAMES[build.backend]).test(line) &&
      RESULT_WORDS[build.state].test(line) &&
      urls.some((u) => line.includes(u) && linked.has(u)),
  );
}

/** The words of each verdict, as a reader would recognise it. */
const VERDICT_WORDS: Record<RequestOutcome, RegExp> = {
  passed: /\bpassed\b/i,
  regressed: /\bregress(ed|ions?)\b/i,
  failed: /\bfail(ed|s|ure)?\b/i,
  infra: /\binfrastructure\b|\bcould not run\b/i,
  cancelled: /\bcancell?ed\b/i,
};

/** The first line that says the request's outcome, or undefined. */
export function verdictLine(comment: RenderedComment, outcome: RequestOutcome): string | undefined {
  return linesOf(comment).find((line) => VERDICT_WORDS[outcome].test(line));
}
