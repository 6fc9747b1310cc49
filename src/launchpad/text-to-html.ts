/**
 * Launchpad's rendering of plain text as HTML, ported from `FormattersAPI` in
 * Launchpad's `lib/lp/app/browser/stringformatter.py` (lgp171188/launchpad
 * @ eafda459, 2025-07-31; the escaping from `lib/lp/services/webapp/escaping.py`,
 * the address pattern from `lib/lp/services/utils.py`), so that the simulator
 * shows a comment as a reviewer sees it on a merge proposal's page.
 *
 * Ported as Launchpad does it:
 * - `textToHtml` (`text_to_html`): paragraphs split on blank lines (`<p>`),
 *   lines joined by `<br />`, every leading whitespace character of a line as
 *   one `&nbsp;` (inner runs are left to the browser, which collapses them),
 *   the five-character escaping, links for URLs (its RFC 3986 pattern, eleven
 *   schemes, trailing `,.?:);>` left out unless a `)` closes a `(` of the URL,
 *   `rel="nofollow"`, a bare scheme not linked), bug references (`bug 123`,
 *   `bug #123`, `LP: #1, #2`, `lp:123` → `/bugs/N`), branch short links
 *   (`lp:~o/p/b`, `lp:project` → `/+code/…`), and `<wbr />` word breaks in
 *   words of 20 characters and more and in every linked URL;
 * - `emailToHtml` (`email_to_html`, what comment bodies use): the same, with
 *   quoted passages (`> `, `| `) and signatures or PGP blocks wrapped in
 *   `foldable` spans;
 * - `foldForScript` (`lib/lp/app/javascript/foldables.js`): what the page's
 *   script does to those spans, drawn on the server (the simulator serves no
 *   scripts);
 * - `obfuscateEmail` (`obfuscate_email`): what anonymous visitors see.
 *
 * Left out, because they need Launchpad's database or a developer's login:
 * `faq 12` is linked only when that FAQ exists and `OOPS-1A2B` only for
 * Launchpad developers; both stay plain text here, as they do for a visitor
 * of a Launchpad with no such FAQ. Both patterns are still matched, so what
 * they take is not linkified otherwise, as on Launchpad.
 *
 * Python's regular expressions are matched as Python does: `\s`, `\d`, `\w`,
 * `\b` and `str.isalnum` over Unicode (JavaScript's are ASCII), lengths in
 * code points, `str.splitlines` and `str.rstrip` boundaries, and
 * `re.IGNORECASE` matching U+0130 and U+0131 for `i` (JavaScript's does not).
 * Only characters newer than Python 3.11's Unicode database differ.
 */

/** Python's `\s` and `str.isspace()` (they agree). */
const S = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python's `\w`. */
const W = '\\p{L}\\p{N}_';
/** Python's `\b` where the next character is a word character. */
const WORD_START = `(?<![${W}])`;
/** Python's `\b` anywhere. */
const BOUNDARY = `(?:(?<=[${W}])(?![${W}])|(?<![${W}])(?=[${W}]))`;
/** Python's `\d`. */
const D = '\\p{Nd}';
/** `i` as `re.IGNORECASE` matches it (with JavaScript's `i` flag for the rest). */
const I = '[i\\u0130\\u0131]';

/** `str.splitlines()`: every line boundary Python knows, no empty last line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/u);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function rstrip(text: string): string {
  return text.replace(new RegExp(`[${S}]+$`, 'u'), '');
}

/** Paragraphs (lists of lines, right-stripped) separated by one or more blank lines (`split_paragraphs`). */
export function splitParagraphs(text: string): string[][] {
  const paragraphs: string[][] = [];
  let paragraph: string[] = [];
  for (const raw of splitLines(text)) {
    const line = rstrip(raw);
    if (!line) {
      if (paragraph.length) paragraphs.push(paragraph);
      paragraph = [];
      continue;
    }
    paragraph.push(line);
  }
  if (paragraph.length) paragraphs.push(paragraph);
  return paragraphs;
}

const ESCAPES: [string, string][] = [
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
  ['"', '&quot;'],
  ["'", '&#x27;'],
];

/** Launchpad's `html_escape`. */
export function htmlEscape(text: string): string {
  let out = text;
  for (const [needle, replacement] of ESCAPES) out = out.split(needle).join(replacement);
  return out;
}

