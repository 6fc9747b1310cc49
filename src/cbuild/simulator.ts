/**
 * A local stand-in for Linaro's CBuild: the scheduler (named queues, polling
 * hosts) and the results host (`build/<job>/logs/<result dir>/`) on one
 * node:http server. The scheduler's JSON API is INVENTED (CBuild's was never
 * published); the URL scheme is documented in wire.ts. Simulated hosts run
 * in-process and talk to the scheduler state directly; what they build comes
 * from the shared `Toolchain`, and infrastructure trouble is injected here
 * (`killHostDuringNextJob`, `setHostOffline`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, HttpProblem, readRequestBody } from '../http/server.js';
import { silentLogger, type Logger } from '../log.js';
import type { Toolchain } from './toolchain.js';
import { SimulatedHost, type HostConfig, type HostTiming } from './hosts.js';
import { renderDirectoryIndex, renderStatusPage } from './html.js';
import { ResultsTree } from './results-tree.js';
import { Scheduler, SchedulerError, type HostRecord, type JobRecord } from './scheduler.js';
import {
  encodePathSegment,
  hostNameProblem,
  jobNameProblem,
  queueNameProblem,
  resultDirProblem,
  type CBuildHost,
  type CBuildJob,
  type DirectoryListing,
} from './wire.js';

export type { HostConfig } from './hosts.js';

export interface CBuildSimulatorOptions {
  toolchain: Toolchain;
  hosts: HostConfig[];
  timing?: {
    /** How often an idle host polls, and a busy one checks for a cancel (default 1000 ms). */
    pollMs?: number;
    /** How long a booting host self-updates (`updating`) before it polls for work (default pollMs). */
    updateMs?: number;
    /** How long a killed host stays `lurking` before it boots again (default 10 × pollMs). */
    rebootMs?: number;
    /** Multiplies the toolchain's `durationMs` (default 1; tests and the sandbox shrink builds with it). */
    durationScale?: number;
  };
  /** The cbuild revno in result directory names, `cbuild<N>` (default 461, as in cbuild.md §4's examples). */
  cbuildRevno?: number;
  /** Hosts publish `*.sum` xz-compressed as `*.sum.xz`, as CBuild could (default false). */
  xzSums?: boolean;
  /** Largest accepted upload (default 32 MiB). */
  maxUploadBytes?: number;
  clock?: () => Date;
  logger?: Logger;
}

/** Largest JSON body the scheduler reads (a spawn request is a few hundred bytes). */
const MAX_JSON_BODY_BYTES = 64 * 1024;

export class CBuildSimulator {
  private readonly scheduler: Scheduler;
  private readonly results: ResultsTree;
  private readonly hosts = new Map<string, SimulatedHost>();
  private readonly maxUploadBytes: number;
  private readonly logger: Logger;
  private server: Server | null = null;
  private base: string | null = null;

  constructor(options: CBuildSimulatorOptions) {
    const clock = options.clock ?? (() => new Date());
    this.logger = options.logger ?? silentLogger;
    this.maxUploadBytes = options.maxUploadBytes ?? 32 * 1024 * 1024;
    this.scheduler = new Scheduler(clock);
    this.results = new ResultsTree(clock);
    const pollMs = options.timing?.pollMs ?? 1000;
    const timing: HostTiming = {
      pollMs,
      updateMs: options.timing?.updateMs ?? pollMs,
      rebootMs: options.timing?.rebootMs ?? 10 * pollMs,
      durationScale: options.timing?.durationScale ?? 1,
    };
    for (const config of options.hosts) {
      const problem = hostNameProblem(config.name) ?? queueNameProblem(config.queue);
      if (problem) throw new Error(`CBuild simulator host ${JSON.stringify(config.name)}: ${problem}`);
      if (this.hosts.has(config.name)) throw new Error(`CBuild simulator host ${config.name} is configured twice`);
      const host = new SimulatedHost(config, {
        scheduler: this.scheduler,
        results: this.results,
        toolchain: options.toolchain,
        timing,
        cbuildRevno: options.cbuildRevno ?? 461,
        xzSums: options.xzSums ?? false,
        logger: this.logger.child({ cbuild_host: config.name }),
      });
      const dirProblem = resultDirProblem(host.resultDir);
      if (dirProblem) throw new Error(`CBuild simulator host ${config.name}: ${dirProblem}`);
      this.hosts.set(config.name, host);
    }
  }

  /** Starts serving and starts the hosts; resolves with the base URL `http://127.0.0.1:PORT/`. */
  async start(port = 0): Promise<string> {
    if (this.server) throw new Error('CBuild simulator is already started');
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.logger.error('CBuild simulator request failed', { url: req.url, error });
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error in the CBuild simulator' });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (const host of this.hosts.values()) host.start();
    return this.base;
  }

