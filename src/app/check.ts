/**
 * The preflight: `cbuild-bot check` prints it as a checklist, and `run` and
 * `once` make it at start. First what needs no network — the config, every
 * target's LAVA template rendered with each VCS's sample values and checked
 * against LAVA's schema, the secret files — then each service: Launchpad
 * (who the credentials log in as), LAVA (the token, each device type and the
 * right to submit to it), CBuild (the scheduler and each queue).
 *
 * Each failure is one of two kinds. `config`: the configuration cannot work
 * (a template LAVA would refuse, a missing or exposed secret, a token a
 * service refuses, a device type or queue that is not there); `run` and
 * `once` refuse to start on it. `service`: a service did not answer; the bot
 * starts anyway and retries it, as it does any call.
 */
import { ConfigError, loadConfig, readLavaToken, type BotConfig } from '../config/config.js';
import { lavaJobName, readJobTemplate, renderLavaJob } from '../backends/lava.js';
import { lavaCallbackUrl, requestJobName, resultsUploadUrl } from '../bot/requests.js';
import { CBuildError, type CBuildClient } from '../cbuild/client.js';
import { HttpError } from '../http/client.js';
import { LaunchpadAuthError, LaunchpadError, type LaunchpadClient } from '../launchpad/client.js';
import type { Person } from '../launchpad/wire.js';
import { LavaAuthError, type LavaClient } from '../lava/client.js';
import { JobDefinitionError, JobTemplateError, validateJobDefinition } from '../lava/template.js';
import { commandLogger, type Logger, type LogSettings } from '../log.js';
import { redact, safeUrl } from '../secrets.js';
import { oneLine } from '../text.js';
import { VCSES } from '../vcs/index.js';
import { CredentialsMissingError, launchpadCredentials, secretFileChecks } from './secret-files.js';
import { serviceClients } from './wiring.js';

export interface CheckItem {
  ok: boolean;
  /** What was checked, and what was found. */
  text: string;
  /** For a failure: what to do about it. */
  fix?: string;
  /** For a failure: `config`, the configuration cannot work; `service`, a service did not answer (the bot retries). */
  cause?: 'config' | 'service';
}

export interface CheckOptions {
  env: NodeJS.ProcessEnv;
  /** Checks for a dry run: Launchpad credentials are optional. */
  dryRun: boolean;
  logger: Logger;
}

/** The request id of the sample build templates are rendered for. */
const SAMPLE_REQUEST = 42;

const TEMPLATE_FIX = "fix the template: a LAVA v2 job definition with {{placeholders}} (README: LAVA job templates)";

/**
 * Every target's template, rendered as the bot renders a build of each VCS
 * (vcs.sample(): legal names with awkward characters) and checked the way
 * lava-server checks a submission; a failure names the file and the target.
 */
export function templateChecks(config: BotConfig): CheckItem[] {
  return Object.entries(config.targets).map(([name, target]) => {
    const path = target.lava.template;
    let text: string;
    try {
      text = readJobTemplate(path);
    } catch (err) {
      return { ok: false, cause: 'config', text: (err as Error).message, fix: `fix targets.${name}.lava.template` };
    }
    const failures = new Map<string, string[]>();
    const callbackUrl = lavaCallbackUrl(config, SAMPLE_REQUEST);
    const sampleCallback = callbackUrl ? { url: callbackUrl, token: '0'.repeat(64) } : undefined;
    for (const vcs of VCSES) {
      const sample = vcs.sample();
      const request = { id: SAMPLE_REQUEST, source: sample.source, revision: sample.revision };
      const cbuildJob = requestJobName(config, request);
      let problem: string;
      try {
        const rendered = renderLavaJob(text, {
          build: { submit_key: lavaJobName(request.id, name, cbuildJob), target: name },
          request,
          target,
          cbuildJob,
          resultsUrl: resultsUploadUrl(config, cbuildJob),
          checkout: vcs.checkout(sample),
          // With callbacks on, the bot adds its notify block: a template with one of its own is refused then.
          callback: sampleCallback,
        });
        validateJobDefinition(rendered);
        continue;
      } catch (err) {
        // The YAML parser's message goes on to quote the lines around the error: its first line says where.
        if (err instanceof JobTemplateError) problem = err.message.split('\n')[0].replace(/:$/, '');
        else if (err instanceof JobDefinitionError) problem = `job template '${path}' for target '${name}' renders a job LAVA would refuse: ${err.faultString}`;
        else throw err;
      }
      failures.set(problem, [...(failures.get(problem) ?? []), vcs.kind]);
    }
    if (failures.size === 0) {
      return { ok: true, text: `job template ${path} for target ${name}: renders for ${VCSES.map((v) => v.kind).join(' and ')} sources, and LAVA's schema accepts the job` };
    }
    // The first problem, once for every VCS it holds for; further ones are counted (fixing one shows the next).
    const [[problem, kinds]] = [...failures];
    const more = failures.size > 1 ? ` (and ${failures.size - 1} more problem(s) for other sources)` : '';
    return { ok: false, cause: 'config', text: `${problem} (for a ${kinds.join(' and a ')} sample build)${more}`, fix: TEMPLATE_FIX };
  });
}

