/**
 * LAVA job templates: YAML job definitions with `{{name}}` placeholders.
 *
 * Rendering parses the template, substitutes placeholders inside string
 * values and serialises the tree again, so a value can never break the YAML
 * (a branch name with `: #` is quoted by the serialiser, not pasted into the
 * text). Inside shell `steps:` every value is also single-quoted for the
 * shell, so `$(…)` or backticks in a branch name stay text.
 *
 * `validateJobDefinition` applies the checks lava-server's schema makes at
 * submission, with its fault texts; the simulator uses it, and the bot can
 * run it before submitting.
 */
import { isDeepStrictEqual } from 'node:util';
import YAML, { isPair, isScalar, isSeq, LineCounter } from 'yaml';

/** The placeholders the bot fills in every LAVA template. */
export const JOB_TEMPLATE_PLACEHOLDERS = [
  'job_name',
  'device_type',
  'vcs',
  'source',
  'branch',
  'revspec',
  'repository_url',
  'ref',
  'commit',
  'revision',
  'revno',
  'target',
  'cbuild_job',
  'results_url',
  'request_id',
] as const;
export type JobTemplatePlaceholder = (typeof JOB_TEMPLATE_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
/** lava-server (PyYAML) reads YAML 1.1: `yes`, `on`, `1:20` are not strings there, so the serialiser must quote them. */
const YAML_VERSION = '1.1';

export class JobTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobTemplateError';
  }
}

/** Single-quotes a word for a POSIX shell: `it's` → `'it'\''s'`. */
export function shellQuote(value: string): string {
  return `'${value.split("'").join("'\\''")}'`;
}

/** Whether position `at` of a shell command line is inside single or double quotes. */
function insideShellQuotes(command: string, at: number): boolean {
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < at; i++) {
    const char = command[i];
    if (quote === "'") {
      if (char === "'") quote = undefined;
    } else if (char === '\\') {
      i++;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    }
  }
  return quote !== undefined;
}

/**
 * The `notify` block the bot adds to a job (LAVA's `notify` schema,
 * events-and-git.md §C.1): when the job is Finished, lava-server POSTs the
 * minimal job data as JSON to `url`, with `token` in the `header` header.
 */
export interface JobCallback {
  url: string;
  token: string;
}

/** The header LAVA sends a callback's token in (`header`; LAVA's default is Authorization). */
export const CALLBACK_TOKEN_HEADER = 'X-Cbuild-Bot-Token';

function notifyBlock(callback: JobCallback): Record<string, unknown> {
  return {
    criteria: { status: 'finished' },
    callback: { url: callback.url, method: 'POST', dataset: 'minimal', 'content-type': 'json', token: callback.token, header: CALLBACK_TOKEN_HEADER },
  };
}

/**
 * Renders a job template. `values` maps placeholder names to one-line
 * values; `templateName` (e.g. the file path) appears in error messages.
 * With `callback`, the bot's own `notify` block is added to the rendered
 * tree as data, after the placeholders were filled: a template cannot break
 * it (one with a `notify` of its own is refused) and no value can change it.
 */
