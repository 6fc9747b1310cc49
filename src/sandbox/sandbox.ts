/**
 * `cbuild-bot sandbox`: the whole job on loopback with no network. Starts the
 * simulated Launchpad, CBuild and LAVA (each replaceable by a real service),
 * seeds lp:gcc-linaro with a trunk and proposals that cover a passing build, a
 * failing build, a LAVA infrastructure failure and a new revision pushed while
 * builds run, runs the real bot until every proposal has its results comment,
 * and prints the comments as a reviewer reads them.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '../log.js';
import { parseConfig, projectRoot, type BotConfig } from '../config/config.js';
import { Metrics } from '../web/metrics.js';
import { Health } from '../web/health.js';
import { allEvents } from '../bot/events.js';
import { startStatusServer } from '../web/server.js';
import { wireBot, type WiredBot } from '../bot/wiring.js';
import { CBuildSimulator } from '../cbuild/simulator.js';
import { LavaSimulator } from '../lava/simulator.js';
import { LaunchpadSimulator } from '../launchpad/simulator.js';
import { LaunchpadClient } from '../launchpad/client.js';
import { readCredentialsFile } from '../launchpad/credentials.js';
import { HttpClient } from '../http/client.js';
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
  verbose: boolean;
  out: NodeJS.WritableStream;
}

const TOKEN_CHARS = '0123456789bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ';
function launchpadToken(length: number): string {
  return [...randomBytes(length)].map((b) => TOKEN_CHARS[b % TOKEN_CHARS.length]).join('');
}

export async function runSandbox(opts: SandboxOptions): Promise<number> {
  const logger = createLogger({ level: opts.verbose ? 'debug' : 'warn' });
  const say = (text: string) => opts.out.write(text + '\n');
  const dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-sandbox-'));
  const closers: (() => Promise<void>)[] = [];
  try {
    const sandbox = await startSandbox(opts, dir, logger, closers);
    say(`cbuild-bot sandbox (state in ${dir})`);
    say(`  Launchpad: ${sandbox.config.launchpad.serviceRoot}${sandbox.scenario ? ' (simulated)' : ''}`);
    say(`  CBuild:    ${sandbox.config.cbuild.schedulerUrl} (simulated)`);
    say(`  LAVA:      ${sandbox.config.lava.url}${opts.lava ? '' : ' (simulated)'}`);
    say(`  Status page: ${sandbox.statusUrl} (the queue, each proposal's history, LAVA capacity; /metrics)`);
    say('');
    const finished = await driveUntilDone(sandbox, opts.timeoutMs, logger, say);
    await printComments(sandbox, say);
    if (!finished) {
      say(`cbuild-bot sandbox: gave up after ${Math.round(opts.timeoutMs / 1000)} s before every proposal had its results comment`);
      return 1;
    }
    if (opts.keepRunning) {
      say(`Everything keeps running (status page: ${sandbox.statusUrl}); press Ctrl-C to stop.`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return 0;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Sandbox {
  config: BotConfig;
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
  let lavaTokenFile = opts.lavaTokenFile;
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
  let credentialsFile = opts.lpCredentials;
  let lpSimulator: LaunchpadSimulator | undefined;
  let scenario: SeededScenario | undefined;
  if (!serviceRoot) {
    lpSimulator = new LaunchpadSimulator({ logger });
    serviceRoot = await lpSimulator.start();
    closers.push(() => lpSimulator!.close());
    const tokenKey = launchpadToken(20);
    const tokenSecret = launchpadToken(80);
    scenario = seedGccLinaro(lpSimulator, { botPerson: 'cbuild-bot', lava: lavaSimulator });
    lpSimulator.registerToken({ consumerKey: 'cbuild-bot', tokenKey, tokenSecret, person: 'cbuild-bot', permission: 'WRITE_PUBLIC' });
    credentialsFile = join(dir, 'launchpad-credentials');
    writeFileSync(credentialsFile, `[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = ${tokenKey}\naccess_secret = ${tokenSecret}\n\n`, { mode: 0o600 });
  }

  const template = 'templates/lava/gcc-build.yaml';
  const config = parseConfig(
    {
      launchpad: { serviceRoot, watch: [{ project: opts.project }] },
      cbuild: { schedulerUrl: cbuild.schedulerUrl, resultsUrl: cbuild.resultsUrl, product: 'gcc-linaro' },
      lava: { url: lavaUrl, user: lavaUser },
      targets: {
        a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: opts.lavaDeviceType ?? 'panda-es', template } },
        x86_64: { cbuild: { queue: 'x86_64-ubuntu' }, lava: { deviceType: opts.lavaDeviceType ?? 'x86_64-build', template } },
      },
      database: join(dir, 'sandbox.sqlite'),
      http: { timeoutMs: 10_000, retries: 2, maxRetryDelayMs: 2000 },
      infraRetries: { attempts: 3, delaysSeconds: [1] },
      commands: { trusted: lpSimulator ? SANDBOX_TRUSTED : [] },
    },
    'sandbox configuration',
    projectRoot(),
  );
  const env: NodeJS.ProcessEnv = { CBUILD_BOT_LAVA_TOKEN_FILE: lavaTokenFile };
  if (credentialsFile) env.CBUILD_BOT_LP_CREDENTIALS = credentialsFile;
  const metrics = new Metrics({ processMetrics: false });
  const health = new Health();
  const wired = await wireBot(config, { logger, env, events: allEvents(metrics, health) });
  closers.push(() => wired.close());
  const status = await startStatusServer({
    store: wired.store,
    listen: opts.listen,
    lava: wired.lava,
    metrics,
    health,
    logger,
    launchpadWebRoot: lpSimulator ? new URL('/', serviceRoot).toString() : undefined,
  });
  closers.push(() => status.close());
  const launchpad = new LaunchpadClient({
    serviceRoot,
    credentials: credentialsFile ? readCredentialsFile(credentialsFile) : undefined,
    http: new HttpClient({ retries: 2, logger }),
    logger,
  });
  return { config, wired, launchpad, lpSimulator, scenario, statusUrl: status.url };
}

/** Runs cycles until every tracked proposal has a results comment for its current revision. */
async function driveUntilDone(sandbox: Sandbox, timeoutMs: number, logger: Logger, say: (t: string) => void): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const { store } = sandbox.wired;
  while (Date.now() < deadline) {
    await sandbox.wired.bot.runCycle().catch((err) => logger.error('cycle failed', { error: err }));
    const event = await sandbox.scenario?.step(store);
    if (event) say(`scenario: ${event}`);
    const proposals = await store.trackedProposals();
    const branches = await store.branches();
    const requests = await store.requestsOfProposals(proposals.map((p) => p.id));
    const comments = await store.commentsOfRequests(requests.map((r) => r.id));
    const pending = proposals.filter((p) => {
      const revision = branches.get(p.source_branch_link)?.last_scanned_id;
      const current = requests.filter((r) => r.proposal_id === p.id && r.revision_id === revision).at(-1);
      return !current || !comments.some((c) => c.request_id === current.id && c.kind === 'results' && (c.state === 'posted' || c.state === 'printed'));
    });
    if (proposals.length > 0 && pending.length === 0 && !(sandbox.scenario && !sandbox.scenario.finished())) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

async function printComments(sandbox: Sandbox, say: (t: string) => void): Promise<void> {
  const { store } = sandbox.wired;
  for (const proposal of await store.allProposals()) {
    say('='.repeat(100));
    say(`${proposal.web_link}  [${proposal.queue_status}]`);
    say(`lp:${proposal.source_branch} => lp:${proposal.target_branch}`);
    say('='.repeat(100));
    if (sandbox.wired.dryRun) {
      for (const c of (await store.allComments()).filter((c) => c.proposal_id === proposal.id)) say(`(dry run, not posted)\n${c.body}\n`);
      continue;
    }
    for (const c of await sandbox.launchpad.getComments(proposal.self_link)) {
      const author = c.author_link.replace(/.*\/~/, '~');
      say(`--- ${author} on ${c.date_created}${c.vote ? ` (vote: ${c.vote})` : ''}`);
      say(c.content ?? '');
      say('');
    }
  }
}
