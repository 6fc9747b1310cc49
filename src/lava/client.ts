/**
 * LAVA XML-RPC client: the calls cbuild-bot makes to a lava-server
 * (2023.01 dialect, see /work/shared/reference/lava.md), with answers turned
 * into typed values and failures into errors that say which call failed and
 * why, without ever showing the token.
 */
import YAML from 'yaml';
import { HttpError, bodyExcerpt, type HttpClient, type HttpResponse } from '../http/client.js';
import type { Logger } from '../log.js';
import { registerSecret, safeUrl } from '../secrets.js';
import {
  encodeMethodCall,
  isStruct,
  parseDateTime,
  parseMethodResponse,
  XmlRpcFault,
  XmlRpcParseError,
  type XmlRpcInput,
  type XmlRpcValue,
} from './xmlrpc.js';
import {
  FAULT,
  JOB_HEALTHS,
  JOB_STATES,
  type LavaDevice,
  type LavaJob,
  type LavaJobHealth,
  type LavaJobState,
  type LavaJobSummary,
  type LavaLogEntry,
  type LavaTestResult,
} from './types.js';

export interface LavaClientOptions {
  /** XML-RPC endpoint, e.g. `http://127.0.0.1:8000/RPC2`. */
  url: string;
  user?: string;
  token?: string;
  http: HttpClient;
  logger?: Logger;
}

/** Base of the errors about what LAVA answered (faults, auth, shape); `method` is the XML-RPC method. Transport failures are LavaHttpError. */
export class LavaError extends Error {
  constructor(
    message: string,
    readonly method: string,
  ) {
    super(message);
    this.name = 'LavaError';
  }
}

export type LavaFaultKind =
  | 'bad-request'
  | 'auth-required'
  | 'forbidden'
  | 'not-found'
  | 'no-such-method'
  | 'internal'
  | 'other';

const FAULT_KINDS: Record<number, LavaFaultKind> = {
  [FAULT.BAD_REQUEST]: 'bad-request',
  [FAULT.AUTH_REQUIRED]: 'auth-required',
  [FAULT.FORBIDDEN]: 'forbidden',
  [FAULT.NOT_FOUND]: 'not-found',
  [FAULT.NO_SUCH_METHOD]: 'no-such-method',
  [FAULT.INTERNAL_SERVER_ERROR]: 'internal',
  [FAULT.INTERNAL_ERROR]: 'internal',
};

/** LAVA answered with an XML-RPC fault, e.g. 404 `Job '999' was not found.` */
export class LavaFault extends LavaError {
  readonly kind: LavaFaultKind;

  constructor(
    readonly faultCode: number,
    readonly faultString: string,
    method: string,
  ) {
    super(`LAVA ${method} failed: fault ${faultCode}: ${faultString}`, method);
    this.name = 'LavaFault';
    this.kind = FAULT_KINDS[faultCode] ?? 'other';
  }
}

/** HTTP 401: lava-server refused the user/token pair (it never says which). Nothing was dispatched. */
export class LavaAuthError extends LavaError {
  readonly statusCode = 401;

  constructor(
    readonly user: string | undefined,
    method: string,
  ) {
    super(
      user === undefined
        ? `LAVA answered HTTP 401 to an anonymous ${method} call`
        : `LAVA rejected the token for user '${user}' (HTTP 401)`,
      method,
    );
    this.name = 'LavaAuthError';
  }
}

/**
 * Any other transport failure: an unexpected HTTP status (`statusCode`), or
 * the network (`code`, e.g. ECONNRESET). It is an HttpError on purpose:
 * callers treat HttpErrors as "the request may or may not have reached the
 * server", which is what a submit cut off this way means. `method` is the
 * HTTP method, as in every HttpError; `rpcMethod` the XML-RPC method.
 */
export class LavaHttpError extends HttpError {
  constructor(
    message: string,
    readonly rpcMethod: string,
    url: string,
    statusCode?: number,
    code?: string,
  ) {
    super(message, 'POST', url, statusCode, code);
    this.name = 'LavaHttpError';
  }
}

/** The answer was not the XML-RPC (or the value shape) a lava-server sends. */
export class LavaProtocolError extends LavaError {
  constructor(message: string, method: string) {
    super(message, method);
    this.name = 'LavaProtocolError';
  }
}

