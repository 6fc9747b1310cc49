/**
 * The simulated CBuild scheduler's state: named queues of spawned jobs, and the
 * hosts that registered themselves by polling (cbuild.md §2b, §3, §11). No I/O
 * and no timers: the HTTP layer and the simulated hosts drive it.
 */
import type { HostConfig } from './hosts.js';
import {
  FINAL_JOB_STATES,
  jobNameProblem,
  queueNameProblem,
  spawnRequestProblem,
  type HostState,
  type JobState,
  type QueueSummary,
  type SpawnRequest,
} from './wire.js';

/** A refusal the HTTP layer turns into `{"error": message}` with this status. */
export class SchedulerError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
    this.name = 'SchedulerError';
  }
}

export interface JobRecord {
  name: string;
  queue: string;
  spec: SpawnRequest;
  state: JobState;
  host: string | null;
  resultDir: string | null;
  cancelRequested: boolean;
  /** The host published its files into `build/<name>/logs/<resultDir>/`. */
  published: boolean;
  spawnedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A host as the scheduler tracks it: its configuration plus what it is doing. */
export interface HostRecord extends HostConfig {
  state: HostState;
  job: string | null;
  lastPollAt: Date | null;
}

export class Scheduler {
  /** Keyed by `queue/name`: one tarball may be spawned into several queues, once each. */
  private readonly jobs = new Map<string, JobRecord>();
  private readonly hosts = new Map<string, HostRecord>();

  constructor(private readonly clock: () => Date) {}

  /**
   * Puts a job into a queue, or returns the one already there (`created:
   * false`), so a bot that crashed after spawning can safely spawn again. A
   * job name denotes one source, so reusing it for another branch, revision
   * or revno anywhere is refused.
   */
  spawn(queue: string, name: string, spec: unknown): { job: JobRecord; created: boolean } {
    const problem = queueNameProblem(queue) ?? jobNameProblem(name) ?? spawnRequestProblem(spec);
    if (problem) throw new SchedulerError(problem, 400);
    const request = spec as SpawnRequest;
    const wanted: SpawnRequest = {
      vcs: request.vcs,
      source: request.source,
      ref: request.ref ?? null,
      url: request.url,
      revision: request.revision ?? null,
      revno: request.revno ?? null,
      target: request.target,
    };
    for (const other of this.jobs.values()) {
      if (other.name !== name) continue;
      const sameSource =
        other.spec.vcs === wanted.vcs &&
        other.spec.source === wanted.source &&
        other.spec.ref === wanted.ref &&
        other.spec.revision === wanted.revision &&
        other.spec.revno === wanted.revno;
      if (!sameSource) {
        throw new SchedulerError(`job ${name} already exists in queue ${other.queue} for ${describeSpec(other.spec)}`, 409);
      }
      if (other.queue === queue && other.spec.target !== wanted.target) {
        throw new SchedulerError(`job ${name} already exists in queue ${queue} for target ${other.spec.target}`, 409);
      }
    }
    const existing = this.jobs.get(key(queue, name));
    if (existing) return { job: existing, created: false };
    const job: JobRecord = {
      name,
      queue,
      spec: wanted,
      state: 'queued',
      host: null,
      resultDir: null,
      cancelRequested: false,
      published: false,
      spawnedAt: this.clock(),
      startedAt: null,
      finishedAt: null,
    };
    this.jobs.set(key(queue, name), job);
    return { job, created: true };
  }

  getJob(queue: string, name: string): JobRecord {
    const job = this.jobs.get(key(queue, name));
    if (!job) throw new SchedulerError(`no job ${name} in queue ${queue}`, 404);
    return job;
  }

  /** A queue's jobs, oldest first. */
  listQueue(queue: string): JobRecord[] {
    return [...this.jobs.values()].filter((job) => job.queue === queue);
  }

  allJobs(): JobRecord[] {
    return [...this.jobs.values()];
  }

  /** Every queue that has a job or a host. */
  queues(): QueueSummary[] {
    const names = new Set([...this.jobs.values()].map((job) => job.queue));
    for (const host of this.hosts.values()) names.add(host.queue);
    return [...names].sort().map((name) => {
      const jobs = this.listQueue(name);
      return {
        name,
        queued: jobs.filter((job) => job.state === 'queued').length,
        running: jobs.filter((job) => job.state === 'running').length,
        hosts: [...this.hosts.values()].filter((host) => host.queue === name).length,
      };
    });
  }

  /**
   * A queued job is cancelled at once; a running one is flagged and its host
   * stops at its next poll; a finished one is left as it is.
   */
  cancel(queue: string, name: string): JobRecord {
    const job = this.getJob(queue, name);
    if (job.state === 'queued') {
      job.state = 'cancelled';
      job.finishedAt = this.clock();
    } else if (job.state === 'running') {
      job.cancelRequested = true;
    }
    return job;
  }

  /** A host's poll: registers it (hosts add themselves by polling) and updates its state. */
  recordPoll(host: Omit<HostRecord, 'lastPollAt'>): HostRecord {
    const record: HostRecord = { ...host, lastPollAt: this.clock() };
    this.hosts.set(host.name, record);
    return record;
  }

  /** A host's state changed without a poll (it died, or went offline). */
  setHostState(name: string, state: HostState, job: string | null): void {
    const host = this.hosts.get(name);
    if (host) Object.assign(host, { state, job });
  }

  listHosts(): HostRecord[] {
    return [...this.hosts.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Gives the oldest queued job of `queue` to `host`, marking it running. */
  claim(queue: string, host: string, resultDir: string): JobRecord | null {
    const job = this.listQueue(queue).find((candidate) => candidate.state === 'queued');
    if (!job) return null;
    job.state = 'running';
    job.host = host;
    job.resultDir = resultDir;
    job.startedAt = this.clock();
    return job;
  }

  /** Ends a running job; `published` says whether its files reached the results host. */
  finish(job: JobRecord, state: Exclude<JobState, 'queued' | 'running'>, published: boolean): void {
    if (FINAL_JOB_STATES.has(job.state)) return;
    job.state = state;
    job.published = published;
    job.finishedAt = this.clock();
  }
}

function key(queue: string, name: string): string {
  return `${queue}/${name}`;
}

/** `~alice/gcc-linaro/fix r3 (alice@…)` or `~alice/gcc-linaro/+git/gcc-linaro refs/heads/fix @ 1a2b3c4…`, for messages and pages. */
export function describeSpec(spec: SpawnRequest): string {
  return spec.vcs === 'git' ? `${spec.source} ${spec.ref} @ ${spec.revision}` : `${spec.source} r${spec.revno}${spec.revision ? ` (${spec.revision})` : ''}`;
}
