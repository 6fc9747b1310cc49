/** The config-driven commands: run, once, status, migrate, schedule, cancel. */
import { userInfo } from 'node:os';
import { ConfigError, loadConfig, type BotConfig } from '../config/config.js';
import { textTable } from '../core/report.js';
import { BACKEND_LABEL, type Backend } from '../core/model.js';
import { ManualBuildError, type ScheduleSource } from '../bot/manual.js';
import { vcsFor } from '../vcs/index.js';
import { refFormatProblem } from '../vcs/names.js';
import { terminalSafe } from '../text.js';
import { commandLogger, type LogSettings } from '../log.js';
import { Store } from '../store/store.js';
import { wireBot, wireEvents } from './wiring.js';
import { Turns } from './turns.js';
import { runService } from './service.js';
import { allEvents } from '../bot/events.js';
import { formatStatus, gatherStatus } from './status.js';
import { formatItem, offlineChecks, startupRefusal } from './check.js';

/**
 * `run` and `once` first make the preflight (check.ts) and refuse to start,
 * exit 1, on a configuration error; `--dry-run` reads Launchpad and prints
 * what would be submitted and posted, on a throwaway copy of the database.
 */
export async function runConfiguredCommand(
  command: 'run' | 'once' | 'status' | 'migrate',
  opts: { config: string; log: LogSettings; json: boolean; dryRun?: boolean },
): Promise<number> {
  const config = loadConfig(opts.config);
  const logger = commandLogger(opts.log, 'info');
  const dryRun = opts.dryRun ?? false;
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
  const refusal = await startupRefusal(config, opts.config, { env: process.env, dryRun, logger });
  if (refusal) {
    process.stderr.write(`cbuild-bot ${command}: ${refusal}\n`);
    return 1;
  }
  if (command === 'run') {
    const { Metrics } = await import('../web/metrics.js');
    const { Health } = await import('../web/health.js');
    const { startStatusServer } = await import('../web/server.js');
    const metrics = new Metrics();
    const health = new Health();
    const wired = await wireBot(config, { logger, dryRun, afterCommentPosted: crashHookForTests(), events: allEvents(metrics, health) });
    await wired.bot.retryHeldBuilds();
    const turns = new Turns(logger);
    let server;
    let events;
    try {
      events = wireEvents(wired, config, turns, logger);
      server = await startStatusServer({
        store: wired.store, listen: config.http.listen, lava: wired.lava, metrics, health, logger, config: () => wired.bot.currentConfig, hooks: events.receiver,
      });
    } catch (err) {
      await wired.close();
      if (err instanceof ConfigError) throw err;
      throw new Error(`http.listen ${config.http.listen}: cannot serve the status page: ${(err as Error).message}`);
    }
    logger.info('status page', { url: server.url, events: events.receiver ? 'taken' : 'off' });
    try {
      await runService(wired, logger, { reloadConfig: () => loadCheckedConfig(opts.config, dryRun), turns });
    } finally {
      events.queue.close();
      await server.close();
    }
    return 0;
  }
  const wired = await wireBot(config, { logger, dryRun, afterCommentPosted: crashHookForTests() });
  try {
    await wired.bot.retryHeldBuilds();
    const report = await wired.bot.runCycle();
    return report.errors > 0 ? 1 : 0;
  } finally {
    await wired.close();
  }
}

/** The config re-read on SIGHUP: refused (the old one kept) when it is not valid or cannot work offline (a template, a secret file). */
function loadCheckedConfig(file: string, dryRun: boolean): BotConfig {
  const config = loadConfig(file);
  const wrong = offlineChecks(config, { env: process.env, dryRun }).filter((i) => !i.ok);
  if (wrong.length) throw new ConfigError(file, wrong.map(formatItem));
  return config;
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
  log: LogSettings;
  branch?: string;
  revision?: string;
  repository?: string;
  ref?: string;
  commit?: string;
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
  const logger = commandLogger(opts.log, 'warn');
  const wired = await wireBot(config, { logger });
  try {
    const request =
      command === 'schedule'
        ? await wired.bot.schedule({ ...args.schedule!, requestedBy: process.env.SUDO_USER ?? userInfo().username })
        : await wired.bot.cancel(args.request!);
    const builds = (await wired.store.buildsOfRequests([request.id])).get(request.id) ?? [];
    const what = command === 'schedule' ? `scheduled request ${request.id}` : `cancelled request ${request.id}`;
    process.stdout.write(
      terminalSafe(`${what}: ${vcsFor(request.source.vcs).describeRevisionOf(request.source, request.revision)}${request.proposal_id !== null ? ', results will be commented on the proposal' : ''}\n\n`) +
        textTable(
          ['target', 'backend', 'state', 'link / detail'],
          builds.map((b) => [b.target, BACKEND_LABEL[b.backend], b.state, b.job_url ?? b.detail ?? b.external_id ?? '-']),
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
  const lpName = /^lp:[A-Za-z0-9~][A-Za-z0-9~+./_@-]*$/;
  if (!opts.branch === !opts.repository) fail('schedule needs --branch (bzr, e.g. --branch lp:~user/gcc-linaro/topic) or --repository (git, e.g. --repository lp:gcc-linaro --ref refs/heads/topic)');
  let source: ScheduleSource;
  if (opts.branch) {
    if (!lpName.test(opts.branch)) fail(`--branch ${JSON.stringify(opts.branch)} is not an lp: branch URL`);
    if (opts.ref !== undefined || opts.commit !== undefined) fail('--ref and --commit go with --repository (git); a bzr --branch takes --revision N');
    if (opts.revision !== undefined && !/^[1-9]\d*$/.test(opts.revision)) fail(`--revision ${JSON.stringify(opts.revision)} is not a revision number`);
    source = { branch: opts.branch, revno: opts.revision === undefined ? undefined : Number(opts.revision) };
  } else {
    if (!lpName.test(opts.repository!)) fail(`--repository ${JSON.stringify(opts.repository)} is not an lp: repository path (lp:project or lp:~owner/project/+git/name)`);
    if (opts.revision !== undefined) fail('--revision N goes with a bzr --branch; for git give --commit SHA');
    if (opts.ref !== undefined) {
      const problem = refFormatProblem(opts.ref);
      if (problem) fail(`--ref ${JSON.stringify(opts.ref)} is not a git ref name: it ${problem}`);
    }
    if (opts.commit !== undefined && !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(opts.commit)) fail(`--commit ${JSON.stringify(opts.commit)} is not a full commit id (40 or 64 lower-case hex digits)`);
    source = { repository: opts.repository!, ref: opts.ref, commit: opts.commit };
  }
  const backend = opts.backend === 'native' ? 'cbuild' : opts.backend;
  if (!['lava', 'cbuild', 'both'].includes(backend)) fail(`--backend ${JSON.stringify(opts.backend)}: use cbuild, lava or both`);
  return { schedule: { source, targets: opts.targets, backend: backend as Backend | 'both', mp: opts.mp } };
}
