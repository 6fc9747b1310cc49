/**
 * The simulator's side of getting a token (launchpad.md §4b), as Launchpad's
 * `lib/lp/services/oauth/browser/__init__.py` and `model.py` do it, on the
 * simulator's root (which is its own web root, as launchpadlib derives it):
 *
 * - `+request-token`: registers an unknown consumer, checks the PLAINTEXT
 *   signature `&`, answers `oauth_token=…&oauth_token_secret=…` (JSON with
 *   the access levels for `Accept: application/json`);
 * - `+authorize-token`: the page a person approves on (HTML, or JSON), with
 *   the `allow_permission` choices Launchpad offers. The simulator has no web
 *   login, so tests approve or decline with `authorize()` (the simulator's
 *   `authorizeRequestToken`);
 * - `+access-token`: Launchpad's answers and status codes while the token is
 *   pending, declined, expired (2 hours after it was made) or used; an
 *   approved token becomes an access token in the simulator's token table,
 *   good for the API at once.
 *
 * Also `people/+me`, the API's "who is this token" (303 to the person).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { html } from '../web/html.js';
import { parseOAuthHeader } from './oauth.js';
import { SimulatorSetupError, type SimState, type TokenPermission } from './sim-state.js';
import type { Links } from './sim-representation.js';

/** Launchpad's OAuthPermission items, in its order, with their titles. */
const PERMISSIONS = [
  { name: 'UNAUTHORIZED', title: 'No Access', description: 'The application will not be allowed to access Launchpad on your behalf.' },
  { name: 'READ_PUBLIC', title: 'Read Non-Private Data', description: 'The application will be able to access Launchpad on your behalf but only for reading non-private data.' },
  { name: 'WRITE_PUBLIC', title: 'Change Non-Private Data', description: 'The application will be able to access Launchpad on your behalf for reading and changing non-private data.' },
  { name: 'READ_PRIVATE', title: 'Read Anything', description: 'The application will be able to access Launchpad on your behalf for reading anything, including private data.' },
  { name: 'WRITE_PRIVATE', title: 'Change Anything', description: 'The application will be able to access Launchpad on your behalf for reading and changing anything, including private data.' },
] as const;

/** What a person may answer in the simulator: decline, or one of the levels its API knows. */
export type ReviewPermission = 'UNAUTHORIZED' | TokenPermission;

/** lp.services.oauth.model.REQUEST_TOKEN_VALIDITY: 2 hours. */
const REQUEST_TOKEN_VALIDITY_MS = 2 * 3600_000;
const OAUTH_CHALLENGE = { 'WWW-Authenticate': 'OAuth realm="https://api.launchpad.net"' };
/** lp.services.tokens: keys of 20 and secrets of 80 of these. */
const TOKEN_CHARS = '0123456789bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ';

export interface WebResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface RequestTokenRecord {
  key: string;
  secret: string;
  consumerKey: string;
  dateCreated: Date;
  review: { person: string; permission: ReviewPermission; context: string | null } | null;
}

export class SimOAuth {
  private readonly consumers = new Set<string>();
  private readonly requestTokens = new Map<string, RequestTokenRecord>();

  constructor(private readonly state: SimState) {}

  /** Consumers Launchpad registered on their first +request-token. */
  knowsConsumer(key: string): boolean {
    return this.consumers.has(key);
  }

  /** The three token pages; undefined for any other path. */
  serve(method: string, path: string, form: URLSearchParams, headers: IncomingHttpHeaders): WebResponse | undefined {
    if (method !== 'GET' && method !== 'POST') return undefined;
    // get_oauth_authorization: the Authorization header if it is OAuth, else the form (query and body).
    const oauth = parseOAuthHeader(headers.authorization) ?? new Map(form);
    const json = headers.accept === 'application/json';
    switch (path) {
      case '/+request-token':
        return this.requestToken(oauth, json);
      case '/+authorize-token':
        return this.authorizePage(method, form, json);
      case '/+access-token':
        return this.accessToken(form, oauth);
      default:
        return undefined;
    }
  }

