/**
 * End-to-end harness: the three simulators on loopback, a seeded project, and
 * a bot wired exactly as `cbuild-bot once` wires it, over real HTTP and real
 * sqlite.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { LaunchpadSimulator } from '../../src/launchpad/simulator.js';
import type { SimWebhookOptions } from '../../src/launchpad/sim-webhooks.js';
import { CBuildSimulator } from '../../src/cbuild/simulator.js';
import { LavaSimulator } from '../../src/lava/simulator.js';
import type { BuildOutcome, BuildSpec, Toolchain } from '../../src/cbuild/toolchain.js';
import { renderSum } from '../../src/results/index.js';
import { parseConfig, projectRoot, type BotConfig } from '../../src/config/config.js';
import { wireBot, type WiredBot, type WiringOptions } from '../../src/app/wiring.js';
import { createLogger, silentLogger } from '../../src/log.js';

/** A build's source as the harness names it: a bzr branch's unique name, or `<repository>:<ref>` (vcs/sourceKey). */
/** A log that keeps its lines, for tests that read what the bot said. */
export function recordingLogger(level: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level, sink: { write: (l) => lines.push(l) } }) };
}

export function specKey(spec: BuildSpec): string {
  return spec.ref === null ? spec.source : `${spec.source}:${spec.ref}`;
}

/** Builds pass with a tiny testsuite unless the source is listed as broken. */
export class TestToolchain implements Toolchain {
  readonly broken = new Set<string>();
  /** Sources whose builds turn `gcc.dg/pr1.c` from PASS into FAIL and add a failing new test. */
  readonly regressed = new Set<string>();
  /** Branches whose LAVA builds (an image unlike CBuild's) FAIL `gcc.dg/pr2.c` and lose `gcc.dg/pr4.c`. */
  readonly lavaDiffers = new Set<string>();
  /** Branches on which `gcc.dg/pr3.c` PASSes on every second build of the same revision, target and backend (a flaky test). */
  readonly flaky = new Set<string>();
  private readonly builtBefore = new Map<string, number>();
  durationMs = 150;
  readonly specs: BuildSpec[] = [];

  build(spec: BuildSpec): BuildOutcome {
    this.specs.push(spec);
    if (this.broken.has(specKey(spec))) {
      return { result: 'build-failure', durationMs: this.durationMs, files: { 'make.log': "gcc/foo.c:1:1: error: expected ';'\nmake: *** [all] Error 2\n" } };
    }
    const regressed = this.regressed.has(specKey(spec));
    const imageDiffers = spec.backend === 'lava' && this.lavaDiffers.has(specKey(spec));
    const key = [specKey(spec), spec.revision, spec.target, spec.backend].join(' ');
    const nth = (this.builtBefore.get(key) ?? 0) + 1;
    this.builtBefore.set(key, nth);
    const flipped = this.flaky.has(specKey(spec)) && nth % 2 === 0;
    const sum = renderSum({
      tool: 'gcc',
      target: spec.target,
      results: [
        { status: regressed ? 'FAIL' : 'PASS', name: 'gcc.dg/pr1.c (test for excess errors)' },
        { status: imageDiffers ? 'FAIL' : 'PASS', name: 'gcc.dg/pr2.c (test for excess errors)' },
        { status: flipped ? 'PASS' : 'FAIL', name: 'gcc.dg/pr3.c execution test' },
        ...(imageDiffers ? [] : [{ status: 'XFAIL' as const, name: 'gcc.dg/pr4.c scan-assembler vld1' }]),
        ...(regressed ? [{ status: 'FAIL' as const, name: 'gcc.dg/pr5.c (test for excess errors)' }] : []),
      ],
    });
    return { result: 'pass', durationMs: this.durationMs, files: { 'make.log': 'make: done\n', 'gcc.sum': sum } };
  }
}

