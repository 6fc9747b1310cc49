/** The config-driven commands: run, once, status, migrate. */
import { loadConfig } from '../config/config.js';
import { createLogger } from '../log.js';
import { Store } from '../store/store.js';
import { wireBot } from './wiring.js';
import { runService } from './service.js';
import { formatStatus, gatherStatus } from './status.js';

export async function runConfiguredCommand(
  command: 'run' | 'once' | 'status' | 'migrate',
  opts: { config: string; verbose: boolean; json: boolean },
): Promise<number> {
  const config = loadConfig(opts.config);
  const logger = createLogger({ level: opts.verbose ? 'debug' : 'info' });
  if (command === 'migrate' || command === 'status') {
    const store = await Store.open(config.database);
    try {
      if (command === 'migrate') {
        const applied = store.appliedMigrations;
        process.stdout.write(
          applied.length ? `applied ${applied.join(', ')} to ${config.database}\n` : `database ${config.database} was already up to date\n`,
        );
        return 0;
      }
      const view = await gatherStatus(store);
      process.stdout.write(opts.json ? JSON.stringify(view, null, 2) + '\n' : formatStatus(view));
      return 0;
    } finally {
      await store.close();
    }
  }
  const wired = await wireBot(config, { logger, afterCommentPosted: crashHookForTests() });
  if (command === 'run') {
    await runService(wired, config.schedule, logger);
    return 0;
  }
  try {
    const report = await wired.bot.runCycle();
    return report.errors > 0 ? 1 : 0;
  } finally {
    await wired.close();
  }
}

/**
 * Fault injection for the exactly-once test: with CBUILD_BOT_TEST_CRASH_AFTER_POST
 * set, the process dies (SIGKILL, no clean-up) right after Launchpad accepted a
 * comment and before the store recorded it.
 */
function crashHookForTests(): (() => void) | undefined {
  if (!process.env.CBUILD_BOT_TEST_CRASH_AFTER_POST) return undefined;
  return () => process.kill(process.pid, 'SIGKILL');
}
