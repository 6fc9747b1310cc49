/**
 * The same build as a LAVA job: the target's template rendered with the
 * build's values, submitted under a job name that identifies the request
 * (LAVA job names are not unique, so a submission whose answer was lost is
 * found again by listing jobs with that name).
 */
import { readFileSync } from 'node:fs';
import type { CBuildClient } from '../cbuild/client.js';
import { LavaAuthError, LavaFault, LavaProtocolError, type LavaClient } from '../lava/client.js';
import { JobTemplateError, renderJobDefinition } from '../lava/template.js';
import { BACKEND_LABEL, type BuildRow, type BuildState, type RequestRow } from '../core/model.js';
import { HttpError, isNeverSent } from '../http/client.js';
import { vcsFor } from '../vcs/index.js';
import type { BuildBackend, JobProgress, JobSubmission, SubmitVerdict, SubmittedJob } from './backend.js';

/** LAVA's `job_name` is at most 200 characters (lava_common schema). */
const MAX_JOB_NAME = 200;

/** What a job definition is rendered from: a build's submission, or the preflight's sample of one. */
export type DefinitionInput = Pick<JobSubmission, 'target' | 'cbuildJob' | 'resultsUrl' | 'checkout'> & Partial<Pick<JobSubmission, 'callback'>> & {
  build: Pick<BuildRow, 'submit_key' | 'target'>;
  request: Pick<RequestRow, 'id' | 'source'>;
};

/** `cbuild-bot r42 a9hf <cbuild job>`: identifies the request and target, within LAVA's 200 characters. */
export function lavaJobName(requestId: number, targetName: string, cbuildJob: string): string {
  const key = `cbuild-bot r${requestId} ${targetName} `;
  return key + cbuildJob.slice(0, MAX_JOB_NAME - key.length);
}

/** A target's template file; JobTemplateError naming it when it cannot be read. */
export function readJobTemplate(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new JobTemplateError(`cannot read job template '${path}': ${(err as Error).message}`);
  }
}

/** Renders a target's template with a build's values; JobTemplateError names the template file and the target. */
export function renderLavaJob(templateText: string, { build, request, target, cbuildJob, resultsUrl, checkout, callback }: DefinitionInput): string {
  return renderJobDefinition(
    templateText,
    {
      job_name: build.submit_key,
      device_type: target.lava.deviceType,
      source: vcsFor(request.source.vcs).describeSource(request.source),
      ...checkout,
      target: build.target,
      cbuild_job: cbuildJob,
      results_url: resultsUrl,
      request_id: String(request.id),
    },
    `${target.lava.template}' for target '${build.target}`,
    callback,
  );
}

export class LavaBackend implements BuildBackend {
  readonly name = 'lava' as const;
  readonly label = BACKEND_LABEL.lava;
  readonly callsBack = true;
  private readonly templates = new Map<string, string>();

  constructor(
    private readonly client: LavaClient,
    /** The results host LAVA jobs publish to, CBuild-style. */
    private readonly results: CBuildClient,
  ) {}

  /** Templates are read again after a config reload. */
  configReread(): void {
    this.templates.clear();
  }

  submitKey(requestId: number, _target: unknown, targetName: string, cbuildJob: string): string {
    return lavaJobName(requestId, targetName, cbuildJob);
  }

  attemptKey(firstKey: string, attempt: number): string {
    const base = firstKey.replace(/ attempt \d+$/, '');
    return attempt <= 1 ? base : `${base} attempt ${attempt}`;
  }

  /** The job definition a build is submitted with; throws JobTemplateError naming the template. */
  definition(job: DefinitionInput): string {
    const path = job.target.lava.template;
    let text = this.templates.get(path);
    if (text === undefined) {
      text = readJobTemplate(path);
      this.templates.set(path, text);
    }
    return renderLavaJob(text, job);
  }

  async submit(job: JobSubmission): Promise<SubmittedJob> {
    const [id] = await this.client.submitJob(this.definition(job));
    return { externalId: String(id), jobUrl: this.client.jobUrl(id) };
  }

  async find(build: BuildRow): Promise<SubmittedJob | null> {
    const [job] = await this.client.findJobsByDescription(build.submit_key);
    return job ? { externalId: String(job.id), jobUrl: this.client.jobUrl(job.id) } : null;
  }