export interface Harness {
  lp: LaunchpadSimulator;
  cbuild: CBuildSimulator;
  lava: LavaSimulator;
  toolchain: TestToolchain;
  trunk: string;
  /** The project's default git repository (`lp:gcc-linaro`), with `refs/heads/master`. */
  gitTrunk: string;
  dir: string;
  config: BotConfig;
  credentialsFile: string;
  lavaTokenFile: string;
  /** A bot wired like `cbuild-bot once` (credentials from the files above); `vote` turns review votes on. */
  wire(options?: Partial<WiringOptions> & { anonymous?: boolean; vote?: boolean; config?: Partial<BotConfig> }): Promise<WiredBot>;
  /** Creates a branch with revisions and a proposal targeting trunk; returns its self_link and branch. */
  propose(owner: string, name: string, status?: 'Needs review' | 'Work in progress'): { link: string; branch: string };
  /**
   * Creates `refs/heads/<name>` with commits in `~owner/gcc-linaro/+git/gcc-linaro` and a git proposal
   * into the default repository's master; `branch` is `<repository>:<ref>`, as the toolchain names sources.
   */
  proposeGit(owner: string, name: string, status?: 'Needs review' | 'Work in progress'): { link: string; branch: string; repository: string; ref: string };
  close(): Promise<void>;
}

export const LP_TOKEN = { key: 'AbCdEfGhJkLmNpQrStVw', secret: 'S'.repeat(40) + 'ecret' + 'x'.repeat(35) };
export const LAVA_TOKEN = 'lavatoken0123456789abcdefghijklmnopqrstuvwxyz';

