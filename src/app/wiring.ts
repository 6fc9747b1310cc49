/**
 * Builds a ready-to-run Bot from a config: the one HTTP client, the three
 * service clients, secrets from the environment or files, and the store. A
 * dry run (--dry-run) gets the same bot on a throwaway copy of the store, with
 * backends and a results host that only say what they would do (dry-run.ts).
 */
import { HttpClient } from '../http/client.js';
import { LaunchpadClient } from '../launchpad/client.js';
import type { LaunchpadCredentials } from '../launchpad/credentials.js';
import { CBuildClient } from '../cbuild/client.js';
import { LavaClient } from '../lava/client.js';
import { Store } from '../store/store.js';
import { readLavaToken, readWebhookSecret, type BotConfig } from '../config/config.js';
import { HookReceiver } from '../web/hooks.js';
import { EventQueue } from './event-queue.js';
import type { Turns } from './turns.js';
import type { Logger } from '../log.js';
import type { CommentRow } from '../core/model.js';
import { Bot } from '../bot/bot.js';
import { CBuildBackend } from '../backends/cbuild.js';
import { LavaBackend } from '../backends/lava.js';
import type { BuildBackends } from '../backends/backend.js';
import type { BotEvents } from '../bot/events.js';
import { terminalSafe } from '../text.js';
import { launchpadCredentials } from './secret-files.js';
import { DryRunResultsHost, dryRunBackends, throwawayStore } from './dry-run.js';

export interface WiringOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Where a dry run says what it would do (default: stdout, terminal-safe). */
  print?: (text: string) => void;
  clock?: () => Date;
  afterCommentPosted?: (comment: CommentRow) => void;
  /** Observer of the bot's work (the metrics). */
  events?: BotEvents;
  /**
   * Read Launchpad (anonymously when no credentials are configured), submit
   * nothing and post nothing, printing what would be done instead; work on
   * a throwaway copy of the database, so the real one is never written.
   */
  dryRun?: boolean;
}

export interface WiredBot {
  bot: Bot;
  store: Store;
  launchpad: LaunchpadClient;
  /** The LAVA client, for the status page's device pool. */
  lava: LavaClient;
  dryRun: boolean;
  close(): Promise<void>;
}

export interface ServiceClients {
  http: HttpClient;
  launchpad: LaunchpadClient;
  lava: LavaClient;
  cbuild: CBuildClient;
}

/** The three service clients over the one HTTP client, as the config sets them up, with these secrets. */
export function serviceClients(config: BotConfig, options: { logger: Logger; credentials?: LaunchpadCredentials; lavaToken?: string }): ServiceClients {
  const { logger } = options;
  const http = new HttpClient({ timeoutMs: config.http.timeoutMs, retries: config.http.retries, maxDelayMs: config.http.maxRetryDelayMs, logger });
  return {
    http,
    launchpad: new LaunchpadClient({ serviceRoot: config.launchpad.serviceRoot, credentials: options.credentials, http, logger, pageSize: config.launchpad.pageSize }),
    lava: new LavaClient({ url: config.lava.url, user: config.lava.user, token: options.lavaToken, http, logger }),
    cbuild: new CBuildClient({ schedulerUrl: config.cbuild.schedulerUrl, resultsUrl: config.cbuild.resultsUrl, http, logger }),
  };
}

/**
 * Without Launchpad credentials only a dry run may start: throws
 * CredentialsMissingError naming the file (or the settings) and the fix.
 */
export async function wireBot(config: BotConfig, options: WiringOptions): Promise<WiredBot> {
  const env = options.env ?? process.env;
  const dryRun = options.dryRun ?? false;
  const print = options.print ?? ((text: string) => process.stdout.write(terminalSafe(text) + '\n'));
  const { credentials, note } = launchpadCredentials(config, env, dryRun);
  if (note) options.logger.warn(note);
  const { http, launchpad, lava, cbuild } = serviceClients(config, { logger: options.logger, credentials, lavaToken: readLavaToken(config, env) });
  let backends: BuildBackends = { cbuild: new CBuildBackend(cbuild), lava: new LavaBackend(lava, cbuild) };
  let results = cbuild;
  let store: Store;
  let close: () => Promise<void>;
  if (dryRun) {
    const copy = await throwawayStore(config.database);
    store = copy.store;
    close = copy.remove;
    backends = dryRunBackends(backends, print);
    results = new DryRunResultsHost({ schedulerUrl: config.cbuild.schedulerUrl, resultsUrl: config.cbuild.resultsUrl, http, logger: options.logger }, print);
    options.logger.info('dry run: nothing is submitted or posted, and the database is not written (the bot works on a throwaway copy)', { copy: store.db.path });
  } else {
    store = await Store.open(config.database);
    close = () => store.close();
  }
  const bot = new Bot({
    store,
    config,
    launchpad,
    backends,
    results,
    logger: options.logger,
    clock: options.clock,
    dryRun,
    print,
    afterCommentPosted: options.afterCommentPosted,
    events: options.events,
  });
  return { bot, store, launchpad, lava, dryRun, close };
}

/** The event receivers of a wired bot (none when webhooks are off) and the queue they feed, which runs in `turns`. */
export interface WiredEvents {
  /** For the status server's `hooks`; undefined when neither webhooks.launchpad nor webhooks.lava is set. */
  receiver?: HookReceiver;
  queue: EventQueue;
}

export function wireEvents(wired: WiredBot, config: BotConfig, turns: Turns, logger: Logger, env: NodeJS.ProcessEnv = process.env): WiredEvents {
  const queue = new EventQueue(turns, wired.bot, logger);
  const secret = readWebhookSecret(config, env);
  if (!config.webhooks.launchpad && !config.webhooks.lava) return { queue };
  const receiver = new HookReceiver({
    store: wired.store,
    logger,
    clock: () => new Date(),
    hint: (hint) => queue.push(hint),
    launchpad: config.webhooks.launchpad && secret !== undefined ? { path: config.webhooks.launchpad.path, secret, apiRoot: wired.launchpad.apiRoot } : undefined,
    lava: config.webhooks.lava !== undefined,
  });
  return { receiver, queue };
}
