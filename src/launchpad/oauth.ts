/**
 * OAuth 1.0 as Launchpad uses it: PLAINTEXT signatures only, signature
 * `<consumer_secret>&<token_secret>`, timestamp and nonce sent but never
 * checked (launchpad.md §4a). Both sides live here: the header the client
 * sends, and the parsing the simulator does.
 */
import { randomBytes } from 'node:crypto';

export interface OAuthSigner {
  consumerKey: string;
  consumerSecret: string;
  /** Empty for anonymous access (launchpadlib's `login_anonymously`). */
  accessToken: string;
  accessSecret: string;
}

/** RFC 5849 §3.6 percent-encoding: everything but unreserved characters. */
export function oauthEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The `Authorization` header value for one request (fresh nonce and timestamp each time). */
export function plaintextAuthorization(signer: OAuthSigner, now: Date = new Date()): string {
  const params: [string, string][] = [
    ['oauth_nonce', randomBytes(8).readBigUInt64BE().toString()],
    ['oauth_timestamp', String(Math.floor(now.getTime() / 1000))],
    ['oauth_version', '1.0'],
    ['oauth_signature_method', 'PLAINTEXT'],
    ['oauth_consumer_key', signer.consumerKey],
    ['oauth_token', signer.accessToken],
    ['oauth_signature', `${signer.consumerSecret}&${signer.accessSecret}`],
  ];
  return 'OAuth realm="OAuth", ' + params.map(([k, v]) => `${k}="${oauthEncode(v)}"`).join(', ');
}

/**
 * The `oauth_*` parameters of an `Authorization: OAuth …` header, percent-decoded;
 * null when the header is absent or another scheme (the caller then looks at
 * the query string and form body, as Launchpad does).
 */
export function parseOAuthHeader(header: string | undefined): Map<string, string> | null {
  if (!header || !/^OAuth\s/i.test(header)) return null;
  const params = new Map<string, string>();
  const pair = /([A-Za-z0-9_.-]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g;
  for (const match of header.slice(6).matchAll(pair)) {
    const raw = match[2] ?? match[3] ?? '';
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      value = raw;
    }
    params.set(match[1], value);
  }
  return params;
}