/** Launchpad's `html_unescape`: the five references `htmlEscape` makes, `&amp;` last. */
function htmlUnescape(text: string): string {
  return text.split('&lt;').join('<').split('&gt;').join('>').split('&quot;').join('"').split('&#x27;').join("'").split('&amp;').join('&');
}

const ALNUM = /^[\p{L}\p{N}]$/u;

/**
 * `add_word_breaks`: `<wbr />` at least every 15 characters, after as few as
 * 7 when a non-alphanumeric character ends the chunk; entities count as one
 * character and are never split.
 */
export function addWordBreaks(word: string): string {
  const chars = Array.from(word);
  const chunks: string[] = [];
  let pos = 0;
  while (pos < chars.length) {
    let count = 0;
    let end = pos;
    while (end < chars.length) {
      if (chars[end] === '&') {
        const semicolon = chars.indexOf(';', end);
        if (semicolon < 0) throw new Error(`badly formed entity: ${chars.slice(end).join('')}`);
        end = semicolon + 1;
      } else {
        end++;
      }
      count++;
      if (count >= 15) break;
      if (count >= 7 && !ALNUM.test(chars[end - 1])) break;
    }
    chunks.push(chars.slice(pos, end).join(''));
    pos = end;
  }
  return chunks.join('<wbr />');
}

const BREAK_TEXT = new RegExp(`(?<tag><[^>]*>)|(?<longword>(?<![^${S}<>])(?:[^${S}<>&]|&[^;]*;){20,})`, 'gu');

/** `break_long_words`: word breaks in words of 20 characters or more, never inside a tag. */
export function breakLongWords(text: string): string {
  return text.replace(BREAK_TEXT, (match, tag: string | undefined) => (tag !== undefined ? match : addWordBreaks(match)));
}

/** RFC 3986's unreserved / pct-encoded / sub-delims, on escaped text (`&` and `'` are `&amp;` and `&#x27;`). */
const U = `(?:[-a-zA-Z0-9._~%!$'()*+,;=\\u0130\\u0131]|&amp;|&#x27;)`;
const BR = `<br[${S}]*/>`;

/** `_re_linkify`: URLs, changelog bugs, bugs, FAQs, OOPSes and branch short links, in that order. */
const LINKIFY = new RegExp(
  [
    `(?<url>${WORD_START}(?:about|gopher|http|https|sftp|news|ftp|ma${I}lto|${I}rc|jabber|apt):`,
    `(?:(?://(?:(?:${U}|:)*@)?(?:${D}+\\.${D}+\\.${D}+\\.${D}+|${U}*)(?::${D}*)?(?:/(?:${U}|[:@])*)*)`,
    `|(?:/(?:(?:${U}|[:@])+(?:/(?:${U}|[:@])*)*)?)`,
    `|(?:(?:${U}|@)(?:${U}|[:@])*(?:/(?:${U}|[:@])*)*))`,
    `(?:\\?(?:${U}|[:@/?\\[\\]])*)?`,
    `(?:#(?:${U}|[:@/?])*)?)`,
    `|(?<clbug>${WORD_START}(?<leader>lp:(?:[${S}]|${BR})+)(?<bugnumbers>#${D}+(?:,(?:[${S}]|${BR})+#${D}+)*))`,
    `|(?<bug>${WORD_START}bug(?:[${S}=\\-]|${BR})*`,
    `(?:(?:(?:#|report|number|num\\.?|no\\.?)?(?:[${S}=\\-]|${BR})+)|(?:(?:[${S}]#)?(?:[${S}=\\-]|${BR})*))`,
    `0*(?<bugnum>${D}+))`,
    `|(?<faq>${WORD_START}faq(?:[${S}=\\-]|${BR})*(?:#|${I}tem|number?|num\\.?|no\\.?)?(?:[${S}=\\-]|${BR})*0*(?<faqnum>${D}+))`,
    `|(?<oops>${WORD_START}oops[${S}]*-[${S}]*(?<oopscode>[${W}]+))`,
    `|(?<lpbranchurl>${WORD_START}lp:(?:///|/)?(?<branch>${U}(?:${U}|/)*))`,
  ].join(''),
  'giu',
);

const URL_TRAILERS = /([,.?:);>]+)$/u;

