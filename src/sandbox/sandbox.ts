/**
 * `cbuild-bot sandbox`: the whole job on loopback with no network. Starts the
 * simulated Launchpad, CBuild and LAVA (each replaceable by a real service),
 * seeds lp:gcc-linaro with git proposals (and one bzr proposal) that cover a
 * passing build, a failing build, a LAVA infrastructure failure and a new
 * commit pushed while builds run (see scenario.ts), runs the real bot until
 * every proposal has its results comment, prints the comments with each
 * proposal's page on the simulated Launchpad, and ends with the readiness
 * report: is LAVA ready to be the main build platform, per target. With --keep-running the
 * bot goes on cycling afterwards, so builds scheduled by hand against the
 * config it wrote are built and commented too.
 *
 * Its state (database, config, credentials) lives in a temporary directory
 * that goes away however the sandbox ends: normally, on an error, on SIGTERM
 * or on Ctrl-C.
 *
 * Events are on, as in production: the simulated Launchpad delivers webhooks
 * (registered with `cbuild-bot webhooks register`) and the simulated LAVA
 * calls back when a job ends, both to the bot's status server; cycles and
 * events take turns.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { commandLogger, type Logger, type LogSettings } from '../log.js';
import { parseConfig, projectRoot, type BotConfig } from '../config/config.js';
import { Metrics } from '../web/metrics.js';
import { Health } from '../web/health.js';
import { allEvents } from '../bot/events.js';
import { startStatusServer } from '../web/server.js';
import { wireBot, wireEvents, type WiredBot, type WiredEvents } from '../app/wiring.js';
import { Turns } from '../app/turns.js';
import { webhooksCommand } from '../app/webhooks-command.js';
import { vcsFor } from '../vcs/index.js';
import { CBuildSimulator } from '../cbuild/simulator.js';
import { LavaSimulator } from '../lava/simulator.js';
import { LaunchpadSimulator } from '../launchpad/simulator.js';
import { LaunchpadClient } from '../launchpad/client.js';
import { readCredentialsFile, writeCredentialsFile } from '../launchpad/credentials.js';
import { HttpClient } from '../http/client.js';
import { gatherReport } from '../report/gather.js';
import { readinessLines } from '../report/format.js';
import { reportSettings } from '../report/report.js';
import { windowEndingAt } from '../report/window.js';
import { shellQuote } from '../lava/template.js';
import { terminalSafe } from '../text.js';
import { SandboxToolchain } from './toolchain.js';
import { SANDBOX_TRUSTED, seedGccLinaro, type SeededScenario } from './scenario.js';

export interface SandboxOptions {
  launchpad?: string;
  lpCredentials?: string;
  project: string;
  lava?: string;
  lavaUser?: string;
  lavaTokenFile?: string;
  /** Device type for every target on a real LAVA. */
  lavaDeviceType?: string;
  timeoutMs: number;
  /** host:port of the status page (port 0: any free port). */
  listen: string;
  keepRunning: boolean;
  /** The bot's log (default: warnings and errors only). */
  log: LogSettings;
  out: NodeJS.WritableStream;
}

const TOKEN_CHARS = '0123456789bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ';
function launchpadToken(length: number): string {
  return [...randomBytes(length)].map((b) => TOKEN_CHARS[b % TOKEN_CHARS.length]).join('');
}

/** SIGINT and SIGTERM, caught from the start so that the directory with the credentials is always removed. */
interface Stop {
  readonly signal: NodeJS.Signals | null;
  /** Settles when a signal arrives. */
  readonly requested: Promise<void>;
  dispose(): void;
}

function catchStopSignals(): Stop {
  let signal: NodeJS.Signals | null = null;
  let wake!: () => void;
  const requested = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (received: NodeJS.Signals) => {
    signal ??= received;
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get signal() {
      return signal;
    },
    requested,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Waits `ms`, or less if a stop is requested. */
function pause(ms: number, stop: Stop): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), stop.requested]).finally(() => clearTimeout(timer));
}

