/**
 * Builds a ready-to-run Bot from a config: the one HTTP client, the three
 * service clients, secrets from the environment or files, and the store.
 */
import { HttpClient } from '../http/client.js';
import { LaunchpadClient } from '../launchpad/client.js';
import { readCredentialsFile } from '../launchpad/credentials.js';
import { CBuildClient } from '../cbuild/client.js';
import { LavaClient } from '../lava/client.js';
import { Store } from '../store/store.js';
import { launchpadCredentialsPath, readLavaToken, readWebhookSecret, type BotConfig } from '../config/config.js';
import { HookReceiver } from '../web/hooks.js';
import { EventQueue } from './event-queue.js';
import type { Turns } from './turns.js';
import type { Logger } from '../log.js';
import type { CommentRow } from '../core/model.js';
import { Bot } from '../bot/bot.js';
import { CBuildBackend } from '../backends/cbuild.js';
import { LavaBackend } from '../backends/lava.js';
import type { BotEvents } from '../bot/events.js';

export interface WiringOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  print?: (text: string) => void;
  clock?: () => Date;
  afterCommentPosted?: (comment: CommentRow) => void;
  /** Observer of the bot's work (the metrics). */
  events?: BotEvents;
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

export async function wireBot(config: BotConfig, options: WiringOptions): Promise<WiredBot> {
  const env = options.env ?? process.env;
  const http = new HttpClient({
    timeoutMs: config.http.timeoutMs,
    retries: config.http.retries,
    maxDelayMs: config.http.maxRetryDelayMs,
    logger: options.logger,
  });
  const credentialsPath = launchpadCredentialsPath(config, env);
  const credentials = credentialsPath ? readCredentialsFile(credentialsPath) : undefined;
  const launchpad = new LaunchpadClient({ serviceRoot: config.launchpad.serviceRoot, credentials, http, logger: options.logger, pageSize: config.launchpad.pageSize });
  const lava = new LavaClient({ url: config.lava.url, user: config.lava.user, token: readLavaToken(config, env), http, logger: options.logger });
  const cbuild = new CBuildClient({ schedulerUrl: config.cbuild.schedulerUrl, resultsUrl: config.cbuild.resultsUrl, http, logger: options.logger });
  const store = await Store.open(config.database);
  const dryRun = !credentials;
  if (dryRun) options.logger.warn('no Launchpad credentials: reading anonymously, comments are printed instead of posted (dry run)');
  const bot = new Bot({
    store,
    config,
    launchpad,
    backends: { cbuild: new CBuildBackend(cbuild), lava: new LavaBackend(lava, cbuild) },
    results: cbuild,
    logger: options.logger,
    clock: options.clock,
    dryRun,
    print: options.print,
    afterCommentPosted: options.afterCommentPosted,
    events: options.events,
  });
  return { bot, store, launchpad, lava, dryRun, close: () => store.close() };
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