/** `_split_url_and_trailers`: punctuation that ends the sentence, not the URL; a `)` that closes a `(` of the URL stays. */
function splitTrailers(url: string): [string, string] {
  const match = URL_TRAILERS.exec(url);
  if (!match) return [url, ''];
  let trailers = match[1];
  url = url.slice(0, -trailers.length);
  const missing = (url.match(/\(/g)?.length ?? 0) - (url.match(/\)/g)?.length ?? 0);
  let take = 0;
  while (take < missing && trailers[take] === ')') take++;
  url += trailers.slice(0, take);
  trailers = trailers.slice(take);
  return [url, trailers];
}

const BARE_SCHEMES = ['about', 'gopher', 'http', 'https', 'sftp', 'news', 'ftp', 'mailto', 'irc', 'jabber', 'apt'];

function bugLink(text: string, bugnum: string, trailers = ''): string {
  return `<a href="/bugs/${bugnum}" class="bug-link">${text}</a>${trailers}`;
}

/** `_linkify_substitution` for a visitor who is no Launchpad developer, on a Launchpad without FAQs. */
function linkify(match: RegExpExecArray | RegExpMatchArray): string {
  const g = match.groups!;
  if (g.bug !== undefined) return bugLink(g.bug, g.bugnum);
  if (g.url !== undefined) {
    const [url, trailers] = splitTrailers(htmlUnescape(g.url));
    if (BARE_SCHEMES.some((s) => url === s || url === `${s}:` || url === `${s}://`)) return g.url;
    return `<a rel="nofollow" href="${htmlEscape(url)}">${addWordBreaks(htmlEscape(url))}</a>${htmlEscape(trailers)}`;
  }
  if (g.faq !== undefined) return g.faq;
  if (g.oops !== undefined) return g.oops;
  if (g.lpbranchurl !== undefined) {
    const [lpUrl] = splitTrailers(htmlUnescape(g.lpbranchurl));
    const [path, trailers] = splitTrailers(htmlUnescape(g.branch));
    if (/^[0-9]+$/.test(path)) return bugLink(lpUrl, path, trailers);
    return `<a href="${htmlEscape(`/+code/${path}`)}" class="branch-short-link">${htmlEscape(lpUrl)}</a>${htmlEscape(trailers)}`;
  }
  if (g.clbug !== undefined) {
    const pieces = [...g.bugnumbers.split(new RegExp(`(,(?:[${S}]|${BR})+)`, 'u')), ''];
    let out = g.leader;
    for (let i = 0; i + 1 < pieces.length; i += 2) out += bugLink(pieces[i], pieces[i].replace(/^#+/, '')) + pieces[i + 1];
    return out;
  }
  throw new Error('Unknown pattern matched.');
}

/** `re_substitute`: matches linked, the text between them given word breaks. */
function substitute(text: string): string {
  let out = '';
  let position = 0;
  for (const match of text.matchAll(LINKIFY)) {
    if (match.index! !== position) out += breakLongWords(text.slice(position, match.index));
    out += linkify(match);
    position = match.index! + match[0].length;
  }
  if (position < text.length) out += breakLongWords(text.slice(position));
  return out;
}

const LEADING_SPACE = new RegExp(`^[${S}]+`, 'u');

export interface TextToHtmlOptions {
  /** Links for URLs, bugs and branches (default true). */
  linkify?: boolean;
  /** A class for the last `<p>`. */
  lastParagraphClass?: string;
}

/** `FormattersAPI.text_to_html`: Launchpad's "DisplayingParagraphsOfText". */
export function textToHtml(text: string, options: TextToHtmlOptions = {}): string {
  const paragraphs = splitParagraphs(text);
  const out: string[] = [];
  paragraphs.forEach((paragraph, index) => {
    if (index > 0) out.push('\n');
    const cssClass = options.lastParagraphClass && index === paragraphs.length - 1 ? ` class="${options.lastParagraphClass}"` : '';
    out.push(`<p${cssClass}>`);
    paragraph.forEach((line, i) => {
      if (i > 0) out.push('<br />\n');
      out.push(htmlEscape(line).replace(LEADING_SPACE, (spaces) => '&nbsp;'.repeat(spaces.length)));
    });
    out.push('</p>');
  });
  const html = out.join('');
  return options.linkify === false ? html : substitute(html);
}

const START_FOLD = '<span class="foldable">';
const START_FOLD_QUOTED = '<span class="foldable-quoted">';
const QUOTED = /^(([|] ?)+|(&gt; ?)+)/u;
const DPKG_QUOTED = /^(&gt; ?)+ /u;
const INCLUDE = /^<p>(--<br \/>|-----BEGIN PGP)/u;

/**
 * `FormattersAPI.email_to_html`, how Launchpad shows a comment's body:
 * `textToHtml`, with quoted passages in `<span class="foldable-quoted">` and
 * signatures and PGP blocks in `<span class="foldable">`.
 */
export function emailToHtml(text: string): string {
  const output: string[] = [];
  let quoted = QUOTED;
  let inFold = false;
  let inQuoted = false;
  let inFalseParagraph = false;
  // Python that looks like a quote ('>>> ') is not one.
  const isQuoted = (line: string) => !line.startsWith('&gt;&gt;&gt; ') && quoted.test(line);
  for (let line of textToHtml(text).split('\n')) {
    if (line.includes('Desired=<wbr />Unknown/') && !inFold) {
      // dpkg output: a line starting with a pipe is not a quote from here on.
      quoted = DPKG_QUOTED;
    } else if (!inFold && INCLUDE.test(line)) {
      inFold = true;
      line = `<p>${START_FOLD}${line.slice(3)}`;
    } else if (!inFold && line.startsWith('<p>') && isQuoted(line.slice(3))) {
      inFold = true;
      line = `<p>${START_FOLD_QUOTED}${line.slice(3)}`;
    } else if (!inFold && isQuoted(line)) {
      inQuoted = true;
      inFold = true;
      output.push(START_FOLD_QUOTED);
    }

    if (inFold && line.endsWith('</p>') && inFalseParagraph) {
      line = `${line.slice(0, -4)}<br />\n<br />`;
    } else if (inQuoted && !QUOTED.test(line)) {
      inFold = false;
      inQuoted = false;
      output.push('</span>\n');
    } else if (inFold && line.endsWith('</p>')) {
      inFold = false;
      inQuoted = false;
      line = `${line.slice(0, -4)}\n</span></p>`;
    } else if (inFalseParagraph && line.startsWith('<p>')) {
      inFalseParagraph = false;
      line = line.slice(3);
    }

    // text_to_html splits a PGP signature in two paragraphs: keep them in one fold.
    if (inFold && line.includes('PGP SIGNATURE')) inFalseParagraph = true;
    output.push(line);
  }
  return output.join('\n');
}

/**
 * What Launchpad's `lp.app.foldables.activate()` does to `emailToHtml`'s
 * spans once the page has loaded: each signature, and each quoted passage of
 * more than 11 line breaks, is hidden behind a "[...]" link, with a line
 * break after it when text follows. Drawn as static HTML (the link is inert:
 * without a script it cannot unfold).
 */
export function foldForScript(html: string): string {
  return html.replace(/<span class="(foldable|foldable-quoted)">([\s\S]*?)<\/span>/gu, (whole, kind: string, inner: string, offset: number) => {
    if (kind === 'foldable-quoted' && (inner.match(/<br \/>/g)?.length ?? 0) <= 11) return whole;
    const hidden = `<a class="foldable-toggle" style="text-decoration: underline">[...]</a><span class="${kind}" style="display: none"><br />${inner}</span>`;
    const rest = html.slice(offset + whole.length);
    const followedByText = rest !== '' && !rest.startsWith('</p>');
    return followedByText ? `${hidden}<br />` : hidden;
  });
}

/** `re_email_address`: "not RFC 2822; any possible email address embedded in the text". */
const EMAIL_ADDRESS = new RegExp(`${BOUNDARY}[a-zA-Z0-9._/="'+\\-]{1,64}@[a-zA-Z][a-zA-Z0-9\\-]{1,63}\\.[a-zA-Z0-9.\\-]{1,251}${BOUNDARY}`, 'gu');

/** `obfuscate_email`: what a visitor who is not logged in sees instead of each address. */
export function obfuscateEmail(text: string, replacement = '<email address hidden>'): string {
  return text.replace(EMAIL_ADDRESS, () => replacement).split('<<email address hidden>>').join('<email address hidden>');
}
