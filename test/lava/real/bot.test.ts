/**
 * The bot, with the simulated Launchpad and CBuild, driving a real LAVA
 * 2023.01 server whose ssh device really checks out, builds and tests the toy
 * toolchain from a local bzr branch and publishes to the results host.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { LaunchpadSimulator } from '../../../src/launchpad/simulator.js';
import { CBuildSimulator } from '../../../src/cbuild/simulator.js';
import { LavaClient } from '../../../src/lava/client.js';
import { HttpClient } from '../../../src/http/client.js';
import { parseConfig, projectRoot } from '../../../src/config/config.js';
import { wireBot, type WiredBot } from '../../../src/app/wiring.js';
import { silentLogger } from '../../../src/log.js';
import { TestToolchain } from '../../e2e/harness.js';
import { requireRealLava, waitFor, type RealLava } from './env.js';

interface ToyBranch {
  TOY_BRANCH: string;
  TOY_GOOD_REVID: string;
  TOY_REGRESSION_REVID: string;
  TOY_BROKEN_REVID: string;
}

describe('real LAVA: the bot drives builds on a real server', function () {
  this.timeout(600_000);
  let lava: RealLava;
  let lp: LaunchpadSimulator;
  let cbuild: CBuildSimulator;
  let wired: WiredBot;
  let dir: string;
  let client: LavaClient;
  const linked: string[] = [];

  before(async function () {
    lava = requireRealLava(this);
    client = new LavaClient({ url: lava.rpcUrl, user: lava.user, token: lava.token, http: new HttpClient({ retries: 2 }) });
  });

  after(async () => {
    await wired?.close();
    await lp?.close();
    await cbuild?.close();
    for (const link of linked) rmSync(link, { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports a pass with the real job link and test counts, a broken build, an infrastructure failure, and cancels a superseded job', async () => {
    const out = execFileSync('bash', [join(projectRoot(), 'test/fixtures/toy-toolchain/make-branch.sh')], { encoding: 'utf8' });
    const toy = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2))) as unknown as ToyBranch;
    dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-real-lava-'));
    const branchesRoot = join(lava.stateDir, 'branches');

    lp = new LaunchpadSimulator();
    const serviceRoot = await lp.start();
    lp.addPerson('cbuild-bot', 'CBuild bot');
    lp.addPerson('dev', 'Toy Developer');
    lp.addProject('gcc-linaro', 'Linaro GCC');
    const trunk = lp.addBranch({ owner: 'dev', project: 'gcc-linaro', name: 'trunk', developmentFocus: true });
    lp.pushRevisions(trunk, 1, [toy.TOY_GOOD_REVID]);
    const proposals: Record<string, { branch: string; link: string }> = {};
    for (const [name, revids] of Object.entries({
      good: [toy.TOY_GOOD_REVID],
      broken: [toy.TOY_GOOD_REVID, toy.TOY_REGRESSION_REVID, toy.TOY_BROKEN_REVID],
      rerun: [toy.TOY_GOOD_REVID],
    })) {
      const branch = lp.addBranch({ owner: 'dev', project: 'gcc-linaro', name: `toy-${name}` });
      lp.pushRevisions(branch, revids.length, revids);
      // Builders fetch lp branches from the local bzr branch that holds every toy revision.
      const link = join(branchesRoot, branch);
      mkdirSync(dirname(link), { recursive: true });
      if (!existsSync(link)) symlinkSync(toy.TOY_BRANCH, link);
      linked.push(link);
      proposals[name] = { branch, link: lp.createMergeProposal({ source: branch, target: trunk, registrant: 'dev' }) };
    }
    lp.registerToken({ consumerKey: 'cbuild-bot', tokenKey: 'K'.repeat(20), tokenSecret: 's'.repeat(80), person: 'cbuild-bot', permission: 'WRITE_PUBLIC' });
    const credentials = join(dir, 'credentials');
    (await import('node:fs')).writeFileSync(credentials, `[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = ${'K'.repeat(20)}\naccess_secret = ${'s'.repeat(80)}\n`);

    cbuild = new CBuildSimulator({
      toolchain: new TestToolchain(),
      timing: { pollMs: 50 },
      hosts: [
        { name: 'oort1', queue: 'toy-native', arch: 'x86_64', distro: 'bookworm', config: 'toyr1', target: 'toy' },
        { name: 'oort2', queue: 'toy-down-native', arch: 'x86_64', distro: 'bookworm', config: 'toyr1', target: 'toy-down' },
      ],
    });
    await cbuild.start();
    const template = join(projectRoot(), 'templates/lava/toy-build.yaml');
    const config = parseConfig(
      {
        launchpad: { serviceRoot, watch: [{ project: 'gcc-linaro' }], branchUrl: `${branchesRoot}/{branch}` },
        cbuild: { schedulerUrl: cbuild.schedulerUrl, resultsUrl: cbuild.resultsUrl, product: 'toy' },
        lava: { url: lava.rpcUrl, user: lava.user },
        targets: {
          toy: { cbuild: { queue: 'toy-native' }, lava: { deviceType: lava.deviceType, template } },
          'toy-down': { cbuild: { queue: 'toy-down-native' }, lava: { deviceType: lava.downDeviceType, template } },
        },
        database: join(dir, 'bot.sqlite'),
        http: { timeoutMs: 20_000, retries: 3, maxRetryDelayMs: 2000 },
        infraRetries: { attempts: 2, delaysSeconds: [0] },
      },
      'real LAVA test config',
      projectRoot(),
    );
    wired = await wireBot(config, { logger: silentLogger, env: { CBUILD_BOT_LP_CREDENTIALS: credentials, CBUILD_BOT_LAVA_TOKEN: lava.token } });

    const results = (name: string) => lp.commentsOf(proposals[name].link).filter((c) => /cbuild-bot-ref: \d+\/results$/.test(c.content));
    let pushed = false;
    let supersededJob: number | undefined;
    await waitFor('every results comment', async () => {
      await wired.bot.runCycle();
      if (!pushed) {
        const [request] = await wired.store.requestsOfProposals([(await wired.store.proposalByLink(proposals.rerun.link))!.id]);
        const builds = request ? (await wired.store.buildsOfRequests([request.id])).get(request.id) ?? [] : [];
        const lavaBuild = builds.find((b) => b.backend === 'lava' && b.target === 'toy' && b.external_id);
        if (lavaBuild && (await client.showJob(Number(lavaBuild.external_id))).state === 'Running') {
          supersededJob = Number(lavaBuild.external_id);
          lp.pushRevisions(proposals.rerun.branch, 1, [toy.TOY_REGRESSION_REVID]);
          pushed = true;
        }
      }
      return pushed && ['good', 'broken', 'rerun'].every((n) => results(n).length === 1) ? true : undefined;
    }, 540_000, 2000);

    const good = results('good')[0].content;
    assert.match(good, /^- toy LAVA: PASS in [\dhms ]+[^:]*: http:\/\/127\.0\.0\.1:8000\/scheduler\/job\/\d+( \(full diff: \S+\))?$/m, 'a line per build, linking its LAVA job');
    assert.match(good, /^- toy LAVA: toy 8 PASS, 1 XFAIL$/m, 'counts parsed from the real toy.sum');
    assert.match(good, /^- toy-down LAVA: INFRASTRUCTURE FAILURE/m);
    assert.match(good, /\n- toy-down LAVA: LAVA job \d+ ended Incomplete: .*Connection closed.* \(attempt 2 of 2; all failed\)\n/);

    const broken = results('broken')[0].content;
    assert.match(broken, /^The build FAILED on toy \(LAVA\)\.\n/);
    assert.match(broken, /^- toy LAVA: BUILD FAILED in [\dhms ]+: http:\/\/127\.0\.0\.1:\d+\/\S+\/make\.log\n    LAVA job: http:\/\/127\.0\.0\.1:8000\/scheduler\/job\/\d+$/m, 'the make.log the job published, then the job');
    assert.match(broken, /\nFirst errors of the failed builds \(from make\.log\):\n- toy \(LAVA\):\n( {4}.*\n)* {4}.*lexer\.c:\d+:\d+: error: /, `the first error of the real build log:\n${broken}`);

    const rerun = results('rerun')[0].content;
    assert.match(rerun, /\nBuilds of revision 2 /);
    assert.match(rerun, /^- toy LAVA: toy 7 PASS, 1 FAIL, 1 XFAIL$/m, 'the regression revision: calc/modulo FAILs');
    const old = await waitFor('the superseded job to end', async () => {
      const j = await client.showJob(supersededJob!);
      return j.state === 'Finished' ? j : undefined;
    });
    assert.equal(old.health, 'Canceled', 'the superseded job was cancelled on the real server');
  });

  it('builds an older revision scheduled by hand by its number (bzr -r revno:N on the device)', async function () {
    if (!wired) this.skip(); // the first test set the scene
    const request = await wired.bot.schedule({ source: { branch: 'lp:~dev/gcc-linaro/toy-broken', revno: 2 }, targets: ['toy'], backend: 'lava', requestedBy: 'tester' });
    assert.deepEqual([request.kind, request.origin, request.revision], ['adhoc', 'schedule', { id: null, revno: 2 }], 'recorded as a revno, not as an id');
    const [submitted] = (await wired.store.buildsOfRequests([request.id])).get(request.id)!;
    assert.equal(submitted.state, 'queued', 'submitted at once');
    const build = await waitFor('the manual build', async () => {
      await wired.bot.runCycle();
      const b = await wired.store.build(submitted.id);
      return b && ['passed', 'failed', 'infra', 'error'].includes(b.state) ? b : undefined;
    }, 300_000, 2000);
    assert.equal(build.state, 'passed', build.detail ?? '');
    const toy = build.test_summary!.toy;
    assert.deepEqual([toy.PASS, toy.FAIL], [7, 1], 'revno 2 is the testsuite regression');
    assert.equal((await wired.store.request(request.id))!.state, 'done');
  });
});