  /** A person's decision on the approval page (`OAuthRequestToken.review`). */
  authorize(tokenKey: string, person: string, permission: ReviewPermission, context: string | null = null): void {
    const token = this.requestTokens.get(tokenKey);
    if (!token) throw new SimulatorSetupError(`no request token ${tokenKey} (already exchanged, or never issued)`);
    if (token.review) throw new SimulatorSetupError('Request tokens can be reviewed only once.');
    if (this.expired(token)) throw new SimulatorSetupError('This request token has expired and can no longer be reviewed.');
    this.state.person(person);
    if (context !== null && !this.state.projects.has(context)) throw new SimulatorSetupError(`no project ${context} to limit the token to`);
    token.review = { person, permission, context };
  }

  /** `/1.0/people/+me`: 303 to the token's person; anonymous: Unauthorized. */
  peopleMe(person: string | null, links: Links): WebResponse {
    if (person === null) return text(401, 'You need to be logged in to view this URL.', OAUTH_CHALLENGE);
    return { status: 303, headers: { Location: links.person(person) }, body: '' };
  }

  private requestToken(oauth: Map<string, string>, json: boolean): WebResponse {
    const consumerKey = oauth.get('oauth_consumer_key');
    if (!consumerKey) return text(401, '', OAUTH_CHALLENGE);
    this.consumers.add(consumerKey);
    const refused = signatureProblem(oauth, '');
    if (refused) return text(refused.status, '', refused.headers);
    const token: RequestTokenRecord = { key: newToken(20), secret: newToken(80), consumerKey, dateCreated: this.state.now(), review: null };
    this.requestTokens.set(token.key, token);
    if (json) {
      // Launchpad hides DESKTOP_INTEGRATION here; the simulator never lists it.
      return jsonResponse({ oauth_token: token.key, oauth_token_consumer: consumerKey, oauth_token_secret: token.secret, access_levels: levels(PERMISSIONS) });
    }
    return text(200, `oauth_token=${token.key}&oauth_token_secret=${token.secret}`);
  }

  private accessToken(form: URLSearchParams, oauth: Map<string, string>): WebResponse {
    const consumerKey = form.get('oauth_consumer_key');
    if (consumerKey === null || !this.consumers.has(consumerKey)) return text(401, '', OAUTH_CHALLENGE);
    const token = this.requestTokens.get(form.get('oauth_token') ?? '');
    if (!token || token.consumerKey !== consumerKey) return text(401, 'No request token specified.', OAUTH_CHALLENGE);
    const refused = signatureProblem(oauth, token.secret);
    if (refused) return text(refused.status, 'Invalid OAuth signature.', refused.headers);
    if (!token.review) return text(401, 'Request token has not yet been reviewed. Try again later.', OAUTH_CHALLENGE);
    if (token.review.permission === 'UNAUTHORIZED') return text(403, 'End-user refused to authorize request token.');
    if (this.expired(token)) return text(403, 'This request token has expired and can no longer be exchanged for an access token.');
    const access = { key: newToken(20), secret: newToken(80) };
    this.state.registerToken({
      consumerKey,
      tokenKey: access.key,
      tokenSecret: access.secret,
      person: token.review.person,
      permission: token.review.permission,
    });
    this.requestTokens.delete(token.key); // used once
    return text(200, `oauth_token=${access.key}&oauth_token_secret=${access.secret}&lp.context=${token.review.context ?? 'None'}`);
  }

