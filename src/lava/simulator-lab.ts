/**
 * The simulated LAVA lab behind LavaSimulator: devices, the job queue and
 * each job's life, with lava-server 2023.01's states and health
 * (Submitted → Scheduling → Scheduled → Running → Finished; health
 * Complete / Incomplete / Canceled), one job per device, the dispatcher's
 * log lines and the results it records. No HTTP here: simulator.ts exposes
 * this over XML-RPC and web pages.
 *
 * What a job builds comes from its `metadata` (cbuild-bot.* keys) and the
 * shared Toolchain; the job's shell steps are never run.
 */
import { EventEmitter } from 'node:events';
import type { Toolchain, BuildOutcome, BuildSpec } from '../cbuild/toolchain.js';
import type { Logger } from '../log.js';
import type { ValidJobDefinition } from './template.js';
import { criteriaMatch, invokeCallbacks, type CallbackJob, type CallbackMade } from './simulator-notify.js';
import {
  METADATA_KEYS,
  type LavaDeviceHealth,
  type LavaDeviceState,
  type LavaJobHealth,
  type LavaJobState,
  type LavaLogEntry,
} from './types.js';

/** Delays of the simulated lab; defaults follow the timings seen on lava-server 2023.01. */
export interface LavaSimTiming {
  /** Submission → the scheduler considers the job (it polls; real submit → start was 32-35 s in all). */
  queueMs: number;
  /** Scheduling → Scheduled (device reserved). */
  scheduleMs: number;
  /** Scheduled → Running (the worker picks the job up). */
  startMs: number;
  /** Running: validate, deploy and boot before the test definition starts. */
  bootMs: number;
  /** Factor on the toolchain's build duration (simulated ms) for the test action. */
  buildScale: number;
  /** Dispatcher done → Finished: worker and server bookkeeping (~17 s observed). */
  finishMs: number;
  /** Canceling → Finished/Canceled. */
  cancelMs: number;
}

export const DEFAULT_TIMING: LavaSimTiming = {
  queueMs: 20_000,
  scheduleMs: 1_000,
  startMs: 12_000,
  bootMs: 3_000,
  buildScale: 1,
  finishMs: 17_000,
  cancelMs: 5_000,
};

export interface LavaSimDeviceConfig {
  hostname: string;
  deviceType: string;
  /** Jobs on it end Incomplete: ssh cannot connect. */
  unreachable?: boolean;
  /** `uname -m` of the board, for the results directory; guessed from the device type if absent. */
  arch?: string;
}

export interface LavaLabOptions {
  toolchain: Toolchain;
  devices: LavaSimDeviceConfig[];
  timing?: Partial<LavaSimTiming>;
  /** Receives each results file; rejects when the upload failed. */
  publish: (url: string, body: string | Buffer) => Promise<void>;
  /** Distro codename in result directory names (default `precise`). */
  distro?: string;
  /** CBuild version number in result directory names (default 461, as in `i686-precise-cbuild461-oort8-i686r1`). */
  cbuildVersion?: number;
  /** First job id (default 1). */
  firstJobId?: number;
  logger?: Logger;
}

export interface SimTestCase {
  id: number;
  suite: string;
  name: string;
  result: 'pass' | 'fail';
  logged: Date;
  logLine: number;
  metadata: Record<string, string>;
}

interface SimDevice {
  hostname: string;
  deviceType: string;
  arch: string;
  unreachable: boolean;
  state: LavaDeviceState;
  health: LavaDeviceHealth;
  currentJob: number | null;
}

interface SimJobRecord {
  id: number;
  definition: string;
  parsed: ValidJobDefinition;
  deviceType: string;
  submitter: string;
  state: LavaJobState;
  health: LavaJobHealth;
  device: string | null;
  submitTime: Date;
  startTime: Date | null;
  endTime: Date | null;
  failureComment: string | null;
  errorMsg: string | null;
  errorType: string | null;
  /**
   * Set by the job's own queue timer, never by comparing clocks: a timer may
   * fire a millisecond before `Date.now()` reaches its due time, and a job
   * judged "not yet" then would wait with no timer left to wake it.
   */
  eligible: boolean;
  log: LavaLogEntry[];
  results: SimTestCase[];
  published: string[];
  /** Bumped on cancel so continuations of the old timeline (timers, uploads) stop. */
  generation: number;
  timer?: NodeJS.Timeout;
  /** While the Finished callbacks run: the move is saved when they are done (the row is locked meanwhile). */
  saving?: Promise<void>;
}