  async close(): Promise<void> {
    for (const host of this.hosts.values()) host.stop();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Base URL of the scheduler API (for `CBuildClient.schedulerUrl`). */
  get schedulerUrl(): string {
    return this.baseUrl() + 'scheduler/';
  }

  /** Root of the results host, under which `build/` lives (for `CBuildClient.resultsUrl`). */
  get resultsUrl(): string {
    return this.baseUrl();
  }

  /**
   * Infrastructure failure: the host dies (at once if it is running a job,
   * else halfway through the next job it claims); the job is `lost`, the host
   * `lurking` until it reboots after `timing.rebootMs`.
   */
  killHostDuringNextJob(hostName: string): void {
    this.host(hostName).killDuringNextJob();
  }

  /** Takes a host off the network (its running job is lost) or, with `false`, brings it back. */
  setHostOffline(hostName: string, offline = true): void {
    this.host(hostName).setOffline(offline);
  }

  private host(name: string): SimulatedHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`CBuild simulator has no host ${JSON.stringify(name)} (hosts: ${[...this.hosts.keys()].join(', ')})`);
    return host;
  }

  private baseUrl(): string {
    if (!this.base) throw new Error('CBuild simulator is not started');
    return this.base;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const rawUrl = req.url ?? '/';
    // WHATWG URL parsing would quietly resolve `..`; split the raw path ourselves so it is refused instead.
    const [rawPath, rawQuery = ''] = rawUrl.split('#', 1)[0].split(/\?(.*)/s);
    const query = new URLSearchParams(rawQuery);
    try {
      const segments = decodeSegments(rawPath);
      if (segments.length === 1 && segments[0] === '') {
        allow(method, ['GET']);
        sendHtml(res, 200, this.statusPage());
      } else if (segments[0] === 'scheduler') {
        await this.handleScheduler(method, segments.slice(1), req, res);
      } else if (segments.length === 1 && segments[0] === 'build') {
        res.writeHead(301, { location: `build/${rawQuery ? '?' + rawQuery : ''}` });
        res.end();
      } else if (segments[0] === 'build') {
        await this.handleResults(method, segments.slice(1), query, req, res);
      } else {
        throw new HttpProblem(404, `nothing at ${rawPath} (try /, /scheduler/ or /build/)`);
      }
    } catch (error) {
      if (error instanceof HttpProblem) {
        sendJson(res, error.status, { error: error.message }, error.headers);
      } else if (error instanceof SchedulerError) {
        sendJson(res, error.status, { error: error.message });
      } else {
        throw error;
      }
    }
  }

  private async handleScheduler(method: string, path: string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (path[path.length - 1] === '') path = path.slice(0, -1);
    const [first, queue, jobs, name, action] = path;
    if (first === 'queues' && path.length >= 3) {
      const problem = queueNameProblem(queue) ?? (path.length >= 4 ? jobNameProblem(name) : null);
      if (problem) throw new HttpProblem(400, problem);
    }
    if (first === 'hosts' && path.length === 1) {
      allow(method, ['GET']);
      sendJson(res, 200, { hosts: this.scheduler.listHosts().map(toWireHost) });
    } else if (first === 'queues' && path.length === 1) {
      allow(method, ['GET']);
      sendJson(res, 200, { queues: this.scheduler.queues() });
    } else if (first === 'queues' && jobs === 'jobs' && path.length === 3) {
      allow(method, ['GET']);
      sendJson(res, 200, { queue, jobs: this.scheduler.listQueue(queue).map((job) => this.toWireJob(job)) });
    } else if (first === 'queues' && jobs === 'jobs' && path.length === 4) {
      allow(method, ['GET', 'PUT']);
      if (method === 'PUT') {
        const spec = parseJson(await readBody(req, MAX_JSON_BODY_BYTES, 'spawn request'));
        const { job, created } = this.scheduler.spawn(queue, name, spec);
        if (created) this.logger.info('job spawned', { queue, job: name });
        sendJson(res, created ? 201 : 200, this.toWireJob(job));
      } else {
        sendJson(res, 200, this.toWireJob(this.scheduler.getJob(queue, name)));
      }
    } else if (first === 'queues' && jobs === 'jobs' && action === 'cancel' && path.length === 5) {
      allow(method, ['POST']);
      sendJson(res, 200, this.toWireJob(this.scheduler.cancel(queue, name)));
    } else {
      throw new HttpProblem(404, `no scheduler endpoint /scheduler/${path.join('/')}`);
    }
  }

  private async handleResults(
    method: string,
    path: string[],
    query: URLSearchParams,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const isDirectoryPath = path.length === 0 || path[path.length - 1] === '';
    const names = isDirectoryPath && path.length > 0 ? path.slice(0, -1) : path;
    if (method === 'PUT') {
      if (names.length !== 4 || names[1] !== 'logs' || isDirectoryPath) {
        throw new HttpProblem(400, 'uploads go to /build/<job>/logs/<result dir>/<file>');
      }
      const [job, , resultDir, file] = names;
      const problem = ResultsTree.problem(job, resultDir, file);
      if (problem) throw new HttpProblem(400, problem);
      const body = await readBody(req, this.maxUploadBytes, 'upload');
      const replaced = this.results.get(names) !== null;
      this.results.put(job, resultDir, file, body);
      this.logger.info('result file uploaded', { job, result_dir: resultDir, file, bytes: body.length });
      sendJson(res, replaced ? 200 : 201, { path: `/build/${names.map(encodePathSegment).join('/')}`, size: body.length });
      return;
    }
    allow(method, ['GET', 'PUT']);
    if (!isDirectoryPath) {
      const file = this.results.get(names);
      if (file) {
        const type = names[names.length - 1].endsWith('.xz') ? 'application/x-xz' : 'text/plain; charset=utf-8';
        res.writeHead(200, {
          'content-type': type,
          'content-length': file.body.length,
          'last-modified': file.modified.toUTCString(),
        });
        res.end(file.body);
        return;
      }
      if (this.results.list(names)) {
        // Like Apache: a directory asked for without its slash is redirected to it.
        const search = query.size > 0 ? `?${query}` : '';
        res.writeHead(301, { location: `${encodePathSegment(names[names.length - 1])}/${search}` });
        res.end();
        return;
      }
      throw new HttpProblem(404, `no file /build/${names.join('/')}`);
    }
    const entries = this.results.list(names);
    if (!entries) throw new HttpProblem(404, `no directory /build/${names.join('/')}/`);
    const dirPath = '/build/' + names.map((n) => encodePathSegment(n) + '/').join('');
    if (query.get('format') === 'json') {
      const listing: DirectoryListing = { path: dirPath, entries };
      sendJson(res, 200, listing);
    } else {
      sendHtml(res, 200, renderDirectoryIndex(dirPath, entries));
    }
  }

  private statusPage(): string {
    return renderStatusPage(
      this.scheduler.queues(),
      this.scheduler.listHosts().map(toWireHost),
      this.scheduler.allJobs().map((job) => this.toWireJob(job)),
    );
  }

  private toWireJob(job: JobRecord): CBuildJob {
    const base = this.baseUrl();
    const dirUrl =
      job.published && job.resultDir
        ? `${base}build/${encodePathSegment(job.name)}/logs/${encodePathSegment(job.resultDir)}/`
        : null;
    const hasLog = job.resultDir !== null && this.results.get([job.name, 'logs', job.resultDir, 'make.log']) !== null;
    return {
      name: job.name,
      queue: job.queue,
      state: job.state,
      spec: { ...job.spec },
      host: job.host,
      result_dir: job.resultDir,
      cancel_requested: job.cancelRequested,
      spawned_at: job.spawnedAt.toISOString(),
      started_at: job.startedAt?.toISOString() ?? null,
      finished_at: job.finishedAt?.toISOString() ?? null,
      url: `${base}scheduler/queues/${encodePathSegment(job.queue)}/jobs/${encodePathSegment(job.name)}`,
      result_dir_url: dirUrl,
      log_url: dirUrl && hasLog ? dirUrl + 'make.log' : null,
    };
  }
}

