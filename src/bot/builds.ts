/**
 * Acting on builds: submit, find an uncertain submission again, cancel, and
 * follow them to the end, whatever the backend (backends/). Each submission
 * is recorded as `submitting` before the remote call and with its job id
 * after; when its fate is unknown (the process died, the answer never came or
 * made no sense) the job is looked for by its idempotency key over the
 * uncertainty window before anything is submitted again: a job not seen yet
 * is not a job that is not there.
 */
import type { BuildBackend } from '../backends/backend.js';
import { FINAL_BUILD_STATES, type BuildRow, type BuildState, type EarlierAttempt, type RequestRow } from '../core/model.js';
import { nextAttempt, nextUncertainCheck } from '../core/retry.js';
import type { BuildPatch } from '../store/store.js';
import { vcsFor } from '../vcs/index.js';
import { fetchFailureExcerpt, fetchTestSummary } from './results.js';
import { lavaCallbackUrl, requestJobName, resultsUploadUrl } from './requests.js';
import type { CycleContext } from './context.js';
import { randomBytes } from 'node:crypto';
import type { JobCallback } from '../lava/template.js';
import { setCallbackToken } from '../store/events.js';
import { errorMessage, isServiceError } from './events.js';

/**
 * With webhooks.lava, each submission gets a fresh random token (its digest
 * recorded before the job exists, so even the fastest callback finds it) and
 * the URL the job calls back when it ends.
 */
async function callbackFor(ctx: CycleContext, build: BuildRow): Promise<JobCallback | undefined> {
  const url = lavaCallbackUrl(ctx.config, build.id);
  if (!url) return undefined;
  const token = randomBytes(32).toString('hex');
  await setCallbackToken(ctx.store, build.id, token, ctx.now());
  return { url, token };
}

export class BuildRunner {
  constructor(private readonly ctx: () => CycleContext) {}

  private backend(build: BuildRow): BuildBackend {
    return this.ctx().backends[build.backend];
  }

  /** Records a build's new state; a final one is reported to the observer as recorded. */
  private async setState(build: BuildRow, state: BuildState, patch: BuildPatch = {}): Promise<void> {
    const { store, events, now } = this.ctx();
    await store.setBuildState(build.id, state, now(), patch);
    if (FINAL_BUILD_STATES.has(state)) {
      const row = await store.build(build.id);
      if (row) events.buildFinished(row);
    }
  }

  /** Submits a pending build; only the process that claims it goes on (a `schedule` command may race the bot). */
  async submit(build: BuildRow, request: RequestRow): Promise<void> {
    const { store, now } = this.ctx();
    if (!(await store.claimBuild(build.id, now()))) return;
    await this.send({ ...build, state: 'submitting', uncertain_since: now() }, request);
  }

  /**
   * A build left `submitting` (by a process that died, or after an answer
   * that never came): adopt its job if it is there; otherwise keep looking
   * until the uncertainty window has passed, then submit it again.
   */
  async recover(build: BuildRow, request: RequestRow): Promise<void> {
    const { config, clock, logger } = this.ctx();
    const log = logger.child({ build: build.submit_key });
    const found = await this.backend(build).find(build);
    if (found) {
      await this.setState(build, 'queued', { external_id: found.externalId, job_url: found.jobUrl, submitted_at: this.ctx().now(), uncertain_since: null, next_check_at: null, detail: null });
      log.info('found the job of an uncertain submission', { job: found.jobUrl });
      return;
    }
    const since = build.uncertain_since ?? build.updated_at;
    const next = nextUncertainCheck(since, clock(), config.uncertainty);
    if (next) {
      await this.ctx().store.updateBuild(build.id, { next_check_at: next }, this.ctx().now());
      log.debug('the job of an uncertain submission is not there yet; looking again later', { since, next_check_at: next });
      return;
    }
    const waited = `${config.uncertainty.settleSeconds} s`;
    if (build.detail) {
      // The submission failed in a way that may have reached the lab, and no job appeared: the lab's failure.
      log.warn('no job appeared for an uncertain submission; retrying it as an infrastructure failure', { waited });
      await this.infrastructureFailure(build, { detail: `${build.detail}; no job named "${build.submit_key}" appeared within ${waited}`, finished_at: this.ctx().now() }, true);
      return;
    }
    // The process that submitted it died before any answer, and nothing arrived: submit it now.
    log.info('no job appeared for a submission interrupted by a restart; submitting it again', { waited });
    const now = this.ctx().now();
    await this.ctx().store.updateBuild(build.id, { uncertain_since: now, next_check_at: null }, now);
    await this.send({ ...build, uncertain_since: now }, request);
  }

