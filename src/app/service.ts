/**
 * The long-running bot: cycles on the config's node-cron schedule, dailies on
 * their own schedules, all run one at a time (never two steps at once); SIGHUP
 * re-reads the config without dropping work; SIGTERM/SIGINT stop gracefully
 * after the current step.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.js';
import type { BotConfig, DailyConfig } from '../config/config.js';
import { configChanges } from '../config/diff.js';
import type { WiredBot } from './wiring.js';
import { Turns } from './turns.js';
import { dailyName } from '../bot/manual.js';

export interface ServiceOptions {
  /** The one queue of steps, shared with the event receivers (default: the service's own). */
  turns?: Turns;
  /** Re-reads the config file (SIGHUP); throws ConfigError when the new file is not valid. */
  reloadConfig?: () => BotConfig;
  /** Called once the service is scheduled and its first cycle is done (tests drive it from there). */
  onReady?: (service: Service) => void;
}

/** The running service, for tests that run it in-process. */
export interface Service {
  /** Stops after the current step: the same as SIGTERM. */
  stop(): void;
}

export async function runService(wired: WiredBot, logger: Logger, options: ServiceOptions = {}): Promise<void> {
  const { bot } = wired;
  const turns = options.turns ?? new Turns(logger);
  /** One step at a time: cycles, dailies, reloads and events never interleave. */
  const inTurn = (what: string, step: () => Promise<unknown>): Promise<void> => turns.run(what, step);

  // With webhooks on, only polls list the watched proposals; the other cycles follow builds and post.
  const queued = { poll: false, follow: false };
  const cycle = (observe: boolean) => {
    const kind = observe ? 'poll' : 'follow';
    if (queued[kind] || (!observe && queued.poll)) {
      logger.warn('previous cycle still running; skipping this tick', { cycle: kind });
      return Promise.resolve();
    }
    queued[kind] = true;
    return inTurn('cycle', async () => {
      try {
        await bot.runCycle({ observe });
      } finally {
        queued[kind] = false;
      }
    });
  };
  const daily = (d: DailyConfig) =>
    inTurn(`daily ${dailyName(d)}`, async () => {
      const outcome = await bot.runDaily(d);
      logger.info('daily', { source: outcome.source, request: outcome.request?.id, result: outcome.message });
      // Submit its builds now, not at the next tick; listing the proposals is the poll's job.
      if (outcome.request) await bot.runCycle({ observe: false });
    });

  let tasks: ScheduledTask[] = [];
  const schedule = (config: BotConfig) => {
    for (const t of tasks) void t.destroy();
    const poll = config.webhooks.launchpad?.pollSchedule;
    tasks = [
      cron.schedule(config.schedule, () => void cycle(poll === undefined), { name: 'cbuild-bot-cycle' }),
      ...(poll === undefined ? [] : [cron.schedule(poll, () => void cycle(true), { name: 'cbuild-bot-poll' })]),
      ...config.dailies.map((d, i) => cron.schedule(d.schedule, () => void daily(d), { name: `cbuild-bot-daily-${i}` })),
    ];
  };

  const reload = () =>
    inTurn('reload', async () => {
      if (!options.reloadConfig) return;
      let next: BotConfig;
      try {
        next = options.reloadConfig();
      } catch (err) {
        logger.error('config not reloaded: the new file is not valid; keeping the old one', { error: err });
        return;
      }
      const before = bot.currentConfig;
      const kept = await bot.reconfigure(next);
      if (kept.length) logger.warn('config reloaded, but these settings need a restart and were kept as they were', { kept: kept.join(', ') });
      schedule(bot.currentConfig);
      const changed = configChanges(before, bot.currentConfig);
      logger.info('config reloaded', {
        changed: changed.length ? changed.join('; ') : '(nothing)',
        dailies: bot.currentConfig.dailies.length,
        targets: Object.keys(bot.currentConfig.targets).join(','),
      });
    });

  schedule(bot.currentConfig);
  logger.info('cbuild-bot running', {
    schedule: bot.currentConfig.schedule,
    poll: bot.currentConfig.webhooks.launchpad?.pollSchedule,
    dailies: bot.currentConfig.dailies.length,
    dry_run: wired.dryRun,
  });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info('stopping: finishing the current step first', { signal });
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      process.off('SIGHUP', onHup);
      for (const t of tasks) void t.stop();
      void turns.drained().then(() => resolve());
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onHup = () => void reload();
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    process.on('SIGHUP', onHup);
    // The first cycle lists everything (the catch-up poll), whatever happened while the bot was down.
    void cycle(true).then(() => options.onReady?.({ stop: () => stop('stop()') }));
  });
  for (const t of tasks) await Promise.resolve(t.destroy());
  await wired.close();
  logger.info('stopped');
}
