/**
 * The XML-RPC methods of the simulated lava-server 2023.01: names,
 * arguments, answers and fault texts as lava.md records them. Each handler
 * gets the authenticated user (null when anonymous) and the decoded params.
 */
import YAML from 'yaml';
import { XmlRpcFault, type XmlRpcInput, type XmlRpcValue } from './xmlrpc.js';
import { JobDefinitionError, validateJobDefinition } from './template.js';
import { JobNotFound, type LavaLab, type LavaSimJob } from './simulator-lab.js';
import { FAULT, JOB_HEALTHS, JOB_STATES } from './types.js';

export interface CallContext {
  user: string | null;
}

export interface MethodSpec {
  /** Python parameter names; those from `required` on have defaults. */
  params: string[];
  required: number;
  /** Needs an authenticated user (Fault 401 otherwise). */
  login?: boolean;
  help: string;
  handler: (context: CallContext, args: XmlRpcValue[]) => XmlRpcInput;
}

const VERSION = '2023.01';
const LOGIN_REQUIRED = 'Authentication with user and token required for this API.';
const INTERNAL_ERROR = 'Internal Server Error (contact server administrator for details):';

function fault(code: number, text: string): never {
  throw new XmlRpcFault(code, text);
}

/** The text Python gives for a call with the wrong number of arguments, behind the dispatcher's -32603. */
function arityFault(name: string, spec: MethodSpec, given: number): never {
  const fn = name.slice(name.lastIndexOf('.') + 1);
  let detail: string;
  if (given < spec.required) {
    const missing = spec.params.slice(given, spec.required);
    const quoted = missing.map((p) => `'${p}'`);
    const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}` : quoted[0];
    detail = `${fn}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`;
  } else {
    const takes =
      spec.required === spec.params.length ? `${spec.params.length}` : `from ${spec.required} to ${spec.params.length}`;
    detail = `${fn}() takes ${takes} positional argument${spec.params.length === 1 ? '' : 's'} but ${given} were given`;
  }
  fault(FAULT.INTERNAL_ERROR, `${INTERNAL_ERROR} ${detail}`);
}

/** `str(datetime)` of an aware UTC datetime, as `jobs.list(verbose=True)` returns times. */
function pythonTime(date: Date | null): string | null {
  if (!date) return null;
  return date.toISOString().replace('T', ' ').replace('Z', '000+00:00');
}

function visibilityDisplay(visibility: LavaSimJob['visibility']): string {
  if (visibility === 'public') return 'Public';
  if (visibility === 'personal') return 'Personal';
  return `Group (${visibility.group.join(', ')})`;
}

function deviceStatusDisplay(state: string, health: string): string {
  if (state === 'Idle') return health === 'Good' || health === 'Unknown' ? 'idle' : health === 'Retired' ? 'retired' : 'offline';
  return state === 'Reserved' ? 'reserved' : 'running';
}

/** Python's `str.capitalize()`, which lava-server applies to state/health filters. */
function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}

function intArg(value: XmlRpcValue | undefined, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return fault(FAULT.BAD_REQUEST, `Invalid value '${String(value)}'`);
}

export function createLavaApi(lab: LavaLab): Map<string, MethodSpec> {
  const methods = new Map<string, MethodSpec>();
  const find = (id: XmlRpcValue | undefined): LavaSimJob => {
    try {
      return lab.job(id);
    } catch (err) {
      if (err instanceof JobNotFound) fault(FAULT.NOT_FOUND, err.message);
      throw err;
    }
  };

  const submit = (context: CallContext, definition: XmlRpcValue | undefined): number => {
    if (typeof definition !== 'string') {
      fault(FAULT.BAD_REQUEST, 'Problem with submitted job data: expected the job definition as a string');
    }
    let parsed;
    try {
      parsed = validateJobDefinition(definition);
    } catch (err) {
      if (err instanceof JobDefinitionError) fault(FAULT.BAD_REQUEST, err.faultString);
      throw err;
    }
    const deviceType = parsed.deviceType;
    if (deviceType === undefined) fault(FAULT.BAD_REQUEST, 'Problem with submitted job data: no device_type given');
    if (!lab.deviceTypes().includes(deviceType)) {
      fault(FAULT.BAD_REQUEST, `Device unavailable: Device type '${deviceType}' is unavailable.`);
    }
    return lab.submit(definition, parsed, deviceType, context.user!);
  };

  const cancel = (context: CallContext, id: XmlRpcValue | undefined): boolean => {
    if (id === undefined || id === null || id === '') fault(FAULT.BAD_REQUEST, 'Bad request: TestJob id was not specified.');
    const job = find(id);
    if (job.submitter !== context.user) fault(FAULT.FORBIDDEN, 'Permission denied.');
    lab.cancel(job.id);
    return true;
  };

  const resubmit = (context: CallContext, id: XmlRpcValue | undefined): number =>
    submit(context, find(id).definition);

  const showJob = (job: LavaSimJob) => ({
    id: job.id,
    description: job.description,
    device: job.device,
    device_type: job.deviceType,
    health_check: false,
    pipeline: true,
    health: job.health,
    state: job.state,
    submitter: job.submitter,
    submit_time: job.submitTime,
    start_time: job.startTime,
    end_time: job.endTime,
    tags: [],
    visibility: visibilityDisplay(job.visibility),
    failure_comment: job.failureComment,
  });

  const logs = (id: XmlRpcValue | undefined, start: XmlRpcValue | undefined, end: XmlRpcValue | undefined) => {
    const job = find(id);
    const finished = job.state === 'Finished';
    if (job.log.length === 0) return [finished, Buffer.from('[]')];
    const from = intArg(start, 0);
    const to = end === undefined || end === null ? undefined : intArg(end, job.log.length);
    const lines = job.log.slice(from, to).map((entry) => `- ${pythonJson(entry)}\n`);
    return [finished, Buffer.from(lines.join(''), 'utf8')];
  };

  const listJobs = (args: XmlRpcValue[]) => {
    const [state, health, start, limit, since, verbose] = args;
    let wantedState: string | undefined;
    let wantedHealth: string | undefined;
    if (state !== undefined && state !== null) {
      wantedState = capitalize(String(state));
      if (!(JOB_STATES as readonly string[]).includes(wantedState)) fault(FAULT.BAD_REQUEST, `Invalid state '${String(state)}'`);
    }
    if (health !== undefined && health !== null) {
      wantedHealth = capitalize(String(health));
      if (!(JOB_HEALTHS as readonly string[]).includes(wantedHealth)) fault(FAULT.BAD_REQUEST, `Invalid health '${String(health)}'`);
    }
    const sinceMinutes = intArg(since, 0);
    const cutoff = Date.now() - sinceMinutes * 60_000;
    const offset = Math.max(0, intArg(start, 0));
    const count = Math.min(100, Math.max(0, intArg(limit, 25)));
    return lab
      .listJobs()
      .reverse()
      .filter((job) => wantedState === undefined || job.state === wantedState)
      .filter((job) => wantedHealth === undefined || job.health === wantedHealth)
      .filter((job) => sinceMinutes <= 0 || (job.endTime !== null && job.endTime.getTime() >= cutoff))
      .slice(offset, offset + count)
      .map((job) => {
        const item: Record<string, XmlRpcInput> = {
          id: job.id,
          description: job.description,
          device_type: job.deviceType,
          health: job.health,
          state: job.state,
          submitter: job.submitter,
        };
        if (verbose === true) {
          item.actual_device = job.device;
          item.start_time = pythonTime(job.startTime);
          item.end_time = pythonTime(job.endTime);
          item.error_msg = job.errorMsg;
          item.error_type = job.errorType;
        }
        return item;
      });
  };

  const queue = (deviceTypes: XmlRpcValue | undefined, start: XmlRpcValue | undefined, limit: XmlRpcValue | undefined) => {
    const types = Array.isArray(deviceTypes) ? deviceTypes.map(String) : undefined;
    const offset = Math.max(0, intArg(start, 0));
    const count = Math.min(100, Math.max(0, intArg(limit, 25)));
    return lab
      .listJobs()
      .reverse()
      .filter((job) => job.state === 'Submitted' && (!types || types.includes(job.deviceType)))
      .slice(offset, offset + count)
      .map((job) => ({
        id: job.id,
        description: job.description,
        requested_device_type: job.deviceType,
        submitter: job.submitter,
      }));
  };

  const results = (id: XmlRpcValue | undefined): string => {
    const job = find(id);
    const items = job.results.map((result) => ({
      id: String(result.id),
      job: String(job.id),
      level: 'None',
      log_end_line: String(result.logLine),
      log_start_line: String(result.logLine),
      logged: pythonTime(result.logged),
      measurement: 'None',
      metadata: result.metadata,
      name: result.name,
      result: result.result,
      suite: result.suite,
      unit: '',
      url: `/results/testcase/${result.id}`,
    }));
    return items.length === 0 ? '[]\n' : YAML.stringify(items);
  };

  const suites = (id: XmlRpcValue | undefined): string => {
    const job = find(id);
    const names = [...new Set(job.results.map((r) => r.suite))];
    return names.length === 0
      ? '[]\n'
      : YAML.stringify(names.map((name, index) => ({ id: String(index + 1), job: String(job.id), name })));
  };

  const define = (name: string, spec: MethodSpec) => methods.set(name, spec);

  define('system.version', { params: [], required: 0, help: 'lava-server version', handler: () => VERSION });
  define('system.api_version', { params: [], required: 0, help: 'XML-RPC API version', handler: () => 2 });
  define('system.whoami', { params: [], required: 0, help: 'authenticated user or None', handler: (c) => c.user });
  // lava_server/api.py: device types that exist → whether the user may submit; another user's answer is for superusers (none here).
  define('system.user_can_submit_to_types', {
    params: ['type_list', 'username'],
    required: 1,
    login: true,
    help: '{device_type: whether the user can submit to it} for the types of type_list that exist',
    handler: (c, [types, username]) => {
      if (!Array.isArray(types)) fault(FAULT.BAD_REQUEST, 'type list argument must be a list');
      if (username) fault(FAULT.AUTH_REQUIRED, `Permission denied for user '${c.user}' to query other users`);
      return Object.fromEntries(lab.deviceTypes().filter((name) => types.includes(name)).map((name) => [name, true]));
    },
  });
  define('system.listMethods', {
    params: [],
    required: 0,
    help: 'names of every method',
    handler: () => [...methods.keys()].sort(),
  });
  define('system.methodHelp', {
    params: ['method_name'],
    required: 1,
    help: 'documentation of a method',
    handler: (_c, [name]) => methods.get(String(name))?.help ?? '',
  });
  define('system.methodSignature', {
    params: ['method_name'],
    required: 1,
    help: 'signature of a method',
    handler: (_c, [name]) => (methods.has(String(name)) ? 'undef' : ''),
  });

  define('system.multicall', {
    params: ['calls'],
    required: 1,
    help: 'several calls in one request: [[value]] or {faultCode, faultString} each',
    handler: (c, [calls]) => {
      if (!Array.isArray(calls)) fault(FAULT.INTERNAL_ERROR, `${INTERNAL_ERROR} multicall() expects a list of calls`);
      return calls.map((call) => {
        const { methodName, params } = (call ?? {}) as { methodName?: XmlRpcValue; params?: XmlRpcValue };
        try {
          return [dispatch(methods, c, String(methodName), Array.isArray(params) ? params : [])];
        } catch (err) {
          if (err instanceof XmlRpcFault) return { faultCode: err.faultCode, faultString: err.faultString };
          throw err;
        }
      });
    },
  });

  define('scheduler.jobs.submit', {
    params: ['definition'],
    required: 1,
    login: true,
    help: 'submit a job definition; returns the job id',
    handler: (c, [definition]) => submit(c, definition),
  });
  define('scheduler.submit_job', {
    params: ['job_data'],
    required: 1,
    login: true,
    help: 'submit a job definition (older name)',
    handler: (c, [definition]) => submit(c, definition),
  });
  define('scheduler.jobs.resubmit', {
    params: ['job_id'],
    required: 1,
    login: true,
    help: 'submit the definition of a job again',
    handler: (c, [id]) => resubmit(c, id),
  });
  define('scheduler.resubmit_job', {
    params: ['job_id'],
    required: 1,
    login: true,
    help: 'submit the definition of a job again (older name)',
    handler: (c, [id]) => resubmit(c, id),
  });
  define('scheduler.jobs.cancel', {
    params: ['job_id'],
    required: 1,
    login: true,
    help: 'cancel a job',
    handler: (c, [id]) => cancel(c, id),
  });
  define('scheduler.cancel_job', {
    params: ['job_id'],
    required: 1,
    login: true,
    help: 'cancel a job (older name)',
    handler: (c, [id]) => cancel(c, id),
  });
  define('scheduler.jobs.show', {
    params: ['job_id'],
    required: 1,
    help: 'details of a job',
    handler: (_c, [id]) => showJob(find(id)),
  });
  define('scheduler.jobs.definition', {
    params: ['job_id'],
    required: 1,
    help: 'the submitted definition',
    handler: (_c, [id]) => find(id).definition,
  });
  define('scheduler.jobs.logs', {
    params: ['job_id', 'start', 'end'],
    required: 1,
    help: '[finished, Binary(log lines)] from line start',
    handler: (_c, [id, start, end]) => logs(id, start, end),
  });
  define('scheduler.jobs.list', {
    params: ['state', 'health', 'start', 'limit', 'since', 'verbose', 'duration_at_least'],
    required: 0,
    help: 'jobs, newest first',
    handler: (_c, args) => listJobs(args),
  });
  define('scheduler.jobs.queue', {
    params: ['device_types', 'start', 'limit'],
    required: 0,
    help: 'Submitted jobs, newest first',
    handler: (_c, [types, start, limit]) => queue(types, start, limit),
  });
  define('scheduler.jobs.validate', {
    params: ['definition', 'strict'],
    required: 1,
    help: 'check a definition against the schema',
    handler: (_c, [definition]) => {
      try {
        validateJobDefinition(String(definition));
        return {};
      } catch (err) {
        if (!(err instanceof JobDefinitionError)) throw err;
        const detail = err.faultString.replace(/^Problem with submitted job data: /, '');
        const match = /^(.*) @ (data.*)$/.exec(detail);
        return { path: match?.[2] ?? 'data', msg: match?.[1] ?? detail };
      }
    },
  });
  define('scheduler.job_state', {
    params: ['job_id'],
    required: 1,
    help: '{job_id, job_state}',
    handler: (_c, [id]) => {
      const job = find(id);
      return { job_id: job.id, job_state: job.state };
    },
  });
  define('scheduler.job_health', {
    params: ['job_id'],
    required: 1,
    help: '{job_id, job_health}',
    handler: (_c, [id]) => {
      const job = find(id);
      return { job_id: job.id, job_health: job.health };
    },
  });
  define('scheduler.all_devices', {
    params: [],
    required: 0,
    help: '[[hostname, device_type, status, current_job, pipeline]]',
    handler: () =>
      lab.listDevices().map((d) => [d.hostname, d.deviceType, deviceStatusDisplay(d.state, d.health), d.currentJob, true]),
  });
  define('scheduler.all_device_types', {
    params: [],
    required: 0,
    help: '[{name, busy, idle, offline}]',
    handler: () =>
      lab.deviceTypes().map((name) => {
        const devices = lab.listDevices().filter((d) => d.deviceType === name);
        return {
          busy: devices.filter((d) => d.state !== 'Idle').length,
          idle: devices.filter((d) => d.state === 'Idle' && d.health === 'Good').length,
          name,
          offline: devices.filter((d) => d.state === 'Idle' && d.health !== 'Good').length,
        };
      }),
  });
  define('scheduler.pending_jobs_by_device_type', {
    params: ['all'],
    required: 0,
    help: '{device_type: number of Submitted jobs}',
    handler: () => lab.pendingByDeviceType(),
  });
  define('scheduler.devices.list', {
    params: ['show_all', 'offline_info'],
    required: 0,
    help: '[{hostname, type, health, state, current_job, pipeline}]',
    handler: () =>
      lab.listDevices().map((d) => ({
        current_job: d.currentJob,
        health: d.health,
        hostname: d.hostname,
        pipeline: true,
        state: d.state,
        type: d.deviceType,
      })),
  });
  define('scheduler.devices.show', {
    params: ['hostname'],
    required: 1,
    help: 'details of a device',
    handler: (_c, [hostname]) => {
      const device = lab.listDevices().find((d) => d.hostname === hostname);
      if (!device) fault(FAULT.NOT_FOUND, `Device '${String(hostname)}' was not found.`);
      return {
        hostname: device.hostname,
        device_type: device.deviceType,
        health: device.health,
        state: device.state,
        health_job: false,
        description: null,
        pipeline: true,
        has_device_dict: true,
        worker: 'build-worker',
        current_job: device.currentJob,
        tags: [],
        permissions: [],
      };
    },
  });
  define('scheduler.device_types.list', {
    params: ['show_all'],
    required: 0,
    help: '[{name, devices, installed, template}]',
    handler: () =>
      lab.deviceTypes().map((name) => ({
        name,
        devices: lab.listDevices().filter((d) => d.deviceType === name).length,
        installed: true,
        template: true,
      })),
  });
  define('results.get_testjob_results_yaml', {
    params: ['job_id'],
    required: 1,
    help: 'test cases of a job as YAML',
    handler: (_c, [id]) => results(id),
  });
  define('results.get_testjob_suites_list_yaml', {
    params: ['job_id'],
    required: 1,
    help: 'test suites of a job as YAML',
    handler: (_c, [id]) => suites(id),
  });

  return methods;
}

/** Runs one call the way lava-server's dispatcher does: lookup, login check, arity, handler; faults are thrown. */
export function dispatch(
  methods: Map<string, MethodSpec>,
  context: CallContext,
  method: string,
  params: XmlRpcValue[],
): XmlRpcInput {
  const spec = methods.get(method);
  if (!spec) fault(FAULT.NO_SUCH_METHOD, `No such method: '${method}'`);
  if (spec.login && context.user === null) fault(FAULT.AUTH_REQUIRED, LOGIN_REQUIRED);
  if (params.length < spec.required || params.length > spec.params.length) arityFault(method, spec, params.length);
  return spec.handler(context, params);
}

/** Python `json.dumps` spacing (`", "`, `": "`), which the dispatcher's log lines use; non-ASCII kept. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${pythonJson(item)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
