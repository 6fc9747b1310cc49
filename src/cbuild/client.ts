/**
 * Client for a CBuild scheduler and its results host, speaking the invented
 * JSON API described in wire.ts (CBuild's own was never published).
 *
 * Two kinds of failure, kept apart on purpose: `HttpError` (from the shared
 * HTTP client) means the network failed and the request may or may not have
 * arrived, so the caller should try again later; `CBuildError` means CBuild
 * answered and refused (a 4xx, a 5xx that is not retried) or answered
 * something that is not the API (malformed JSON, missing fields), or the
 * caller passed a name CBuild would refuse.
 */
import { bodyExcerpt, bodyText, ResponseTooLargeError, type HttpClient, type HttpResponse } from '../http/client.js';
import type { Logger } from '../log.js';
import {
  encodePathSegment,
  fileNameProblem,
  HOST_STATES,
  JOB_STATES,
  jobNameProblem,
  queueNameProblem,
  resultDirProblem,
  spawnRequestProblem,
  type CBuildHost,
  type CBuildJob,
  type DirectoryEntry,
  type QueueSummary,
  type SpawnRequest,
} from './wire.js';
import { XzTooLargeError, xzDecompress } from './xz.js';

export interface CBuildClientOptions {
  /** Scheduler API root, e.g. `http://127.0.0.1:8080/scheduler/`. */
  schedulerUrl: string;
  /** Results host root, under which `build/` lives, e.g. `http://cbuild.validation.linaro.org/`. */
  resultsUrl: string;
  http: HttpClient;
  logger?: Logger;
}

/** CBuild refused a request or answered nonsense; names the queue, job and HTTP status involved. */
export class CBuildError extends Error {
  readonly queue?: string;
  readonly job?: string;
  readonly statusCode?: number;

  constructor(message: string, context: { queue?: string; job?: string; statusCode?: number } = {}) {
    super(message);
    this.name = 'CBuildError';
    this.queue = context.queue;
    this.job = context.job;
    this.statusCode = context.statusCode;
  }
}

export interface FetchResultOptions {
  /** For a `.xz` file, return its decompressed contents (runs `xz -dc`); otherwise the raw bytes. Default false. */
  decompress?: boolean;
  /** Refuse a file (decompressed) larger than this, with a ResultTooLargeError. */
  maxBytes?: number;
}

/** A result file past the size limit: never read whole into memory. */
export class ResultTooLargeError extends Error {
  constructor(readonly file: string, readonly maxBytes: number, how: { size?: number; decompressed?: boolean } = {}) {
    const what = how.size !== undefined ? ` (${how.size} bytes)` : how.decompressed ? ' once decompressed' : '';
    super(`${file} is larger than the limit of ${maxBytes} bytes${what} (results.maxFileBytes)`);
    this.name = 'ResultTooLargeError';
  }
}

export class CBuildClient {
  private readonly schedulerUrl: string;
  private readonly resultsUrl: string;
  private readonly http: HttpClient;
  private readonly logger?: Logger;

  constructor(options: CBuildClientOptions) {
    this.schedulerUrl = withSlash(options.schedulerUrl);
    this.resultsUrl = withSlash(options.resultsUrl);
    this.http = options.http;
    this.logger = options.logger;
  }