export function renderJobDefinition(
  templateText: string,
  values: Record<string, string>,
  templateName = 'job template',
  callback?: JobCallback,
): string {
  const where = `job template '${templateName}'`;
  for (const [name, value] of Object.entries(values)) {
    const control = /[\u0000-\u001F\u007F]/.exec(value);
    if (control) {
      const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      throw new JobTemplateError(
        `value for {{${name}}} contains control character U+${code} (newline or similar); template values must be one line of text`,
      );
    }
  }
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(templateText, { version: YAML_VERSION, lineCounter });
  if (doc.errors.length > 0) throw new JobTemplateError(`${where} is not valid YAML: ${doc.errors[0]!.message}`);
  const lineOf = (range: [number, number, number] | null | undefined) =>
    range ? `line ${lineCounter.linePos(range[0]).line}` : 'somewhere';

  YAML.visit(doc, {
    Seq(_key, seq, path) {
      const parent = path[path.length - 1];
      if (!isPair(parent) || !isScalar(parent.key) || parent.key.value !== 'steps') return;
      for (const step of seq.items) {
        if (!isScalar(step) || typeof step.value !== 'string') {
          const range = (step as { range?: [number, number, number] } | null)?.range;
          throw new JobTemplateError(
            `${where} has a shell step that is not a string at ${lineOf(range)}; an unquoted ': ' turns a step into a map, so quote the step`,
          );
        }
      }
    },
    Pair(_key, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        const range = (pair.key as { range?: [number, number, number] }).range;
        throw new JobTemplateError(
          `${where} has a map or list as a mapping key at ${lineOf(range)}; is a {{placeholder}} missing its quotes?`,
        );
      }
    },
    Scalar(key, node, path) {
      if (typeof node.value !== 'string') return;
      const original = node.value;
      if (!original.includes('{{')) return;
      if (key === 'key') {
        throw new JobTemplateError(`${where} has a placeholder in the mapping key '${original}' (${lineOf(node.range)}); only values may hold placeholders`);
      }
      const parent = path[path.length - 1];
      const grandparent = path[path.length - 2];
      const isShellStep =
        isSeq(parent) && isPair(grandparent) && isScalar(grandparent.key) && grandparent.key.value === 'steps';
      const leftover = original.replace(PLACEHOLDER, '');
      if (leftover.includes('{{')) {
        throw new JobTemplateError(`${where} has a malformed placeholder in '${original}' (${lineOf(node.range)})`);
      }
      node.value = original.replace(PLACEHOLDER, (_whole, name: string, offset: number) => {
        if (!Object.prototype.hasOwnProperty.call(values, name)) {
          throw new JobTemplateError(`${where} uses unknown placeholder {{${name}}} (${lineOf(node.range)})`);
        }
        if (!isShellStep) return values[name]!;
        if (insideShellQuotes(original, offset)) {
          throw new JobTemplateError(
            `${where} quotes {{${name}}} inside a shell step (${lineOf(node.range)}); leave it bare, values are shell-quoted`,
          );
        }
        return shellQuote(values[name]!);
      });
    },
  });

  if (callback) {
    if (!YAML.isMap(doc.contents)) throw new JobTemplateError(`${where} is not a YAML mapping`);
    if (doc.has('notify')) {
      throw new JobTemplateError(`${where} has a notify block of its own; with webhooks.lava the bot adds the job's notify block itself, so remove it from the template`);
    }
    doc.set('notify', doc.createNode(notifyBlock(callback)));
  }
  const rendered = doc.toString({ lineWidth: 0 });
  // The serialiser quotes as needed; this proves it for every value rendered.
  if (!isDeepStrictEqual(YAML.parse(rendered, { version: YAML_VERSION }), doc.toJS())) {
    throw new JobTemplateError(`${where} rendered to YAML that does not read back as written`);
  }
  return rendered;
}

// ------------------------------------------------------------- validation

/** A submitted definition lava-server would refuse; `faultString` is the text of its Fault 400. */
export class JobDefinitionError extends Error {
  constructor(readonly faultString: string) {
    super(faultString);
    this.name = 'JobDefinitionError';
  }
}

export interface ValidJobDefinition {
  jobName: string;
  deviceType?: string;
  /** 0-100; `high|medium|low` = 100/50/0. */
  priority: number;
  visibility: 'public' | 'personal' | { group: string[] };
  metadata: Record<string, unknown>;
  /** Names of the test definitions in order; results appear in suites `<index>_<name>`. */
  testDefinitionNames: string[];
  /** The job's `notify` block, when it has one (what the simulator calls back). */
  notify?: JobNotify;
  /** The whole parsed definition. */
  data: Record<string, unknown>;
}

/** A `notify` block as lava_common's schema takes it (§C.1): criteria and the callbacks to make. */
export interface JobNotify {
  status: 'all' | 'finished' | 'running' | 'complete' | 'canceled' | 'incomplete';
  callbacks: { url: string; method: 'GET' | 'POST'; token?: string; header?: string; dataset: 'minimal' | 'logs' | 'results' | 'all'; contentType: 'json' | 'urlencoded' }[];
}

const NOTIFY_STATUSES = ['all', 'finished', 'running', 'complete', 'canceled', 'incomplete'];
const NOTIFY_KEYS = ['criteria', 'verbosity', 'recipients', 'callback', 'callbacks', 'compare'];
const CALLBACK_KEYS = ['url', 'method', 'token', 'header', 'dataset', 'content-type'];