/** A read-only view of a simulated job, for tests and the sandbox. */
export interface LavaSimJob {
  id: number;
  description: string;
  submitter: string;
  deviceType: string;
  device: string | null;
  state: LavaJobState;
  health: LavaJobHealth;
  priority: number;
  visibility: ValidJobDefinition['visibility'];
  submitTime: Date;
  startTime: Date | null;
  endTime: Date | null;
  failureComment: string | null;
  errorMsg: string | null;
  errorType: string | null;
  definition: string;
  metadata: Record<string, unknown>;
  testDefinitionNames: string[];
  log: LavaLogEntry[];
  results: SimTestCase[];
  /** URLs the job published results to. */
  published: string[];
}

export interface LavaSimDevice {
  hostname: string;
  deviceType: string;
  state: LavaDeviceState;
  health: LavaDeviceHealth;
  currentJob: number | null;
  unreachable: boolean;
}

export class JobNotFound extends Error {
  constructor(readonly jobId: string) {
    super(`Job '${jobId}' was not found.`);
  }
}

function guessArch(deviceType: string): string {
  if (/x86[_-]?64|amd64/i.test(deviceType)) return 'x86_64';
  if (/i[3-6]86|x86/i.test(deviceType)) return 'i686';
  if (/aarch64|arm64/i.test(deviceType)) return 'aarch64';
  return 'armv7l';
}

/** `2026-11-24T20:25:39.953000`: Python's `datetime.isoformat()` of a naive UTC time, as in output.yaml. */
function logTime(date: Date): string {
  return date.toISOString().replace('Z', '000');
}