  /** OAuthAuthorizeTokenView: the levels offered, as JSON or as the approval form. */
  private authorizePage(method: string, form: URLSearchParams, json: boolean): WebResponse {
    const key = form.get('oauth_token');
    const token = key ? this.requestTokens.get(key) : undefined;
    const offered = visiblePermissions(form.getAll('allow_permission'));
    if (json) {
      const body: Record<string, unknown> = token ? { oauth_token: token.key, oauth_token_consumer: token.consumerKey } : {};
      body.access_levels = levels(offered);
      return jsonResponse(body);
    }
    if (method === 'POST') {
      return text(403, 'The Launchpad simulator has no web login: approve or decline the token with LaunchpadSimulator.authorizeRequestToken().');
    }
    const context = form.get('lp.context');
    let main;
    if (!token) {
      main = html`<h2>Unable to identify application</h2>
<p>The information provided by the remote application was incorrect or incomplete. Because of that we were unable to identify the application which would access Launchpad on your behalf.</p>
<p>You may have already authorized this application.</p>`;
    } else if (!token.review) {
      main = html`<h2>Integrating ${token.consumerKey} into your Launchpad account</h2>
<p>The application identified as <strong>${token.consumerKey}</strong> wants to access ${context ? html`things related to <strong>${context}</strong> in ` : ''}Launchpad on your behalf. What level of access do you want to grant?</p>
<form action="+authorize-token" method="post">
<table>
${offered.map((p) => html`<tr><td style="text-align: right"><input type="submit" name="field.actions.${p.name}" value="${p.title}" /><input type="hidden" name="allow_permission" value="${p.name}" /></td><td><span class="lesser">${p.description}</span></td></tr>
`)}</table>
<input type="hidden" name="oauth_token" value="${token.key}" />
${context ? html`<input type="hidden" name="lp.context" value="${context}" />` : ''}
</form>`;
    } else if (token.review.permission === 'UNAUTHORIZED') {
      main = html`<h2>Access not granted to application</h2>
<p>The application identified as <strong>${token.consumerKey}</strong> has not been given access to your protected resources on Launchpad.</p>`;
    } else {
      main = html`<h2>Almost finished ...</h2>
<p>To finish authorizing the application identified as <strong>${token.consumerKey}</strong> to access Launchpad on your behalf you should go back to the application window in which you started the process and inform it that you have done your part of the process.</p>`;
    }
    const page = html`<!DOCTYPE html>
<html><head><title>Authorize application to access Launchpad on your behalf</title></head>
<body>
${main}
</body></html>
`;
    return { status: 200, headers: { 'Content-Type': 'text/html;charset=utf-8' }, body: page.text };
  }

  private expired(token: RequestTokenRecord): boolean {
    return token.dateCreated.getTime() + REQUEST_TOKEN_VALIDITY_MS <= this.state.now().getTime();
  }
}

/**
 * `visible_actions`: the levels `allow_permission` names, plus "No Access",
 * which is always offered; nothing (or nothing but UNAUTHORIZED, or only
 * unknown names) offers every ordinary level.
 */
function visiblePermissions(allowed: string[]): (typeof PERMISSIONS)[number][] {
  const wanted = new Set(allowed.filter((name) => name !== 'UNAUTHORIZED'));
  const offered = PERMISSIONS.filter((p) => p.name === 'UNAUTHORIZED' || wanted.has(p.name));
  return offered.length > 1 ? offered : [...PERMISSIONS];
}

function levels(permissions: readonly (typeof PERMISSIONS)[number][]) {
  return permissions.map((p) => ({ value: p.name, title: p.title }));
}

/** check_oauth_signature: PLAINTEXT only (400), signature `<consumer secret>&<token secret>` with an empty consumer secret (401). */
function signatureProblem(oauth: Map<string, string>, tokenSecret: string): { status: number; headers: Record<string, string> } | undefined {
  if (oauth.get('oauth_signature_method') !== 'PLAINTEXT') return { status: 400, headers: {} };
  if (oauth.get('oauth_signature') !== `&${tokenSecret}`) return { status: 401, headers: OAUTH_CHALLENGE };
  return undefined;
}

function newToken(length: number): string {
  return [...randomBytes(length)].map((b) => TOKEN_CHARS[b % TOKEN_CHARS.length]).join('');
}

function text(status: number, body: string, headers: Record<string, string> = {}): WebResponse {
  return { status, headers: { 'Content-Type': 'text/plain;charset=utf-8', ...headers }, body };
}

function jsonResponse(value: unknown): WebResponse {
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
}