  async poll(build: BuildRow, _request: RequestRow, cbuildJob: string): Promise<JobProgress | undefined> {
    const id = Number(build.external_id);
    const job = await this.client.showJob(id);
    const patch: JobProgress['patch'] = {
      started_at: job.start_time?.toISOString(),
      finished_at: job.end_time?.toISOString(),
      log_url: this.client.logUrl(id),
    };
    if (job.state !== 'Finished') {
      const state: BuildState = job.state === 'Running' || job.state === 'Canceling' ? 'running' : 'queued';
      return state === build.state && !patch.started_at ? undefined : { state, patch };
    }
    if (job.health === 'Incomplete') {
      const reason = job.failure_comment ?? (await this.errorMessage(id)) ?? 'LAVA gave no reason';
      return { state: 'infra', patch: { ...patch, detail: `LAVA job ${id} ended Incomplete: ${reason}` } };
    }
    if (job.health === 'Canceled') {
      return { state: 'infra', patch: { ...patch, detail: `LAVA job ${id} was cancelled by the lab` } };
    }
    // Complete is infrastructure health only: the build's own verdict is its `build` test case.
    const results = await this.client.jobResults(id);
    const buildCase = results.find((r) => r.name === 'build' && r.suite !== 'lava');
    if (!buildCase) {
      return { state: 'infra', patch: { ...patch, detail: `LAVA job ${id} finished without recording a build result` } };
    }
    const resultsDirUrl = await this.resultsDir(build, cbuildJob, job.device ?? null);
    if (resultsDirUrl) patch.results_url = resultsDirUrl;
    return { state: buildCase.result === 'pass' ? 'passed' : 'failed', patch, resultsDirUrl };
  }

  async cancel(build: BuildRow): Promise<void> {
    if (build.external_id) await this.client.cancelJob(Number(build.external_id));
  }

  classifySubmitError(err: unknown): SubmitVerdict {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof HttpError) return { kind: isNeverSent(err) ? 'not-sent' : 'uncertain', detail: message };
    // An answer that is not XML-RPC may still mean the job was created.
    if (err instanceof LavaProtocolError) return { kind: 'uncertain', detail: message };
    if (err instanceof LavaFault && err.faultCode === 400 && /Device unavailable/i.test(err.faultString)) {
      return { kind: 'infra', detail: `LAVA refused the job: ${err.faultString}` };
    }
    if (err instanceof LavaAuthError) {
      return { kind: 'config', detail: `${message}: check lava.user and the token (lava.tokenFile or $CBUILD_BOT_LAVA_TOKEN)` };
    }
    if (err instanceof LavaFault && (err.kind === 'auth-required' || err.kind === 'forbidden')) {
      return { kind: 'config', detail: `LAVA refused the submission: ${err.faultString} (check lava.user and the token: lava.tokenFile or $CBUILD_BOT_LAVA_TOKEN)` };
    }
    if (err instanceof LavaFault) return { kind: 'config', detail: `LAVA refused the job definition: ${err.faultString} (fix the target's template)` };
    if (err instanceof JobTemplateError) return { kind: 'config', detail: message };
    return { kind: 'config', detail: message };
  }

  /**
   * Why an Incomplete job failed. lava-server 2023.01 leaves failure_comment
   * empty and only `scheduler.jobs.list(verbose)` carries error_msg.
   */
  private async errorMessage(id: number): Promise<string | undefined> {
    let jobs;
    try {
      jobs = await this.client.listJobs({ state: 'Finished', health: 'Incomplete', limit: 100, verbose: true });
    } catch (err) {
      // An answer that is not XML-RPC (lava-server writes a control character of an error message into
      // the XML as is) would fail this poll for ever; the job is Incomplete all the same.
      if (err instanceof LavaProtocolError) return "no reason could be read: LAVA's list of failed jobs was not XML-RPC";
      throw err;
    }
    const job = jobs.find((j) => j.id === id);
    return job?.error_msg ? `${job.error_msg}${job.error_type ? ` (${job.error_type} error)` : ''}` : undefined;
  }

  /**
   * The result directory the LAVA job published to: `<arch>-<distro>-cbuildN-<host>-<target>`.
   * The host is the device's hostname, which is the LAVA device name only when
   * the lab sets it so; prefer that match, else the one directory for the target.
   */
  private async resultsDir(build: BuildRow, cbuildJob: string, device: string | null): Promise<string | undefined> {
    const candidates = (await this.results.listResultDirs(cbuildJob)).filter((d) => d.endsWith(`-${build.target}`));
    const dir = candidates.find((d) => device !== null && d.endsWith(`-${device}-${build.target}`)) ?? (candidates.length === 1 ? candidates[0] : undefined);
    return dir ? this.results.resultDirUrl(cbuildJob, dir) : undefined;
  }
}
