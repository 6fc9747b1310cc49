/**
 * The team's workflow end to end through the simulators: comment commands
 * from trusted and untrusted people across a restart, builds scheduled by
 * hand with the real CLI, shadow rollout, dailies on node-cron under fake
 * timers, and a rollback by SIGHUP to a running `cbuild-bot run`.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mock } from 'node:test';
import { markers, botComments, recordingLogger, startHarness, cycleUntil, type Harness } from './harness.js';
import type { WiredBot } from '../../src/app/wiring.js';
import { gatherStatus } from '../../src/app/status.js';
import { runService, type Service } from '../../src/app/service.js';
import { runCli, startCli } from '../support/cli.js';

/** Timers that fake timers leave alone, for waiting on real I/O. */
const realSetTimeout = globalThis.setTimeout;


const hasResults = (h: Harness, link: string, requestId: number) => markers(h, link).includes(`${requestId}/results`);

/** `cbuild-bot run` on the harness's config as a child process, its log gathered, to signal and to wait on. */
const startRun = (h: Harness, configFile: string) => startCli(['run', '--config', configFile], { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile });

describe('e2e: dailies, manual builds, commands and rollout', function () {
  this.timeout(90_000);
  let h: Harness;
  let wired: WiredBot;

  afterEach(async () => {
    await h?.close();
  });

  it('acts once on rebuild and cancel from trusted people, across a restart, and ignores everyone else', async () => {
    h = await startHarness();
    h.lp.addPerson('rita', 'Rita Reviewer');
    h.lp.addPerson('mallory', 'Mallory');
    h.lp.addTeam('toolchain-reviewers', 'Toolchain reviewers', ['rita']);
    const mp = h.propose('pat', 'vectorizer');
    const config = { commands: { trusted: ['toolchain-reviewers'] } };
    wired = await h.wire({ config });
    await cycleUntil(wired, () => hasResults(h, mp.link, 2)); // request 1 is the trunk baseline
    assert.deepEqual(markers(h, mp.link), ['2/ack', '2/results']);

    h.lp.addComment(mp.link, 'mallory', 'cbuild-bot: rebuild');
    h.lp.addComment(mp.link, 'rita', 'The x86 failure looks flaky.\n\ncbuild-bot: rebuild x86_64');
    await wired.bot.runCycle();
    await wired.close();

    // A restart: the same comments are read again and must not be acted on twice.
    h.toolchain.durationMs = 1500;
    wired = await h.wire({ config });
    await wired.bot.runCycle();
    const requests = (await gatherStatus(wired.store)).requests;
    const rebuilds = requests.filter((r) => r.origin === 'rebuild');
    assert.equal(rebuilds.length, 1, JSON.stringify(requests));
    assert.equal(rebuilds[0].requested_by, 'rita');
    const builds = (await wired.store.buildsOfRequests([rebuilds[0].id])).get(rebuilds[0].id)!;
    assert.deepEqual(builds.map((b) => `${b.target}/${b.backend}`), ['x86_64/cbuild', 'x86_64/lava']);
    const commands = await wired.store.commands();
    assert.deepEqual(commands.map((c) => [c.author, c.verb, c.state]), [['mallory', 'rebuild', 'ignored'], ['rita', 'rebuild', 'done']]);

    // While the rebuild runs, rita cancels it; mallory's cancel is ignored.
    h.lp.addComment(mp.link, 'mallory', 'cbuild-bot: cancel');
    h.lp.addComment(mp.link, 'rita', 'cbuild-bot: cancel');
    await cycleUntil(wired, async () => ((await wired.store.buildsOfRequests([rebuilds[0].id])).get(rebuilds[0].id) ?? []).every((b) => b.state === 'cancelled'));
    await wired.close();
    wired = await h.wire({ config });
    for (let i = 0; i < 3; i++) await wired.bot.runCycle();

    const replies = botComments(h, mp.link).filter((c) => /cbuild-bot-ref: command\//.test(c.content));
    assert.equal(replies.length, 1, 'one reply: to rita\'s cancel; none to mallory, none to itself');
    assert.match(replies[0].content, /^~rita: cancelled the builds of revision 2 \(request \d+\); their results will not be posted\./);
    const ack = botComments(h, mp.link).find((c) => c.content.includes(`${rebuilds[0].id}/ack`))!;
    assert.match(ack.content, /^cbuild-bot has queued revision 2 \(.+\) of lp:~\S+ for build \(a rebuild asked for by ~rita\):\n/);
    assert.ok(!markers(h, mp.link).includes(`${rebuilds[0].id}/results`), 'a cancelled request gets no results comment');
    assert.equal((await wired.store.request(rebuilds[0].id))!.state, 'cancelled');
    const rebuildJobs = h.lava.jobs().filter((j) => j.description.startsWith(`cbuild-bot r${rebuilds[0].id} `));
    assert.deepEqual(rebuildJobs.map((j) => [j.state, j.health]), [['Finished', 'Canceled']], 'the rebuild\'s one LAVA job was cancelled on LAVA');
    assert.deepEqual((await wired.store.commands()).map((c) => c.state), ['ignored', 'done', 'ignored', 'done']);
  });

  it('answers a trusted command it cannot carry out, once', async () => {
    h = await startHarness();
    h.lp.addPerson('rita', 'Rita Reviewer');
    const mp = h.propose('pat', 'typo');
    wired = await h.wire({ config: { commands: { trusted: ['rita'] } } });
    await wired.bot.runCycle();
    h.lp.addComment(mp.link, 'rita', 'cbuild-bot: rebuild armv5');
    for (let i = 0; i < 3; i++) await wired.bot.runCycle();
    const replies = botComments(h, mp.link).filter((c) => /cbuild-bot-ref: command\//.test(c.content));
    assert.equal(replies.length, 1);
    assert.match(replies[0].content, /^~rita: cannot rebuild: no target armv5 \(targets are a9hf, x86_64\)\./);
  });

  it('schedules a LAVA build by hand for a proposal with the real CLI, prints its link and comments its results there', async () => {
    h = await startHarness();
    const mp = h.propose('sam', 'manual');
    wired = await h.wire();
    await cycleUntil(wired, () => hasResults(h, mp.link, 2));
    const web = (await wired.store.proposalByLink(mp.link))!.web_link;
    const env = { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile };
    const config = join(h.dir, 'bot.config.json');
    const run = await runCli(['schedule', '--config', config, '--branch', 'lp:~sam/gcc-linaro/manual', '--target', 'a9hf', '--backend', 'lava', '--mp', web], env);
    assert.equal(run.code, 0, run.stderr);
    const id = Number(/^scheduled request (\d+): revision 2 \(.+\) of lp:~sam\/gcc-linaro\/manual, results will be commented on the proposal$/m.exec(run.stdout)?.[1]);
    assert.ok(id > 2, run.stdout);
    assert.match(run.stdout, new RegExp(`^a9hf +LAVA +queued +${h.lava.rpcUrl.replace(/RPC2$/, '')}scheduler/job/\\d+$`, 'm'));
    assert.equal(h.lava.jobs().filter((j) => j.description.startsWith(`cbuild-bot r${id} a9hf `)).length, 1, 'submitted once');

    await cycleUntil(wired, () => hasResults(h, mp.link, id));
    const results = botComments(h, mp.link).find((c) => c.content.includes(`${id}/results`))!.content;
    assert.match(results, /^- a9hf LAVA: PASS /m);
    assert.match(results, /^Builds of .* \(scheduled by hand by \S+\):$/m);
    assert.doesNotMatch(results, /CBuild|x86_64/);
    assert.equal(h.lava.jobs().filter((j) => j.description.startsWith(`cbuild-bot r${id} `)).length, 1, 'the running bot did not submit it again');

    const bad = await runCli(['schedule', '--config', config, '--branch', 'lp:~sam/gcc-linaro/manual', '--target', 'armv5'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--target armv5: no such target \(targets are a9hf, x86_64\)/);
    const cancel = await runCli(['cancel', '--config', config, String(id)], env);
    assert.equal(cancel.code, 2);
    assert.match(cancel.stderr, new RegExp(`request ${id} is done: nothing to cancel`));
  });

  it('cancels a request by hand with the real CLI: its submitted jobs are cancelled at once', async () => {
    h = await startHarness();
    h.toolchain.durationMs = 20_000;
    h.propose('tess', 'slow');
    wired = await h.wire();
    // The baseline (request 1) keeps the one device per target busy: the proposal's jobs wait in the queues.
    await cycleUntil(wired, async () => (await wired.store.unfinishedBuilds()).filter((b) => b.request_id === 2 && b.state === 'queued').length === 4);
    const run = await runCli(['cancel', '--config', join(h.dir, 'bot.config.json'), '2'], { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^cancelled request 2: revision 2 \(.+\) of lp:~tess\/gcc-linaro\/slow/m);
    assert.match(run.stdout, /^a9hf +LAVA +cancelled +http:/m);
    const jobs = h.lava.jobs().filter((j) => j.description.startsWith('cbuild-bot r2 '));
    assert.equal(jobs.length, 2);
    assert.ok(jobs.every((j) => j.state === 'Canceling' || j.health === 'Canceled'), JSON.stringify(jobs.map((j) => [j.state, j.health])));
  });

  it('builds a shadow target on LAVA without showing it in the comment, and shows it in status', async () => {
    h = await startHarness();
    const mp = h.propose('uma', 'shadowed');
    wired = await h.wire({ config: { rollout: { targets: { x86_64: { lava: 'shadow' } } } } });
    await cycleUntil(wired, async () => hasResults(h, mp.link, 2) && (await wired.store.unfinishedBuilds()).length === 0);
    const [ack, results] = botComments(h, mp.link).map((c) => c.content);
    for (const text of [ack, results]) {
      assert.match(text, /^- x86_64 CBuild: /m);
      assert.doesNotMatch(text, /x86_64 LAVA/);
      assert.match(text, /^- a9hf LAVA: /m);
    }
    const status = await gatherStatus(wired.store);
    const shadow = status.builds.filter((b) => b.request === 2 && b.shadow);
    assert.deepEqual(shadow.map((b) => [b.target, b.backend, b.state]), [['x86_64', 'lava', 'passed']]);
  });

  it('fires a daily on its node-cron schedule (fake timers), only for a revision not built yet, and proposals reuse it as their baseline', async () => {
    h = await startHarness();
    let service: Service | undefined;
    const settle = async (until: () => Promise<boolean>) => {
      const deadline = performance.now() + 10_000;
      while (!(await until()) && performance.now() < deadline) await new Promise((r) => realSetTimeout(r, 20));
      assert.ok(await until(), 'condition not reached');
    };
    const dailies = async () => (await wired.store.recentRequests(50)).filter((r) => r.origin === 'daily');
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: new Date('2026-11-25T01:59:58') });
    let stopped: Promise<void>;
    const log = recordingLogger();
    try {
      wired = await h.wire({ config: { schedule: '0 0 1 1 *', dailies: [{ branch: 'lp:gcc-linaro', schedule: '0 2 * * *' }] } });
      stopped = runService(wired, log.logger, { onReady: (s) => (service = s) });
      await settle(async () => service !== undefined);
      assert.equal((await dailies()).length, 0);

      mock.timers.tick(3_000); // 02:00:01
      await settle(async () => (await dailies()).length === 1 && (await wired.store.unfinishedBuilds()).every((b) => b.state !== 'pending'));
      const [daily] = await dailies();
      assert.deepEqual([daily.kind, daily.source.path, daily.revision.revno], ['baseline', '~linaro-toolchain/gcc-linaro/trunk', 3]);
      assert.equal((await wired.store.buildsOfRequests([daily.id])).get(daily.id)!.length, 4, 'every target and backend, submitted at once');

      mock.timers.tick(24 * 3600_000); // the next night: trunk has not moved
      await settle(async () => log.lines.some((l) => / INFO daily .*result="lp:gcc-linaro revision 3 .*was already built \(request \d+\)"/.test(l)));
      assert.equal((await dailies()).length, 1, 'that revision was already built');

      h.lp.pushRevisions(h.trunk, 1);
      mock.timers.tick(24 * 3600_000);
      await settle(async () => (await dailies()).length === 2);
      assert.equal((await dailies())[0].revision.revno, 4);
    } finally {
      mock.timers.reset();
    }
    // A proposal branched at trunk r4 is compared with that daily instead of a new baseline.
    const newest = (await dailies())[0].id;
    h.propose('vic', 'after-daily');
    service!.stop();
    await stopped;
    wired = await h.wire();
    await wired.bot.runCycle();
    const proposalRequest = (await wired.store.recentRequests(50)).find((r) => r.kind === 'proposal')!;
    assert.equal(proposalRequest.base_request_id, newest);
  });

  it('rolls LAVA back on SIGHUP to a running `cbuild-bot run`: running jobs finish and are kept, nothing new goes to LAVA', async () => {
    h = await startHarness();
    h.toolchain.durationMs = 4000;
    const first = h.propose('wes', 'rollback');
    const configFile = join(h.dir, 'bot.config.json');
    const raw = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...raw, schedule: '* * * * * *' }));
    const bot = startRun(h, configFile);
    const waitFor = bot.waitFor;
    try {
      await waitFor('LAVA jobs running', () => h.lava.jobs().filter((j) => j.description.startsWith('cbuild-bot r2 ') && j.state === 'Running').length === 2);
      writeFileSync(configFile, JSON.stringify({ ...raw, schedule: '* * * * * *', rollout: { lava: 'off' } }));
      bot.child.kill('SIGHUP');
      await waitFor('the reload', () => /config reloaded/.test(bot.log()));
      assert.match(bot.log(), /INFO config reloaded changed="rollout\.lava: \(unset\) → off" dailies=0 targets="a9hf,x86_64"\n/);
      const second = h.propose('xena', 'after-rollback');
      await waitFor('both results comments', () => botComments(h, first.link).length === 2 && botComments(h, second.link).length === 2);
      const results = botComments(h, first.link)[1].content;
      assert.doesNotMatch(results, /LAVA: PASS|LAVA: CANCELLED/, 'rolled back: LAVA no longer shown');
      assert.match(results, /^- a9hf CBuild: PASS/m);
      assert.doesNotMatch(botComments(h, second.link)[0].content, /LAVA/);
      const jobs = h.lava.jobs();
      assert.deepEqual(jobs.filter((j) => j.description.startsWith('cbuild-bot r2 ')).map((j) => j.health), ['Complete', 'Complete'], 'running jobs were not cancelled');
      assert.equal(jobs.filter((j) => !j.description.startsWith('cbuild-bot r1 ') && !j.description.startsWith('cbuild-bot r2 ')).length, 0, 'nothing new went to LAVA');
    } finally {
      await bot.stop();
    }
    assert.match(bot.log(), /stopped/);
    wired = await h.wire();
    const lavaBuilds = (await gatherStatus(wired.store)).builds.filter((b) => b.request === 2 && b.backend === 'lava');
    assert.deepEqual(lavaBuilds.map((b) => [b.state, b.shadow]), [['passed', true], ['passed', true]], 'kept, as shadow builds');
  });

  it('makes LAVA the main backend of a target under a running `cbuild-bot run`, and rolls back by SIGHUP losing nothing', async () => {
    h = await startHarness();
    const first = h.propose('yara', 'lava-main');
    const configFile = join(h.dir, 'bot.config.json');
    const raw = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    const write = (rollout: unknown) => writeFileSync(configFile, JSON.stringify({ ...raw, schedule: '* * * * * *', vote: true, rollout }));
    write({ targets: { a9hf: { main: 'lava' } } });
    const bot = startRun(h, configFile);
    const waitFor = bot.waitFor;
    try {
      await waitFor('the first results comment', () => botComments(h, first.link).length === 2);
      const [ack, results] = botComments(h, first.link);
      for (const text of [ack.content, results.content]) {
        assert.doesNotMatch(text, /a9hf CBuild/, 'the shadow CBuild build is not shown');
        assert.match(text, /^- a9hf LAVA: /m);
        assert.match(text, /^- x86_64 CBuild: /m);
      }
      assert.match(results.content, /\nLAVA is the main build platform for a9hf: its results count here; CBuild built it too, as a shadow, not counted\.\n/);
      assert.equal(results.vote, 'Approve');

      h.toolchain.durationMs = 4000;
      const second = h.propose('zoe', 'rolled-back');
      await waitFor('the second proposal building', () => h.lava.jobs().some((j) => j.description.includes('~zoe~rolled-back') && j.state === 'Running'));
      write({ targets: { a9hf: { main: 'cbuild' } } });
      bot.child.kill('SIGHUP');
      await waitFor('the reload', () => /config reloaded/.test(bot.log()));
      assert.match(bot.log(), /INFO config reloaded changed="rollout\.targets\.a9hf\.main: lava → cbuild"/);
      await waitFor('the second results comment', () => botComments(h, second.link).length === 2);
      const rolledBack = botComments(h, second.link)[1].content;
      assert.match(rolledBack, /^- a9hf CBuild: PASS/m, 'the CBuild build that ran as shadow counts again');
      assert.match(rolledBack, /^- a9hf LAVA: PASS/m);
      assert.doesNotMatch(rolledBack, /main build platform/);
    } finally {
      await bot.stop();
    }
    wired = await h.wire();
    const builds = (await gatherStatus(wired.store)).builds.filter((b) => b.target === 'a9hf' && b.backend === 'cbuild' && b.request !== 1).sort((a, b) => a.request - b.request);
    assert.deepEqual(builds.map((b) => [b.state, b.shadow]), [['passed', true], ['passed', false]], 'the first proposal\'s CBuild build kept as shadow, the second\'s shown after the rollback');
  });
});
