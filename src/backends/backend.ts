/**
 * The seam for build backends: what differs between the native CBuild build
 * and its LAVA twin — the idempotency key of a submission, submitting,
 * finding a submission again, following a job, cancelling, and what a failed
 * submission means — behind one interface. The runner (bot/builds.ts) never
 * asks which backend it has; retiring one is deleting its implementation.
 */
import type { Backend, BuildRow, BuildState, RequestRow } from '../core/model.js';
import type { TargetConfig } from '../config/config.js';
import type { CheckoutValues } from '../vcs/index.js';
import type { JobCallback } from '../lava/template.js';

/** Everything a backend needs to submit one build. */
export interface JobSubmission {
  build: BuildRow;
  request: RequestRow;
  target: TargetConfig;
  /** The CBuild job name: also the results directory both backends publish to. */
  cbuildJob: string;
  /** `<results host>build/<cbuild job>/logs/`: where a LAVA job PUTs its files. */
  resultsUrl: string;
  checkout: CheckoutValues;
  /** Where the job calls the bot back when it ends, for a backend that `callsBack` (webhooks.lava). */
  callback?: JobCallback;
}

/** A submitted job, as recorded. */
export interface SubmittedJob {
  externalId: string;
  jobUrl: string;
}

/** A job's progress, as the runner records it. */
export interface JobProgress {
  state: BuildState;
  patch: { started_at?: string; finished_at?: string; log_url?: string; results_url?: string; detail?: string };
  /** For passed and failed builds: the result directory with the `.sum` files and logs. */
  resultsDirUrl?: string;
}

/**
 * What a failed submission means for the build:
 * - `uncertain`: the request may have arrived (timeout, reset, malformed
 *   answer): look for the job before doing anything again;
 * - `not-sent`: it certainly did not arrive: submit again;
 * - `infra`: the lab refused it (no device): an infrastructure failure;
 * - `config`: the bot's own configuration is wrong (template, token,
 *   queue): hold the build until the configuration is fixed.
 */
export type SubmitVerdict = { kind: 'uncertain' | 'not-sent' | 'infra' | 'config'; detail: string };

export interface BuildBackend {
  readonly name: Backend;
  /** How comments and pages name it. */
  readonly label: string;
  /** Whether its jobs can call the bot back when they end (LAVA's notify callbacks); the job is polled either way. */
  readonly callsBack: boolean;
  /** The idempotency key of a build's first submission. */
  submitKey(requestId: number, target: TargetConfig, targetName: string, cbuildJob: string): string;
  /** The key of a later attempt, after infrastructure failures (a fresh job). */
  attemptKey(firstKey: string, attempt: number): string;
  submit(job: JobSubmission): Promise<SubmittedJob>;
  /** The job a submission with this build's key created, or null if none is there (yet). */
  find(build: BuildRow): Promise<SubmittedJob | null>;
  /** The job's progress; undefined when nothing changed. */
  poll(build: BuildRow, request: RequestRow, cbuildJob: string): Promise<JobProgress | undefined>;
  cancel(build: BuildRow): Promise<void>;
  classifySubmitError(err: unknown): SubmitVerdict;
  /** The config was read again (SIGHUP): drop what was read from the files it names. */
  configReread?(): void;
}

export type BuildBackends = Record<Backend, BuildBackend>;