export interface ListJobsOptions {
  state?: LavaJobState;
  health?: LavaJobHealth;
  /** Offset into the newest-first list. */
  start?: number;
  /** At most 100 (the server's cap). */
  limit?: number;
  verbose?: boolean;
}

/** Submitting twice makes two jobs; everything else may be repeated safely. */
const NON_IDEMPOTENT_METHODS = new Set([
  'scheduler.jobs.submit',
  'scheduler.submit_job',
  'scheduler.jobs.resubmit',
  'scheduler.resubmit_job',
]);

const LIST_PAGE_SIZE = 100;

export class LavaClient {
  /** `http://host/` (plus any mount point) under which the web pages live. */
  readonly baseUrl: string;
  private readonly url: string;
  private readonly user?: string;
  private readonly authorization?: string;
  private readonly http: HttpClient;
  private readonly logger?: Logger;

  constructor(options: LavaClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new Error(`LAVA url '${safeUrl(options.url)}' is not a URL`);
    }
    if (parsed.username || parsed.password) {
      throw new Error(`LAVA url '${safeUrl(options.url)}' carries credentials; give user and token separately`);
    }
    if (!/\/RPC2\/?$/.test(parsed.pathname)) {
      throw new Error(`LAVA url '${options.url}' must be the XML-RPC endpoint, ending in /RPC2`);
    }
    this.url = parsed.toString();
    const base = new URL(parsed.toString());
    base.pathname = parsed.pathname.replace(/RPC2\/?$/, '');
    base.search = '';
    this.baseUrl = base.toString();
    this.http = options.http;
    this.logger = options.logger;
    if (options.token !== undefined && options.user === undefined) {
      throw new Error('LAVA token given without a user: lava-server needs both for Basic auth');
    }
    if (options.user !== undefined && options.token !== undefined) {
      registerSecret(options.token);
      this.user = options.user;
      const credentials = Buffer.from(`${options.user}:${options.token}`).toString('base64');
      registerSecret(credentials);
      this.authorization = `Basic ${credentials}`;
    }
  }

  /** Web page of a job. */
  jobUrl(id: number): string {
    return `${this.baseUrl}scheduler/job/${id}`;
  }

  /** The job's whole log as YAML lines. */
  logUrl(id: number): string {
    return `${this.baseUrl}scheduler/job/${id}/log_file/plain`;
  }

  /** Calls any XML-RPC method; faults and HTTP failures become LavaError subclasses. */
  async call(method: string, ...params: XmlRpcInput[]): Promise<XmlRpcValue> {
    const headers: Record<string, string> = { 'content-type': 'text/xml', accept: 'application/xml, text/xml' };
    if (this.authorization) headers.authorization = this.authorization;
    this.logger?.debug('lava call', { method });
    let response: HttpResponse;
    try {
      response = await this.http.request({
        method: 'POST',
        url: this.url,
        headers,
        body: encodeMethodCall(method, params),
        idempotent: !NON_IDEMPOTENT_METHODS.has(method),
        followRedirect: false,
      });
    } catch (err) {
      if (err instanceof HttpError) {
        throw new LavaHttpError(`LAVA ${method} failed: ${err.message}`, method, err.url, err.statusCode, err.code);
      }
      throw err;
    }
    if (response.statusCode === 401) throw new LavaAuthError(this.user, method);
    if (response.statusCode !== 200) {
      const location = response.headers.location ? ` (redirect to ${response.headers.location})` : '';
      throw new LavaHttpError(
        `LAVA ${method} failed: HTTP ${response.statusCode}${location} from ${safeUrl(this.url)}: ${bodyExcerpt(response)}`,
        method,
        safeUrl(this.url),
        response.statusCode,
      );
    }
    try {
      return parseMethodResponse(response.body);
    } catch (err) {
      if (err instanceof XmlRpcFault) throw new LavaFault(err.faultCode, err.faultString, method);
      if (err instanceof XmlRpcParseError) {
        const contentType = String(response.headers['content-type'] ?? 'no content type');
        throw new LavaProtocolError(
          `LAVA ${method} answered something that is not XML-RPC (${contentType}): ${err.message}; body starts: ${bodyExcerpt(response, 120)}`,
          method,
        );
      }
      throw err;
    }
  }

  /** Submits a job definition; returns the new job id (several for multinode). Not retried: a repeat makes a second job. */
  async submitJob(definition: string): Promise<number[]> {
    const method = 'scheduler.jobs.submit';
    const answer = await this.call(method, definition);
    const ids = Array.isArray(answer) ? answer : [answer];
    return ids.map((id) => {
      if (typeof id === 'number' && Number.isInteger(id)) return id;
      if (typeof id === 'string' && /^\d+$/.test(id)) return Number(id);
      throw new LavaProtocolError(
        `LAVA ${method} returned job id ${JSON.stringify(id)}; multinode sub-job ids are not supported`,
        method,
      );
    });
  }

  async showJob(id: number): Promise<LavaJob> {
    const method = 'scheduler.jobs.show';
    const raw = struct(await this.call(method, id), method);
    const read = new FieldReader(raw, method);
    return {
      id: read.jobId('id'),
      description: read.string('description'),
      device: read.optionalString('device'),
      device_type: read.optionalString('device_type'),
      state: read.oneOf('state', JOB_STATES),
      health: read.oneOf('health', JOB_HEALTHS),
      submitter: read.string('submitter'),
      submit_time: read.optionalDate('submit_time'),
      start_time: read.optionalDate('start_time'),
      end_time: read.optionalDate('end_time'),
      failure_comment: read.optionalString('failure_comment'),
    };
  }

  /** Cancels a job; harmless on a job that is already finishing or finished. */
  async cancelJob(id: number): Promise<void> {
    await this.call('scheduler.jobs.cancel', id);
  }

  /** Log lines from `startLine` on; `finished` says whether more can come. */
  async jobLogs(id: number, startLine = 0): Promise<{ finished: boolean; entries: LavaLogEntry[] }> {
    const method = 'scheduler.jobs.logs';
    const answer = await this.call(method, id, startLine);
    if (!Array.isArray(answer) || answer.length !== 2 || typeof answer[0] !== 'boolean') {
      throw new LavaProtocolError(`LAVA ${method} did not answer [finished, log]`, method);
    }
    const [finished, data] = answer;
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : typeof data === 'string' ? data : undefined;
    if (text === undefined) throw new LavaProtocolError(`LAVA ${method} log is neither Binary nor text`, method);
    return { finished, entries: parseLogLines(text, method) };
  }

  async jobDefinition(id: number): Promise<string> {
    const method = 'scheduler.jobs.definition';
    const answer = await this.call(method, id);
    if (Buffer.isBuffer(answer)) return answer.toString('utf8');
    if (typeof answer !== 'string') throw new LavaProtocolError(`LAVA ${method} did not return a definition`, method);
    return answer;
  }

  /** Newest first, like the server. */
  async listJobs(options: ListJobsOptions = {}): Promise<LavaJobSummary[]> {
    const method = 'scheduler.jobs.list';
    const answer = await this.call(
      method,
      options.state ?? null,
      options.health ?? null,
      options.start ?? 0,
      options.limit ?? 25,
      0,
      options.verbose ?? false,
    );
    if (!Array.isArray(answer)) throw new LavaProtocolError(`LAVA ${method} did not return a list`, method);
    return answer.map((item) => {
      const read = new FieldReader(struct(item, method), method);
      const summary: LavaJobSummary = {
        id: read.jobId('id'),
        description: read.string('description'),
        device_type: read.optionalString('device_type'),
        state: read.oneOf('state', JOB_STATES),
        health: read.oneOf('health', JOB_HEALTHS),
        submitter: read.string('submitter'),
      };
      if (options.verbose) {
        summary.actual_device = read.optionalString('actual_device');
        summary.start_time = read.optionalDate('start_time');
        summary.end_time = read.optionalDate('end_time');
        summary.error_msg = read.optionalString('error_msg');
        summary.error_type = read.optionalString('error_type');
      }
      return summary;
    });
  }

  /**
   * Jobs whose description (job name) is exactly `description`, newest first,
   * among the newest `maxJobs` jobs: finds a job submitted just before a crash
   * kept the bot from recording its id.
   */
  async findJobsByDescription(description: string, maxJobs = 1000): Promise<LavaJobSummary[]> {
    const found = new Map<number, LavaJobSummary>();
    for (let start = 0; start < maxJobs; start += LIST_PAGE_SIZE) {
      const page = await this.listJobs({ start, limit: Math.min(LIST_PAGE_SIZE, maxJobs - start), verbose: true });
      // Jobs submitted meanwhile shift the pages: a job may show up twice, never be skipped.
      for (const job of page) if (job.description === description) found.set(job.id, job);
      if (page.length < Math.min(LIST_PAGE_SIZE, maxJobs - start)) break;
    }
    return [...found.values()].sort((a, b) => b.id - a.id);
  }

  /** Every test case of the job, infrastructure suite `lava` included. */
  async jobResults(id: number): Promise<LavaTestResult[]> {
    const method = 'results.get_testjob_results_yaml';
    const answer = await this.call(method, id);
    if (typeof answer !== 'string') throw new LavaProtocolError(`LAVA ${method} did not return YAML text`, method);
    let parsed: unknown;
    try {
      parsed = YAML.parse(answer);
    } catch (err) {
      throw new LavaProtocolError(`LAVA ${method} returned unparsable YAML: ${(err as Error).message}`, method);
    }
    if (parsed === null) return [];
    if (!Array.isArray(parsed)) throw new LavaProtocolError(`LAVA ${method} YAML is not a list`, method);
    return parsed.map((item: unknown, index) => {
      const entry = item as Record<string, unknown> | null;
      const fields = ['suite', 'name', 'result'] as const;
      for (const field of fields) {
        if (typeof entry?.[field] !== 'string') {
          throw new LavaProtocolError(`LAVA ${method} item ${index} has no string '${field}'`, method);
        }
      }
      return { suite: entry!.suite as string, name: entry!.name as string, result: entry!.result as string };
    });
  }

  async devicesList(): Promise<LavaDevice[]> {
    const method = 'scheduler.devices.list';
    const answer = await this.call(method);
    if (!Array.isArray(answer)) throw new LavaProtocolError(`LAVA ${method} did not return a list`, method);
    return answer.map((item) => {
      const read = new FieldReader(struct(item, method), method);
      const currentJob = read.raw('current_job');
      return {
        hostname: read.string('hostname'),
        type: read.string('type'),
        health: read.string('health') as LavaDevice['health'],
        state: read.string('state') as LavaDevice['state'],
        current_job: currentJob === null ? null : read.jobId('current_job'),
        pipeline: read.raw('pipeline') === true,
      };
    });
  }

  /** Jobs waiting for a device, per device type (every type listed, 0 included). */
  async pendingJobsByDeviceType(): Promise<Record<string, number>> {
    const method = 'scheduler.pending_jobs_by_device_type';
    const answer = struct(await this.call(method), method);
    const out: Record<string, number> = {};
    for (const [type, count] of Object.entries(answer)) {
      if (typeof count !== 'number') throw new LavaProtocolError(`LAVA ${method} count for '${type}' is not a number`, method);
      out[type] = count;
    }
    return out;
  }

  async version(): Promise<string> {
    const answer = await this.call('system.version');
    if (typeof answer !== 'string') throw new LavaProtocolError('LAVA system.version is not a string', 'system.version');
    return answer;
  }

  /** The device types this user may see, with how many devices each has (`scheduler.device_types.list`). */
  async deviceTypes(): Promise<{ name: string; devices: number }[]> {
    const method = 'scheduler.device_types.list';
    const answer = await this.call(method);
    if (!Array.isArray(answer)) throw new LavaProtocolError(`LAVA ${method} did not return a list`, method);
    return answer.map((item) => {
      const read = new FieldReader(struct(item, method), method);
      const devices = read.raw('devices');
      if (typeof devices !== 'number') throw new LavaProtocolError(`LAVA ${method} field 'devices' is not a number`, method);
      return { name: read.string('name'), devices };
    });
  }

  /**
   * Which of these device types exist (the others are left out, as
   * lava-server leaves them) and whether the token's user may submit to
   * them. Needs the token: anonymous callers get Fault 401.
   */
  async canSubmitTo(deviceTypes: readonly string[]): Promise<Record<string, boolean>> {
    const method = 'system.user_can_submit_to_types';
    const answer = struct(await this.call(method, [...deviceTypes]), method);
    const out: Record<string, boolean> = {};
    for (const [type, allowed] of Object.entries(answer)) {
      if (typeof allowed !== 'boolean') throw new LavaProtocolError(`LAVA ${method} answer for '${type}' is not a boolean`, method);
      out[type] = allowed;
    }
    return out;
  }

  /** The user the server authenticated, or null when anonymous. */
  async whoami(): Promise<string | null> {
    const answer = await this.call('system.whoami');
    if (answer !== null && typeof answer !== 'string') {
      throw new LavaProtocolError('LAVA system.whoami is neither a name nor nil', 'system.whoami');
    }
    return answer;
  }
}