  /** The remote call of a claimed build, and what its outcome means. */
  private async send(build: BuildRow, request: RequestRow): Promise<void> {
    const ctx = this.ctx();
    const log = ctx.logger.child({ build: build.submit_key });
    const target = ctx.config.targets[build.target];
    if (!target) {
      await this.setState(build, 'error', { detail: `target ${build.target} is no longer configured`, finished_at: ctx.now(), uncertain_since: null });
      return;
    }
    const backend = this.backend(build);
    try {
      const vcs = vcsFor(request.source.vcs);
      vcs.checkSource(request.source);
      vcs.checkRevision(request.revision);
      const cbuildJob = requestJobName(ctx.config, request);
      const job = await backend.submit({
        build,
        request,
        target,
        cbuildJob,
        resultsUrl: resultsUploadUrl(ctx.config, cbuildJob),
        checkout: vcs.checkout(request),
        callback: backend.callsBack ? await callbackFor(ctx, build) : undefined,
      });
      await this.setState(build, 'queued', { external_id: job.externalId, job_url: job.jobUrl, submitted_at: ctx.now(), uncertain_since: null, next_check_at: null, detail: null });
      log.info(`submitted ${backend.label} job`, { job: job.jobUrl, attempt: build.attempt });
    } catch (err) {
      const verdict = backend.classifySubmitError(err);
      if (isServiceError(err)) ctx.events.serviceError(build.backend, errorMessage(err));
      switch (verdict.kind) {
        case 'uncertain': {
          const next = nextUncertainCheck(build.uncertain_since ?? ctx.now(), ctx.clock(), ctx.config.uncertainty) ?? ctx.now();
          await ctx.store.updateBuild(build.id, { detail: `the submission's answer was lost or unusable: ${verdict.detail}`, next_check_at: next }, ctx.now());
          log.warn('submission uncertain: looking for its job before submitting again', { error: verdict.detail, next_check_at: next });
          return;
        }
        case 'not-sent':
          await ctx.store.setBuildState(build.id, 'pending', ctx.now(), { uncertain_since: null, next_check_at: null });
          log.warn('submission did not reach the backend; will submit again', { error: verdict.detail });
          return;
        case 'infra':
          await this.infrastructureFailure(build, { detail: verdict.detail, finished_at: ctx.now() });
          return;
        case 'config':
          await this.setState(build, 'held', { detail: verdict.detail, uncertain_since: null, next_check_at: null });
          ctx.events.configurationError(build, verdict.detail);
          ctx.guard.failed(
            'submit build: the configuration is wrong; its builds are held until it is fixed and the config re-read (SIGHUP, or a restart)',
            { target: build.target, backend: build.backend },
            new Error(verdict.detail),
          );
          return;
      }
    }
  }

  /**
   * An infrastructure failure is not the change's fault: submit the build
   * again after a delay (at once when the uncertainty window already waited),
   * up to the configured number of attempts, keeping what happened to each
   * attempt; only then is it final.
   */
  private async infrastructureFailure(build: BuildRow, patch: BuildPatch, immediate = false): Promise<void> {
    const ctx = this.ctx();
    const { attempts, delaysSeconds } = ctx.config.infraRetries;
    const next = nextAttempt(build.attempt, attempts, delaysSeconds);
    const detail = patch.detail ?? 'infrastructure failure';
    if (!next) {
      const suffix = build.attempt > 1 ? ` (attempt ${build.attempt} of ${attempts}; all failed)` : '';
      await this.setState(build, 'infra', { ...patch, detail: detail + suffix, uncertain_since: null, next_check_at: null });
      return;
    }
    const earlier: EarlierAttempt[] = [...build.earlier_attempts, { attempt: build.attempt, detail, job_url: build.job_url }];
    const delayMs = immediate ? 0 : next.delayMs;
    await ctx.store.setBuildState(build.id, 'pending', ctx.now(), {
      attempt: next.attempt,
      submit_key: this.backend(build).attemptKey(build.submit_key, next.attempt),
      not_before: new Date(ctx.clock().getTime() + delayMs).toISOString(),
      earlier_attempts: earlier,
      external_id: null,
      job_url: null,
      log_url: null,
      results_url: null,
      started_at: null,
      finished_at: null,
      detail: null,
      uncertain_since: null,
      next_check_at: null,
    });
    ctx.events.buildRetried(build, detail);
    ctx.logger.warn('infrastructure failure; will submit again', { build: build.submit_key, attempt: next.attempt, after_ms: delayMs, reason: detail });
  }

  /** Cancels a build of a superseded, closed or cancelled request. */
  async cancel(build: BuildRow): Promise<void> {
    await this.backend(build).cancel(build);
    await this.setState(build, 'cancelled', {
      detail: 'cancelled: the proposal has a newer revision or was closed',
      finished_at: this.ctx().now(),
      uncertain_since: null,
      next_check_at: null,
    });
    this.ctx().logger.info('cancelled build', { build: build.submit_key });
  }

  /** Polls one submitted build and records its progress; on completion fetches its test results. */
  async poll(build: BuildRow, request: RequestRow): Promise<void> {
    const ctx = this.ctx();
    const update = await this.backend(build).poll(build, request, requestJobName(ctx.config, request));
    if (!update) return;
    if (update.state === 'infra') return this.infrastructureFailure(build, update.patch);
    const patch: BuildPatch = { ...update.patch };
    if ((update.state === 'passed' || update.state === 'failed') && update.resultsDirUrl) {
      const summary = await ctx.guard.item('fetch test results', { build: build.submit_key }, () => fetchTestSummary(ctx.results, update.resultsDirUrl!, ctx.config.results), 'cbuild');
      if (summary) patch.test_summary = summary.counts;
      if (summary?.warnings.length) ctx.logger.warn('test results have problems', { build: build.submit_key, warnings: summary.warnings.join('; ') });
    }
    if (update.state === 'failed' && update.resultsDirUrl) {
      const dirUrl = update.resultsDirUrl;
      patch.failure_excerpt =
        (await ctx.guard.item('read the failed build\'s log', { build: build.submit_key }, () => fetchFailureExcerpt(ctx.results, dirUrl, ctx.config.results), 'cbuild')) ??
        { log_url: null, lines: [], note: 'its make.log could not be read (see the bot\'s log)' };
    }
    await this.setState(build, update.state, patch);
  }
}
