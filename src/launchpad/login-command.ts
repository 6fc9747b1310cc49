/**
 * `cbuild-bot login`: gets the bot an OAuth token from Launchpad (a person
 * approves it in a browser) and writes the launchpadlib credentials file the
 * bot reads. The secret is never printed.
 */
import { existsSync } from 'node:fs';
import { loadConfig, type BotConfig } from '../config/config.js';
import { HttpClient } from '../http/client.js';
import { commandLogger, type LogSettings } from '../log.js';
import { redact } from '../secrets.js';
import { LaunchpadClient } from './client.js';
import { writeCredentialsFile, type LaunchpadCredentials } from './credentials.js';
import {
  BOT_PERMISSION,
  BOT_PERMISSION_TITLE,
  authorizationUrl,
  getRequestToken,
  lookupServiceRoot,
  waitForAccessToken,
  webRootFor,
} from './login.js';
import type { Person } from './wire.js';

export interface LoginOptions {
  /** `--config`; undefined: ./bot.config.json if it exists. */
  config?: string;
  serviceRoot?: string;
  consumerKey: string;
  credentials?: string;
  force: boolean;
  timeoutSeconds: number;
  log: LogSettings;
  /** How often to ask Launchpad whether the person has decided (launchpadlib: 1 s). */
  pollIntervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Exit 0 logged in, 1 the dance failed (declined, expired, timed out), 2 bad arguments. */
export async function loginCommand(opts: LoginOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const say = (text: string) => io.stdout.write(redact(text) + '\n');
  const fail = (code: number, text: string) => {
    io.stderr.write(redact(`cbuild-bot login: ${text}`) + '\n');
    return code;
  };
  const env = opts.env ?? process.env;

  const config = opts.serviceRoot && opts.credentials ? undefined : readConfigForLogin(opts.config);
  if (config instanceof Error) return fail(2, config.message);
  let serviceRoot: string;
  try {
    serviceRoot = lookupServiceRoot(opts.serviceRoot ?? config?.launchpad.serviceRoot ?? 'production');
  } catch (err) {
    return fail(2, `--service-root: ${(err as Error).message}`);
  }
  // Where the bot will look for it: the same order as the bot reads it.
  const file = opts.credentials ?? (env.CBUILD_BOT_LP_CREDENTIALS || config?.launchpad.credentialsFile);
  if (!file) return fail(2, 'where should the credentials go? Give --credentials FILE (or set launchpad.credentialsFile in the config)');
  if (existsSync(file) && !opts.force) return fail(2, `${file} exists already; give --force to replace it`);

  const logger = commandLogger(opts.log, 'warn');
  const http = new HttpClient({ retries: 2, logger });
  const webRoot = webRootFor(serviceRoot);
  let credentials: LaunchpadCredentials;
  try {
    const requestToken = await getRequestToken(http, webRoot, opts.consumerKey);
    say(`Asked ${webRoot} for a request token for the consumer "${opts.consumerKey}".`);
    say('');
    say(`Open this page logged in to Launchpad as the bot's own account (a bot account in the team that owns the`);
    say(`watched branches, not a person's), and choose "${BOT_PERMISSION_TITLE}":`);
    say('');
    say(`  ${authorizationUrl(webRoot, requestToken)}`);
    say('');
    say(`The bot asks for ${BOT_PERMISSION} ("${BOT_PERMISSION_TITLE}") because it posts comments and review votes`);
    say('on public merge proposals; reading alone (READ_PUBLIC) cannot, and it never needs private data.');
    say('');
    say(`Waiting for the approval (up to ${formatSeconds(opts.timeoutSeconds)}; Ctrl-C gives up)...`);
    const access = await waitForAccessToken(http, webRoot, opts.consumerKey, requestToken, {
      intervalMs: opts.pollIntervalMs ?? 1000,
      timeoutMs: opts.timeoutSeconds * 1000,
      logger,
    });
    credentials = { consumerKey: opts.consumerKey, consumerSecret: '', accessToken: access.key, accessSecret: access.secret };
    if (access.context) say(`Note: the token is limited to ${access.context} on Launchpad.`);
  } catch (err) {
    return fail(1, (err as Error).message);
  }
  try {
    writeCredentialsFile(file, credentials, { replace: opts.force });
  } catch (err) {
    return fail(1, `approved, but ${(err as Error).message}; run cbuild-bot login again`);
  }
  say(`Approved. Wrote ${file} (mode 0600; the token never appears in the output or the logs).`);

  const client = new LaunchpadClient({ serviceRoot, credentials, http, logger });
  try {
    const answer = await client.getEntry<Person>(`${client.apiRoot}people/+me`);
    if ('notModified' in answer) throw new Error('answered 304 to an unconditional GET');
    const me = answer.entry;
    say(`Launchpad knows the token as ~${me.name} (${me.display_name}).`);
  } catch (err) {
    return fail(1, `wrote ${file}, but Launchpad does not accept the token: ${(err as Error).message}`);
  }
  if (file !== config?.launchpad.credentialsFile && file !== env.CBUILD_BOT_LP_CREDENTIALS) {
    say(`The bot reads it when launchpad.credentialsFile (or $CBUILD_BOT_LP_CREDENTIALS) names ${file}.`);
  }
  return 0;
}

/** The config's Launchpad settings, if there is a config; an Error naming what to do when it cannot be read. */
function readConfigForLogin(path: string | undefined): BotConfig | Error | undefined {
  const file = path ?? 'bot.config.json';
  if (path === undefined && !existsSync(file)) return undefined;
  try {
    return loadConfig(file);
  } catch (err) {
    return new Error(`${(err as Error).message}\n(login reads launchpad.serviceRoot and launchpad.credentialsFile from it; or give --service-root and --credentials)`);
  }
}

function formatSeconds(seconds: number): string {
  return seconds >= 120 && seconds % 60 === 0 ? `${seconds / 60} minutes` : `${seconds} s`;
}
