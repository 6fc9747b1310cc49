/**
 * Loading bot.config.json: schema validation with messages that name the field,
 * paths resolved against the config file, and secrets read from the
 * environment or files (never from the config itself).
 */
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import cron from 'node-cron';
import { validate, type Schema } from './schema.js';
import { duplicateKeys } from './json-keys.js';
import { registerSecret } from '../secrets.js';
import { refFormatProblem } from '../vcs/names.js';
import type { Backend } from '../core/model.js';

/** What to watch: every proposal of a project (git and bzr), or those targeting a bzr branch or a git repository (or ref). */
export type WatchTarget = { project: string } | { branch: string } | { repository: string; ref?: string };

export interface TargetConfig {
  cbuild: { queue: string };
  lava: { deviceType: string; template: string /* absolute path */ };
}

export type LavaMode = 'off' | 'shadow' | 'on';

/** One level of rollout settings; unset values fall through to the less specific level. */
export interface RolloutSetting {
  lava?: LavaMode;
  /** The native CBuild build (`native` is accepted in the file as its old name). */
  cbuild?: 'on' | 'off';
  lavaPercent?: number;
  /** The backend whose results count in comments, comparisons and the vote; with `lava`, CBuild (if on) runs as shadow. */
  main?: Backend;
}

export interface RolloutConfig extends RolloutSetting {
  targets?: Record<string, RolloutSetting>;
  projects?: Record<string, RolloutSetting & { targets?: Record<string, RolloutSetting> }>;
}

/** A daily build of a bzr branch tip (`lp:project[/series]`, `lp:~owner/project/name`) or a git ref (default: the repository's default branch). */
export type DailyConfig = ({ branch: string } | { repository: string; ref?: string }) & { schedule: string };

/** A LAVA duration against native's: at most these multiples of native's median and p90, or at most `graceSeconds`. */
export interface RatioThreshold {
  maxMedianRatio: number;
  maxP90Ratio: number;
  graceSeconds: number;
}

/** Thresholds of the readiness verdict per target (documented in bot.config.schema.json). */
export interface ReadinessConfig {
  minPairs: number;
  minAgreement: number;
  maxOutcomeMismatch: number;
  maxInfraPerAttempt: number;
  queueWait: RatioThreshold;
  buildTime: RatioThreshold;
  minThroughputRatio: number;
  minHeadroom: number;
}

export interface BotConfig {
  launchpad: {
    serviceRoot: string;
    credentialsFile?: string;
    branchUrl: string;
    watch: WatchTarget[];
    statuses: string[];
    /** Entries per page of Launchpad listings. */
    pageSize: number;
  };
  cbuild: { schedulerUrl: string; resultsUrl: string; product: string };
  lava: { url: string; user: string; tokenFile?: string };
  targets: Record<string, TargetConfig>;
  rollout: RolloutConfig;
  dailies: DailyConfig[];
  /** Launchpad users or teams (names without ~) whose comment commands are obeyed. */
  commands: { trusted: string[] };
  infraRetries: { attempts: number; delaysSeconds: number[] };
  vote: boolean;
  /** Target source key (vcs/sourceKey: bzr unique name, or git `repository:ref`) → manifest file (absolute). */
  flakyManifests: Record<string, string>;
  uncertainty: { settleSeconds: number; firstCheckSeconds: number };
  comments: { maxRefusals: number };
  results: { maxFileBytes: number; maxLineBytes: number };
  /** `learned`: the flaky tests learned from rebuilds count as a manifest in comparisons. */
  flaky: { learned: boolean; minFlips: number };
  readiness: ReadinessConfig;
  /** Events as the fast path (README "Events"); absent parts are off. */
  webhooks: WebhooksConfig;
  schedule: string;
  database: string;
  /** `listen`: host:port of the status page, JSON API and /metrics. */
  http: { timeoutMs: number; retries: number; maxRetryDelayMs: number; listen: string };
}