function struct(value: XmlRpcValue, method: string): Record<string, XmlRpcValue> {
  if (!isStruct(value)) throw new LavaProtocolError(`LAVA ${method} did not return a struct`, method);
  return value;
}

/** Reads fields of a struct, naming the method and field when one has the wrong type. */
class FieldReader {
  constructor(
    private readonly fields: Record<string, XmlRpcValue>,
    private readonly method: string,
  ) {}

  private wrong(field: string, expected: string): never {
    const value = this.fields[field];
    const shown = value === undefined ? 'missing' : JSON.stringify(value);
    throw new LavaProtocolError(`LAVA ${this.method} field '${field}' should be ${expected}, got ${shown}`, this.method);
  }

  raw(field: string): XmlRpcValue | undefined {
    return this.fields[field];
  }

  string(field: string): string {
    const value = this.fields[field];
    return typeof value === 'string' ? value : this.wrong(field, 'a string');
  }

  optionalString(field: string): string | null {
    const value = this.fields[field];
    if (value === null || value === undefined) return null;
    return typeof value === 'string' ? value : this.wrong(field, 'a string or nil');
  }

  /** Integer ids; `"12"` accepted, multinode `"12.1"` refused. */
  jobId(field: string): number {
    const value = this.fields[field];
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
    return this.wrong(field, 'an integer job id');
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const value = this.fields[field];
    return typeof value === 'string' && (allowed as readonly string[]).includes(value)
      ? (value as T)
      : this.wrong(field, `one of ${allowed.join(', ')}`);
  }