  /**
   * Spawns `jobName` into `queue`. Safe to repeat: spawning a job that exists
   * returns it as it stands (whatever its state), so a bot that crashed after
   * spawning just spawns again. Refused (409) if the name already denotes
   * another branch/revision.
   */
  async spawn(queue: string, jobName: string, spec: SpawnRequest): Promise<CBuildJob> {
    const context = { queue, job: jobName };
    checkNames(context, queueNameProblem(queue) ?? jobNameProblem(jobName));
    const what = `spawning CBuild job ${jobName} into queue ${queue}`;
    const res = await this.http.request({
      method: 'PUT',
      url: this.jobUrl(queue, jobName),
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ vcs: spec.vcs, source: spec.source, ref: spec.ref, url: spec.url, revision: spec.revision, revno: spec.revno, target: spec.target }),
    });
    if (res.statusCode !== 200 && res.statusCode !== 201) throw refusal(what, res, context);
    const job = readJob(parseJsonBody(what, res, context), what, context);
    this.logger?.debug(res.statusCode === 201 ? 'CBuild job spawned' : 'CBuild job already spawned', { queue, job: jobName, state: job.state });
    return job;
  }

  /** The job as the scheduler sees it; CBuildError with statusCode 404 if the scheduler does not know it. */
  async getJob(queue: string, jobName: string): Promise<CBuildJob> {
    const context = { queue, job: jobName };
    checkNames(context, queueNameProblem(queue) ?? jobNameProblem(jobName));
    const what = `reading CBuild job ${jobName} in queue ${queue}`;
    const res = await this.getJson(this.jobUrl(queue, jobName));
    if (res.statusCode !== 200) throw refusal(what, res, context);
    return readJob(parseJsonBody(what, res, context), what, context);
  }

  /** A queue's jobs, oldest first. */
  async listQueue(queue: string): Promise<CBuildJob[]> {
    const context = { queue };
    checkNames(context, queueNameProblem(queue));
    const what = `listing CBuild queue ${queue}`;
    const res = await this.getJson(new URL(`queues/${encodePathSegment(queue)}/jobs`, this.schedulerUrl).toString());
    if (res.statusCode !== 200) throw refusal(what, res, context);
    const jobs = (parseJsonBody(what, res, context) as { jobs?: unknown }).jobs;
    if (!Array.isArray(jobs)) throw new CBuildError(`${what}: answer has no "jobs" list`, context);
    return jobs.map((job) => readJob(job, what, context));
  }

  /**
   * Cancels a job: a queued one at once, a running one when its host next
   * polls (`cancel_requested` is set meanwhile); a finished one is unchanged.
   * Safe to repeat.
   */
  async cancel(queue: string, jobName: string): Promise<CBuildJob> {
    const context = { queue, job: jobName };
    checkNames(context, queueNameProblem(queue) ?? jobNameProblem(jobName));
    const what = `cancelling CBuild job ${jobName} in queue ${queue}`;
    const res = await this.http.request({
      method: 'POST',
      url: this.jobUrl(queue, jobName) + '/cancel',
      headers: { accept: 'application/json' },
      idempotent: true,
    });
    if (res.statusCode !== 200) throw refusal(what, res, context);
    const job = readJob(parseJsonBody(what, res, context), what, context);
    this.logger?.debug('CBuild job cancel requested', { queue, job: jobName, state: job.state });
    return job;
  }

  /** Every queue the scheduler knows (one with a host or a job), with its counts. */
  async listQueues(): Promise<QueueSummary[]> {
    const what = 'listing CBuild queues';
    const res = await this.getJson(new URL('queues', this.schedulerUrl).toString());
    if (res.statusCode !== 200) throw refusal(what, res, {});
    const queues = (parseJsonBody(what, res, {}) as { queues?: unknown }).queues;
    if (!Array.isArray(queues)) throw new CBuildError(`${what}: answer has no "queues" list`);
    return queues.map((queue, index) => {
      const q = queue as Partial<QueueSummary> | null;
      if (!q || typeof q.name !== 'string' || ![q.queued, q.running, q.hosts].every((n) => typeof n === 'number')) {
        throw new CBuildError(`${what}: queue ${index} lacks a name or its queued/running/hosts counts`);
      }
      return q as QueueSummary;
    });
  }

  async listHosts(): Promise<CBuildHost[]> {
    const what = 'listing CBuild hosts';
    const res = await this.getJson(new URL('hosts', this.schedulerUrl).toString());
    if (res.statusCode !== 200) throw refusal(what, res, {});
    const hosts = (parseJsonBody(what, res, {}) as { hosts?: unknown }).hosts;
    if (!Array.isArray(hosts)) throw new CBuildError(`${what}: answer has no "hosts" list`);
    return hosts.map((host) => readHost(host, what));
  }

  /** Result directory names published for a job (empty if none yet). */
  async listResultDirs(jobName: string): Promise<string[]> {
    const context = { job: jobName };
    checkNames(context, jobNameProblem(jobName));
    const entries = await this.listDirectory(`build/${encodePathSegment(jobName)}/logs/`, `listing result directories of ${jobName}`, context);
    return entries.filter((entry) => entry.type === 'directory').map((entry) => entry.name);
  }

  /** Files in one result directory (empty if it does not exist yet). */
  async listResultFiles(jobName: string, resultDir: string): Promise<DirectoryEntry[]> {
    const context = { job: jobName };
    checkNames(context, jobNameProblem(jobName) ?? resultDirProblem(resultDir));
    const entries = await this.listDirectory(
      `build/${encodePathSegment(jobName)}/logs/${encodePathSegment(resultDir)}/`,
      `listing ${resultDir} of ${jobName}`,
      context,
    );
    return entries.filter((entry) => entry.type === 'file');
  }

  /**
   * A result file's bytes, or null if it is not there. `.xz` files come back
   * compressed unless `decompress` is asked for.
   */
  async fetchResultFile(jobName: string, resultDir: string, file: string, options: FetchResultOptions = {}): Promise<Buffer | null> {
    const context = { job: jobName };
    checkNames(context, jobNameProblem(jobName) ?? resultDirProblem(resultDir) ?? fileNameProblem(file));
    const what = `fetching ${file} from ${resultDir} of ${jobName}`;
    let res: HttpResponse;
    try {
      res = await this.http.request({ url: this.fileUrl(jobName, resultDir, file), maxBytes: options.maxBytes });
    } catch (error) {
      if (error instanceof ResponseTooLargeError) throw new ResultTooLargeError(file, error.maxBytes);
      throw error;
    }
    if (res.statusCode === 404) return null;
    if (res.statusCode !== 200) throw refusal(what, res, context);
    const maxBytes = options.maxBytes ?? Infinity;
    if (res.body.length > maxBytes) throw new ResultTooLargeError(file, maxBytes, { size: res.body.length });
    if (!options.decompress || !file.endsWith('.xz')) return res.body;
    try {
      return await xzDecompress(res.body, `${jobName}/${resultDir}/${file}`, options.maxBytes);
    } catch (error) {
      if (error instanceof XzTooLargeError) throw new ResultTooLargeError(file, maxBytes, { decompressed: true });
      throw new CBuildError(`${what}: ${(error as Error).message}`, context);
    }
  }

  /** Stores a file in a result directory, as a LAVA run does in the hybrid design. Overwrites. */
  async uploadResultFile(jobName: string, resultDir: string, file: string, body: string | Buffer): Promise<void> {
    const context = { job: jobName };
    checkNames(context, jobNameProblem(jobName) ?? resultDirProblem(resultDir) ?? fileNameProblem(file));
    const what = `uploading ${file} to ${resultDir} of ${jobName}`;
    const res = await this.http.request({
      method: 'PUT',
      url: this.fileUrl(jobName, resultDir, file),
      headers: { 'content-type': file.endsWith('.xz') ? 'application/x-xz' : 'text/plain; charset=utf-8' },
      body,
    });
    if (res.statusCode !== 200 && res.statusCode !== 201) throw refusal(what, res, context);
  }

  /** Public URL of a result directory, ending in `/`. */
  resultDirUrl(jobName: string, resultDir: string): string {
    return new URL(`build/${encodePathSegment(jobName)}/logs/${encodePathSegment(resultDir)}/`, this.resultsUrl).toString();
  }

  /** The job and result directory a `resultDirUrl` points at, or null if the URL is not one of ours. */
  locateResultDir(url: string): { jobName: string; resultDir: string } | null {
    const prefix = new URL('build/', this.resultsUrl).toString();
    if (!url.startsWith(prefix)) return null;
    const match = /^([^/]+)\/logs\/([^/]+)\/$/.exec(url.slice(prefix.length));
    if (!match) return null;
    let jobName: string;
    let resultDir: string;
    try {
      jobName = decodeURIComponent(match[1]);
      resultDir = decodeURIComponent(match[2]);
    } catch {
      return null;
    }
    return jobNameProblem(jobName) || resultDirProblem(resultDir) ? null : { jobName, resultDir };
  }

  private jobUrl(queue: string, jobName: string): string {
    return new URL(`queues/${encodePathSegment(queue)}/jobs/${encodePathSegment(jobName)}`, this.schedulerUrl).toString();
  }

  private fileUrl(jobName: string, resultDir: string, file: string): string {
    return new URL(encodePathSegment(file), this.resultDirUrl(jobName, resultDir)).toString();
  }

  private getJson(url: string): Promise<HttpResponse> {
    return this.http.request({ url, headers: { accept: 'application/json' } });
  }

  /** Entries of a results-host directory (`?format=json`); empty if it does not exist. */
  private async listDirectory(path: string, what: string, context: { job?: string }): Promise<DirectoryEntry[]> {
    const res = await this.getJson(new URL(`${path}?format=json`, this.resultsUrl).toString());
    if (res.statusCode === 404) return [];
    if (res.statusCode !== 200) throw refusal(what, res, context);
    const entries = (parseJsonBody(what, res, context) as { entries?: unknown }).entries;
    if (!Array.isArray(entries)) throw new CBuildError(`${what}: answer has no "entries" list`, context);
    return entries.map((entry, index) => {
      const e = entry as Partial<DirectoryEntry> | null;
      if (!e || typeof e.name !== 'string' || (e.type !== 'file' && e.type !== 'directory')) {
        throw new CBuildError(`${what}: entry ${index} lacks a name or a type of file/directory`, context);
      }
      return e as DirectoryEntry;
    });
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : url + '/';
}