export async function runSandbox(opts: SandboxOptions): Promise<number> {
  const logger = commandLogger(opts.log, 'warn');
  // Comments and names may come from a real Launchpad (--launchpad): shown, never acted on by the terminal.
  const say = (text: string) => opts.out.write(terminalSafe(text) + '\n');
  const stop = catchStopSignals();
  const dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-sandbox-'));
  const closers: (() => Promise<void>)[] = [];
  const interrupted = (signal: NodeJS.Signals) => {
    say(`cbuild-bot sandbox: stopped by ${signal}; removing ${dir}`);
    return 128 + (signal === 'SIGINT' ? 2 : 15);
  };
  try {
    const sandbox = await startSandbox(opts, dir, logger, closers);
    say(`cbuild-bot sandbox (state in ${dir})`);
    say(`  Launchpad: ${sandbox.config.launchpad.serviceRoot}${sandbox.scenario ? ' (simulated)' : ''}`);
    say(`  CBuild:    ${sandbox.config.cbuild.schedulerUrl} (simulated)`);
    say(`  LAVA:      ${sandbox.config.lava.url}${opts.lava ? '' : ' (simulated)'}`);
    say(`  Status page: ${sandbox.statusUrl} (the queue, each proposal's history, LAVA capacity; /metrics)`);
    say(`  Config:    ${sandbox.configFile}`);
    say('');
    const finished = await driveUntilDone(sandbox, opts.timeoutMs, say, stop);
    if (stop.signal) return interrupted(stop.signal);
    await printComments(sandbox, say);
    say(eventsLine(sandbox));
    if (finished) await printReadiness(sandbox, say);
    if (!finished) {
      say(`cbuild-bot sandbox: gave up after ${Math.round(opts.timeoutMs / 1000)} s before every proposal had its results comment`);
      return 1;
    }
    if (opts.keepRunning) {
      say(`Everything keeps running (status page: ${sandbox.statusUrl}), the bot too: builds scheduled by hand are built and commented, e.g.`);
      say(`  ${await exampleSchedule(sandbox)}`);
      say(`Press Ctrl-C to stop; that removes ${dir} and the credentials in it.`);
      while (!stop.signal) {
        await sandbox.turns.run('cycle', () => sandbox.wired.bot.runCycle());
        await pause(1000, stop);
      }
    }
    return 0;
  } finally {
    // Signals stay caught until the directory is gone: a second Ctrl-C must not leave it behind.
    for (const close of closers.reverse()) await close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    stop.dispose();
  }
}

/** A `schedule` command line for one of the sandbox's proposals, to copy. */
async function exampleSchedule(sandbox: Sandbox): Promise<string> {
  const cli = process.argv[1] ?? 'dist/src/cli.js';
  const fromHere = relative(process.cwd(), cli);
  const words = ['node', fromHere.startsWith('..') || isAbsolute(fromHere) ? cli : fromHere, 'schedule', '--config', sandbox.configFile];
  const [proposal] = await sandbox.wired.store.trackedProposals();
  if (!proposal) words.push('--branch', 'lp:~user/project/branch');
  else if (proposal.source.ref === null) words.push('--branch', `lp:${proposal.source.path}`);
  else words.push('--repository', `lp:${proposal.source.path}`, '--ref', proposal.source.ref);
  if (proposal) words.push('--mp', proposal.web_link);
  return words.map(shellWord).join(' ');
}

/** A word the shell reads as itself (names from a real Launchpad are data, not shell syntax). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : shellQuote(word);
}

interface Sandbox {
  config: BotConfig;
  /** Cycles and events take turns here. */
  turns: Turns;
  events: WiredEvents;
  lavaSimulator?: LavaSimulator;
  /** The config file it wrote, for `cbuild-bot schedule --config` while it keeps running. */
  configFile: string;
  wired: WiredBot;
  launchpad: LaunchpadClient;
  lpSimulator?: LaunchpadSimulator;
  scenario?: SeededScenario;
  /** The bot's status page. */
  statusUrl: string;
}