export async function startHarness(options: { batchSize?: number; webhooks?: SimWebhookOptions } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-e2e-'));
  const toolchain = new TestToolchain();
  const lp = new LaunchpadSimulator({ defaultBatchSize: options.batchSize, webhooks: options.webhooks });
  const serviceRoot = await lp.start();
  const cbuild = new CBuildSimulator({
    toolchain,
    timing: { pollMs: 20 },
    hosts: [
      { name: 'ursa1', queue: 'a9hf-ubuntu', arch: 'armv7l', distro: 'precise', config: 'cortexa9hfr1', target: 'a9hf' },
      { name: 'oort1', queue: 'x86_64-ubuntu', arch: 'x86_64', distro: 'precise', config: 'x86_64r1', target: 'x86_64' },
    ],
  });
  await cbuild.start();
  const lava = new LavaSimulator({
    toolchain,
    users: { 'cbuild-bot': LAVA_TOKEN },
    devices: [
      { hostname: 'panda-es-01', deviceType: 'panda-es' },
      { hostname: 'x86-64-build-01', deviceType: 'x86_64-build', arch: 'x86_64' },
    ],
    timing: { queueMs: 20, scheduleMs: 10, startMs: 10, bootMs: 10, finishMs: 10, cancelMs: 10 },
  });
  await lava.start();

  lp.addPerson('cbuild-bot', 'CBuild bot');
  lp.addPerson('linaro-toolchain', 'Linaro toolchain');
  lp.addProject('gcc-linaro', 'Linaro GCC');
  const trunk = lp.addBranch({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: 'trunk', developmentFocus: true });
  lp.pushRevisions(trunk, 3);
  const gitTrunk = lp.addGitRepository({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: 'gcc-linaro', targetDefault: true });
  lp.pushCommits(gitTrunk, 'refs/heads/master', 3);
  lp.registerToken({ consumerKey: 'cbuild-bot', tokenKey: LP_TOKEN.key, tokenSecret: LP_TOKEN.secret, person: 'cbuild-bot', permission: 'WRITE_PUBLIC' });
  const credentialsFile = join(dir, 'credentials');
  writeFileSync(credentialsFile, `[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = ${LP_TOKEN.key}\naccess_secret = ${LP_TOKEN.secret}\n`, { mode: 0o600 });
  const lavaTokenFile = join(dir, 'lava-token');
  writeFileSync(lavaTokenFile, LAVA_TOKEN + '\n', { mode: 0o600 });

  const template = 'templates/lava/gcc-build.yaml';
  const rawConfig = {
    launchpad: { serviceRoot, watch: [{ project: 'gcc-linaro' }], ...(options.batchSize ? { pageSize: options.batchSize } : {}) },
    cbuild: { schedulerUrl: cbuild.schedulerUrl, resultsUrl: cbuild.resultsUrl },
    lava: { url: lava.rpcUrl, user: 'cbuild-bot', tokenFile: lavaTokenFile },
    targets: {
      a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template } },
      x86_64: { cbuild: { queue: 'x86_64-ubuntu' }, lava: { deviceType: 'x86_64-build', template } },
    },
    database: join(dir, 'bot.sqlite'),
    http: { timeoutMs: 5000, retries: 3, maxRetryDelayMs: 1500, listen: '127.0.0.1:0' },
    infraRetries: { attempts: 3, delaysSeconds: [0] },
  };
  writeFileSync(join(dir, 'bot.config.json'), JSON.stringify({ ...rawConfig, targets: Object.fromEntries(
    Object.entries(rawConfig.targets).map(([k, v]) => [k, { ...v, lava: { ...v.lava, template: join(projectRoot(), template) } }]),
  ) }, null, 2));
  const config = parseConfig(rawConfig, 'e2e config', projectRoot());
  const opened: WiredBot[] = [];

  return {
    lp, cbuild, lava, toolchain, trunk, gitTrunk, dir, config, credentialsFile, lavaTokenFile,
    async wire(opts = {}) {
      const env: NodeJS.ProcessEnv = opts.anonymous ? {} : { CBUILD_BOT_LP_CREDENTIALS: credentialsFile };
      const wired = await wireBot({ ...config, vote: opts.vote ?? false, ...opts.config }, { logger: silentLogger, print: () => {}, ...opts, env });
      opened.push(wired);
      return wired;
    },
    propose(owner, name, status = 'Needs review') {
      try {
        lp.addPerson(owner, owner);
      } catch {
        /* already there */
      }
      const branch = lp.addBranch({ owner, project: 'gcc-linaro', name });
      lp.pushRevisions(branch, 2);
      return { link: lp.createMergeProposal({ source: branch, target: trunk, registrant: owner, status }), branch };
    },
    proposeGit(owner, name, status = 'Needs review') {
      try {
        lp.addPerson(owner, owner);
      } catch {
        /* already there */
      }
      const repository = `~${owner}/gcc-linaro/+git/gcc-linaro`;
      if (!lp.hasGitRepository(repository)) lp.addGitRepository({ owner, project: 'gcc-linaro', name: 'gcc-linaro' });
      const ref = `refs/heads/${name}`;
      lp.pushCommits(repository, ref, 2);
      const link = lp.createMergeProposal({ source: repository, sourceRef: ref, target: gitTrunk, targetRef: 'refs/heads/master', registrant: owner, status });
      return { link, branch: `${repository}:${ref}`, repository, ref };
    },
    async close() {
      for (const w of opened) await w.close().catch(() => {});
      await Promise.all([lp.close(), cbuild.close(), lava.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs bot cycles until `done` holds (or fails after `timeoutMs`). */
export async function cycleUntil(wired: WiredBot, done: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let cycles = 0;
  while (Date.now() < deadline) {
    await wired.bot.runCycle();
    cycles++;
    if (await done()) return cycles;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`condition not reached after ${cycles} cycles`);
}

/** The bot's comments on a proposal of the simulated Launchpad, oldest first. */
export function botComments(h: Harness, link: string) {
  return h.lp.commentsOf(link).filter((c) => c.author === 'cbuild-bot');
}

/** The markers of the bot's comments on a proposal (`12/ack`, `12/results`, `command/3`), oldest first. */
export function markers(h: Harness, link: string): string[] {
  return botComments(h, link).map((c) => /cbuild-bot-ref: (\S+)\s*$/.exec(c.content)?.[1] ?? '?');
}