/** The checks that need no network, for a config already loaded. */
export function offlineChecks(config: BotConfig, options: Pick<CheckOptions, 'env' | 'dryRun'>): CheckItem[] {
  return [...templateChecks(config), ...secretFileChecks(config, options.env, options.dryRun)];
}

/** A failed call, as a check item: a refusal of the credentials or settings is the config's; anything else the service's. */
function callFailed(err: unknown, describe: { what: string; auth: string; notFound: string; unreachable: string }): CheckItem {
  const message = redact(err instanceof Error ? err.message : String(err));
  if (err instanceof LaunchpadAuthError || err instanceof LavaAuthError) {
    return { ok: false, cause: 'config', text: `${describe.what}: ${message}`, fix: describe.auth };
  }
  if (err instanceof HttpError) return { ok: false, cause: 'service', text: `${describe.what}: no answer: ${message}`, fix: describe.unreachable };
  const status = err instanceof LaunchpadError ? err.status : err instanceof CBuildError ? err.statusCode : undefined;
  if (status === 404) return { ok: false, cause: 'config', text: `${describe.what}: ${message}`, fix: describe.notFound };
  return { ok: false, cause: 'service', text: `${describe.what}: ${message}`, fix: describe.unreachable };
}

async function launchpadChecks(client: LaunchpadClient, file: string): Promise<CheckItem[]> {
  try {
    const got = await client.getEntry<Person>(`${client.apiRoot}people/+me`);
    if ('notModified' in got) throw new Error('answered 304 to an unconditional GET');
    const me = got.entry;
    return [{ ok: true, text: `Launchpad: logged in as ~${me.name} (${me.display_name}) at ${safeUrl(client.apiRoot)}` }];
  } catch (err) {
    return [
      callFailed(err, {
        what: `Launchpad at ${safeUrl(client.apiRoot)}, with the credentials in ${file}`,
        auth: 'the token was revoked, has expired or was never approved: make a new one with `cbuild-bot login --force`',
        notFound: 'check launchpad.serviceRoot (e.g. https://api.launchpad.net/)',
        unreachable: 'check launchpad.serviceRoot and the network; the bot retries',
      }),
    ];
  }
}

