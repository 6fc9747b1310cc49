/**
 * Getting the bot an OAuth access token the way launchpadlib does
 * (launchpad.md §4b; launchpadlib `credentials.py`, Launchpad
 * `lib/lp/services/oauth/browser/__init__.py`): a request token from
 * `<web root>/+request-token`, a person approves it on `+authorize-token`,
 * and the bot exchanges it at `+access-token`, polling until the person has
 * decided. Every request is signed PLAINTEXT with an empty consumer secret.
 */
import { bodyExcerpt, bodyText, HttpError, type HttpClient } from '../http/client.js';
import type { Logger } from '../log.js';
import { registerSecret, safeUrl } from '../secrets.js';

/** launchpadlib's aliases (`uris.py` service_roots). */
export const SERVICE_ROOT_ALIASES: Readonly<Record<string, string>> = {
  production: 'https://api.launchpad.net/',
  qastaging: 'https://api.qastaging.launchpad.net/',
  staging: 'https://api.staging.launchpad.net/',
  dogfood: 'https://api.dogfood.paddev.net/',
  dev: 'https://api.launchpad.test/',
  test_dev: 'http://api.launchpad.test:8085/',
};

/**
 * The access level the bot asks for: it posts comments (acknowledgements and
 * results) and review votes on public merge proposals, which READ_PUBLIC does
 * not allow, and it never needs private data.
 */
export const BOT_PERMISSION = 'WRITE_PUBLIC';
/** Launchpad's title for it on the approval page (OAuthPermission.WRITE_PUBLIC). */
export const BOT_PERMISSION_TITLE = 'Change Non-Private Data';

export class LoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoginError';
  }
}

