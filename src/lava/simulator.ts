/**
 * A local lava-server that answers like lava-server 2023.01 (see
 * /work/shared/reference/lava.md and lava-local.md): XML-RPC at `/RPC2` and
 * `/RPC2/` with Basic auth checked before dispatch, the fault texts and HTTP
 * errors of the real server, and the job pages the bot links to. Jobs run in
 * a simulated lab (simulator-lab.ts) that builds with the shared Toolchain
 * and publishes results to the CBuild results host like the real job does.
 * Tests inject network and lab faults through `faults` (simulator-faults.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Toolchain } from '../cbuild/toolchain.js';
import { HttpClient } from '../http/client.js';
import { BodyTooLargeError, HttpProblem, readRequestBody } from '../http/server.js';
import type { Logger } from '../log.js';
import { createLavaApi, dispatch, pythonJson, type MethodSpec } from './simulator-api.js';
import {
  JobNotFound,
  LavaLab,
  type LavaSimDevice,
  type LavaSimDeviceConfig,
  type LavaSimJob,
  type LavaSimTiming,
} from './simulator-lab.js';
import { encodeFault, encodeMethodResponse, parseMethodCall, XmlRpcFault, XmlRpcParseError, type XmlRpcValue } from './xmlrpc.js';
import { LavaFaults } from './simulator-faults.js';
import type { CallbackMade } from './simulator-notify.js';
import { FAULT } from './types.js';

export type { LavaSimDevice, LavaSimDeviceConfig, LavaSimJob, LavaSimTiming } from './simulator-lab.js';
export { DEFAULT_TIMING } from './simulator-lab.js';
export type { CallFault } from './simulator-faults.js';

export interface LavaSimulatorOptions {
  toolchain: Toolchain;
  /** user → API token. */
  users: Record<string, string>;
  devices: LavaSimDeviceConfig[];
  timing?: Partial<LavaSimTiming>;
  /** Where jobs upload result files; default: HTTP PUT through `http`, failing on a non-2xx answer. */
  resultsPublisher?: (url: string, body: string | Buffer) => Promise<void>;
  /** For the default publisher (default: a client with few retries). */
  http?: HttpClient;
  /** Distro codename in result directory names (default `precise`). */
  distro?: string;
  /** CBuild version in result directory names (default 461). */
  cbuildVersion?: number;
  /** First job id handed out (default 1). */
  firstJobId?: number;
  logger?: Logger;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)} | LAVA</title></head>\n<body>\n${body}\n</body></html>\n`;
}

export class LavaSimulator {
  /** Late, lost and garbled answers, calls carried out late (simulator-faults.ts). */
  readonly faults = new LavaFaults();
  private readonly lab: LavaLab;
  private readonly users: Record<string, string>;
  private readonly methods: Map<string, MethodSpec>;
  private readonly logger?: Logger;
  private server?: http.Server;
  private base?: string;

  constructor(options: LavaSimulatorOptions) {
    this.users = { ...options.users };
    this.logger = options.logger;
    const httpClient = options.http ?? new HttpClient({ retries: 2, minDelayMs: 100, timeoutMs: 10_000, logger: options.logger });
    const publish =
      options.resultsPublisher ??
      (async (url: string, body: string | Buffer) => {
        const response = await httpClient.request({
          method: 'PUT',
          url,
          body,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
        if (response.statusCode < 200 || response.statusCode >= 300) {
          throw new Error(`The requested URL returned error: ${response.statusCode}`);
        }
      });
    this.lab = new LavaLab({
      toolchain: options.toolchain,
      devices: options.devices,
      timing: options.timing,
      publish,
      distro: options.distro,
      cbuildVersion: options.cbuildVersion,
      firstJobId: options.firstJobId,
      logger: options.logger,
    });
    this.methods = createLavaApi(this.lab);
  }

  /** Every notify callback the lab made (URL, state, the receiver's answer), oldest first. */
  callbacks(): CallbackMade[] {
    return [...this.lab.callbacksMade];
  }

  /** Starts listening on 127.0.0.1; returns the base URL (`http://127.0.0.1:PORT/`), RPC at `<base>RPC2`. */
  async start(port = 0): Promise<string> {
    if (this.server) throw new Error('LAVA simulator already started');
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.logger?.error('lava simulator: request failed', { error: err as Error });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('Internal Server Error');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return this.base;
  }

  /** Stops the server and every pending job timer. */
  async close(): Promise<void> {
    this.lab.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    if (!this.base) throw new Error('LAVA simulator not started');
    return this.base;
  }

  get rpcUrl(): string {
    return `${this.url}RPC2`;
  }

  // ------------------------------------------------------------- for tests and the sandbox

  jobs(): LavaSimJob[] {
    return this.lab.listJobs();
  }

  job(id: number): LavaSimJob {
    return this.lab.job(id);
  }

  devices(): LavaSimDevice[] {
    return this.lab.listDevices();
  }

  /**
   * The next `count` jobs to start (among those whose metadata `matches`) end
   * Incomplete with this error message.
   */
  failNextJobs(count: number, comment?: string, matches?: (metadata: Record<string, unknown>) => boolean): void {
    this.lab.failNextJobs(count, comment, matches);
  }

  setDeviceReachable(hostname: string, reachable: boolean): void {
    this.lab.setDeviceReachable(hostname, reachable);
  }

  /** Called with each job as it reaches Finished; returns a function that unsubscribes. */
  onJobFinished(listener: (job: LavaSimJob) => void): () => void {
    return this.lab.onJobFinished(listener);
  }

  waitForJob(id: number, timeoutMs?: number): Promise<LavaSimJob> {
    return this.lab.waitForJob(id, timeoutMs);
  }

  // ------------------------------------------------------------- HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (path === '/RPC2' || path === '/RPC2/') return await this.rpc(req, res);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpProblem(405, 'Method Not Allowed');
      if (path === '/api/help/') return this.send(res, 200, 'text/html; charset=utf-8', this.helpPage());
      const jobPage = /^\/scheduler\/job\/([^/]+)(\/log_file\/plain|\/definition\/plain)?\/?$/.exec(path);
      if (jobPage) return this.jobPage(res, jobPage[1]!, jobPage[2]);
      throw new HttpProblem(404, htmlPage('Not Found', `<h1>Not Found</h1><p>${escapeHtml(path)}</p>`));
    } catch (err) {
      if (!(err instanceof HttpProblem)) throw err;
      const type = err.message.startsWith('<!DOCTYPE') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
      res.writeHead(err.status, { 'content-type': type, ...err.headers });
      res.end(err.message);
    }
  }

  private send(
    res: http.ServerResponse,
    status: number,
    contentType: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'content-type': contentType, ...headers });
    res.end(body);
  }

  private async readBody(req: http.IncomingMessage): Promise<Buffer> {
    try {
      return await readRequestBody(req, MAX_BODY_BYTES, { drain: true });
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new HttpProblem(413, 'Request Entity Too Large');
      throw err;
    }
  }

  /**
   * linaro_django_xmlrpc's authentication: a broken header is HTTP 400, a
   * wrong user/token HTTP 401 `Invalid token` (not a fault); no header means
   * anonymous.
   */
  private authenticate(req: http.IncomingMessage): string | null {
    const header = req.headers.authorization;
    if (header === undefined) return null;
    const space = header.indexOf(' ');
    if (space < 0) throw new HttpProblem(400, 'Invalid HTTP_AUTHORIZATION header');
    const scheme = header.slice(0, space);
    const encoded = header.slice(space + 1).trim();
    if (scheme.toLowerCase() !== 'basic') {
      throw new HttpProblem(400, 'Unsupported HTTP_AUTHORIZATION header, only Basic scheme is supported');
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
      throw new HttpProblem(400, 'Corrupted HTTP_AUTHORIZATION header, bad base64 encoding');
    }
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new HttpProblem(400, 'Corrupted HTTP_AUTHORIZATION header, no user:pass');
    const user = decoded.slice(0, colon);
    const token = decoded.slice(colon + 1);
    if (!Object.prototype.hasOwnProperty.call(this.users, user) || this.users[user] !== token) {
      throw new HttpProblem(401, 'Invalid token', { 'www-authenticate': 'Basic realm="XML-RPC Authentication token"' });
    }
    return user;
  }

  private async rpc(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = req.method === 'POST' ? await this.readBody(req) : Buffer.alloc(0);
    if (req.method === 'GET' || (req.method === 'POST' && body.length === 0)) {
      return this.send(res, 302, 'text/html; charset=utf-8', '', { location: '/api/help/' });
    }
    if (req.method !== 'POST') throw new HttpProblem(405, 'Method Not Allowed');
    const user = this.authenticate(req);
    let call;
    try {
      call = parseMethodCall(body);
    } catch (err) {
      if (!(err instanceof XmlRpcParseError)) throw err;
      return this.send(res, 200, 'application/xml; charset=utf-8', encodeFault(FAULT.UNABLE_TO_DECODE, 'Unable to decode request'));
    }
    const { method, params } = call;
    const answer = await this.faults.apply(method, () => this.answer(user, method, params));
    if (answer.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    this.send(res, 200, answer.kind === 'malformed' ? 'text/html; charset=utf-8' : 'application/xml; charset=utf-8', answer.body);
  }

  /** One call, carried out: its methodResponse, or the fault lava-server would send. */
  private answer(user: string | null, method: string, params: XmlRpcValue[]): string {
    try {
      this.logger?.debug('lava simulator: call', { method, user: user ?? 'anonymous' });
      return encodeMethodResponse(dispatch(this.methods, { user }, method, params));
    } catch (err) {
      if (err instanceof XmlRpcFault) return encodeFault(err.faultCode, err.faultString);
      this.logger?.error('lava simulator: method failed', { error: err as Error });
      return encodeFault(FAULT.INTERNAL_ERROR, `Internal Server Error (contact server administrator for details): ${(err as Error).message}`);
    }
  }

  private jobPage(res: http.ServerResponse, rawId: string, view: string | undefined): void {
    let job: LavaSimJob;
    try {
      job = this.lab.job(rawId);
    } catch (err) {
      if (err instanceof JobNotFound) {
        throw new HttpProblem(404, htmlPage('Not Found', `<h1>Not Found</h1><p>${escapeHtml(err.message)}</p>`));
      }
      throw err;
    }
    if (view === '/log_file/plain') {
      const log = job.log.map((entry) => `- ${pythonJson(entry)}\n`).join('');
      return this.send(res, 200, 'application/yaml', log, {
        'content-disposition': `attachment; filename=job_${job.id}.log`,
      });
    }
    if (view === '/definition/plain') return this.send(res, 200, 'text/plain; charset=utf-8', job.definition);
    const row = (label: string, value: string | null) =>
      `<tr><th>${label}</th><td>${value === null ? '' : escapeHtml(value)}</td></tr>`;
    const page = htmlPage(
      `${job.id} - ${job.description}`,
      [
        `<h1>Job ${job.id}</h1>`,
        '<table>',
        row('Description', job.description),
        row('State', job.state),
        row('Health', job.health),
        row('Device type', job.deviceType),
        row('Device', job.device),
        row('Submitter', job.submitter),
        row('Submitted', job.submitTime.toISOString()),
        row('Started', job.startTime?.toISOString() ?? null),
        row('Ended', job.endTime?.toISOString() ?? null),
        row('Failure comment', job.failureComment),
        '</table>',
        `<p><a href="/scheduler/job/${job.id}/log_file/plain">Plain log</a> · <a href="/scheduler/job/${job.id}/definition/plain">Definition</a></p>`,
      ].join('\n'),
    );
    this.send(res, 200, 'text/html; charset=utf-8', page);
  }

  private helpPage(): string {
    const items = [...this.methods.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, spec]) => `<li><code>${escapeHtml(name)}(${spec.params.join(', ')})</code>: ${escapeHtml(spec.help)}</li>`)
      .join('\n');
    return htmlPage('API help', `<h1>XML-RPC API (simulated lava-server 2023.01)</h1>\n<ul>\n${items}\n</ul>`);
  }
}
