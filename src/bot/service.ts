/**
 * The long-running bot: cycles on the config's node-cron schedule (never two at
 * once), and a graceful stop on SIGTERM/SIGINT that lets the current cycle
 * finish before closing the store.
 */
import cron from 'node-cron';
import type { Logger } from '../log.js';
import type { WiredBot } from './wiring.js';

export async function runService(wired: WiredBot, schedule: string, logger: Logger): Promise<void> {
  let current: Promise<unknown> | undefined;
  const cycle = async () => {
    if (current) {
      logger.warn('previous cycle still running; skipping this tick');
      return;
    }
    current = wired.bot.runCycle().catch((err) => logger.error('cycle failed', { error: err }));
    await current;
    current = undefined;
  };
  const task = cron.schedule(schedule, cycle, { name: 'cbuild-bot-cycle', noOverlap: true });
  logger.info('cbuild-bot running', { schedule, dry_run: wired.dryRun });
  await cycle(); // do not wait for the first tick

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info('stopping: finishing the current step first', { signal });
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      void Promise.resolve(task.stop())
        .then(() => current)
        .then(() => resolve());
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  await Promise.resolve(task.destroy());
  await wired.close();
  logger.info('stopped');
}