/** Targets by a setting they share (a device type, a queue), in config order. */
function targetsBy(config: BotConfig, pick: (t: BotConfig['targets'][string]) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, target] of Object.entries(config.targets)) out.set(pick(target), [...(out.get(pick(target)) ?? []), name]);
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function lavaChecks(config: BotConfig, client: LavaClient, hasToken: boolean): Promise<CheckItem[]> {
  const where = `LAVA at ${safeUrl(config.lava.url)}`;
  const unreachable = 'check lava.url (the XML-RPC endpoint, …/RPC2) and the network; the bot retries';
  const describe = {
    what: where,
    auth: `check lava.user ('${config.lava.user}') and the token (lava.tokenFile, $CBUILD_BOT_LAVA_TOKEN_FILE or $CBUILD_BOT_LAVA_TOKEN): it must be a token of that user (README: Secrets)`,
    notFound: 'check lava.url',
    unreachable,
  };
  const items: CheckItem[] = [];
  let user: string | null = null;
  try {
    const version = await client.version();
    user = hasToken ? await client.whoami() : null;
    items.push({ ok: true, text: user ? `${where}: logged in as '${user}' (lava-server ${version})` : `${where}: answers anonymously (lava-server ${version})` });
  } catch (err) {
    return [callFailed(err, describe)];
  }
  const byType = targetsBy(config, (t) => t.lava.deviceType);
  let known: Map<string, number>;
  let maySubmit: Record<string, boolean> | undefined;
  try {
    known = new Map((await client.deviceTypes()).map((t) => [t.name, t.devices]));
    if (user) maySubmit = await client.canSubmitTo([...byType.keys()]);
  } catch (err) {
    return [...items, callFailed(err, { ...describe, what: `${where}, listing device types` })];
  }
  for (const [type, targets] of byType) {
    const of = `LAVA device type '${type}' (${targets.length === 1 ? 'target' : 'targets'} ${targets.join(', ')})`;
    const devices = known.get(type);
    if (devices === undefined) {
      items.push({ ok: false, cause: 'config', text: `${where} has no device type '${type}' (${targets.length === 1 ? 'target' : 'targets'} ${targets.join(', ')}); it has: ${[...known.keys()].join(', ') || 'none'}`, fix: `fix ${targets.map((t) => `targets.${t}.lava.deviceType`).join(' and ')}` });
    } else if (maySubmit && maySubmit[type] !== true) {
      items.push({ ok: false, cause: 'config', text: `${of}: LAVA user '${user}' may not submit to it`, fix: `ask the LAVA administrators to let '${user}' submit to '${type}'` });
    } else if (devices === 0) {
      items.push({ ok: false, cause: 'service', text: `${of}: has no devices, so LAVA refuses its jobs (Device unavailable)`, fix: 'ask the LAVA administrators, or point the targets at a device type that has devices' });
    } else {
      items.push({ ok: true, text: `${of}: ${plural(devices, 'device')}${maySubmit ? `, '${user}' may submit to it` : ''}` });
    }
  }
  return items;
}

async function cbuildChecks(config: BotConfig, client: CBuildClient): Promise<CheckItem[]> {
  const where = `CBuild scheduler at ${safeUrl(config.cbuild.schedulerUrl)}`;
  let queues;
  try {
    queues = new Map((await client.listQueues()).map((q) => [q.name, q]));
  } catch (err) {
    return [callFailed(err, { what: where, auth: 'check cbuild.schedulerUrl', notFound: 'check cbuild.schedulerUrl (the scheduler, whose queues/ lists its queues)', unreachable: 'check cbuild.schedulerUrl and the network; the bot retries' })];
  }
  const items: CheckItem[] = [{ ok: true, text: `${where}: answers, ${plural(queues.size, 'queue')}` }];
  for (const [name, targets] of targetsBy(config, (t) => t.cbuild.queue)) {
    const of = `CBuild queue '${name}' (${targets.length === 1 ? 'target' : 'targets'} ${targets.join(', ')})`;
    const queue = queues.get(name);
    if (!queue) {
      items.push({ ok: false, cause: 'config', text: `${where} has no queue '${name}' (${targets.length === 1 ? 'target' : 'targets'} ${targets.join(', ')}); it has: ${[...queues.keys()].join(', ') || 'none'}`, fix: `fix ${targets.map((t) => `targets.${t}.cbuild.queue`).join(' and ')}` });
    } else if (queue.hosts === 0) {
      items.push({ ok: false, cause: 'service', text: `${of}: no host serves it, so its builds wait`, fix: 'ask the CBuild administrators to put a host on the queue' });
    } else {
      items.push({ ok: true, text: `${of}: ${plural(queue.hosts, 'host')}, ${queue.queued} queued, ${queue.running} running` });
    }
  }
  return items;
}