async function startSandbox(opts: SandboxOptions, dir: string, logger: Logger, closers: (() => Promise<void>)[]): Promise<Sandbox> {
  const toolchain = new SandboxToolchain();
  const cbuild = new CBuildSimulator({
    toolchain,
    logger,
    timing: { pollMs: 200 },
    hosts: [
      { name: 'ursa1', queue: 'a9hf-ubuntu', arch: 'armv7l', distro: 'precise', config: 'cortexa9hfr1', target: 'a9hf' },
      { name: 'ursa2', queue: 'a9hf-ubuntu', arch: 'armv7l', distro: 'precise', config: 'cortexa9hfr1', target: 'a9hf' },
      { name: 'oort1', queue: 'x86_64-ubuntu', arch: 'x86_64', distro: 'precise', config: 'x86_64r1', target: 'x86_64' },
      { name: 'oort2', queue: 'x86_64-ubuntu', arch: 'x86_64', distro: 'precise', config: 'x86_64r1', target: 'x86_64' },
    ],
  });
  await cbuild.start();
  closers.push(() => cbuild.close());

  let lavaUrl = opts.lava;
  let lavaUser = opts.lavaUser;
  let lavaTokenFile = opts.lavaTokenFile && resolve(opts.lavaTokenFile);
  let lavaSimulator: LavaSimulator | undefined;
  if (!lavaUrl) {
    const token = randomBytes(32).toString('hex');
    lavaUser = 'cbuild-bot';
    lavaSimulator = new LavaSimulator({
      toolchain,
      logger,
      users: { [lavaUser]: token },
      devices: [
        { hostname: 'panda-es-01', deviceType: 'panda-es' },
        { hostname: 'panda-es-02', deviceType: 'panda-es' },
        { hostname: 'x86-64-build-01', deviceType: 'x86_64-build', arch: 'x86_64' },
        { hostname: 'x86-64-build-02', deviceType: 'x86_64-build', arch: 'x86_64' },
      ],
      timing: { queueMs: 600, scheduleMs: 200, startMs: 300, bootMs: 300, finishMs: 300, cancelMs: 200 },
    });
    await lavaSimulator.start();
    closers.push(() => lavaSimulator!.close());
    lavaUrl = lavaSimulator.rpcUrl;
    lavaTokenFile = join(dir, 'lava-token');
    writeFileSync(lavaTokenFile, token + '\n', { mode: 0o600 });
  }

  let serviceRoot = opts.launchpad;
  let credentialsFile = opts.lpCredentials && resolve(opts.lpCredentials);
  let lpSimulator: LaunchpadSimulator | undefined;
  let scenario: SeededScenario | undefined;
  if (!serviceRoot) {
    // Launchpad's retry schedule a thousand times faster; deliveries up to 50 ms apart, in no set order.
    lpSimulator = new LaunchpadSimulator({ logger, webhooks: { timeScale: 1 / 1000, jitterMs: 50 } });
    serviceRoot = await lpSimulator.start();
    closers.push(() => lpSimulator!.close());
    const tokenKey = launchpadToken(20);
    const tokenSecret = launchpadToken(80);
    scenario = seedGccLinaro(lpSimulator, { botPerson: 'cbuild-bot', lava: lavaSimulator, toolchain });
    lpSimulator.registerToken({ consumerKey: 'cbuild-bot', tokenKey, tokenSecret, person: 'cbuild-bot', permission: 'WRITE_PUBLIC' });
    credentialsFile = join(dir, 'launchpad-credentials');
    writeCredentialsFile(credentialsFile, { consumerKey: 'cbuild-bot', consumerSecret: '', accessToken: tokenKey, accessSecret: tokenSecret });
  }

  const template = join(projectRoot(), 'templates/lava/gcc-build.yaml');
  // Events need the simulated Launchpad (webhooks can be registered there) and a LAVA on this machine (it must reach the status server).
  const webhookSecretFile = join(dir, 'webhook-secret');
  if (lpSimulator) writeFileSync(webhookSecretFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  const lavaCallbacks = /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(lavaUrl);
  const raw = {
    launchpad: { serviceRoot, watch: [{ project: opts.project }], ...(credentialsFile ? { credentialsFile } : {}) },
    cbuild: { schedulerUrl: cbuild.schedulerUrl, resultsUrl: cbuild.resultsUrl, product: 'gcc-linaro' },
    lava: { url: lavaUrl, user: lavaUser, tokenFile: lavaTokenFile },
    targets: {
      a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: opts.lavaDeviceType ?? 'panda-es', template } },
      x86_64: { cbuild: { queue: 'x86_64-ubuntu' }, lava: { deviceType: opts.lavaDeviceType ?? 'x86_64-build', template } },
    },
    database: join(dir, 'sandbox.sqlite'),
    http: { timeoutMs: 10_000, retries: 2, maxRetryDelayMs: 2000 },
    infraRetries: { attempts: 3, delaysSeconds: [1] },
    commands: { trusted: lpSimulator ? SANDBOX_TRUSTED : [] },
    webhooks: {
      ...(lpSimulator ? { launchpad: { secretFile: webhookSecretFile } } : {}),
      // The status server's port is known once it listens: set below.
      ...(lavaCallbacks ? { lava: { url: 'http://127.0.0.1:1/' } } : {}),
    },
  };
  const configFile = join(dir, 'bot.config.json');
  const config = parseConfig(raw, configFile, dir);
  // The files named in the config, not whatever the user's environment names.
  const metrics = new Metrics({ processMetrics: false });
  const health = new Health();
  const wired = await wireBot(config, { logger, env: {}, events: allEvents(metrics, health) });
  closers.push(() => wired.close());
  const turns = new Turns(logger);
  const events = wireEvents(wired, config, turns, logger, {});
  closers.push(async () => {
    events.queue.close();
    await turns.drained();
  });
  const status = await startStatusServer({
    store: wired.store,
    listen: opts.listen,
    lava: wired.lava,
    metrics,
    health,
    logger,
    launchpadWebRoot: lpSimulator ? new URL('/', serviceRoot).toString() : undefined,
    hooks: events.receiver,
  });
  closers.push(() => status.close());
  // Before the first cycle submits a job: jobs call back to where the status server listens.
  if (config.webhooks.lava) config.webhooks.lava.url = raw.webhooks.lava!.url = status.url;
  writeFileSync(configFile, JSON.stringify(raw, null, 2) + '\n', { mode: 0o600 });
  if (lpSimulator) {
    // As an operator would: the real command, with the config just written.
    const output: string[] = [];
    const sink = { write: (t: string) => output.push(t) } as unknown as NodeJS.WritableStream;
    const code = await webhooksCommand('register', { config: configFile, log: { format: 'text', level: 'error' }, url: `${status.url}hooks/launchpad`, env: {} }, { stdout: sink, stderr: sink });
    if (code !== 0) throw new Error(`cbuild-bot webhooks register failed in the sandbox:\n${output.join('')}`);
  }
  const launchpad = new LaunchpadClient({
    serviceRoot,
    credentials: credentialsFile ? readCredentialsFile(credentialsFile) : undefined,
    http: new HttpClient({ retries: 2, logger }),
    logger,
  });
  return { config, configFile, wired, turns, events, lavaSimulator, launchpad, lpSimulator, scenario, statusUrl: status.url };
}