/** lava_common/schemas `notify()`: what lava-server refuses at submission, with voluptuous' words. */
function checkNotify(notify: unknown): JobNotify {
  const path = ['notify'];
  if (!isMap(notify)) problem(`expected a dictionary for dictionary value @ ${at(path)}`);
  for (const key of Object.keys(notify)) if (!NOTIFY_KEYS.includes(key)) problem(`extra keys not allowed @ ${at([...path, key])}`);
  if (!('criteria' in notify)) problem(`required key not provided @ ${at([...path, 'criteria'])}`);
  const criteria = notify.criteria;
  if (!isMap(criteria) || typeof criteria.status !== 'string' || !NOTIFY_STATUSES.includes(criteria.status)) {
    problem(`not a valid value for dictionary value @ ${at([...path, 'criteria'])}`);
  }
  if ('callback' in notify && 'callbacks' in notify) problem(`two or more values in the same group of exclusion 'callback' @ ${at(path)}`);
  const given = 'callbacks' in notify ? notify.callbacks : 'callback' in notify ? [notify.callback] : [];
  if (!Array.isArray(given)) problem(`expected a list for dictionary value @ ${at([...path, 'callbacks'])}`);
  const choice = (value: unknown, allowed: string[], fallback: string, where: (string | number)[]) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !allowed.includes(value)) problem(`not a valid value for dictionary value @ ${at(where)}`);
    return value;
  };
  const callbacks = given.map((callback: unknown, index) => {
    const where = 'callbacks' in notify ? [...path, 'callbacks', index] : [...path, 'callback'];
    if (!isMap(callback)) problem(`expected a dictionary for dictionary value @ ${at(where)}`);
    for (const key of Object.keys(callback)) if (!CALLBACK_KEYS.includes(key)) problem(`extra keys not allowed @ ${at([...where, key])}`);
    if (typeof callback.url !== 'string') problem(`${'url' in callback ? 'expected str for dictionary value' : 'required key not provided'} @ ${at([...where, 'url'])}`);
    for (const key of ['token', 'header']) {
      if (key in callback && typeof callback[key] !== 'string') problem(`expected str for dictionary value @ ${at([...where, key])}`);
    }
    return {
      url: callback.url,
      method: choice(callback.method, ['GET', 'POST'], 'GET', [...where, 'method']) as 'GET' | 'POST',
      token: callback.token as string | undefined,
      header: callback.header as string | undefined,
      dataset: choice(callback.dataset, ['minimal', 'logs', 'results', 'all'], 'minimal', [...where, 'dataset']) as JobNotify['callbacks'][number]['dataset'],
      contentType: choice(callback['content-type'], ['json', 'urlencoded'], 'urlencoded', [...where, 'content-type']) as 'json' | 'urlencoded',
    };
  });
  return { status: (criteria as { status: JobNotify['status'] }).status, callbacks };
}

const PRIORITIES: Record<string, number> = { high: 100, medium: 50, low: 0 };
const TIMEOUT_UNITS = ['days', 'hours', 'minutes', 'seconds'];
const ACTION_KINDS = ['deploy', 'boot', 'test', 'command'];

function problem(detail: string): never {
  throw new JobDefinitionError(`Problem with submitted job data: ${detail}`);
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** voluptuous' way of naming a place: `data['timeouts']['job']`. */
function at(path: (string | number)[]): string {
  return 'data' + path.map((part) => (typeof part === 'number' ? `[${part}]` : `['${part}']`)).join('');
}

function checkTimeout(value: unknown, path: (string | number)[]): void {
  if (!isMap(value)) problem(`expected a dictionary for dictionary value @ ${at(path)}`);
  for (const key of Object.keys(value)) {
    if (key !== 'skip' && !TIMEOUT_UNITS.includes(key)) problem(`extra keys not allowed @ ${at([...path, key])}`);
  }
  const units = TIMEOUT_UNITS.filter((unit) => unit in value);
  if (units.length !== 1) {
    problem(`exactly one of ${TIMEOUT_UNITS.join(', ')} must be given @ ${at(path)}`);
  }
  const amount = value[units[0]!];
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1) {
    problem(`value must be at least 1 for dictionary value @ ${at([...path, units[0]!])}`);
  }
}

/**
 * Checks a definition the way lava-server does at submission (schema of
 * `lava_common/schemas` for the top level, the timeouts and the action list)
 * and returns what the simulator needs from it.
 */