/** The checks that talk to the services, for a config whose offline checks passed (or were reported). */
export async function serviceChecks(config: BotConfig, options: CheckOptions): Promise<CheckItem[]> {
  let credentials;
  let file: string | undefined;
  try {
    ({ credentials, file } = launchpadCredentials(config, options.env, options.dryRun));
  } catch (err) {
    // Reported by the secret-file checks; Launchpad cannot be logged in to without them.
    if (!(err instanceof CredentialsMissingError)) throw err;
  }
  let lavaToken: string | undefined;
  try {
    lavaToken = readLavaToken(config, options.env);
  } catch (err) {
    // Reported by the secret-file checks; LAVA is then asked anonymously.
    if (!(err instanceof ConfigError)) throw err;
  }
  const clients = serviceClients(config, { logger: options.logger, credentials, lavaToken });
  const [launchpad, lava, cbuild] = await Promise.all([
    credentials && file ? launchpadChecks(clients.launchpad, file) : Promise.resolve([]),
    lavaChecks(config, clients.lava, lavaToken !== undefined),
    cbuildChecks(config, clients.cbuild),
  ]);
  return [...launchpad, ...lava, ...cbuild];
}

/** `✓ text` or `✗ text — fix`, one line, terminal-safe, secrets masked. */
export function formatItem(item: CheckItem): string {
  return oneLine(redact(item.ok ? `✓ ${item.text}` : `✗ ${item.text}${item.fix ? ` — ${item.fix}` : ''}`));
}

/** `cbuild-bot check`: the whole checklist; exit 0 when every item is ✓, else 1. */
export async function checkCommand(opts: { config: string; log: LogSettings }, io: { stdout: NodeJS.WritableStream }): Promise<number> {
  const out = (line: string) => io.stdout.write(line + '\n');
  out(oneLine(`cbuild-bot check: ${opts.config}`));
  let config: BotConfig;
  try {
    config = loadConfig(opts.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out(formatItem({ ok: false, cause: 'config', text: `config ${opts.config} is not valid`, fix: 'fix each problem below (the other checks need a valid config)' }));
    for (const problem of err.problems) out(`    ${oneLine(problem)}`);
    out('1 check failed');
    return 1;
  }
  const options: CheckOptions = { env: process.env, dryRun: false, logger: commandLogger(opts.log, 'error') };
  const items: CheckItem[] = [{ ok: true, text: `config ${opts.config} is valid` }, ...offlineChecks(config, options), ...(await serviceChecks(config, options))];
  for (const item of items) out(formatItem(item));
  const failed = items.filter((i) => !i.ok).length;
  out(failed === 0 ? `all ${items.length} checks passed` : `${failed} of ${items.length} checks failed`);
  return failed === 0 ? 0 : 1;
}

/**
 * What `run` and `once` check at start. Returns why they must not start —
 * a configuration error, offline or as a service answered it — or null; a
 * service that does not answer is logged as a warning (the bot retries it),
 * the items that passed at debug level (a passing check is not news).
 */
export async function startupRefusal(config: BotConfig, configFile: string, options: CheckOptions): Promise<string | null> {
  const refuse = (items: CheckItem[]) =>
    `refusing to start: the configuration cannot work:\n${items.map((i) => `  ${formatItem(i)}`).join('\n')}\n` +
    `(cbuild-bot check --config ${oneLine(configFile)} lists every check.)`;
  const offline = offlineChecks(config, options);
  if (offline.some((i) => !i.ok)) return refuse(offline.filter((i) => !i.ok));
  const online = await serviceChecks(config, options);
  const wrong = online.filter((i) => !i.ok && i.cause === 'config');
  if (wrong.length) return refuse(wrong);
  for (const item of [...offline, ...online]) {
    if (item.ok) options.logger.debug(`preflight: ${item.text}`);
    else options.logger.warn(`preflight: ${item.text}; starting anyway, the bot retries`, { fix: item.fix });
  }
  return null;
}
