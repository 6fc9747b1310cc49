/**
 * The bot's read-only status server (node:http): the pages, the JSON API
 * behind them, Prometheus /metrics, and /healthz and /readyz for a process
 * supervisor. It only reads the store (and asks LAVA for its device pool); a
 * failing handler answers 500 and logs, and a request it cannot parse gets
 * 400, never taking the bot down with it. The one exception is the event
 * routes (web/hooks.ts): Launchpad's webhooks and LAVA's callbacks, which
 * record a delivery and hand the bot a hint, nothing more.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LavaClient } from '../lava/client.js';
import type { Logger } from '../log.js';
import { History } from '../store/history.js';
import type { Store } from '../store/store.js';
import type { BotConfig } from '../config/config.js';
import { askDevicePool, gatherReport } from '../report/gather.js';
import { defaultReportSettings, reportSettings } from '../report/report.js';
import { windowEndingAt } from '../report/window.js';
import type { Html } from './html.js';
import { readiness, type Health } from './health.js';
import type { Metrics } from './metrics.js';
import { capacityPage, errorPage, proposalPage, statusPage, type PageContext } from './pages.js';
import { proposalView, requestView } from './views.js';
import type { HookReceiver } from './hooks.js';
import { HttpProblem } from '../http/server.js';

export interface StatusServerOptions {
  store: Store;
  /** host:port; port 0 picks a free one. IPv6 hosts in brackets: [::1]:8080. */
  listen: string;
  /** For the device pool on the capacity page; without it the page says none is configured. */
  lava?: LavaClient;
  /** Served at /metrics; without it /metrics is 404. */
  metrics?: Metrics;
  /** The bot's health (fed by its events): the status page's health line and /readyz. */
  health?: Health;
  /** The config in force (it changes on SIGHUP): target device types and readiness thresholds; without it the documented defaults and no device types. */
  config?: () => Pick<BotConfig, 'targets' | 'readiness'>;
  logger: Logger;
  clock?: () => Date;
  /** Where branch names link to (default https://code.launchpad.net/). */
  launchpadWebRoot?: string;
  /** Takes POSTs on the event routes (webhooks.launchpad, webhooks.lava); without it every POST is 405. */
  hooks?: HookReceiver;
}

export interface StatusServer {
  /** http://host:port/ as bound (the real port when 0 was asked). */
  url: string;
  close(): Promise<void>;
}

/** How many ended requests the status page and /api/status list. */
const RECENT_REQUESTS = 30;
const DEFAULT_WINDOW = '7d';
/** /metrics recomputes the readiness gauges (over DEFAULT_WINDOW) at most this often: each costs the window's rows and a question to LAVA. */
const READINESS_REFRESH_MS = 60_000;

/** Parses "host:port" (or "[v6]:port"); throws naming `setting` (the config's `http.listen`, or a command's option) when it is not one. */
export function parseListen(listen: string, setting = 'http.listen'): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(listen);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new RangeError(`${setting}: expected host:port (e.g. 127.0.0.1:8080, [::1]:8080, port 0 for any free port), not ${JSON.stringify(listen)}`);
  }
  return { host: match[1] ?? match[2], port };
}

type Answer = { status: number; contentType: string; body: string; headers?: Record<string, string> };

const PLAIN = 'text/plain; charset=utf-8';

/** The request's URL, or null when it is none (`GET http://[::1`): relative paths and absolute URLs both come here. */
function requestUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://status.invalid');
  } catch {
    return null;
  }
}