export function validateJobDefinition(text: string): ValidJobDefinition {
  let data: unknown;
  try {
    data = YAML.parse(text, { version: YAML_VERSION });
  } catch (err) {
    problem(`Loading job submission failed: ${(err as Error).message.split('\n')[0]}.`);
  }
  if (!isMap(data)) problem('expected a dictionary');

  const jobName = data.job_name;
  if (!('job_name' in data)) problem(`required key not provided @ ${at(['job_name'])}`);
  if (typeof jobName !== 'string') problem(`expected str for dictionary value @ ${at(['job_name'])}`);
  if (jobName.length < 1) problem(`length of value must be at least 1 for dictionary value @ ${at(['job_name'])}`);
  if (jobName.length > 200) problem(`length of value must be at most 200 for dictionary value @ ${at(['job_name'])}`);

  if (!('timeouts' in data)) problem(`required key not provided @ ${at(['timeouts'])}`);
  const timeouts = data.timeouts;
  if (!isMap(timeouts)) problem(`expected a dictionary for dictionary value @ ${at(['timeouts'])}`);
  if (!('job' in timeouts)) problem(`required key not provided @ ${at(['timeouts', 'job'])}`);
  for (const [name, timeout] of Object.entries(timeouts)) {
    if (name === 'actions' || name === 'connections') {
      if (!isMap(timeout)) problem(`expected a dictionary for dictionary value @ ${at(['timeouts', name])}`);
      for (const [action, value] of Object.entries(timeout)) checkTimeout(value, ['timeouts', name, action]);
    } else if (['job', 'action', 'connection', 'queue'].includes(name)) {
      checkTimeout(timeout, ['timeouts', name]);
    } else {
      problem(`extra keys not allowed @ ${at(['timeouts', name])}`);
    }
  }

  if (!('visibility' in data)) problem(`required key not provided @ ${at(['visibility'])}`);
  const visibility = data.visibility;
  const groupVisibility =
    isMap(visibility) &&
    Object.keys(visibility).length === 1 &&
    Array.isArray(visibility.group) &&
    visibility.group.every((name) => typeof name === 'string');
  if (visibility !== 'public' && visibility !== 'personal' && !groupVisibility) {
    problem(`not a valid value for dictionary value @ ${at(['visibility'])}`);
  }

  let priority = PRIORITIES.medium!;
  if ('priority' in data) {
    const raw = data.priority;
    if (typeof raw === 'string' && raw in PRIORITIES) priority = PRIORITIES[raw]!;
    else if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 100) priority = raw;
    else problem(`not a valid value for dictionary value @ ${at(['priority'])}`);
  }

  if (data.device_type !== undefined && typeof data.device_type !== 'string') {
    problem(`expected str for dictionary value @ ${at(['device_type'])}`);
  }
  if (data.metadata !== undefined && !isMap(data.metadata)) {
    problem(`expected a dictionary for dictionary value @ ${at(['metadata'])}`);
  }

  if (!('actions' in data)) problem(`required key not provided @ ${at(['actions'])}`);
  const actions = data.actions;
  if (!Array.isArray(actions) || actions.length === 0) problem(`expected a list for dictionary value @ ${at(['actions'])}`);
  const testDefinitionNames: string[] = [];
  actions.forEach((action: unknown, index) => {
    if (!isMap(action) || Object.keys(action).length !== 1) {
      problem(`expected a dictionary with one action for dictionary value @ ${at(['actions', index])}`);
    }
    const kind = Object.keys(action)[0]!;
    if (!ACTION_KINDS.includes(kind)) problem(`extra keys not allowed @ ${at(['actions', index, kind])}`);
    const body = action[kind];
    if (!isMap(body)) problem(`expected a dictionary for dictionary value @ ${at(['actions', index, kind])}`);
    if (body.timeout !== undefined) checkTimeout(body.timeout, ['actions', index, kind, 'timeout']);
    if (kind === 'test' && Array.isArray(body.definitions)) {
      for (const definition of body.definitions as unknown[]) {
        if (isMap(definition) && typeof definition.name === 'string') testDefinitionNames.push(definition.name);
      }
    }
  });

  return {
    jobName,
    deviceType: data.device_type as string | undefined,
    priority,
    visibility: visibility as ValidJobDefinition['visibility'],
    metadata: (data.metadata as Record<string, unknown> | undefined) ?? {},
    testDefinitionNames,
    ...('notify' in data ? { notify: checkNotify(data.notify) } : {}),
    data,
  };
}
