/**
 * The project's one HTTP client: a `got` instance with timeouts, and `p-retry`
 * around it for transient failures (502/503/504, timeouts, connection resets)
 * with exponential backoff that honours `Retry-After` up to a cap. 4xx answers
 * are never retried. Requests that are not idempotent (POST by default) are not
 * retried after a failure that may have reached the server: the caller's outbox
 * decides what to do instead (see bot/outbox.ts).
 */
import http from 'node:http';
import https from 'node:https';
import got, { type Method, type Headers } from 'got';
import pRetry, { AbortError } from 'p-retry';
import { redact, safeUrl } from '../secrets.js';
import type { Logger } from '../log.js';

export interface HttpClientOptions {
  /** Per-request timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** First backoff delay (default 500 ms); doubles each retry. */
  minDelayMs?: number;
  /** Cap on any single wait, including `Retry-After` (default 60 s). */
  maxDelayMs?: number;
  userAgent?: string;
  logger?: Logger;
}

export interface HttpRequest {
  method?: Method;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Whether repeating the request is harmless; default true for GET/HEAD/PUT/DELETE. */
  idempotent?: boolean;
  followRedirect?: boolean;
  /** Stop reading a body longer than this (ResponseTooLargeError): a huge answer never fills the memory. */
  maxBytes?: number;
}

export interface HttpResponse {
  statusCode: number;
  headers: Headers;
  body: Buffer;
  url: string;
}

/** A request that failed for good: network error after retries, or a retryable status that never cleared. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    readonly statusCode?: number,
    readonly code?: string,
  ) {
    super(redact(message));
    this.name = 'HttpError';
  }
}

/** The answer's body was longer than the request's `maxBytes`; the download was stopped. */
export class ResponseTooLargeError extends Error {
  constructor(readonly url: string, readonly maxBytes: number) {
    super(`${url}: the answer is larger than ${maxBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
const RETRYABLE_CODES = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
]);
/** Errors after which we know the server never saw the request, so even a POST may be repeated. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND']);

/** Whether a failed request certainly never reached the server (refused, no such host): repeating it is safe. */
export function isNeverSent(err: HttpError): boolean {
  return err.code !== undefined && NEVER_SENT_CODES.has(err.code);
}

/** Seconds or an HTTP date → milliseconds from now; undefined if absent or unparsable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

class RetryableStatus extends Error {
  constructor(readonly response: HttpResponse) {
    super(`HTTP ${response.statusCode}`);
  }
}

/**
 * Connections are kept for reuse, but dropped after a second idle: servers
 * close idle ones too (gunicorn, in front of LAVA, after 2 s), and a request
 * written on a connection as the server closes it fails with ECONNRESET —
 * for a call that may not be repeated, an uncertain one. Node's own default
 * keeps them 5 s.
 */
const IDLE_SOCKET_MS = 1000;
const AGENTS = {
  http: new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  https: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
};

export class HttpClient {
  private readonly got;
  private readonly retries: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly logger?: Logger;

  constructor(options: HttpClientOptions = {}) {
    this.retries = options.retries ?? 4;
    this.minDelayMs = options.minDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.logger = options.logger;
    this.got = got.extend({
      timeout: { request: options.timeoutMs ?? 30_000 },
      retry: { limit: 0 },
      agent: AGENTS,
      throwHttpErrors: false,
      responseType: 'buffer',
      headers: { 'user-agent': options.userAgent ?? 'cbuild-bot/0.1' },
    });
  }

  /**
   * Sends a request and returns the response whatever its status, except that
   * transient failures are retried first. Throws HttpError when the network
   * fails for good or a retryable status persists.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const method = (req.method ?? 'GET').toUpperCase() as Method;
    const idempotent = req.idempotent ?? method !== 'POST';
    const where = `${method} ${safeUrl(req.url)}`;
    let attempt = 0;
    let lastDelay = 0;
    try {
      return await pRetry(
        async () => {
          attempt++;
          let response: HttpResponse;
          try {
            const pending = this.got(req.url, {
              method,
              headers: req.headers,
              body: req.body,
              followRedirect: req.followRedirect ?? method === 'GET',
            });
            let tooLarge = false;
            if (req.maxBytes !== undefined) {
              const max = req.maxBytes;
              pending.on('downloadProgress', (progress: { transferred: number; total?: number }) => {
                if (!tooLarge && (progress.transferred > max || (progress.total ?? 0) > max)) {
                  tooLarge = true;
                  pending.cancel();
                }
              });
            }
            let res;
            try {
              res = await pending;
            } catch (err) {
              if (tooLarge) throw new AbortError(new ResponseTooLargeError(safeUrl(req.url), req.maxBytes!));
              throw err;
            }
            response = { statusCode: res.statusCode, headers: res.headers, body: res.rawBody, url: res.url };
          } catch (err) {
            if (err instanceof AbortError) throw err;
            const code = (err as { code?: string }).code ?? 'ERROR';
            const retryable = RETRYABLE_CODES.has(code) && (idempotent || NEVER_SENT_CODES.has(code));
            const error = new HttpError(
              `${where} failed: ${code} (${(err as Error).message})`,
              method,
              safeUrl(req.url),
              undefined,
              code,
            );
            if (!retryable) throw new AbortError(error);
            throw error;
          }
          if (RETRYABLE_STATUS.has(response.statusCode)) {
            // 503 means "not processed"; 502/504 from a proxy may hide a processed POST.
            if (idempotent || response.statusCode === 503) throw new RetryableStatus(response);
          }
          return response;
        },
        {
          retries: this.retries,
          factor: 2,
          minTimeout: this.minDelayMs,
          maxTimeout: this.maxDelayMs,
          randomize: false,
          shouldConsumeRetry: () => true,
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft <= 0) return;
            const retryAfter =
              error instanceof RetryableStatus ? parseRetryAfter(error.response.headers['retry-after']) : undefined;
            const backoff = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** (attemptNumber - 1));
            lastDelay = retryAfter === undefined ? 0 : Math.min(this.maxDelayMs, retryAfter);
            this.logger?.warn('http retry', {
              request: where,
              attempt: attemptNumber,
              reason: error.message,
              wait_ms: Math.max(lastDelay, backoff),
            });
            // p-retry waits `backoff` itself; wait the rest of Retry-After here.
            if (lastDelay > backoff) await new Promise((r) => setTimeout(r, lastDelay - backoff));
          },
        },
      );
    } catch (err) {
      if (err instanceof RetryableStatus) {
        const res = err.response;
        throw new HttpError(
          `${where} answered HTTP ${res.statusCode} after ${attempt} attempts`,
          method,
          safeUrl(req.url),
          res.statusCode,
        );
      }
      throw err;
    }
  }
}

/** The body as UTF-8 text. */
export function bodyText(res: HttpResponse): string {
  return res.body.toString('utf8');
}

/** A short, redacted excerpt of a body for error messages. */
export function bodyExcerpt(res: HttpResponse, max = 200): string {
  const text = bodyText(res).replace(/\s+/g, ' ').trim();
  return redact(text.length > max ? text.slice(0, max) + '…' : text);
}
