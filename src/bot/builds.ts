/**
 * Acting on builds: submit, recover after a crash, cancel, and follow them to
 * the end. Each submission is recorded as `submitting` before the remote call
 * and with its job id after, and its idempotency key (the CBuild job name, the
 * LAVA job name) finds the job again if the process died in between.
 */
import { readFileSync } from 'node:fs';
import type { CBuildClient } from '../cbuild/client.js';
import type { LavaClient } from '../lava/client.js';
import { renderJobDefinition } from '../lava/template.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../log.js';
import type { BotConfig } from '../config/config.js';
import { FINAL_BUILD_STATES, type BuildRow, type BuildState, type EarlierAttempt, type RequestRow } from '../core/model.js';
import { attemptKey, cbuildJobName, checkRevisionId, nextAttempt } from '../core/names.js';
import { fetchTestSummary } from './results.js';
import { HttpError } from '../http/client.js';
import { NO_EVENTS, errorMessage, isServiceError, type BotEvents, type ServiceName } from './events.js';

export interface BuildBackends {
  cbuild: CBuildClient;
  lava: LavaClient;
}

export class BuildRunner {
  private readonly templates = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly backends: BuildBackends,
    /** The current config: it can change between cycles (SIGHUP). */
    private readonly currentConfig: () => BotConfig,
    private readonly logger: Logger,
    private readonly clock: () => Date,
    private readonly events: BotEvents = NO_EVENTS,
  ) {}

  /** Records a build's new state; a final one is reported to the observer as recorded. */
  private async setState(build: BuildRow, state: BuildState, patch: Parameters<Store['setBuildState']>[3] = {}): Promise<void> {
    await this.store.setBuildState(build.id, state, this.now(), patch);
    if (FINAL_BUILD_STATES.has(state)) {
      const row = await this.store.build(build.id);
      if (row) this.events.buildFinished(row);
    }
  }

  private get config(): BotConfig {
    return this.currentConfig();
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /** Templates are read again after a config reload. */
  forgetTemplates(): void {
    this.templates.clear();
  }

  private template(path: string): string {
    let text = this.templates.get(path);
    if (text === undefined) {
      text = readFileSync(path, 'utf8');
      this.templates.set(path, text);
    }
    return text;
  }

  private cbuildJob(request: RequestRow): string {
    return cbuildJobName(this.config.cbuild.product, request.branch, request.revno, request.id);
  }

  /** Submits a pending build, or (recovering) adopts the job a previous run submitted. */
  async submit(build: BuildRow, request: RequestRow, recovering: boolean): Promise<void> {
    const log = this.logger.child({ build: build.submit_key });
    const target = this.config.targets[build.target];
    if (!target) {
      await this.setState(build, 'error', { detail: `target ${build.target} is no longer configured` });
      return;
    }
    try {
      checkRevisionId(request.revision_id);
      // Another process (a `schedule` command) may be submitting the same build: only the claimant goes on.
      if (!recovering && !(await this.store.claimBuild(build.id, this.now()))) return;
      const cbuildJob = this.cbuildJob(request);
      if (build.backend === 'native') {
        // The key is `<queue>/<job name>`; spawning is idempotent by job name, so recovery simply spawns again.
        const [queue, jobName] = build.submit_key.split('/');
        const job = await this.backends.cbuild.spawn(queue, jobName, {
          branch: request.branch,
          revision: request.revision_id,
          revno: request.revno,
          target: build.target,
        });
        await this.setState(build, 'queued', {
          external_id: build.submit_key,
          job_url: job.url,
          submitted_at: this.now(),
        });
        log.info('spawned CBuild job', { queue, job: jobName, attempt: build.attempt });
        return;
      }
      const lava = this.backends.lava;
      let jobId: number | undefined;
      if (recovering) jobId = (await lava.findJobsByDescription(build.submit_key))[0]?.id;
      if (jobId === undefined) {
        const definition = renderJobDefinition(this.template(target.lava.template), {
          job_name: build.submit_key,
          device_type: target.lava.deviceType,
          branch: this.config.launchpad.branchUrl.replace('{branch}', request.branch),
          revision: request.revision_id,
          revspec: revisionSpec(request.revision_id),
          revno: String(request.revno),
          target: build.target,
          cbuild_job: cbuildJob,
          results_url: new URL(`build/${encodeURIComponent(cbuildJob)}/logs/`, this.config.cbuild.resultsUrl).toString(),
          request_id: String(request.id),
        });
        [jobId] = await lava.submitJob(definition);
        log.info('submitted LAVA job', { lava_job: jobId });
      } else {
        log.info('found the LAVA job submitted before a restart', { lava_job: jobId });
      }
      await this.setState(build, 'queued', {
        external_id: String(jobId),
        job_url: lava.jobUrl(jobId),
        submitted_at: this.now(),
      });
    } catch (err) {
      const verdict = classifySubmitError(err);
      if (isServiceError(err)) this.events.serviceError(serviceOf(build), errorMessage(err));
      if (!verdict) {
        // The request may or may not have arrived: stay `submitting`, recover next cycle.
        log.warn('submission interrupted; will look for the job next cycle', { error: err });
        return;
      }
      log.error('submission failed', { error: verdict.detail, state: verdict.state });
      if (verdict.state === 'infra') await this.infrastructureFailure(build, { detail: verdict.detail, finished_at: this.now() });
      else await this.setState(build, verdict.state, { detail: verdict.detail, finished_at: this.now() });
    }
  }

  /**
   * An infrastructure failure is not the change's fault: submit the build
   * again after a delay, up to the configured number of attempts, keeping what
   * happened to each attempt; only then is it final.
   */
  private async infrastructureFailure(build: BuildRow, patch: PollUpdate['patch']): Promise<void> {
    const { attempts, delaysSeconds } = this.config.infraRetries;
    const next = nextAttempt(build.attempt, attempts, delaysSeconds);
    const detail = patch.detail ?? 'infrastructure failure';
    if (!next) {
      const suffix = build.attempt > 1 ? ` (attempt ${build.attempt} of ${attempts}; all failed)` : '';
      await this.setState(build, 'infra', { ...patch, detail: detail + suffix });
      return;
    }
    const earlier: EarlierAttempt[] = [...(build.earlier_attempts ? (JSON.parse(build.earlier_attempts) as EarlierAttempt[]) : []), { attempt: build.attempt, detail, job_url: build.job_url }];
    await this.store.setBuildState(build.id, 'pending', this.now(), {
      attempt: next.attempt,
      submit_key: attemptKey(build.submit_key, build.backend, next.attempt),
      not_before: new Date(this.clock().getTime() + next.delayMs).toISOString(),
      earlier_attempts: JSON.stringify(earlier),
      external_id: null,
      job_url: null,
      log_url: null,
      results_url: null,
      started_at: null,
      finished_at: null,
      detail: null,
    });
    this.events.buildRetried(build, detail);
    this.logger.warn('infrastructure failure; will submit again', { build: build.submit_key, attempt: next.attempt, after_ms: next.delayMs, reason: detail });
  }

  /** Tells the observer that the build's service failed to answer, and throws on. */
  private failedCall(build: BuildRow, err: unknown): never {
    if (isServiceError(err)) this.events.serviceError(serviceOf(build), errorMessage(err));
    throw err;
  }

  /** Cancels a build of a superseded or closed request. */
  async cancel(build: BuildRow): Promise<void> {
    const target = this.config.targets[build.target];
    try {
      if (build.external_id && build.backend === 'lava') {
        await this.backends.lava.cancelJob(Number(build.external_id));
      } else if (build.external_id && target) {
        const [queue, job] = build.external_id.split('/');
        await this.backends.cbuild.cancel(queue, job);
      }
      await this.setState(build, 'cancelled', {
        detail: 'cancelled: the proposal has a newer revision or was closed',
        finished_at: this.now(),
      });
      this.logger.info('cancelled build', { build: build.submit_key });
    } catch (err) {
      if (isServiceError(err)) this.events.serviceError(serviceOf(build), errorMessage(err));
      this.logger.error('cannot cancel build', { build: build.submit_key, error: err });
    }
  }

  /** Polls one submitted build and records its progress; on completion fetches its test results. */
  async poll(build: BuildRow): Promise<void> {
    const update = await (build.backend === 'lava' ? this.pollLava(build) : this.pollNative(build)).catch((err: unknown) => this.failedCall(build, err));
    if (!update) return;
    if (update.state === 'infra') return this.infrastructureFailure(build, update.patch);
    if ((update.state === 'passed' || update.state === 'failed') && update.resultsDirUrl) {
      try {
        const summary = await fetchTestSummary(this.backends.cbuild, update.resultsDirUrl);
        if (summary) update.patch.test_summary = JSON.stringify(summary.counts);
        if (summary?.warnings.length) this.logger.warn('test results have problems', { build: build.submit_key, warnings: summary.warnings.join('; ') });
      } catch (err) {
        if (isServiceError(err)) this.events.serviceError('cbuild', errorMessage(err));
        this.logger.error('cannot fetch test results', { build: build.submit_key, error: err });
      }
    }
    await this.setState(build, update.state, update.patch);
  }

  private async pollNative(build: BuildRow): Promise<PollUpdate | undefined> {
    const [queue, jobName] = (build.external_id ?? '').split('/');
    const job = await this.backends.cbuild.getJob(queue, jobName);
    const patch: PollUpdate['patch'] = { started_at: job.started_at ?? undefined, finished_at: job.finished_at ?? undefined };
    const resultsDirUrl = job.result_dir_url ?? undefined;
    if (job.log_url) patch.log_url = job.log_url;
    if (resultsDirUrl) patch.results_url = resultsDirUrl;
    switch (job.state) {
      case 'queued':
        return build.state === 'queued' ? undefined : { state: 'queued', patch };
      case 'running':
        return { state: 'running', patch };
      case 'complete':
        return { state: 'passed', patch, resultsDirUrl };
      case 'failed':
        return { state: 'failed', patch, resultsDirUrl };
      case 'lost':
        return { state: 'infra', patch: { ...patch, detail: `CBuild host ${job.host ?? '?'} stopped answering during the build` } };
      case 'cancelled':
        return { state: 'infra', patch: { ...patch, detail: 'CBuild cancelled the job' } };
      default:
        throw new Error(`CBuild reported an unknown state ${JSON.stringify(job.state)} for ${queue}/${jobName}`);
    }
  }

  private async pollLava(build: BuildRow): Promise<PollUpdate | undefined> {
    const lava = this.backends.lava;
    const id = Number(build.external_id);
    const job = await lava.showJob(id);
    const patch: PollUpdate['patch'] = {
      started_at: job.start_time?.toISOString(),
      finished_at: job.end_time?.toISOString(),
      log_url: lava.logUrl(id),
    };
    if (job.state !== 'Finished') {
      const state: BuildState = job.state === 'Running' || job.state === 'Canceling' ? 'running' : 'queued';
      return state === build.state && !patch.started_at ? undefined : { state, patch };
    }
    if (job.health === 'Incomplete') {
      const reason = job.failure_comment ?? (await this.lavaErrorMessage(id)) ?? 'LAVA gave no reason';
      return { state: 'infra', patch: { ...patch, detail: `LAVA job ${id} ended Incomplete: ${reason}` } };
    }
    if (job.health === 'Canceled') {
      return { state: 'infra', patch: { ...patch, detail: `LAVA job ${id} was cancelled by the lab` } };
    }
    // Complete is infrastructure health only: the build's own verdict is its `build` test case.
    const results = await lava.jobResults(id);
    const buildCase = results.find((r) => r.name === 'build' && r.suite !== 'lava');
    if (!buildCase) {
      return { state: 'infra', patch: { ...patch, detail: `LAVA job ${id} finished without recording a build result` } };
    }
    const resultsDirUrl = await this.lavaResultsDir(build, job.device ?? null);
    if (resultsDirUrl) patch.results_url = resultsDirUrl;
    return { state: buildCase.result === 'pass' ? 'passed' : 'failed', patch, resultsDirUrl };
  }

  /**
   * Why an Incomplete job failed. lava-server 2023.01 leaves failure_comment
   * empty and only `scheduler.jobs.list(verbose)` carries error_msg.
   */
  private async lavaErrorMessage(id: number): Promise<string | undefined> {
    const jobs = await this.backends.lava.listJobs({ state: 'Finished', health: 'Incomplete', limit: 100, verbose: true });
    const job = jobs.find((j) => j.id === id);
    return job?.error_msg ? `${job.error_msg}${job.error_type ? ` (${job.error_type} error)` : ''}` : undefined;
  }

  /**
   * The result directory the LAVA job published to: `<arch>-<distro>-cbuildN-<host>-<target>`.
   * The host is the device's hostname, which is the LAVA device name only when
   * the lab sets it so; prefer that match, else the one directory for the target.
   */
  private async lavaResultsDir(build: BuildRow, device: string | null): Promise<string | undefined> {
    const request = await this.store.request(build.request_id);
    if (!request) return undefined;
    const job = this.cbuildJob(request);
    const candidates = (await this.backends.cbuild.listResultDirs(job)).filter((d) => d.endsWith(`-${build.target}`));
    const dir = candidates.find((d) => device !== null && d.endsWith(`-${device}-${build.target}`)) ?? (candidates.length === 1 ? candidates[0] : undefined);
    return dir ? this.backends.cbuild.resultDirUrl(job, dir) : undefined;
  }
}