function checkNames(context: { queue?: string; job?: string }, problem: string | null): void {
  if (problem) throw new CBuildError(`refusing to ask CBuild: ${problem}`, context);
}

/** A CBuildError for a status we did not expect, quoting CBuild's `{"error"}` text when it sent one. */
function refusal(what: string, res: HttpResponse, context: { queue?: string; job?: string }): CBuildError {
  let reason: string | undefined;
  try {
    const error = (JSON.parse(bodyText(res)) as { error?: unknown }).error;
    if (typeof error === 'string') reason = error;
  } catch {
    // Not our JSON error shape (a proxy's HTML page, say): quote the body instead.
  }
  return new CBuildError(`${what}: CBuild answered HTTP ${res.statusCode}: ${reason ?? (bodyExcerpt(res) || '(empty body)')}`, {
    ...context,
    statusCode: res.statusCode,
  });
}

function parseJsonBody(what: string, res: HttpResponse, context: { queue?: string; job?: string }): unknown {
  try {
    return JSON.parse(bodyText(res));
  } catch {
    throw new CBuildError(`${what}: CBuild answered HTTP ${res.statusCode} with malformed JSON: ${bodyExcerpt(res)}`, {
      ...context,
      statusCode: res.statusCode,
    });
  }
}

const JOB_STRING_FIELDS = ['name', 'queue', 'spawned_at', 'url'] as const;
const JOB_NULLABLE_STRING_FIELDS = ['host', 'result_dir', 'started_at', 'finished_at', 'result_dir_url', 'log_url'] as const;

