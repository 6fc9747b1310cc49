/**
 * LAVA wire types, named as lava-server 2023.01 names them (see
 * /work/shared/reference/lava.md), shared by the client and the simulator.
 */

/** TestJob.state since 2018.1. */
export const JOB_STATES = ['Submitted', 'Scheduling', 'Scheduled', 'Running', 'Canceling', 'Finished'] as const;
export type LavaJobState = (typeof JOB_STATES)[number];

/** TestJob.health: infrastructure health, not the test outcome (a failed build still ends Complete). */
export const JOB_HEALTHS = ['Unknown', 'Complete', 'Incomplete', 'Canceled'] as const;
export type LavaJobHealth = (typeof JOB_HEALTHS)[number];

export type LavaDeviceState = 'Idle' | 'Reserved' | 'Running';
export type LavaDeviceHealth = 'Good' | 'Unknown' | 'Looping' | 'Bad' | 'Maintenance' | 'Retired';

/** Fault codes of `linaro_django_xmlrpc.models.errors` plus the XML-RPC dispatcher's own. */
export const FAULT = {
  BAD_REQUEST: 400,
  AUTH_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INTERNAL_SERVER_ERROR: 500,
  NO_SUCH_METHOD: -32601,
  UNABLE_TO_DECODE: -32600,
  INTERNAL_ERROR: -32603,
} as const;

/** `scheduler.jobs.show(id)` as 2023.01 answers it (no error_msg/error_type there). */
export interface LavaJob {
  id: number;
  description: string;
  /** Hostname of the device that ran (or runs) the job; null before scheduling. */
  device: string | null;
  device_type: string | null;
  state: LavaJobState;
  health: LavaJobHealth;
  submitter: string;
  submit_time: Date | null;
  start_time: Date | null;
  end_time: Date | null;
  failure_comment: string | null;
}

/** An item of `scheduler.jobs.list`; the optional fields come with `verbose`. */
export interface LavaJobSummary {
  id: number;
  description: string;
  device_type: string | null;
  state: LavaJobState;
  health: LavaJobHealth;
  submitter: string;
  actual_device?: string | null;
  start_time?: Date | null;
  end_time?: Date | null;
  error_msg?: string | null;
  error_type?: string | null;
}

/** One line of a job log (`output.yaml`). Result lines (`lvl: results`) carry a map in `msg`. */
export interface LavaLogEntry {
  dt: string;
  lvl: string;
  msg: string | Record<string, unknown>;
  ns?: string;
}

/** One test case of `results.get_testjob_results_yaml`. */
export interface LavaTestResult {
  suite: string;
  name: string;
  /** `pass`, `fail`, `skip` or `unknown`. */
  result: string;
}

/** An item of `scheduler.devices.list`. */
export interface LavaDevice {
  hostname: string;
  type: string;
  health: LavaDeviceHealth;
  state: LavaDeviceState;
  current_job: number | null;
  pipeline: boolean;
}

/** Keys of the job's `metadata:` map through which the bot tells a job (and the simulator) what to build. */
export const METADATA_KEYS = {
  request: 'cbuild-bot.request',
  vcs: 'cbuild-bot.vcs',
  /** The source as people name it: `lp:~o/p/branch`, `lp:~o/p/+git/repo:short-ref`. */
  source: 'cbuild-bot.source',
  branch: 'cbuild-bot.branch',
  repositoryUrl: 'cbuild-bot.repository-url',
  ref: 'cbuild-bot.ref',
  revision: 'cbuild-bot.revision',
  revno: 'cbuild-bot.revno',
  target: 'cbuild-bot.target',
  cbuildJob: 'cbuild-bot.cbuild-job',
  resultsUrl: 'cbuild-bot.results-url',
} as const;