  /** A dateTime.iso8601, or the `str(datetime)` text `jobs.list(verbose)` sends (`2026-11-24 20:25:59.588744+00:00`). */
  optionalDate(field: string): Date | null {
    const value = this.fields[field];
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return value;
    if (typeof value === 'string') {
      try {
        return parseDateTime(value.replace(' ', 'T'));
      } catch {
        return this.wrong(field, 'a date and time');
      }
    }
    return this.wrong(field, 'a date and time or nil');
  }
}

/**
 * Log lines are `- {"dt": …, "lvl": …, "msg": …}`; each is valid JSON after
 * the `- `, which is far faster than a YAML parse of a long build log. Lines
 * that are not JSON get a YAML parse of their own.
 */
export function parseLogLines(text: string, method = 'scheduler.jobs.logs'): LavaLogEntry[] {
  if (text.trim() === '[]' || text.trim() === '') return [];
  const entries: LavaLogEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let entry: unknown;
    try {
      entry = line.startsWith('- {') ? JSON.parse(line.slice(2)) : undefined;
    } catch {
      entry = undefined;
    }
    if (entry === undefined) {
      try {
        const parsed: unknown = YAML.parse(line);
        entry = Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : undefined;
      } catch {
        entry = undefined;
      }
    }
    const fields = entry as Partial<LavaLogEntry> | undefined;
    if (
      typeof fields !== 'object' ||
      fields === null ||
      typeof fields.dt !== 'string' ||
      typeof fields.lvl !== 'string' ||
      (typeof fields.msg !== 'string' && (typeof fields.msg !== 'object' || fields.msg === null))
    ) {
      throw new LavaProtocolError(
        `LAVA ${method} log line ${index + 1} is not a {dt, lvl, msg} entry: ${line.slice(0, 80)}`,
        method,
      );
    }
    entries.push(fields as LavaLogEntry);
  });
  return entries;
}