/** An alias (`production`, `staging`, …) or a URL, as launchpadlib's `lookup_service_root` takes it. */
export function lookupServiceRoot(root: string): string {
  const aliased = SERVICE_ROOT_ALIASES[root];
  if (aliased) return aliased;
  let url: URL;
  try {
    url = new URL(root);
  } catch {
    throw new LoginError(`${JSON.stringify(root)} is neither a URL nor one of ${Object.keys(SERVICE_ROOT_ALIASES).join(', ')}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new LoginError(`${root}: a service root is an http(s) URL`);
  return url.toString();
}

/**
 * The web site of a web service (launchpadlib `web_root_for_service_root`):
 * the path dropped and the first `api.` taken out of the host, so
 * `https://api.launchpad.net/` → `https://launchpad.net/`; a host without
 * `api.` (the simulator's `127.0.0.1`) is its own web root.
 */
export function webRootFor(serviceRoot: string): string {
  const url = new URL(lookupServiceRoot(serviceRoot));
  url.hostname = url.hostname.replace('api.', '');
  url.pathname = '/';
  url.search = '';
  url.hash = '';
  return url.toString();
}

export interface RequestToken {
  key: string;
  secret: string;
}

export interface AccessToken {
  key: string;
  secret: string;
  /** `lp.context`: the project the person limited the token to; null for all of Launchpad. */
  context: string | null;
}

/** What `+access-token` said about a request token. */
export type Exchange =
  | { state: 'approved'; token: AccessToken }
  | { state: 'pending' }
  | { state: 'declined' | 'expired' | 'refused'; reason: string };

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** POST `+request-token` (launchpadlib `Credentials.get_request_token`, the form-encoded answer). */
export async function getRequestToken(http: HttpClient, webRoot: string, consumerKey: string): Promise<RequestToken> {
  const url = `${webRoot}+request-token`;
  const form = new URLSearchParams({ oauth_consumer_key: consumerKey, oauth_signature_method: 'PLAINTEXT', oauth_signature: '&' });
  // A second request token is harmless, so transient failures may be retried.
  const res = await http.request({ method: 'POST', url, headers: { ...FORM, Referer: webRoot }, body: form.toString(), idempotent: true });
  if (res.statusCode !== 200) {
    const said = bodyExcerpt(res);
    throw new LoginError(`${safeUrl(url)} answered HTTP ${res.statusCode}${said ? `: ${said}` : ''} when asked for a request token`);
  }
  const answer = new URLSearchParams(bodyText(res));
  const key = answer.get('oauth_token');
  const secret = answer.get('oauth_token_secret');
  if (!key || !secret) throw new LoginError(`${safeUrl(url)} did not answer with oauth_token and oauth_token_secret`);
  registerSecret(secret);
  return { key, secret };
}

/** The page a person opens to approve the token, offering only `permission` (and "No Access"). */
export function authorizationUrl(webRoot: string, token: RequestToken, permission = BOT_PERMISSION): string {
  return `${webRoot}+authorize-token?${new URLSearchParams({ oauth_token: token.key, allow_permission: permission })}`;
}

/** One POST to `+access-token`; Launchpad's answers as its OAuthAccessTokenView gives them. */
export async function exchangeRequestToken(http: HttpClient, webRoot: string, consumerKey: string, token: RequestToken): Promise<Exchange> {
  const url = `${webRoot}+access-token`;
  const form = new URLSearchParams({
    oauth_consumer_key: consumerKey,
    oauth_signature_method: 'PLAINTEXT',
    oauth_token: token.key,
    oauth_signature: `&${token.secret}`,
  });
  const res = await http.request({ method: 'POST', url, headers: { ...FORM, Referer: webRoot }, body: form.toString() });
  const said = bodyText(res).trim();
  if (res.statusCode === 200) {
    const answer = new URLSearchParams(said);
    const key = answer.get('oauth_token');
    const secret = answer.get('oauth_token_secret');
    if (!key || !secret) throw new LoginError(`${safeUrl(url)} answered 200 without oauth_token and oauth_token_secret`);
    registerSecret(key);
    registerSecret(secret);
    const context = answer.get('lp.context');
    return { state: 'approved', token: { key, secret, context: context && context !== 'None' ? context : null } };
  }
  if (res.statusCode === 401 && said.startsWith('Request token has not yet been reviewed')) return { state: 'pending' };
  if (res.statusCode === 403) {
    const state = /refused/.test(said) ? 'declined' : /expired/.test(said) ? 'expired' : 'refused';
    return { state, reason: said };
  }
  throw new LoginError(`${safeUrl(url)} answered HTTP ${res.statusCode}${said ? `: ${bodyExcerpt(res)}` : ''}`);
}

export interface WaitOptions {
  intervalMs: number;
  timeoutMs: number;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Polls `+access-token` until the person approves (the access token) or
 * declines (LoginError). A network failure or a 5xx answer is logged and
 * polled again: the person may be approving at that moment.
 */
export async function waitForAccessToken(
  http: HttpClient,
  webRoot: string,
  consumerKey: string,
  token: RequestToken,
  options: WaitOptions,
): Promise<AccessToken> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    let exchange: Exchange | undefined;
    try {
      exchange = await exchangeRequestToken(http, webRoot, consumerKey, token);
    } catch (err) {
      const transient = err instanceof HttpError || (err instanceof LoginError && / answered HTTP 5\d\d/.test(err.message));
      if (!transient) throw err;
      options.logger?.warn('Launchpad did not answer; asking again', { error: err });
    }
    if (exchange?.state === 'approved') return exchange.token;
    if (exchange && exchange.state !== 'pending') {
      const what = {
        declined: 'the request was declined on Launchpad',
        expired: 'Launchpad let the request token expire (request tokens last 2 hours from when they are made)',
        refused: 'Launchpad refused to exchange the request token',
      }[exchange.state];
      throw new LoginError(`${what} ("${exchange.reason}"); nothing was written`);
    }
    if (now() >= deadline) {
      throw new LoginError(`nobody approved the request within ${Math.round(options.timeoutMs / 1000)} s; nothing was written`);
    }
    await sleep(options.intervalMs);
  }
}