/**
 * The bzr revision specifier of a request's revision: `revid:<id>`, or, for a
 * build scheduled by revno (Launchpad's API cannot map an old revno to its id),
 * `revno:<n>` as stored.
 */
export function revisionSpec(revision: string): string {
  return /^revno:\d+$/.test(revision) ? revision : `revid:${revision}`;
}

interface PollUpdate {
  state: BuildState;
  patch: Partial<Pick<BuildRow, 'started_at' | 'finished_at' | 'log_url' | 'results_url' | 'detail' | 'test_summary'>> & {
    started_at?: string;
    finished_at?: string;
  };
  resultsDirUrl?: string;
}

/**
 * A submission refused for lack of devices is the lab's problem; a bad
 * definition or name is the bot's; a network failure is undecided (null).
 */
/** The service a build's calls go to. */
function serviceOf(build: BuildRow): ServiceName {
  return build.backend === 'lava' ? 'lava' : 'cbuild';
}

export function classifySubmitError(err: unknown): { state: BuildState; detail: string } | null {
  if (err instanceof HttpError) return null;
  const message = err instanceof Error ? err.message : String(err);
  const fault = err as { faultCode?: number; faultString?: string };
  if (fault.faultCode === 400 && /Device unavailable/i.test(fault.faultString ?? '')) {
    return { state: 'infra', detail: `LAVA refused the job: ${fault.faultString}` };
  }
  return { state: 'error', detail: message };
}
