/**
 * A git merge proposal built by a real LAVA 2023.01 server: the toy
 * toolchain's repository (test/fixtures/toy-toolchain/make-repo.sh) is served
 * over git's dumb HTTP protocol on loopback, and the ssh device fetches it
 * with real git. The simulated Launchpad says the proposal's ref is at an
 * older commit than the served ref's tip (a push Launchpad has not scanned
 * yet): the bot must build exactly the commit it was told, not the tip. The
 * ref's name is hostile-but-legal, so the real shell on the device is the
 * judge of the template's quoting.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { LaunchpadSimulator } from '../../../src/launchpad/simulator.js';
import { CBuildSimulator } from '../../../src/cbuild/simulator.js';
import { LavaClient } from '../../../src/lava/client.js';
import { HttpClient } from '../../../src/http/client.js';
import { parseConfig, projectRoot } from '../../../src/config/config.js';
import { wireBot, type WiredBot } from '../../../src/app/wiring.js';
import { silentLogger } from '../../../src/log.js';
import { TestToolchain } from '../../e2e/harness.js';
import { requireRealLava, waitFor, type RealLava } from './env.js';

interface ToyRepository {
  TOY_REPOSITORY: string;
  TOY_GOOD_COMMIT: string;
  TOY_REGRESSION_COMMIT: string;
  TOY_BROKEN_COMMIT: string;
  TOY_FIXED_COMMIT: string;
}

/** A static file server of `root` (GET only, no listing): all git's dumb HTTP protocol needs. */
async function serveStatic(root: string, seen: string[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    seen.push(path);
    const file = normalize(join(root, path));
    if (req.method !== 'GET' || !file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function git(repository: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', repository, ...args], { encoding: 'utf8' }).trim();
}

describe('real LAVA: the bot builds a git commit', function () {
  this.timeout(900_000);
  let lava: RealLava;
  let client: LavaClient;
  let lp: LaunchpadSimulator;
  let cbuild: CBuildSimulator;
  let wired: WiredBot;
  let served: Server | undefined;
  let dir: string;
  let toy: ToyRepository;
  let hostile: string;
  let fork: string;
  const fetched: string[] = [];

  before(async function () {
    lava = requireRealLava(this);
    client = new LavaClient({ url: lava.rpcUrl, user: lava.user, token: lava.token, http: new HttpClient({ retries: 2 }) });
    dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-real-lava-git-'));
    const out = execFileSync('bash', [join(projectRoot(), 'test/fixtures/toy-toolchain/make-repo.sh'), join(dir, 'toy.git')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    toy = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2))) as unknown as ToyRepository;
    // The proposal's ref: legal for git, special to the shell. If the device's shell ran it, `pwned` would appear.
    hostile = `refs/heads/topic-$(touch\${IFS}${dir}/pwned);it's-"x"&y`;
    execFileSync('git', ['check-ref-format', hostile]);
    git(toy.TOY_REPOSITORY, 'update-ref', hostile, toy.TOY_FIXED_COMMIT);
    git(toy.TOY_REPOSITORY, 'update-server-info');
    const http = await serveStatic(dir, fetched);
    served = http.server;
    const repositoryUrl = `${http.url}/toy.git`;

    lp = new LaunchpadSimulator();
    const serviceRoot = await lp.start();
    lp.addPerson('cbuild-bot', 'CBuild bot');
    lp.addPerson('dev', 'Toy Developer');
    lp.addPerson('alice', 'Alice');
    lp.addProject('gcc-linaro', 'Linaro GCC');
    // Both repositories are served from the one toy repository, which holds every commit.
    const trunk = lp.addGitRepository({ owner: 'dev', project: 'gcc-linaro', name: 'gcc-linaro', targetDefault: true, httpsUrl: repositoryUrl });
    lp.pushCommits(trunk, 'refs/heads/master', 1, [toy.TOY_GOOD_COMMIT]);
    fork = lp.addGitRepository({ owner: 'alice', project: 'gcc-linaro', name: 'gcc-linaro', httpsUrl: repositoryUrl });
    // Launchpad scanned the ref at the regression commit; the served ref has moved on to the fixed one.
    lp.pushCommits(fork, hostile, 2, [toy.TOY_GOOD_COMMIT, toy.TOY_REGRESSION_COMMIT]);
    lp.createMergeProposal({ source: fork, sourceRef: hostile, target: trunk, targetRef: 'refs/heads/master', registrant: 'alice' });
    lp.registerToken({ consumerKey: 'cbuild-bot', tokenKey: 'G'.repeat(20), tokenSecret: 't'.repeat(80), person: 'cbuild-bot', permission: 'WRITE_PUBLIC' });
    const credentials = join(dir, 'credentials');
    writeFileSync(credentials, `[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = ${'G'.repeat(20)}\naccess_secret = ${'t'.repeat(80)}\n`);

    // CBuild is off: its simulator is only the results host the LAVA job publishes to.
    cbuild = new CBuildSimulator({ toolchain: new TestToolchain(), hosts: [], timing: { pollMs: 50 } });
    await cbuild.start();
    const config = parseConfig(
      {
        launchpad: { serviceRoot, watch: [{ project: 'gcc-linaro' }] },
        cbuild: { schedulerUrl: cbuild.schedulerUrl, resultsUrl: cbuild.resultsUrl, product: 'toy' },
        lava: { url: lava.rpcUrl, user: lava.user },
        targets: { toy: { cbuild: { queue: 'toy-native' }, lava: { deviceType: lava.deviceType, template: join(projectRoot(), 'templates/lava/toy-build.yaml') } } },
        rollout: { cbuild: 'off' },
        database: join(dir, 'bot.sqlite'),
        http: { timeoutMs: 20_000, retries: 3, maxRetryDelayMs: 2000 },
        infraRetries: { attempts: 1, delaysSeconds: [0] },
      },
      'real LAVA git test config',
      projectRoot(),
    );
    wired = await wireBot(config, { logger: silentLogger, env: { CBUILD_BOT_LP_CREDENTIALS: credentials, CBUILD_BOT_LAVA_TOKEN: lava.token } });
  });

  after(async () => {
    await wired?.close();
    await lp?.close();
    await cbuild?.close();
    if (served) await new Promise((r) => served!.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds the commit Launchpad named, not the newer tip of the ref, and reports its regression against the target ref', async () => {
    assert.equal(git(toy.TOY_REPOSITORY, 'rev-parse', hostile), toy.TOY_FIXED_COMMIT, 'the served ref is ahead of what Launchpad says');
    const results = async () => {
      const [proposal] = await wired.store.allProposals();
      return proposal ? lp.commentsOf(proposal.self_link).find((c) => /cbuild-bot-ref: \d+\/results$/.test(c.content)) : undefined;
    };
    // Two jobs (the baseline's and the proposal's) on the one shared device, behind whatever else is queued.
    const comment = await waitFor('the results comment', async () => {
      await wired.bot.runCycle();
      return results();
    }, 600_000, 2000);

    const [proposal] = await wired.store.allProposals();
    const [request] = await wired.store.requestsOfProposals([proposal.id]);
    assert.deepEqual(request.revision, { id: toy.TOY_REGRESSION_COMMIT, revno: null });
    const [build] = (await wired.store.buildsOfRequests([request.id])).get(request.id)!;
    assert.deepEqual([build.backend, build.state], ['lava', 'passed'], build.detail ?? '');
    const jobId = Number(build.external_id);

    // The job checked out and built the regression commit: its testsuite has exactly that commit's failure.
    const testCases = Object.fromEntries((await client.jobResults(jobId)).filter((r) => r.suite.endsWith('build')).map((r) => [r.name, r.result]));
    assert.deepEqual([testCases.checkout, testCases.build, testCases.testsuite, testCases.publish], ['pass', 'pass', 'fail', 'pass']);
    const log = (await client.jobLogs(jobId)).entries.map((e) => (typeof e.msg === 'string' ? e.msg : JSON.stringify(e.msg))).join('\n');
    assert.match(log, new RegExp(`cbuild-bot: request=${request.id} .*vcs=git revno= revision=${toy.TOY_REGRESSION_COMMIT}`));
    assert.match(log, /^FAIL: calc\/modulo$/m);
    assert.deepEqual([build.test_summary!.toy.PASS, build.test_summary!.toy.FAIL], [7, 1]);
    assert.ok(fetched.includes('/toy.git/info/refs'), `the device fetched from the served repository: ${fetched.slice(0, 5).join(' ')}`);
    assert.ok(!existsSync(join(dir, 'pwned')), 'the ref name never ran as a command on the device');

    // The baseline is the target ref's commit (the good one), and the comparison names the regression.
    const base = (await wired.store.request(request.base_request_id!))!;
    assert.deepEqual([base.source.ref, base.revision.id], ['refs/heads/master', toy.TOY_GOOD_COMMIT]);
    const [baseBuild] = (await wired.store.buildsOfRequests([base.id])).get(base.id)!;
    assert.deepEqual([baseBuild.state, baseBuild.test_summary!.toy.PASS, baseBuild.test_summary!.toy.FAIL ?? 0], ['passed', 8, 0]);
    const compared = build.comparison;
    assert.ok(compared?.status === 'compared', JSON.stringify(compared));
    assert.deepEqual([compared.counts.regressions, compared.regressions], [1, ['toy: calc/modulo']]);
    // The comment's layout is report.ts's business: it names the source, the commit, the job and the regression.
    const text = comment.content;
    for (const part of [`lp:${fork}:${hostile.slice('refs/heads/'.length)}`, toy.TOY_REGRESSION_COMMIT.slice(0, 7), `${lava.rpcUrl.replace(/RPC2$/, '')}scheduler/job/${jobId}`, 'calc/modulo']) {
      assert.ok(text.includes(part), `the results comment names ${part}:\n${text}`);
    }
  });

  it('builds an older commit of the ref scheduled by hand (--commit), fetched with the ref', async function () {
    if (!toy || !(await wired.store.allProposals()).length) this.skip(); // the first test set the scene
    const request = await wired.bot.schedule({
      source: { repository: `lp:${fork}`, ref: hostile, commit: toy.TOY_BROKEN_COMMIT },
      targets: ['toy'],
      backend: 'lava',
      requestedBy: 'tester',
    });
    assert.deepEqual([request.kind, request.revision], ['adhoc', { id: toy.TOY_BROKEN_COMMIT, revno: null }]);
    const [submitted] = (await wired.store.buildsOfRequests([request.id])).get(request.id)!;
    // The device is shared: the wait includes queueing behind other people's jobs (up to minutes).
    const build = await waitFor('the manual build', async () => {
      await wired.bot.runCycle();
      const b = await wired.store.build(submitted.id);
      return b && ['passed', 'failed', 'infra', 'error'].includes(b.state) ? b : undefined;
    }, 600_000, 2000);
    assert.equal(build.state, 'failed', `the broken commit does not compile: ${build.detail ?? ''}`);
    const testCases = Object.fromEntries((await client.jobResults(Number(build.external_id))).filter((r) => r.suite.endsWith('build')).map((r) => [r.name, r.result]));
    assert.deepEqual([testCases.checkout, testCases.build], ['pass', 'fail']);
    assert.ok(!existsSync(join(dir, 'pwned')));
  });
});
