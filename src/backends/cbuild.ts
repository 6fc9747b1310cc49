/**
 * The native CBuild build, kept exactly as it was: a job spawned into the
 * target's queue, named after the source tarball (its idempotency key:
 * spawning an existing name returns that job).
 */
import { CBuildError, type CBuildClient } from '../cbuild/client.js';
import { HttpError } from '../http/client.js';
import { BACKEND_LABEL, type BuildRow } from '../core/model.js';
import type { BuildBackend, JobProgress, JobSubmission, SubmitVerdict, SubmittedJob } from './backend.js';

/** The key is `<queue>/<job name>`: the queue never contains `/`. */
function splitKey(key: string): { queue: string; job: string } {
  const slash = key.indexOf('/');
  return { queue: key.slice(0, slash), job: key.slice(slash + 1) };
}

export class CBuildBackend implements BuildBackend {
  readonly name = 'cbuild' as const;
  readonly label = BACKEND_LABEL.cbuild;
  /** CBuild has no way to call back: its jobs are only polled. */
  readonly callsBack = false;

  constructor(private readonly client: CBuildClient) {}

  submitKey(_requestId: number, target: { cbuild: { queue: string } }, _targetName: string, cbuildJob: string): string {
    return `${target.cbuild.queue}/${cbuildJob}`;
  }

  /** `a9hf-ubuntu/<job>.2`: a new job name, since spawning an existing name returns the old job. */
  attemptKey(firstKey: string, attempt: number): string {
    const base = firstKey.replace(/\.\d+$/, '');
    return attempt <= 1 ? base : `${base}.${attempt}`;
  }

  async submit({ build, request, checkout }: JobSubmission): Promise<SubmittedJob> {
    const { queue, job } = splitKey(build.submit_key);
    const spawned = await this.client.spawn(queue, job, {
      vcs: checkout.vcs,
      source: request.source.path,
      ref: request.source.ref,
      url: request.source_url,
      revision: request.revision.id,
      revno: request.revision.revno,
      target: build.target,
    });
    return { externalId: build.submit_key, jobUrl: spawned.url };
  }

  async find(build: BuildRow): Promise<SubmittedJob | null> {
    const { queue, job } = splitKey(build.submit_key);
    try {
      const found = await this.client.getJob(queue, job);
      return { externalId: build.submit_key, jobUrl: found.url };
    } catch (err) {
      if (err instanceof CBuildError && err.statusCode === 404) return null;
      throw err;
    }
  }

  async poll(build: BuildRow): Promise<JobProgress | undefined> {
    const { queue, job: jobName } = splitKey(build.external_id ?? build.submit_key);
    const job = await this.client.getJob(queue, jobName);
    const patch: JobProgress['patch'] = { started_at: job.started_at ?? undefined, finished_at: job.finished_at ?? undefined };
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

  async cancel(build: BuildRow): Promise<void> {
    if (!build.external_id) return;
    const { queue, job } = splitKey(build.external_id);
    await this.client.cancel(queue, job);
  }

  classifySubmitError(err: unknown): SubmitVerdict {
    const message = err instanceof Error ? err.message : String(err);
    // Spawning is a PUT of a named job, safe to repeat whatever happened to the last one.
    if (err instanceof HttpError) return { kind: 'not-sent', detail: message };
    if (err instanceof CBuildError) {
      if (err.statusCode === undefined && /malformed/.test(message)) return { kind: 'not-sent', detail: message };
      if (err.statusCode !== undefined && err.statusCode >= 500) return { kind: 'infra', detail: message };
      return { kind: 'config', detail: `${message} (check cbuild.schedulerUrl and targets.*.cbuild.queue)` };
    }
    return { kind: 'config', detail: message };
  }
}