const SECURITY_HEADERS = {
  // No script may run, whatever text from Launchpad or LAVA ends up on a page.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export async function startStatusServer(opts: StatusServerOptions): Promise<StatusServer> {
  const { host, port } = parseListen(opts.listen);
  const launchpadWebRoot = opts.launchpadWebRoot ?? 'https://code.launchpad.net/';
  try {
    new URL(launchpadWebRoot);
  } catch {
    throw new RangeError(`launchpadWebRoot: ${JSON.stringify(launchpadWebRoot)} is not a URL`);
  }
  const clock = opts.clock ?? (() => new Date());
  const history = new History(opts.store);
  const logger = opts.logger.child({ component: 'status-server' });

  const page = (body: Html): Answer => ({ status: 200, contentType: 'text/html; charset=utf-8', body: body.text });
  const json = (value: unknown, status = 200): Answer => ({ status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value, null, 2) + '\n' });

  async function statusView(now: Date) {
    const [active, recent] = await Promise.all([history.active(), history.recentlyEnded(RECENT_REQUESTS)]);
    return {
      generatedAt: now.toISOString(),
      health: opts.health?.snapshot() ?? null,
      active: active.map((h) => requestView(h, now)),
      recent: recent.map((h) => requestView(h, now)),
    };
  }

  /** Kubernetes' convention: plain text, one `[+]`/`[-]` line per check, 503 when one fails. */
  async function ready(now: Date): Promise<Answer> {
    const checks = await readiness(opts.health, opts.store, now);
    const ok = checks.every((c) => c.ok);
    const lines = checks.map((c) => `[${c.ok ? '+' : '-'}]${c.name} ${c.ok ? 'ok' : 'failed'}: ${c.detail}`);
    return { status: ok ? 200 : 503, contentType: PLAIN, body: `${lines.join('\n')}\nreadyz check ${ok ? 'passed' : 'failed'}\n` };
  }

  async function proposalData(idText: string, now: Date) {
    const found = /^[0-9]{1,9}$/.test(idText) ? await history.proposal(Number(idText)) : undefined;
    if (!found) throw new HttpProblem(404, `There is no proposal ${idText}.`);
    return { proposal: proposalView(found.proposal), requests: found.requests.map((h) => requestView(h, now)) };
  }

  const settings = () => (opts.config ? reportSettings(opts.config()) : defaultReportSettings());

  async function report(query: URLSearchParams, now: Date) {
    let window;
    try {
      window = windowEndingAt(now, query.get('since') ?? DEFAULT_WINDOW, 'since');
    } catch (err) {
      throw new HttpProblem(400, (err as Error).message);
    }
    return gatherReport(opts.store, window, { lava: opts.lava, settings: settings() });
  }

  let readinessAt = -Infinity;
  let refreshing: Promise<void> | null = null;
  /**
   * Recomputes the readiness gauges from the default window's report when
   * they are older than READINESS_REFRESH_MS. Only the first scrape waits for
   * them; later ones are answered at once while they refresh (asking LAVA can
   * take seconds). A failure keeps the old gauges.
   */
  async function refreshReadiness(metrics: Metrics, now: Date): Promise<void> {
    if (!refreshing && now.getTime() - readinessAt >= READINESS_REFRESH_MS) {
      refreshing = (async () => {
        try {
          const computed = await gatherReport(opts.store, windowEndingAt(now, DEFAULT_WINDOW), { lava: opts.lava, settings: settings() });
          metrics.recordReadiness(computed.readiness);
          readinessAt = now.getTime();
        } catch (err) {
          logger.warn('readiness metrics not updated', { error: err });
        } finally {
          refreshing = null;
        }
      })();
    }
    if (readinessAt === -Infinity && refreshing) await refreshing;
  }

  async function route(method: string, url: URL): Promise<Answer> {
    if (method !== 'GET' && method !== 'HEAD') throw new HttpProblem(405, 'This server is read-only: GET and HEAD only.');
    const now = clock();
    const ctx: PageContext = { now, launchpadWebRoot };
    const path = url.pathname;
    let m: RegExpExecArray | null;
    // The process serves: nothing else is asked, so a slow store or LAVA never makes it look dead.
    if (path === '/healthz') return { status: 200, contentType: PLAIN, body: 'ok\n' };
    if (path === '/readyz') return ready(now);
    if (path === '/') return page(statusPage(await statusView(now), ctx));
    if ((m = /^\/proposal\/([^/]+)$/.exec(path))) {
      const data = await proposalData(m[1], now);
      return page(proposalPage(data.proposal, data.requests, ctx));
    }
    if (path === '/capacity') return page(capacityPage(await report(url.searchParams, now), ctx));
    if (path === '/api/status') return json(await statusView(now));
    if ((m = /^\/api\/proposals\/([^/]+)$/.exec(path))) return json(await proposalData(m[1], now));
    if (path === '/api/capacity') return json(await report(url.searchParams, now));
    if (path === '/api/lava/devices') {
      if (!opts.lava) throw new HttpProblem(404, 'No LAVA server is configured.');
      const answer = await askDevicePool(opts.lava);
      return json(answer, answer && 'unavailable' in answer ? 502 : 200);
    }
    if (path === '/metrics' && opts.metrics) {
      await refreshReadiness(opts.metrics, now);
      const { contentType, text } = await opts.metrics.exposition();
      return { status: 200, contentType, body: text };
    }
    throw new HttpProblem(404, `Nothing is served at ${path}.`);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = requestUrl(req.url);
    const wantsJson = url?.pathname.startsWith('/api/') ?? false;
    let answer: Answer;
    try {
      if (!url) throw new HttpProblem(400, 'The request’s URL cannot be parsed.');
      answer = req.method === 'POST' && opts.hooks?.handles(url.pathname) ? await opts.hooks.receive(url.pathname, req) : await route(req.method ?? 'GET', url);
    } catch (err) {
      const ctx = { now: clock(), launchpadWebRoot };
      const problem = err instanceof HttpProblem ? err : undefined;
      if (!problem) logger.error('status page failed', { path: url?.pathname, error: err });
      const status = problem?.status ?? 500;
      const message = problem?.message ?? 'The status server failed to answer; the bot’s log says why.';
      answer = wantsJson ? json({ error: message }, status) : { status, contentType: 'text/html; charset=utf-8', body: errorPage(status, message, ctx).text };
    }
    res.writeHead(answer.status, {
      ...SECURITY_HEADERS,
      'content-type': answer.contentType,
      'content-length': Buffer.byteLength(answer.body),
      ...(answer.status === 405 ? { allow: 'GET, HEAD' } : {}),
      ...answer.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Only writing the answer can fail here (the client went away); never let it reach the bot.
      logger.warn('status server could not answer', { path: req.url, error: err });
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.error('status server error', { error: err }));
  // A request node's parser refuses (a broken request line, headers too large): answer it rather than drop it.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason] =
      err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
    const body = `${reason}: the status server could not parse this request.\n`;
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${PLAIN}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
  logger.info('status page serving', { url });
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