/** Launchpad webhooks and LAVA callbacks (documented in bot.config.schema.json). */
export interface WebhooksConfig {
  launchpad?: { path: string; secretFile: string; pollSchedule: string; sweepSeconds: number };
  lava?: { url: string };
}

/** The schedule proposals are listed on: `schedule`, or with webhooks on their (rarer) `pollSchedule`. */
export function pollSchedule(config: BotConfig): string {
  return config.webhooks.launchpad?.pollSchedule ?? config.schedule;
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The project root (holds bot.config.schema.json), from both src/ and dist/src/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      statSync(join(dir, 'bot.config.schema.json'));
      return dir;
    } catch {
      dir = resolve(dir, '..');
    }
  }
  throw new Error('cannot find bot.config.schema.json in the project');
}

let cachedSchema: Schema | undefined;
export function configSchema(): Schema {
  cachedSchema ??= JSON.parse(readFileSync(join(projectRoot(), 'bot.config.schema.json'), 'utf8')) as Schema;
  return cachedSchema;
}

/** The readiness thresholds' defaults, as the schema documents them (for pages and reports without a config). */
export function defaultReadiness(): ReadinessConfig {
  const value = {};
  validate((configSchema().properties as Record<string, Schema>).readiness, value);
  return value as ReadinessConfig;
}

/** Expands `~/` and resolves relative paths against `base`. */
export function resolvePath(path: string, base: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(base, path);
}

const SECRET_KEYS = /^(token|secret|password|access_?secret|access_?token|oauth.*|lava_?token)$/i;

/** Names that reach JavaScript's object machinery (`'constructor' in targets` is true for any object). */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Keys refused before anything else reads the config: secrets, and names that would change how it is read. */
function findRefusedKeys(value: unknown, path: string, out: string[]): void {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (RESERVED_KEYS.has(k)) out.push(`${p}: "${k}" cannot be a name in the config (JavaScript gives it a meaning of its own); rename it`);
      else if (SECRET_KEYS.test(k)) out.push(`${p}: secrets do not belong in the config file; use the environment or a file (see README)`);
      findRefusedKeys(v, p, out);
    }
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function writable(path: string, mode = constants.W_OK): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why SQLite could not open or create the database at `path` (which the store
 * opens in WAL mode: it also creates `-wal` and `-shm` files beside it, and
 * creates missing directories), or undefined when it can.
 */
