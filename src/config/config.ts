/**
 * Loading bot.config.json: schema validation with messages that name the field,
 * paths resolved against the config file, and secrets read from the
 * environment or files (never from the config itself).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import cron from 'node-cron';
import { validate, type Schema } from './schema.js';
import { registerSecret } from '../secrets.js';

export type WatchTarget = { project: string } | { branch: string };

export interface TargetConfig {
  cbuild: { queue: string };
  lava: { deviceType: string; template: string /* absolute path */ };
}

export type LavaMode = 'off' | 'shadow' | 'on';

/** One level of rollout settings; unset values fall through to the less specific level. */
export interface RolloutSetting {
  lava?: LavaMode;
  native?: 'on' | 'off';
  lavaPercent?: number;
}

export interface RolloutConfig extends RolloutSetting {
  targets?: Record<string, RolloutSetting>;
  projects?: Record<string, RolloutSetting & { targets?: Record<string, RolloutSetting> }>;
}

export interface DailyConfig {
  /** lp:project, lp:project/series or lp:~owner/project/name. */
  branch: string;
  schedule: string;
}

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
  /** Target branch unique name → manifest file (absolute). */
  flakyManifests: Record<string, string>;
  /** `learned`: the flaky tests learned from rebuilds count as a manifest in comparisons. */
  flaky: { learned: boolean; minFlips: number };
  readiness: ReadinessConfig;
  schedule: string;
  database: string;
  /** `listen`: host:port of the status page, JSON API and /metrics. */
  http: { timeoutMs: number; retries: number; maxRetryDelayMs: number; listen: string };
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

function findSecretKeys(value: unknown, path: string, out: string[]): void {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (SECRET_KEYS.test(k)) out.push(`${p}: secrets do not belong in the config file; use the environment or a file (see README)`);
      findSecretKeys(v, p, out);
    }
  }
}

/** Validates an already-parsed config object; `baseDir` resolves relative paths. */
export function parseConfig(raw: unknown, file: string, baseDir: string): BotConfig {
  const problems: string[] = [];
  findSecretKeys(raw, '', problems);
  if (problems.length) throw new ConfigError(file, problems);
  const value = structuredClone(raw);
  // Report every problem at once: schema first, then what the schema cannot express.
  problems.push(...validate(configSchema(), value).map((p) => `${p.path}: ${p.message}`));
  const schedule = (value as { schedule?: unknown }).schedule;
  if (typeof schedule === 'string' && !cron.validate(schedule)) problems.push(`schedule: ${JSON.stringify(schedule)} is not a valid cron expression`);
  if (problems.length) throw new ConfigError(file, problems);
  const config = value as BotConfig;
  config.dailies.forEach((d, i) => {
    if (!cron.validate(d.schedule)) problems.push(`dailies[${i}].schedule: ${JSON.stringify(d.schedule)} is not a valid cron expression`);
  });
  const unknownTargets = (where: string, targets: Record<string, unknown> | undefined) => {
    for (const t of Object.keys(targets ?? {})) {
      if (!(t in config.targets)) problems.push(`${where}.${t}: no such target (targets are ${Object.keys(config.targets).join(', ')})`);
    }
  };
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
  if (config.database !== ':memory:') config.database = resolvePath(config.database, baseDir);
  if (problems.length) throw new ConfigError(file, problems);
  return config;
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
  return parseConfig(raw, file, dirname(resolve(file)));
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

/** The Launchpad credentials file to use, if any: $CBUILD_BOT_LP_CREDENTIALS, else launchpad.credentialsFile when it exists. */
export function launchpadCredentialsPath(config: BotConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CBUILD_BOT_LP_CREDENTIALS) return env.CBUILD_BOT_LP_CREDENTIALS;
  const file = config.launchpad.credentialsFile;
  if (!file) return undefined;
  try {
    statSync(file);
    return file;
  } catch {
    return undefined;
  }
}
