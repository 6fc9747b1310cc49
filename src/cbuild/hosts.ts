/**
 * A simulated CBuild build host. As in CBuild (cbuild.md §2b) it pulls work:
 * it boots (`updating`: cbuild self-updates on start), polls the scheduler
 * while `idle`, claims the oldest queued job of its queue, builds it
 * (`running`: the `Toolchain` decides the outcome and duration), pushes the
 * files to the results host and goes back to polling. A host that dies or is
 * taken offline is `lurking`; its running job is `lost`.
 */
import type { Logger } from '../log.js';
import type { BuildOutcome, Toolchain } from './toolchain.js';
import type { ResultsTree } from './results-tree.js';
import type { JobRecord, Scheduler } from './scheduler.js';
import { formatResultDir, type HostState } from './wire.js';
import { xzCompress } from './xz.js';

export interface HostConfig {
  name: string;
  /** The queue the host takes jobs from, e.g. `a9hf-ubuntu`. */
  queue: string;
  /** `uname -m`, e.g. `armv7l`. */
  arch: string;
  /** Distribution codename, e.g. `precise`. */
  distro: string;
  /** Build configuration with its revision, e.g. `cortexa9hfr1`. */
  config: string;
  /** Toolchain target this host builds, e.g. `a9hf`. */
  target: string;
}

export interface HostTiming {
  pollMs: number;
  updateMs: number;
  rebootMs: number;
  durationScale: number;
}

export interface HostDeps {
  scheduler: Scheduler;
  results: ResultsTree;
  toolchain: Toolchain;
  timing: HostTiming;
  /** The cbuild revno in result directory names (`cbuild461`). */
  cbuildRevno: number;
  /** Publish `*.sum` files xz-compressed as `*.sum.xz`. */
  xzSums: boolean;
  logger: Logger;
}

export class SimulatedHost {
  readonly resultDir: string;
  private running: JobRecord | null = null;
  private offline = false;
  private killArmed = false;
  private stopped = true;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly config: HostConfig,
    private readonly deps: HostDeps,
  ) {
    this.resultDir = formatResultDir({
      arch: config.arch,
      distro: config.distro,
      cbuildRevno: deps.cbuildRevno,
      host: config.name,
      config: config.config,
    });
  }

  start(): void {
    this.stopped = false;
    if (!this.offline) this.boot();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
  }

  /**
   * Takes the host off the network (its running job is lost, it shows as
   * `lurking`) or brings it back (it boots and polls again).
   */
  setOffline(offline: boolean): void {
    if (offline === this.offline) return;
    this.offline = offline;
    if (offline) this.goDown('taken offline');
    else if (!this.stopped) this.boot();
  }

  /** The host dies at once if it is running a job, otherwise halfway through the next job it claims. */
  killDuringNextJob(): void {
    this.killArmed = true;
    if (this.running) this.after(0, () => this.die());
  }

  private boot(): void {
    this.clearTimers();
    this.report('updating');
    this.after(this.deps.timing.updateMs, () => this.poll());
  }

  private poll(): void {
    const job = this.deps.scheduler.claim(this.config.queue, this.config.name, this.resultDir);
    if (!job) {
      this.report('idle');
      this.after(this.deps.timing.pollMs, () => this.poll());
      return;
    }
    this.running = job;
    this.report('running');
    let outcome: BuildOutcome;
    try {
      outcome = this.deps.toolchain.build({ ...job.spec, target: this.config.target, backend: 'cbuild' });
    } catch (error) {
      this.deps.logger.error('simulated toolchain threw; marking the job lost', {
        host: this.config.name,
        job: job.name,
        error,
      });
      this.endJob(job, 'lost', false);
      return;
    }
    const durationMs = Math.max(0, outcome.durationMs * this.deps.timing.durationScale);
    // Armed death first, so it wins a tie with a zero-length build.
    if (this.killArmed) this.after(durationMs / 2, () => this.die());
    this.after(durationMs, () => void this.publish(job, outcome));
    this.watchForCancel(job);
  }

  /** A busy host still polls, which is when it notices that its job was cancelled. */
  private watchForCancel(job: JobRecord): void {
    this.after(this.deps.timing.pollMs, () => {
      if (this.running !== job) return;
      if (job.cancelRequested) {
        this.endJob(job, 'cancelled', false);
        return;
      }
      this.report('running');
      this.watchForCancel(job);
    });
  }

  private async publish(job: JobRecord, outcome: BuildOutcome): Promise<void> {
    if (job.cancelRequested) {
      this.endJob(job, 'cancelled', false);
      return;
    }
    const files: [string, Buffer][] = [];
    try {
      for (const [name, text] of Object.entries(outcome.files)) {
        const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
        if (this.deps.xzSums && name.endsWith('.sum')) files.push([`${name}.xz`, await xzCompress(body, name)]);
        else files.push([name, body]);
      }
    } catch (error) {
      this.deps.logger.error('simulated host could not compress its results; marking the job lost', {
        host: this.config.name,
        job: job.name,
        error,
      });
      if (this.running === job) this.endJob(job, 'lost', false);
      return;
    }
    // The host may have died or been stopped while xz ran.
    if (this.running !== job || this.stopped) return;
    for (const [name, body] of files) this.deps.results.put(job.name, this.resultDir, name, body);
    this.endJob(job, outcome.result === 'pass' ? 'complete' : 'failed', true);
  }

  private die(): void {
    this.killArmed = false;
    this.goDown('killed');
    if (!this.stopped) this.after(this.deps.timing.rebootMs, () => this.boot());
  }

  private goDown(why: string): void {
    this.clearTimers();
    const job = this.running;
    this.running = null;
    if (job) {
      this.deps.scheduler.finish(job, 'lost', false);
      this.deps.logger.info('simulated host went down mid-job', { host: this.config.name, job: job.name, why });
    }
    this.deps.scheduler.setHostState(this.config.name, 'lurking', null);
  }

  private endJob(job: JobRecord, state: 'complete' | 'failed' | 'lost' | 'cancelled', published: boolean): void {
    this.clearTimers();
    this.running = null;
    this.deps.scheduler.finish(job, state, published);
    this.report('idle');
    this.after(this.deps.timing.pollMs, () => this.poll());
  }

  /** Tells the scheduler where the host stands (every contact is a poll, which also registers the host). */
  private report(state: HostState): void {
    this.deps.scheduler.recordPoll({ ...this.config, state, job: this.running?.name ?? null });
  }

  private after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) action();
    }, ms);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