function databasePathProblem(path: string): string | undefined {
  const stat = statOrUndefined(path);
  if (stat?.isDirectory()) return `${path} is a directory; name a file in it, e.g. ${join(path, 'cbuild-bot.sqlite')}`;
  if (stat && !writable(path)) return `${path} is not writable by this user`;
  const dir = dirname(path);
  let existing = dir;
  while (!statOrUndefined(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) return `${path}: ${existing} is a file, not a directory`;
  if (!writable(existing, constants.W_OK | constants.X_OK)) {
    return existing === dir
      ? `${path}: its directory ${dir} is not writable by this user (SQLite creates the database and its -wal and -shm files there)`
      : `${path}: its directory ${dir} does not exist and cannot be created (${existing} is not writable by this user)`;
  }
  return undefined;
}

/** Validates an already-parsed config object; `baseDir` resolves relative paths. */
export function parseConfig(raw: unknown, file: string, baseDir: string): BotConfig {
  const problems: string[] = [];
  findRefusedKeys(raw, '', problems);
  if (problems.length) throw new ConfigError(file, problems);
  const value = structuredClone(raw);
  // Report every problem at once: schema first, then what the schema cannot express.
  problems.push(...validate(configSchema(), value).map((p) => `${p.path}: ${p.message}`));
  const schedule = (value as { schedule?: unknown }).schedule;
  if (typeof schedule === 'string' && !cron.validate(schedule)) problems.push(`schedule: ${JSON.stringify(schedule)} is not a valid cron expression`);
  if (problems.length) throw new ConfigError(file, problems);
  const config = value as BotConfig;
  const pollSchedule = config.webhooks.launchpad?.pollSchedule;
  if (pollSchedule !== undefined && !cron.validate(pollSchedule)) problems.push(`webhooks.launchpad.pollSchedule: ${JSON.stringify(pollSchedule)} is not a valid cron expression`);
  config.dailies.forEach((d, i) => {
    if (!cron.validate(d.schedule)) problems.push(`dailies[${i}].schedule: ${JSON.stringify(d.schedule)} is not a valid cron expression`);
    if ('ref' in d && d.ref !== undefined) refProblem(`dailies[${i}].ref`, d.ref, problems, 'repository' in d);
  });
  config.launchpad.watch.forEach((w, i) => {
    if ('ref' in w && w.ref !== undefined) refProblem(`launchpad.watch[${i}].ref`, w.ref, problems, 'repository' in w);
  });
  for (const key of Object.keys(config.flakyManifests)) {
    const ref = key.split(':')[1];
    if (ref !== undefined) refProblem(`flakyManifests.${key}`, ref, problems, true);
  }
  const unknownTargets = (where: string, targets: Record<string, unknown> | undefined) => {
    for (const t of Object.keys(targets ?? {})) {
      if (!(t in config.targets)) problems.push(`${where}.${t}: no such target (targets are ${Object.keys(config.targets).join(', ')})`);
    }
  };
  // `native` is the old name of the cbuild backend.
  const levels: [string, RolloutSetting & { native?: 'on' | 'off' }][] = [['rollout', config.rollout]];
  for (const [t, setting] of Object.entries(config.rollout.targets ?? {})) levels.push([`rollout.targets.${t}`, setting]);
  for (const [p, project] of Object.entries(config.rollout.projects ?? {})) {
    levels.push([`rollout.projects.${p}`, project]);
    for (const [t, setting] of Object.entries(project.targets ?? {})) levels.push([`rollout.projects.${p}.targets.${t}`, setting]);
  }
  for (const [where, level] of levels) {
    if ((level.main as string) === 'native') level.main = 'cbuild';
    if (level.main === 'lava' && level.lava !== undefined && level.lava !== 'on') {
      problems.push(`${where}: main is lava but lava is ${level.lava}; LAVA must build every proposal to be the main backend (drop lava here, or set main to cbuild)`);
    }
    if (level.main === 'lava' && level.lavaPercent !== undefined && level.lavaPercent < 100) {
      problems.push(`${where}: main is lava but lavaPercent is ${level.lavaPercent}; LAVA must build every proposal to be the main backend (drop lavaPercent here, or set main to cbuild)`);
    }
    if (level.native === undefined) continue;
    if (level.cbuild !== undefined && level.cbuild !== level.native) problems.push(`${where}: cbuild and native (its old name) disagree; keep cbuild`);
    level.cbuild ??= level.native;
    delete level.native;
  }
  unknownTargets('rollout.targets', config.rollout.targets);
  for (const [project, setting] of Object.entries(config.rollout.projects ?? {})) unknownTargets(`rollout.projects.${project}.targets`, setting.targets);
  config.commands.trusted = config.commands.trusted.map((name) => name.replace(/^~/, ''));
  for (const [name, target] of Object.entries(config.targets)) {
    target.lava.template = resolvePath(target.lava.template, baseDir);
    try {
      statSync(target.lava.template);
    } catch {
      problems.push(`targets.${name}.lava.template: file ${target.lava.template} does not exist`);
    }
  }
  for (const [branch, file] of Object.entries(config.flakyManifests)) {
    config.flakyManifests[branch] = resolvePath(file, baseDir);
    try {
      statSync(config.flakyManifests[branch]);
    } catch {
      problems.push(`flakyManifests.${branch}: file ${config.flakyManifests[branch]} does not exist`);
    }
  }
  if (config.launchpad.credentialsFile) config.launchpad.credentialsFile = resolvePath(config.launchpad.credentialsFile, baseDir);
  if (config.lava.tokenFile) config.lava.tokenFile = resolvePath(config.lava.tokenFile, baseDir);
  if (config.webhooks.launchpad) config.webhooks.launchpad.secretFile = resolvePath(config.webhooks.launchpad.secretFile, baseDir);
  if (config.database !== ':memory:') {
    config.database = resolvePath(config.database, baseDir);
    const problem = databasePathProblem(config.database);
    if (problem) problems.push(`database: ${problem}`);
  }
  if (problems.length) throw new ConfigError(file, problems);
  return config;
}

function refProblem(where: string, ref: string, problems: string[], withRepository: boolean): void {
  if (!withRepository) {
    problems.push(`${where}: a ref belongs to a git repository; give "repository" too (or drop "ref")`);
    return;
  }
  const problem = refFormatProblem(ref);
  if (problem) problems.push(`${where}: ${JSON.stringify(ref)} is not a git ref name: it ${problem}`);
}

export function loadConfig(file: string): BotConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  const duplicates = duplicateKeys(text).map(
    (d) => `${d.path}: named twice, on lines ${d.firstLine} and ${d.line} (JSON would keep only the second); remove or rename one`,
  );
  let config: BotConfig | undefined;
  let problems = duplicates;
  try {
    config = parseConfig(raw, file, dirname(resolve(file)));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems = [...duplicates, ...err.problems];
  }
  if (problems.length || !config) throw new ConfigError(file, problems);
  return config;
}

