/**
 * A job's `notify` callbacks, made as lava-server 2023.01 makes them
 * (events-and-git.md §C.2-C.3; lava_scheduler_app `signals.py`,
 * `tasks.py`, `notifications.py`, `models.py` `invoke_callback`): on the
 * job's move into Running or Finished, before the row is saved — so the
 * body's `end_time` is still "None" and the server, asked at once, still
 * shows the old state —, one request per callback with a 5 s timeout, no
 * retry, a failure only logged.
 */
import { rawRequest } from '../http/raw-request.js';
import type { Logger } from '../log.js';
import { pythonJsonDumps } from '../launchpad/webhooks.js';
import type { JobNotify } from './template.js';
import { JOB_HEALTHS, JOB_STATES, type LavaJobHealth, type LavaJobState } from './types.js';

/** lava_server settings CALLBACK_TIMEOUT. */
export const CALLBACK_TIMEOUT_MS = 5000;

/** What a callback reads of the job row, as it was before this change was saved. */
export interface CallbackJob {
  id: number;
  description: string;
  submitter: string;
  priority: number;
  device: string | null;
  definition: string;
  metadata: Record<string, unknown>;
  submitTime: Date;
  startTime: Date | null;
  /** Still the saved value: null until the Finished row is written, so "None" in the Finished callback. */
  endTime: Date | null;
  failureComment: string | null;
}

/** One callback as made, for tests. */
export interface CallbackMade {
  jobId: number;
  url: string;
  state: LavaJobState;
  status?: number;
  error?: string;
}


/** TestJob's legacy `status` (0 Submitted … 5 Canceling), from state and health. */
function legacyStatus(state: LavaJobState, health: LavaJobHealth): [number, string] {
  if (state === 'Submitted' || state === 'Scheduling' || state === 'Scheduled') return [0, 'submitted'];
  if (state === 'Running') return [1, 'running'];
  if (state === 'Canceling') return [5, 'canceling'];
  if (health === 'Complete') return [2, 'complete'];
  if (health === 'Incomplete') return [3, 'incomplete'];
  return [4, 'canceled'];
}

/** Python's `str(datetime)` of an aware UTC time, or the string "None". */
function pythonStr(date: Date | null): string {
  return date === null ? 'None' : date.toISOString().replace('T', ' ').replace('Z', '000+00:00');
}

/** `notification_criteria`: whether this move calls the job's callbacks. */
export function criteriaMatch(notify: JobNotify, state: LavaJobState, health: LavaJobHealth): boolean {
  if (state !== 'Running' && state !== 'Finished') return false;
  switch (notify.status) {
    case 'all':
      return true;
    case 'running':
      return state === 'Running';
    case 'finished':
      return state === 'Finished';
    case 'complete':
      return state === 'Finished' && health === 'Complete';
    case 'incomplete':
      return state === 'Finished' && health === 'Incomplete';
    case 'canceled':
      return state === 'Finished' && health === 'Canceled';
  }
}

/** `substitute_callback_url_variables`: `{ID}`, `{STATUS}`, `{STATUS_STRING}` and other upper-case job attributes. */
function substitute(url: string, job: CallbackJob, state: LavaJobState, health: LavaJobHealth): string {
  return url.replace(/\{\s*([A-Z_-]*)\s*\}/g, (whole, name: string) => {
    if (name === 'STATUS') return String(legacyStatus(state, health)[0]);
    if (name === 'STATUS_STRING') return legacyStatus(state, health)[1];
    const value = (job as unknown as Record<string, unknown>)[name.toLowerCase()];
    return value === undefined ? whole : String(value);
  });
}

/** `TestJob.create_job_data` with dataset minimal: the job row as read, with the new state and health set in memory. */
function jobData(job: CallbackJob, state: LavaJobState, health: LavaJobHealth, token: string | undefined): Record<string, unknown> {
  const [status, statusString] = legacyStatus(state, health);
  return {
    id: job.id,
    status,
    status_string: statusString,
    state: JOB_STATES.indexOf(state), // TestJob's integer enums are in the order types.ts lists them
    state_string: state,
    health: JOB_HEALTHS.indexOf(health),
    health_string: health,
    submit_time: pythonStr(job.submitTime),
    start_time: pythonStr(job.startTime),
    end_time: pythonStr(job.endTime),
    submitter_username: job.submitter,
    failure_comment: job.failureComment,
    priority: job.priority,
    description: job.description,
    actual_device_id: job.device,
    definition: job.definition,
    metadata: job.metadata,
    ...(token === undefined ? {} : { token }),
  };
}

/**
 * Makes every callback of the job for its move into `state`, one after the
 * other as `send_notifications` does; settles when all are done (the move
 * is saved only then). Never rejects.
 */
export async function invokeCallbacks(
  notify: JobNotify,
  job: CallbackJob,
  state: LavaJobState,
  health: LavaJobHealth,
  logger: Logger | undefined,
  made: CallbackMade[],
): Promise<void> {
  for (const callback of notify.callbacks) {
    const url = substitute(callback.url, job, state, health);
    const headers: Record<string, string> = {};
    if (callback.token !== undefined) headers[callback.header ?? 'Authorization'] = callback.token;
    let body: string | undefined;
    if (callback.method === 'POST') {
      const data = jobData(job, state, health, callback.token);
      if (callback.contentType === 'json') {
        body = pythonJsonDumps(data);
        headers['Content-Type'] = 'application/json';
      } else {
        // requests' form encoding: None values dropped, a dict sends its keys.
        const form = new URLSearchParams();
        for (const [key, value] of Object.entries(data)) {
          if (value === null) continue;
          if (typeof value === 'object') for (const k of Object.keys(value as object)) form.append(key, k);
          else form.append(key, String(value));
        }
        body = form.toString();
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
      }
    }
    logger?.info(`lava simulator: Sending request to callback url ${url}`);
    const outcome = await rawRequest(url, { method: callback.method, headers, body, timeoutMs: CALLBACK_TIMEOUT_MS, timeoutMessage: `Read timed out. (read timeout=${CALLBACK_TIMEOUT_MS / 1000})` });
    made.push({ jobId: job.id, url, state, ...outcome });
    if (outcome.error !== undefined || (outcome.status !== undefined && outcome.status >= 400)) {
      logger?.warn(`lava simulator: Problem sending request to ${url}: ${outcome.error ?? `${outcome.status} error`}`);
    }
  }
}