/** Runs cycles until every tracked proposal has a results comment for its current revision. */
async function driveUntilDone(sandbox: Sandbox, timeoutMs: number, say: (t: string) => void, stop: Stop): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const { store } = sandbox.wired;
  while (Date.now() < deadline && !stop.signal) {
    await sandbox.turns.run('cycle', () => sandbox.wired.bot.runCycle());
    const event = await sandbox.scenario?.step(store);
    if (event) say(`scenario: ${event}`);
    const proposals = await store.trackedProposals();
    const tips = await store.sourceTips();
    const requests = await store.requestsOfProposals(proposals.map((p) => p.id));
    const comments = await store.commentsOfRequests(requests.map((r) => r.id));
    const pending = proposals.filter((p) => {
      const revision = tips.get(p.source.link)?.tip;
      const current = requests.filter((r) => r.proposal_id === p.id && r.revision.id === revision).at(-1);
      return !current || !comments.some((c) => c.request_id === current.id && c.kind === 'results' && (c.state === 'posted' || c.state === 'printed'));
    });
    if (proposals.length > 0 && pending.length === 0 && !(sandbox.scenario && !sandbox.scenario.finished())) return true;
    await pause(300, stop);
  }
  return false;
}

/**
 * The end of the story: is LAVA ready to be the main build platform, per
 * target, from what the sandbox built (`cbuild-bot report` says the same).
 * One more cycle first, so the last pairs are compared test by test.
 */
async function printReadiness(sandbox: Sandbox, say: (t: string) => void): Promise<void> {
  await sandbox.turns.run('cycle', () => sandbox.wired.bot.runCycle());
  const report = await gatherReport(sandbox.wired.store, windowEndingAt(new Date(), '1d'), { lava: sandbox.wired.lava, settings: reportSettings(sandbox.config) });
  say('='.repeat(100));
  for (const line of readinessLines(report)) say(line);
  say('');
}

/** How much of the work events started. */
function eventsLine(sandbox: Sandbox): string {
  const deliveries = sandbox.lpSimulator?.webhookDeliveries() ?? [];
  const callbacks = sandbox.lavaSimulator?.callbacks() ?? [];
  const parts = [
    sandbox.lpSimulator
      ? `${deliveries.length} Launchpad webhook deliveries (${deliveries.filter((d) => d.successful).length} taken, ${deliveries.filter((d) => d.pending).length} on their way)`
      : 'no Launchpad webhooks (a real Launchpad)',
    sandbox.lavaSimulator ? `${callbacks.filter((c) => c.status === 202).length} of ${callbacks.length} LAVA job callbacks taken` : sandbox.config.webhooks.lava ? 'LAVA calls back to the status server' : 'no LAVA callbacks (a LAVA elsewhere)',
  ];
  return `Events: ${parts.join('; ')}.`;
}

async function printComments(sandbox: Sandbox, say: (t: string) => void): Promise<void> {
  const { store } = sandbox.wired;
  for (const proposal of await store.allProposals()) {
    say('='.repeat(100));
    say(`${proposal.web_link}  [${proposal.queue_status}]`);
    const vcs = vcsFor(proposal.source.vcs);
    say(`${vcs.describeSource(proposal.source)} => ${vcs.describeSource(proposal.target)}`);
    say('='.repeat(100));
    for (const c of await sandbox.launchpad.getComments(proposal.self_link)) {
      const author = c.author_link.replace(/.*\/~/, '~');
      say(`--- ${author} on ${c.date_created}${c.vote ? ` (vote: ${c.vote})` : ''}`);
      say(c.content ?? '');
      say('');
    }
  }
}