/** The LAVA token: $CBUILD_BOT_LAVA_TOKEN, else $CBUILD_BOT_LAVA_TOKEN_FILE, else lava.tokenFile. */
export function readLavaToken(config: BotConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let token = env.CBUILD_BOT_LAVA_TOKEN?.trim();
  const file = env.CBUILD_BOT_LAVA_TOKEN_FILE ?? config.lava.tokenFile;
  if (!token && file) {
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || env.CBUILD_BOT_LAVA_TOKEN_FILE) {
        throw new ConfigError(file, [`cannot read the LAVA token file: ${(err as Error).message}`]);
      }
    }
  }
  registerSecret(token);
  return token || undefined;
}

/** Launchpad's limit on a webhook secret (IWebhook.secret, a TextLine of at most 200 characters). */
const MAX_WEBHOOK_SECRET = 200;

/**
 * The webhooks' secret: the file named by $CBUILD_BOT_WEBHOOK_SECRET_FILE,
 * else webhooks.launchpad.secretFile; undefined when webhooks are off.
 * Registered as a secret, so no log, page or error can show it.
 */
export function readWebhookSecret(config: BotConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!config.webhooks.launchpad) return undefined;
  const file = env.CBUILD_BOT_WEBHOOK_SECRET_FILE ?? config.webhooks.launchpad.secretFile;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the webhook secret file (webhooks.launchpad.secretFile): ${(err as Error).message}`]);
  }
  const secret = text.replace(/\r?\n$/, '');
  registerSecret(secret);
  // Never quote the secret in these messages: they say what is wrong with it, not what it is.
  if (secret.length === 0) throw new ConfigError(file, ['the webhook secret file is empty; put a random secret in it (e.g. `openssl rand -hex 32`)']);
  if (secret.length > MAX_WEBHOOK_SECRET) throw new ConfigError(file, [`the webhook secret has ${secret.length} characters; Launchpad takes at most ${MAX_WEBHOOK_SECRET}`]);
  if (/[\u0000-\u001f\u007f]/.test(secret)) throw new ConfigError(file, ['the webhook secret holds a control character (a line break?); Launchpad takes one line of text']);
  if (secret.length < 16) throw new ConfigError(file, [`the webhook secret has only ${secret.length} characters; use at least 16 random ones (e.g. \`openssl rand -hex 32\`)`]);
  return secret;
}
