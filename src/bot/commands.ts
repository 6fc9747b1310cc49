/** The config-driven commands: run, once, status, migrate, schedule, cancel. */
import { userInfo } from 'node:os';
import { loadConfig } from '../config/config.js';
import { textTable } from '../core/report.js';
import type { Backend } from '../core/model.js';
import { ManualBuildError } from './manual.js';
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
  if (command === 'run') {
    const { Metrics } = await import('../web/metrics.js');
    const { startStatusServer } = await import('../web/server.js');
    const metrics = new Metrics();
    const wired = await wireBot(config, { logger, afterCommentPosted: crashHookForTests(), events: metrics });
    let server;
    try {
      server = await startStatusServer({ store: wired.store, listen: config.http.listen, lava: wired.lava, metrics, logger, config: () => wired.bot.currentConfig });
    } catch (err) {
      await wired.close();
      throw new Error(`http.listen ${config.http.listen}: cannot serve the status page: ${(err as Error).message}`);
    }
    logger.info('status page', { url: server.url });
    try {
      await runService(wired, logger, { reloadConfig: () => loadConfig(opts.config) });
    } finally {
      await server.close();
    }
    return 0;
  }
  const wired = await wireBot(config, { logger, afterCommentPosted: crashHookForTests() });
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

export interface ManualOptions {
  config: string;
  verbose: boolean;
  branch?: string;
  revision?: string;
  targets: string[];
  backend: string;
  mp?: string;
  /** cancel: the request id. */
  request: string[];
}

/**
 * `schedule` and `cancel`: act at once (submit or cancel the jobs) and print
 * what was done with the links. The running bot follows the builds from the
 * shared database like any other. Exit 0 done, 1 a build could not be
 * submitted, 2 bad arguments (the CLI prints the message).
 */
export async function runManualCommand(command: 'schedule' | 'cancel', opts: ManualOptions): Promise<number> {
  const args = checkManualArgs(command, opts);
  const config = loadConfig(opts.config);
  const logger = createLogger({ level: opts.verbose ? 'debug' : 'warn' });
  const wired = await wireBot(config, { logger });
  try {
    const request =
      command === 'schedule'
        ? await wired.bot.schedule({ ...args.schedule!, requestedBy: process.env.SUDO_USER ?? userInfo().username })
        : await wired.bot.cancel(args.request!);
    const builds = (await wired.store.buildsOfRequests([request.id])).get(request.id) ?? [];
    const what = command === 'schedule' ? `scheduled request ${request.id}` : `cancelled request ${request.id}`;
    process.stdout.write(
      `${what}: lp:${request.branch} revision ${request.revno} (${request.revision_id})${request.proposal_id !== null ? ', results will be commented on the proposal' : ''}\n\n` +
        textTable(
          ['target', 'backend', 'state', 'link / detail'],
          builds.map((b) => [b.target, b.backend === 'lava' ? 'LAVA' : 'CBuild', b.state, b.job_url ?? b.detail ?? b.external_id ?? '-']),
        ) +
        '\n',
    );
    return builds.some((b) => b.state === 'error') ? 1 : 0;
  } catch (err) {
    if (!(err instanceof ManualBuildError)) throw err;
    process.stderr.write(`cbuild-bot ${command}: ${err.message}\n`);
    return 2;
  } finally {
    await wired.close();
  }
}

function checkManualArgs(command: 'schedule' | 'cancel', opts: ManualOptions) {
  const fail = (message: string): never => {
    throw new ManualBuildError(message);
  };
  if (command === 'cancel') {
    if (opts.request.length !== 1 || !/^[1-9]\d*$/.test(opts.request[0])) fail('cancel takes one request id (see `cbuild-bot status`)');
    return { request: Number(opts.request[0]) };
  }
  if (!opts.branch) fail('schedule needs --branch, e.g. --branch lp:~user/gcc-linaro/topic');
  if (!/^lp:[A-Za-z0-9~][A-Za-z0-9~+./_-]*$/.test(opts.branch!)) fail(`--branch ${JSON.stringify(opts.branch)} is not an lp: branch URL`);
  if (opts.revision !== undefined && !/^[1-9]\d*$/.test(opts.revision)) fail(`--revision ${JSON.stringify(opts.revision)} is not a revision number`);
  if (!['lava', 'native', 'both'].includes(opts.backend)) fail(`--backend ${JSON.stringify(opts.backend)}: use lava, native or both`);
  return {
    schedule: {
      branch: opts.branch!,
      revno: opts.revision === undefined ? undefined : Number(opts.revision),
      targets: opts.targets,
      backend: opts.backend as Backend | 'both',
      mp: opts.mp,
    },
  };
}