/** Checks that a decoded answer is a CBuildJob, naming the first field that is not. */
function readJob(value: unknown, what: string, context: { queue?: string; job?: string }): CBuildJob {
  const fail = (problem: string) => new CBuildError(`${what}: CBuild answered a malformed job: ${problem}`, context);
  if (typeof value !== 'object' || value === null) throw fail('not a JSON object');
  const job = value as Record<string, unknown>;
  for (const field of JOB_STRING_FIELDS) {
    if (typeof job[field] !== 'string') throw fail(`field "${field}" is not a string`);
  }
  for (const field of JOB_NULLABLE_STRING_FIELDS) {
    if (job[field] !== null && typeof job[field] !== 'string') throw fail(`field "${field}" is neither a string nor null`);
  }
  if (!JOB_STATES.includes(job.state as never)) throw fail(`field "state" is ${JSON.stringify(job.state)}`);
  if (typeof job.cancel_requested !== 'boolean') throw fail('field "cancel_requested" is not a boolean');
  const specProblem = spawnRequestProblem(job.spec);
  if (specProblem) throw fail(`field "spec": ${specProblem}`);
  return value as CBuildJob;
}

function readHost(value: unknown, what: string): CBuildHost {
  const fail = (problem: string) => new CBuildError(`${what}: CBuild answered a malformed host: ${problem}`);
  if (typeof value !== 'object' || value === null) throw fail('not a JSON object');
  const host = value as Record<string, unknown>;
  for (const field of ['name', 'queue', 'arch', 'distro', 'config', 'target'] as const) {
    if (typeof host[field] !== 'string') throw fail(`field "${field}" is not a string`);
  }
  if (!HOST_STATES.includes(host.state as never)) throw fail(`field "state" is ${JSON.stringify(host.state)}`);
  return value as CBuildHost;
}
