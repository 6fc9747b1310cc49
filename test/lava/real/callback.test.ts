/**
 * A real LAVA 2023.01 server calls the bot back: a proposal pushed on the
 * simulated Launchpad is built on the real server's ssh device, the job's
 * notify callback reaches the bot's status server on loopback, and the
 * results comment is posted without a single poll of the job by a cycle —
 * only the bot's look at the job that called back.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { LaunchpadSimulator } from '../../../src/launchpad/simulator.js';
import { CBuildSimulator } from '../../../src/cbuild/simulator.js';
import { parseConfig, projectRoot } from '../../../src/config/config.js';
import { wireBot, wireEvents, type WiredBot, type WiredEvents } from '../../../src/app/wiring.js';
import { Turns } from '../../../src/app/turns.js';
import { startStatusServer, type StatusServer } from '../../../src/web/server.js';
import { createLogger } from '../../../src/log.js';
import { TestToolchain } from '../../e2e/harness.js';
import { requireRealLava, waitFor, type RealLava } from './env.js';

describe('real LAVA: job callbacks', function () {
  this.timeout(600_000);
  let lava: RealLava;
  let lp: LaunchpadSimulator;
  let cbuild: CBuildSimulator;
  let wired: WiredBot | undefined;
  let events: WiredEvents | undefined;
  let turns: Turns;
  let server: StatusServer | undefined;
  let dir: string;
  const linked: string[] = [];

  before(function () {
    lava = requireRealLava(this);
  });

  after(async () => {
    events?.queue.close();
    await turns?.drained();
    await server?.close();
    await wired?.close();
    await lp?.close();
    await cbuild?.close();
    for (const link of linked) rmSync(link, { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("posts the results comment when the real server calls back, with no cycle polling the job", async () => {
    const out = execFileSync('bash', [join(projectRoot(), 'test/fixtures/toy-toolchain/make-branch.sh')], { encoding: 'utf8' });
    const toy = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2))) as Record<string, string>;
    dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-real-lava-callback-'));
    const branchesRoot = join(lava.stateDir, 'branches');

    lp = new LaunchpadSimulator({ webhooks: { timeScale: 1 / 1000 } });
    const serviceRoot = await lp.start();
    lp.addPerson('cbuild-bot', 'CBuild bot');
    lp.addPerson('dev', 'Toy Developer');
    lp.addTeam('toy-owners', 'Toy owners', ['cbuild-bot']);
    lp.addProject('gcc-linaro', 'Linaro GCC');
    const trunk = lp.addBranch({ owner: 'toy-owners', project: 'gcc-linaro', name: 'trunk', developmentFocus: true });
    lp.pushRevisions(trunk, 1, [toy.TOY_GOOD_REVID]);
    const branch = lp.addBranch({ owner: 'dev', project: 'gcc-linaro', name: 'toy-callback' });
    for (const b of [trunk, branch]) {
      const link = join(branchesRoot, b);
      mkdirSync(dirname(link), { recursive: true });
      if (!existsSync(link)) {
        symlinkSync(toy.TOY_BRANCH, link);
        linked.push(link);
      }
    }
    lp.registerToken({ consumerKey: 'cbuild-bot', tokenKey: 'C'.repeat(20), tokenSecret: 'c'.repeat(80), person: 'cbuild-bot', permission: 'WRITE_PUBLIC' });
    const credentials = join(dir, 'credentials');
    writeFileSync(credentials, `[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = ${'C'.repeat(20)}\naccess_secret = ${'c'.repeat(80)}\n`);
    const secretFile = join(dir, 'webhook-secret');
    writeFileSync(secretFile, 'real-lava-callback-webhook-secret\n');

    cbuild = new CBuildSimulator({ toolchain: new TestToolchain(), timing: { pollMs: 50 }, hosts: [] });
    await cbuild.start();
    const config = parseConfig(
      {
        launchpad: { serviceRoot, watch: [{ project: 'gcc-linaro' }], branchUrl: `${branchesRoot}/{branch}` },
        cbuild: { schedulerUrl: cbuild.schedulerUrl, resultsUrl: cbuild.resultsUrl, product: 'toy' },
        lava: { url: lava.rpcUrl, user: lava.user },
        targets: { toy: { cbuild: { queue: 'toy-native' }, lava: { deviceType: lava.deviceType, template: join(projectRoot(), 'templates/lava/toy-build.yaml') } } },
        // LAVA alone: the only way the bot learns a job ended, here, is its callback.
        rollout: { cbuild: 'off' },
        database: join(dir, 'bot.sqlite'),
        http: { timeoutMs: 20_000, retries: 3, maxRetryDelayMs: 2000 },
        webhooks: { launchpad: { secretFile }, lava: { url: 'http://127.0.0.1:1/' } },
      },
      'real LAVA callback config',
      projectRoot(),
    );
    const logged: string[] = [];
    const logger = createLogger({ level: 'info', sink: { write: (line) => logged.push(line) } });
    wired = await wireBot(config, { logger, env: { CBUILD_BOT_LP_CREDENTIALS: credentials, CBUILD_BOT_LAVA_TOKEN: lava.token } });
    turns = new Turns(logger);
    events = wireEvents(wired, config, turns, logger, {});
    server = await startStatusServer({ store: wired.store, listen: '127.0.0.1:0', logger, hooks: events.receiver });
    config.webhooks.lava!.url = server.url;
    await wired.launchpad.newWebhook(`${wired.launchpad.apiRoot}${trunk}`, { deliveryUrl: `${server.url}hooks/launchpad`, eventTypes: ['merge-proposal:0.1'], secret: 'real-lava-callback-webhook-secret' });

    // The catch-up poll at start, then nothing but events: the proposal arrives by webhook.
    await turns.run('cycle', () => wired!.bot.runCycle());
    lp.pushRevisions(branch, 1, [toy.TOY_GOOD_REVID]);
    const mp = lp.createMergeProposal({ source: branch, target: trunk, registrant: 'dev' });
    const results = () => lp.commentsOf(mp).filter((c) => /cbuild-bot-ref: \d+\/results$/.test(c.content));
    await waitFor('the results comment', async () => (results().length === 1 ? true : undefined), 540_000, 1000);

    const comment = results()[0].content;
    assert.match(comment, /^- toy LAVA: PASS in [\dhms ]+[^:]*: http:\/\/127\.0\.0\.1:8000\/scheduler\/job\/\d+( \(full diff: \S+\))?$/m, comment);
    assert.match(comment, /^- toy LAVA: toy 8 PASS, 1 XFAIL$/m, 'counts from the real toy.sum');
    const callbacks = logged.filter((l) => /LAVA callback .*build=\d+/.test(l));
    assert.ok(callbacks.length >= 2, `the proposal's job and its baseline's called back:\n${logged.join('\n')}`);
    assert.equal(logged.filter((l) => /cycle done/.test(l)).length, 1, 'one cycle ran: the poll at start');
    // Each job's token is in its definition on the server, and nowhere in the bot's log.
    const builds = await wired.store.db.all<{ external_id: string }>("SELECT external_id FROM builds WHERE backend = 'lava'");
    for (const { external_id } of builds) {
      const token = /token: (\S+)/.exec(await wired.lava.jobDefinition(Number(external_id)))?.[1];
      assert.ok(token && token.length === 64, 'the job was given its token');
      assert.ok(!logged.some((l) => l.includes(token!)), 'no token in the log');
    }
  });
});
