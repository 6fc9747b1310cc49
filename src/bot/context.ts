/**
 * What every step of a cycle is handed (Probot hands each handler one
 * Context): the store, the clients, the config in force for this cycle, the
 * logger, the clock, the observer of the bot's work, and the guard each item
 * runs under.
 */
import type { BuildBackends } from '../backends/backend.js';
import type { CBuildClient } from '../cbuild/client.js';
import type { BotConfig } from '../config/config.js';
import type { LaunchpadClient } from '../launchpad/client.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { BotEvents } from './events.js';
import type { Guard } from './guard.js';

export interface CycleContext {
  store: Store;
  launchpad: LaunchpadClient;
  backends: BuildBackends;
  /** The CBuild results host, where both backends' builds publish their files. */
  results: CBuildClient;
  config: BotConfig;
  logger: Logger;
  events: BotEvents;
  guard: Guard;
  clock: () => Date;
  now: () => string;
}
