/**
 * HTML that cannot be injected into: every value placed in an `html` template
 * is escaped unless it is itself an `Html` built the same way. Branch names,
 * LAVA failure messages and comment text all come from outside.
 */
import { safeUrl } from '../secrets.js';

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0];
  values.forEach((v, i) => (out += render(v) + strings[i + 1]));
  return new Html(out);
}

/**
 * A URL fit for an href: http(s) only (no `javascript:`), credentials and
 * registered secrets removed; null for anything else.
 */
export function linkTarget(url: string | null | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return safeUrl(parsed.toString());
}

/** A link when the URL is safe to follow, else the text alone. */
export function link(url: string | null | undefined, text: HtmlValue, attrs: { class?: string } = {}): Html {
  const target = linkTarget(url);
  if (!target) return html`${text}`;
  return html`<a href="${target}"${attrs.class ? html` class="${attrs.class}"` : ''}>${text}</a>`;
}