function duration(ms: number): string {
  const total = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}`;
}

const DEFAULT_FAILURE = 'Unable to copy overlay';

export class LavaLab {
  private readonly timing: LavaSimTiming;
  private readonly devices = new Map<string, SimDevice>();
  private readonly jobs = new Map<number, SimJobRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly events = new EventEmitter();
  private readonly distro: string;
  private readonly cbuildVersion: number;
  private nextJobId: number;
  private nextTestCaseId = 1;
  private pendingFailures: { comment: string; matches: (metadata: Record<string, unknown>) => boolean }[] = [];
  private closed = false;
  /** Every notify callback made, oldest first. */
  readonly callbacksMade: CallbackMade[] = [];

  constructor(private readonly options: LavaLabOptions) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.distro = options.distro ?? 'precise';
    this.cbuildVersion = options.cbuildVersion ?? 461;
    this.nextJobId = options.firstJobId ?? 1;
    for (const device of options.devices) {
      if (this.devices.has(device.hostname)) throw new Error(`LAVA simulator: device '${device.hostname}' is listed twice`);
      this.devices.set(device.hostname, {
        hostname: device.hostname,
        deviceType: device.deviceType,
        arch: device.arch ?? guessArch(device.deviceType),
        unreachable: device.unreachable ?? false,
        state: 'Idle',
        health: 'Good',
        currentJob: null,
      });
    }
  }

  // ------------------------------------------------------------- queries

  deviceTypes(): string[] {
    return [...new Set([...this.devices.values()].map((d) => d.deviceType))].sort();
  }

  listDevices(): LavaSimDevice[] {
    return [...this.devices.values()]
      .sort((a, b) => a.hostname.localeCompare(b.hostname))
      .map((d) => ({
        hostname: d.hostname,
        deviceType: d.deviceType,
        state: d.state,
        health: d.health,
        currentJob: d.currentJob,
        unreachable: d.unreachable,
      }));
  }

  /** Every job, oldest first. */
  listJobs(): LavaSimJob[] {
    return [...this.jobs.values()].sort((a, b) => a.id - b.id).map((job) => this.view(job));
  }

  /** Looks a job up by the id a client sent (int or numeric string); throws JobNotFound. */
  job(id: unknown): LavaSimJob {
    return this.view(this.record(id));
  }

  /** Submitted jobs per device type, every type listed. */
  pendingByDeviceType(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const type of this.deviceTypes()) counts[type] = 0;
    for (const job of this.jobs.values()) {
      if (job.state === 'Submitted') counts[job.deviceType] = (counts[job.deviceType] ?? 0) + 1;
    }
    return counts;
  }

  // ------------------------------------------------------------- scenario knobs

  /** The next `count` matching jobs to start end Incomplete with `comment` as error_msg. */
  failNextJobs(count: number, comment = DEFAULT_FAILURE, matches: (metadata: Record<string, unknown>) => boolean = () => true): void {
    for (let i = 0; i < count; i++) this.pendingFailures.push({ comment, matches });
  }

  /** Takes the first injected failure that applies to this job, if any. */
  private takeFailure(job: SimJobRecord): string | undefined {
    const index = this.pendingFailures.findIndex((f) => f.matches(job.parsed.metadata));
    return index < 0 ? undefined : this.pendingFailures.splice(index, 1)[0].comment;
  }

  setDeviceReachable(hostname: string, reachable: boolean): void {
    const device = this.devices.get(hostname);
    if (!device) throw new Error(`LAVA simulator has no device '${hostname}'`);
    device.unreachable = !reachable;
  }

  onJobFinished(listener: (job: LavaSimJob) => void): () => void {
    this.events.on('finished', listener);
    return () => this.events.off('finished', listener);
  }

  /** Resolves with the job once it is Finished. */
  waitForJob(id: number, timeoutMs = 30_000): Promise<LavaSimJob> {
    const current = this.job(id);
    if (current.state === 'Finished') return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`LAVA simulator job ${id} not finished after ${timeoutMs} ms (state ${this.job(id).state})`));
      }, timeoutMs);
      const off = this.onJobFinished((job) => {
        if (job.id !== id) return;
        clearTimeout(timer);
        off();
        resolve(job);
      });
    });
  }

  // ------------------------------------------------------------- actions

  /** Queues a validated job; `deviceType` must be one of the lab's types (the caller checks). */
  submit(definition: string, parsed: ValidJobDefinition, deviceType: string, submitter: string): number {
    const id = this.nextJobId++;
    const now = new Date();
    this.jobs.set(id, {
      id,
      definition,
      parsed,
      deviceType,
      submitter,
      state: 'Submitted',
      health: 'Unknown',
      device: null,
      submitTime: now,
      startTime: null,
      endTime: null,
      failureComment: null,
      errorMsg: null,
      errorType: null,
      eligible: false,
      log: [],
      results: [],
      published: [],
      generation: 0,
    });
    this.options.logger?.debug('lava simulator: job submitted', { job: id, device_type: deviceType });
    const record = this.jobs.get(id)!;
    this.later(() => {
      record.eligible = true;
      this.schedule();
    }, this.timing.queueMs);
    return id;
  }

  /** lava-server's TestJob.cancel: Submitted ends at once, a job holding a device goes through Canceling. */
  cancel(id: unknown): void {
    const job = this.record(id);
    // The row is locked while its Finished callbacks run; once they are done the job is Finished, which a cancel leaves as it is.
    if (job.saving) return;
    if (job.state === 'Submitted') {
      job.generation++;
      this.finish(job, 'Canceled');
    } else if (job.state === 'Scheduling' || job.state === 'Scheduled' || job.state === 'Running') {
      job.generation++;
      if (job.timer) this.clear(job.timer);
      job.state = 'Canceling';
      if (job.startTime) this.logLine(job, 'info', 'Canceled');
      const generation = job.generation;
      job.timer = this.later(() => {
        if (job.generation === generation) this.finish(job, 'Canceled');
      }, this.timing.cancelMs);
    }
  }

  /** Stops every timer; jobs stay where they are. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  // ------------------------------------------------------------- internals

  private record(id: unknown): SimJobRecord {
    const text = String(id);
    const job = /^\d+$/.test(text) ? this.jobs.get(Number(text)) : undefined;
    if (!job) throw new JobNotFound(text);
    return job;
  }

  private view(job: SimJobRecord): LavaSimJob {
    return {
      id: job.id,
      description: job.parsed.jobName,
      submitter: job.submitter,
      deviceType: job.deviceType,
      device: job.device,
      state: job.state,
      health: job.health,
      priority: job.parsed.priority,
      visibility: job.parsed.visibility,
      submitTime: job.submitTime,
      startTime: job.startTime,
      endTime: job.endTime,
      failureComment: job.failureComment,
      errorMsg: job.errorMsg,
      errorType: job.errorType,
      definition: job.definition,
      metadata: { ...job.parsed.metadata },
      testDefinitionNames: [...job.parsed.testDefinitionNames],
      log: job.log.map((entry) => ({ ...entry })),
      results: job.results.map((result) => ({ ...result, metadata: { ...result.metadata } })),
      published: [...job.published],
    };
  }

  private later(fn: () => void | Promise<void>, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      Promise.resolve(fn()).catch((err: unknown) => {
        this.options.logger?.error('lava simulator: internal error', { error: err as Error });
      });
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clear(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Gives idle devices to eligible Submitted jobs: higher priority first, then oldest. */
  private schedule(): void {
    const waiting = [...this.jobs.values()]
      .filter((job) => job.state === 'Submitted' && job.eligible)
      .sort((a, b) => b.parsed.priority - a.parsed.priority || a.id - b.id);
    for (const job of waiting) {
      const device = [...this.devices.values()]
        .sort((a, b) => a.hostname.localeCompare(b.hostname))
        .find((d) => d.deviceType === job.deviceType && d.state === 'Idle' && d.health === 'Good');
      if (!device) continue;
      device.state = 'Reserved';
      device.currentJob = job.id;
      job.device = device.hostname;
      job.state = 'Scheduling';
      const generation = job.generation;
      job.timer = this.later(() => {
        if (job.generation !== generation) return;
        job.state = 'Scheduled';
        job.timer = this.later(() => {
          if (job.generation === generation) this.run(job, device);
        }, this.timing.startMs);
      }, this.timing.scheduleMs);
    }
  }

  private logLine(job: SimJobRecord, lvl: string, msg: LavaLogEntry['msg']): void {
    job.log.push({ dt: logTime(new Date()), lvl, msg });
  }

  private recordResult(
    job: SimJobRecord,
    suite: string,
    name: string,
    result: 'pass' | 'fail',
    extra: Record<string, string> = {},
  ): void {
    const metadata = { case: name, definition: suite, result, ...extra };
    this.logLine(job, 'results', metadata);
    job.results.push({
      id: this.nextTestCaseId++,
      suite,
      name,
      result,
      logged: new Date(),
      logLine: job.log.length,
      metadata,
    });
  }

  private run(job: SimJobRecord, device: SimDevice): void {
    // Running callbacks (criteria all/running) are made on the move too; the simulated job does not wait for them.
    const notify = job.parsed.notify;
    if (notify && criteriaMatch(notify, 'Running', job.health)) {
      void invokeCallbacks(notify, this.callbackView(job), 'Running', job.health, this.options.logger, this.callbacksMade);
    }
    job.state = 'Running';
    job.startTime = new Date();
    device.state = 'Running';
    const timeouts = job.parsed.data.timeouts as Record<string, unknown>;
    this.logLine(job, 'info', 'lava-dispatcher, installed at version: 2023.01');
    this.logLine(job, 'info', 'start: 0 validate');
    this.logLine(job, 'info', `Start time: ${job.startTime.toISOString().replace('T', ' ').replace('Z', '')} (UTC)`);
    this.logLine(job, 'debug', `Job timeout: ${JSON.stringify(timeouts.job)}`);
    this.logLine(job, 'info', 'validate duration: 0.01');
    this.recordResult(job, 'lava', 'validate', 'pass');
    this.logLine(job, 'info', 'start: 1 scp-deploy (timeout 00:10:00) [common]');
    const generation = job.generation;
    const injected = device.unreachable ? undefined : this.takeFailure(job);
    const failure = device.unreachable
      ? { comment: 'Connection closed', type: 'Infrastructure' }
      : injected !== undefined
        ? { comment: injected, type: 'Job' }
        : undefined;
    job.timer = this.later(() => {
      if (job.generation !== generation) return;
      if (failure) return this.failJob(job, device, failure.comment, failure.type);
      return this.runTestAction(job, device, generation);
    }, this.timing.bootMs);
  }

  /** The job dies in deploy: ssh refused by an unreachable device, or a failure injected with failNextJobs. */
  private failJob(job: SimJobRecord, device: SimDevice, comment: string, errorType: string): void {
    if (device.unreachable) {
      this.logLine(job, 'target', `ssh: connect to host ${device.hostname} port 22: Connection refused`);
      this.logLine(job, 'target', 'lost connection');
    }
    this.logLine(job, 'error', comment);
    this.logLine(job, 'info', 'end: 1 scp-deploy (duration 00:00:01) [common]');
    this.recordResult(job, 'lava', 'scp-deploy', 'fail', { error_msg: comment, error_type: errorType });
    this.logLine(job, 'info', 'Cleaning after the job');
    this.recordResult(job, 'lava', 'job', 'fail', { error_msg: comment, error_type: errorType });
    // As on lava-server 2023.01: the reason is in error_msg (jobs.list verbose); failure_comment stays None.
    job.errorMsg = comment;
    job.errorType = errorType;
    this.windDown(job, 'Incomplete');
  }

  /** The build the job's metadata asks for, or why there is none. */
  private buildSpec(job: SimJobRecord): BuildSpec | string {
    const metadata = job.parsed.metadata;
    const read = (key: string) => (typeof metadata[key] === 'string' || typeof metadata[key] === 'number' ? String(metadata[key]) : '');
    const vcs = read(METADATA_KEYS.vcs);
    const source = read(METADATA_KEYS.source);
    const ref = read(METADATA_KEYS.ref);
    const revision = read(METADATA_KEYS.revision);
    const revno = read(METADATA_KEYS.revno);
    const target = read(METADATA_KEYS.target);
    const required = vcs === 'git' ? { vcs, source, ref, revision, target } : { vcs, source, revno, target };
    const missing = Object.entries(required).filter(([, value]) => value === '').map(([name]) => `cbuild-bot.${name}`);
    if (missing.length > 0) return `metadata lacks ${missing.join(', ')}`;
    if (vcs !== 'bzr' && vcs !== 'git') return `metadata cbuild-bot.vcs '${vcs}' is neither bzr nor git`;
    // `lp:<unique name>` for bzr, `lp:<repository unique name>:<ref>` for git (unique names never hold ':').
    const name = source.replace(/^lp:/, '');
    const path = vcs === 'git' ? name.slice(0, name.indexOf(':') < 0 ? undefined : name.indexOf(':')) : name;
    if (vcs === 'bzr' && !/^\d+$/.test(revno)) return `metadata cbuild-bot.revno '${revno}' is not a number`;
    return {
      vcs,
      source: path,
      ref: vcs === 'git' ? ref : null,
      revision: revision === '' ? null : revision,
      revno: vcs === 'bzr' ? Number(revno) : null,
      target,
      backend: 'lava',
    };
  }

  /** What the job's checkout step runs, for its log. */
  private checkoutLine(job: SimJobRecord, spec: BuildSpec): string {
    const metadata = job.parsed.metadata;
    if (spec.vcs === 'git') {
      return `+ git fetch ${String(metadata[METADATA_KEYS.repositoryUrl] ?? '')} ${spec.ref} && git checkout --detach ${spec.revision}`;
    }
    const revspec = spec.revision !== null ? `revid:${spec.revision}` : `revno:${spec.revno}`;
    return `+ brz branch -r ${revspec} ${String(metadata[METADATA_KEYS.branch] ?? `lp:${spec.source}`)} src`;
  }

  /** Deploy and boot went fine: build what the metadata asks for, publish, record the outcome. */
  private async runTestAction(job: SimJobRecord, device: SimDevice, generation: number): Promise<void> {
    this.logLine(job, 'info', 'end: 1 scp-deploy (duration 00:00:01) [common]');
    this.recordResult(job, 'lava', 'scp-deploy', 'pass');
    this.logLine(job, 'info', 'start: 2 login-ssh (timeout 00:05:00) [common]');
    this.logLine(job, 'info', 'end: 2 login-ssh (duration 00:00:01) [common]');
    const suite = `0_${job.parsed.testDefinitionNames[0] ?? 'definition'}`;
    this.logLine(job, 'info', 'start: 3 lava-test-retry (timeout 13:00:00) [common]');
    this.logLine(job, 'target', `<LAVA_SIGNAL_STARTRUN ${suite} 1>`);

    const spec = this.buildSpec(job);
    let outcome: BuildOutcome | undefined;
    if (typeof spec === 'string') {
      this.logLine(job, 'warning', `simulator: ${spec}; the test steps were not simulated`);
    } else {
      this.logLine(job, 'target', this.checkoutLine(job, spec));
      try {
        outcome = this.options.toolchain.build(spec);
      } catch (err) {
        const comment = `simulator toolchain failed: ${(err as Error).message}`;
        this.logLine(job, 'error', comment);
        this.recordResult(job, 'lava', 'job', 'fail', { error_msg: comment, error_type: 'Bug' });
        job.errorMsg = job.failureComment = comment;
        job.errorType = 'Bug';
        return this.windDown(job, 'Incomplete');
      }
      this.logLine(job, 'target', `+ make -C obj -j2 > logs/make.log 2>&1`);
    }

    const buildMs = outcome ? outcome.durationMs * this.timing.buildScale : 0;
    job.timer = this.later(async () => {
      if (job.generation !== generation) return;
      if (outcome && typeof spec !== 'string') {
        this.recordResult(job, suite, 'build', outcome.result === 'pass' ? 'pass' : 'fail');
        const published = await this.publishFiles(job, device, spec.target, outcome.files);
        if (job.generation !== generation) return;
        this.recordResult(job, suite, 'publish', published ? 'pass' : 'fail');
      }
      this.logLine(job, 'target', `<LAVA_SIGNAL_ENDRUN ${suite} 1>`);
      this.logLine(job, 'info', `end: 3 lava-test-retry (duration ${duration(buildMs)}) [common]`);
      this.recordResult(job, 'lava', suite, 'pass');
      this.logLine(job, 'info', 'start: 4 finalize (timeout 00:10:00) [common]');
      this.logLine(job, 'info', 'end: 4 finalize (duration 00:00:00) [common]');
      this.logLine(job, 'info', 'Job finished correctly');
      this.recordResult(job, 'lava', 'job', 'pass');
      this.windDown(job, 'Complete');
    }, buildMs);
  }

  /** PUTs every file to `<results-url><hostdir>/<file>`; false if any upload failed or there is nowhere to put them. */
  private async publishFiles(
    job: SimJobRecord,
    device: SimDevice,
    target: string,
    files: Record<string, string | Buffer>,
  ): Promise<boolean> {
    const base = job.parsed.metadata[METADATA_KEYS.resultsUrl];
    if (typeof base !== 'string' || base === '') {
      this.logLine(job, 'target', `simulator: no ${METADATA_KEYS.resultsUrl} in the job metadata; nothing published`);
      return false;
    }
    const hostdir = `${device.arch}-${this.distro}-cbuild${this.cbuildVersion}-${device.hostname}-${target}`;
    let ok = true;
    for (const [name, body] of Object.entries(files)) {
      const url = `${base}${hostdir}/${name}`;
      this.logLine(job, 'target', `+ curl --silent --show-error --fail --retry 3 -T ${name} ${url}`);
      try {
        await this.options.publish(url, body);
        job.published.push(url);
      } catch (err) {
        ok = false;
        this.logLine(job, 'target', `curl: ${(err as Error).message}`);
      }
    }
    return ok;
  }

  /** Dispatcher done: the worker and server take a while before the job is Finished. */
  private windDown(job: SimJobRecord, health: LavaJobHealth): void {
    const generation = job.generation;
    job.timer = this.later(() => {
      if (job.generation === generation) this.finish(job, health);
    }, this.timing.finishMs);
  }

  /**
   * The move into Finished. With callbacks for it, lava-server 2023.01 makes
   * them in the pre_save signal, inside the transaction of the request that
   * reports the job done: until they return the job reads as before, and the
   * callback's body has the row's old end_time ("None").
   */
  private finish(job: SimJobRecord, health: LavaJobHealth): void {
    if (job.timer) this.clear(job.timer);
    job.timer = undefined;
    const notify = job.parsed.notify;
    if (notify && !job.saving && criteriaMatch(notify, 'Finished', health)) {
      job.saving = invokeCallbacks(notify, this.callbackView(job), 'Finished', health, this.options.logger, this.callbacksMade).then(() => {
        job.saving = undefined;
        this.saveFinished(job, health);
      });
      return;
    }
    this.saveFinished(job, health);
  }

  /** What a callback reads of the job: its saved row. */
  private callbackView(job: SimJobRecord): CallbackJob {
    return {
      id: job.id,
      description: job.parsed.jobName,
      submitter: job.submitter,
      priority: job.parsed.priority,
      device: job.device,
      definition: job.definition,
      metadata: { ...job.parsed.metadata },
      submitTime: job.submitTime,
      startTime: job.startTime,
      endTime: job.endTime,
      failureComment: job.failureComment,
    };
  }

  private saveFinished(job: SimJobRecord, health: LavaJobHealth): void {
    job.state = 'Finished';
    job.health = health;
    job.endTime = new Date();
    if (job.device) {
      const device = this.devices.get(job.device);
      if (device && device.currentJob === job.id) {
        device.state = 'Idle';
        device.currentJob = null;
      }
    }
    this.options.logger?.debug('lava simulator: job finished', { job: job.id, health });
    this.events.emit('finished', this.view(job));
    this.schedule();
  }
}