function toWireHost(host: HostRecord): CBuildHost {
  return {
    name: host.name,
    queue: host.queue,
    state: host.state,
    arch: host.arch,
    distro: host.distro,
    config: host.config,
    target: host.target,
    job: host.job,
    last_poll_at: host.lastPollAt?.toISOString() ?? null,
  };
}

/**
 * Splits a URL path into decoded segments (the leading `/` dropped; a trailing
 * `/` leaves an empty last segment). `.`/`..` segments, empty ones in the
 * middle and encoded separators are refused outright, so no request can name
 * anything outside the tree it is routed to.
 */
function decodeSegments(pathname: string): string[] {
  if (!pathname.startsWith('/')) throw new HttpProblem(400, `request target ${JSON.stringify(pathname)} is not an absolute path`);
  const raw = pathname.slice(1).split('/');
  return raw.map((segment, index) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new HttpProblem(400, `path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
    }
    const last = index === raw.length - 1;
    if (decoded === '.' || decoded === '..' || (decoded === '' && !last) || /[/\\\0]/.test(decoded)) {
      throw new HttpProblem(400, `path ${JSON.stringify(pathname)} must not contain ., .., empty or encoded-separator segments`);
    }
    return decoded;
  });
}

function allow(method: string, allowed: string[]): void {
  if (!allowed.includes(method)) {
    throw new HttpProblem(405, `method ${method} not allowed here (allowed: ${allowed.join(', ')})`, {
      allow: allowed.join(', '),
    });
  }
}

/** A request body up to `limit` bytes; a larger one is drained, then refused with 413, so the client sees the 413 rather than a reset mid-upload. */
async function readBody(req: IncomingMessage, limit: number, noun: string): Promise<Buffer> {
  try {
    return await readRequestBody(req, limit, { drain: true });
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpProblem(413, `${noun} of ${err.size} bytes exceeds the limit of ${limit}`);
    throw err;
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value, null, 2) + '\n';
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}
