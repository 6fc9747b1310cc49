/**
 * Events as the fast path, polling as the truth, end to end: the simulated
 * Launchpad delivers webhooks and the simulated LAVA calls back, both to the
 * bot's status server, over real HTTP; the bot acts in its turns, on a real
 * store. A lost, repeated or reordered delivery changes only how soon.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { botComments, startHarness, type Harness } from './harness.js';
import { wireEvents, type WiredBot, type WiredEvents } from '../../src/app/wiring.js';
import { Turns } from '../../src/app/turns.js';
import { runService, type Service } from '../../src/app/service.js';
import { webhooksCommand } from '../../src/app/webhooks-command.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import { Health, readiness } from '../../src/web/health.js';
import { LaunchpadClient } from '../../src/launchpad/client.js';
import { HttpClient } from '../../src/http/client.js';
import { silentLogger } from '../../src/log.js';
import type { BotConfig } from '../../src/config/config.js';

const SECRET = 'e2e-webhook-secret-0123456789abcdef';
const OWNER_TOKEN = { key: 'OwnerTokenKey0123456', secret: 'O'.repeat(80) };

const markers = (h: Harness, link: string) => botComments(h, link).map((c) => /cbuild-bot-ref: (\S+)$/m.exec(c.content)?.[1] ?? '?');

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Events {
  wired: WiredBot;
  turns: Turns;
  events: WiredEvents;
  server: StatusServer;
  /** A cycle in its turn (observe: list the watched proposals). */
  cycle(observe?: boolean): Promise<void>;
  /** Settles once the deliveries and callbacks so far were acted on. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** The owner of trunk and of the default repository (the bot's account may not edit them in the harness). */
function ownerCredentials(h: Harness): string {
  h.lp.registerToken({ consumerKey: 'cbuild-bot', tokenKey: OWNER_TOKEN.key, tokenSecret: OWNER_TOKEN.secret, person: 'linaro-toolchain', permission: 'WRITE_PUBLIC' });
  const file = join(h.dir, 'owner-credentials');
  writeFileSync(file, `[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = ${OWNER_TOKEN.key}\naccess_secret = ${OWNER_TOKEN.secret}\n`);
  return file;
}

/** A bot with both event sources on, its status server taking them, and the webhooks registered on trunk and the default repository. */
async function withEvents(h: Harness, over: Partial<BotConfig> = {}): Promise<Events> {
  const secretFile = join(h.dir, 'webhook-secret');
  writeFileSync(secretFile, SECRET + '\n');
  const webhooks: BotConfig['webhooks'] = {
    launchpad: { path: '/hooks/launchpad', secretFile, pollSchedule: '0 0 1 1 *', sweepSeconds: 3600 },
    lava: { url: 'http://127.0.0.1:1/' },
  };
  const wired = await h.wire({ config: { webhooks, ...over } });
  const turns = new Turns(silentLogger);
  const events = wireEvents(wired, wired.bot.currentConfig, turns, silentLogger, {});
  const server = await startStatusServer({ store: wired.store, listen: '127.0.0.1:0', logger: silentLogger, hooks: events.receiver });
  webhooks.lava!.url = server.url;
  const { readCredentialsFile } = await import('../../src/launchpad/credentials.js');
  const owner = new LaunchpadClient({ serviceRoot: h.lp.root, credentials: readCredentialsFile(ownerCredentials(h)), http: new HttpClient({ retries: 0 }) });
  const url = `${server.url}hooks/launchpad`;
  await owner.newWebhook(`${owner.apiRoot}${h.trunk}`, { deliveryUrl: url, eventTypes: ['merge-proposal:0.1', 'bzr:push:0.1'], secret: SECRET });
  await owner.newWebhook(`${owner.apiRoot}${h.gitTrunk}`, { deliveryUrl: url, eventTypes: ['merge-proposal:0.1', 'git:push:0.1'], secret: SECRET });
  return {
    wired,
    turns,
    events,
    server,
    cycle: (observe = true) => turns.run('cycle', () => wired.bot.runCycle({ observe })),
    async settle() {
      await h.lp.webhooksSettled();
      await turns.drained();
    },
    async close() {
      events.queue.close();
      await turns.drained();
      await server.close();
    },
  };
}

describe('e2e: events (webhooks and LAVA callbacks)', function () {
  this.timeout(60_000);
  let h: Harness;
  let ev: Events | undefined;
  afterEach(async () => {
    await ev?.close();
    ev = undefined;
    await h?.close();
  });

  it('judges readiness (/readyz, the health line) by the poll schedule when webhooks are on, not by the cycle\'s', async () => {
    h = await startHarness();
    const health = new Health();
    const secretFile = join(h.dir, 'webhook-secret');
    writeFileSync(secretFile, SECRET + '\n');
    const webhooks: BotConfig['webhooks'] = { launchpad: { path: '/hooks/launchpad', secretFile, pollSchedule: '*/30 * * * *', sweepSeconds: 3600 } };
    const wired = await h.wire({ config: { schedule: '*/5 * * * *', webhooks }, events: health });
    await wired.bot.runCycle();
    const snapshot = health.snapshot();
    assert.equal(snapshot.schedule, '*/30 * * * *');
    assert.equal(snapshot.cycleIntervalMs, 30 * 60_000);
    // 20 minutes after a good poll is within two poll intervals (it was not within two 5-minute cycles).
    const checks = await readiness(health, wired.store, new Date(Date.parse(snapshot.lastPolledOkAt!) + 20 * 60_000));
    assert.deepEqual(checks.filter((c) => !c.ok), []);
  });

  it('builds a pushed proposal and posts its results on events alone, with no poll after the one at start', async () => {
    h = await startHarness({ webhooks: { jitterMs: 20 } });
    // LAVA alone: every build calls back, so nothing waits for a poll.
    ev = await withEvents(h, { rollout: { cbuild: 'off' } });
    await ev.cycle(true);
    const listings = () => h.lp.requests.filter((r) => r.operation === 'getMergeProposals').length;
    const polled = listings();
    const bzr = h.propose('ann', 'fast');
    const git = h.proposeGit('ann', 'fast-git');
    for (const mp of [bzr, git]) {
      await until(`both LAVA builds of ${mp.branch} submitted`, async () => {
        const p = await ev!.wired.store.proposalByLink(mp.link);
        const [request] = p ? await ev!.wired.store.requestsOfProposals([p.id]) : [];
        const builds = request ? (await ev!.wired.store.buildsOfRequests([request.id])).get(request.id) ?? [] : [];
        return builds.length === 2 && builds.every((b) => b.external_id !== null);
      });
      await until(`the results comment on ${mp.branch}`, () => markers(h, mp.link).some((m) => /\/results$/.test(m)));
    }
    await ev.settle();
    assert.equal(listings(), polled, 'no listing of the watched proposals after the one at start');
    for (const mp of [bzr, git]) assert.deepEqual(markers(h, mp.link).map((m) => m.replace(/^\d+\//, '')), ['ack', 'results'], `one ack and one results comment on ${mp.branch}`);
    const callbacks = h.lava.callbacks();
    assert.ok(callbacks.length >= 4, 'each job (and its baseline) called back');
    assert.ok(callbacks.every((c) => c.status === 202 && c.state === 'Finished'), JSON.stringify(callbacks));
  });

  it('with CBuild beside LAVA, a LAVA callback makes the bot look at the CBuild build that ended unseen', async () => {
    h = await startHarness();
    ev = await withEvents(h);
    await ev.cycle(true);
    // The proposal's LAVA jobs end last: the first attempt dies in deploy and is submitted again.
    h.lava.failNextJobs(2, 'Unable to copy overlay', (m) => String(m['cbuild-bot.source']).includes('~ida/'));
    const mp = h.propose('ida', 'both');
    await until('the results comment', () => markers(h, mp.link).some((m) => m.endsWith('/results')), 30_000);
    const results = botComments(h, mp.link).find((c) => /\/results$/.test(c.content))!.content;
    assert.match(results, /^- a9hf CBuild: PASS/m);
    assert.match(results, /^- a9hf LAVA: PASS/m);
    assert.equal(h.lp.requests.filter((r) => r.operation === 'getMergeProposals').length, 1, 'no poll but the one at start');
  });

  it('with lost, repeated and reordered deliveries the running service still ends with one ack and one results comment per revision', async () => {
    h = await startHarness({ webhooks: { jitterMs: 60, timeScale: 1 / 1000 } });
    ev = await withEvents(h, { schedule: '*/1 * * * * *' });
    // Follow builds every second, list the proposals every three.
    ev.wired.bot.currentConfig.webhooks.launchpad!.pollSchedule = '*/3 * * * * *';
    let service: Service | undefined;
    const running = runService(ev.wired, silentLogger, { turns: ev.turns, onReady: (s) => (service = s) });
    await until('the service', () => service !== undefined);
    // The first proposal's deliveries never arrive: only a poll finds it.
    h.lp.loseNextDeliveries(2);
    const lost = h.propose('bea', 'lost');
    // The second's arrive twice each, in no set order.
    h.lp.duplicateNextDeliveries(4);
    const twice = h.propose('bea', 'twice');
    const pushed = h.proposeGit('bea', 'pushed');
    const current = async (link: string) => {
      const p = await ev!.wired.store.proposalByLink(link);
      return p && (await ev!.wired.store.latestRequestOf(p.id))?.id;
    };
    // A new revision of the git proposal while its first one is on its way.
    await until('the git proposal is being built', async () => (await current(pushed.link)) !== undefined);
    h.lp.pushCommits(pushed.repository, pushed.ref, 1);
    for (const mp of [lost, twice, pushed]) {
      await until(`the results of ${mp.branch}`, async () => {
        const id = await current(mp.link);
        return id !== undefined && markers(h, mp.link).includes(`${id}/results`);
      }, 40_000);
    }
    const requests = new Map<string, number | undefined>();
    for (const mp of [lost, twice, pushed]) requests.set(mp.link, await current(mp.link));
    service!.stop();
    await running;
    await h.lp.webhooksSettled();
    for (const mp of [lost, twice, pushed]) {
      const posted = markers(h, mp.link);
      assert.equal(new Set(posted).size, posted.length, `no comment twice on ${mp.branch}: ${posted.join(', ')}`);
      assert.equal(posted.filter((m) => m.endsWith('/results')).length, 1, `one results comment on ${mp.branch}: ${posted.join(', ')}`);
      assert.ok(posted.includes(`${requests.get(mp.link)}/ack`), `the current revision was acknowledged on ${mp.branch}`);
    }
    assert.ok(h.lp.webhookDeliveries().some((d) => d.successful === false), 'some deliveries were lost');
  });

  it("reads comments when a delivery says someone else commented: the bot's own comments cost nothing and never loop", async () => {
    h = await startHarness({ webhooks: { jitterMs: 10 } });
    h.lp.addPerson('rita', 'Rita Reviewer');
    ev = await withEvents(h, { rollout: { cbuild: 'off' }, commands: { trusted: ['rita'] } });
    await ev.cycle(true);
    const mp = h.propose('cal', 'commands');
    await until('the results comment', () => markers(h, mp.link).some((m) => m.endsWith('/results')));
    await ev.settle();
    const reads = () => h.lp.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/all_comments')).length;
    assert.equal(reads(), 0, "the bot's own ack and results were matched to their deliveries: nothing read");
    h.lp.addComment(mp.link, 'rita', 'Once more, please.\n\ncbuild-bot: rebuild');
    await until('the rebuild', () => markers(h, mp.link).filter((m) => m.endsWith('/results')).length === 2);
    await ev.settle();
    await new Promise((r) => setTimeout(r, 300));
    await ev.settle();
    assert.equal(reads(), 1, "rita's comment was read once; the bot's answers were not");
    const texts = h.lp.commentsOf(mp.link).map((c) => `${c.author}: ${c.content}`);
    assert.equal(texts.length, 5, texts.join('\n'));
    assert.match(texts[3], /^cbuild-bot: cbuild-bot has queued .* for build \(a rebuild asked for by ~rita\):/);
    const reviewed = h.lp.webhookDeliveries().filter((d) => (d.payload as { action?: string }).action === 'reviewed');
    assert.equal(reviewed.length, 5, 'every comment fired a delivery, the bot\'s own too');
  });

  it('keeps a quiet cycle with commands.trusted to one request per page of proposals when webhooks are on', async () => {
    h = await startHarness({ batchSize: 2 });
    h.lp.addPerson('rita', 'Rita Reviewer');
    const links = [h.propose('dee', 'q1'), h.propose('dee', 'q2'), h.propose('dee', 'q3'), h.proposeGit('dee', 'q4'), h.proposeGit('dee', 'q5')].map((p) => p.link);
    ev = await withEvents(h, { rollout: { cbuild: 'off' }, commands: { trusted: ['rita'] } });
    await ev.cycle(true);
    await until('every results comment', () => links.every((l) => markers(h, l).some((m) => m.endsWith('/results'))));
    await ev.settle();
    h.lp.clearRequests();
    await ev.cycle(true);
    assert.deepEqual(h.lp.requests.map((r) => `${r.method} ${r.operation}`), ['GET getMergeProposals', 'GET getMergeProposals', 'GET getMergeProposals'], 'three pages of two');
    // Without webhooks the same quiet cycle reads every proposal's comments and every git ref.
    await ev.close();
    ev = undefined;
    const polling = await h.wire({ config: { rollout: { cbuild: 'off' }, commands: { trusted: ['rita'] } } });
    h.lp.clearRequests();
    await polling.bot.runCycle();
    const paths = h.lp.requests.map((r) => (r.operation ? r.operation : r.path.replace(/.*\//, '…/')));
    assert.equal(paths.length, 3 + 5 + 2, paths.join('\n'));
  });

  it('registers the webhooks on each watched target once, names a target it may not edit, lists and removes them', async () => {
    h = await startHarness();
    const secretFile = join(h.dir, 'webhook-secret');
    writeFileSync(secretFile, SECRET + '\n');
    const ownerFile = ownerCredentials(h);
    const base = JSON.parse((await import('node:fs')).readFileSync(join(h.dir, 'bot.config.json'), 'utf8'));
    const configFile = (credentialsFile: string) => {
      const file = join(h.dir, `webhooks-${credentialsFile === ownerFile ? 'owner' : 'bot'}.json`);
      writeFileSync(file, JSON.stringify({ ...base, launchpad: { ...base.launchpad, credentialsFile }, webhooks: { launchpad: { secretFile } } }));
      return file;
    };
    const run = async (action: 'register' | 'list' | 'remove', file: string) => {
      let out = '';
      const sink = { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream;
      const code = await webhooksCommand(action, { config: file, log: { format: 'text', level: 'error' }, url: 'https://bot.example/hooks/launchpad', env: {} }, { stdout: sink, stderr: sink });
      return { code, out };
    };
    const asBot = await run('register', configFile(h.credentialsFile));
    assert.equal(asBot.code, 1);
    for (const target of ['lp:~linaro-toolchain/gcc-linaro/+git/gcc-linaro', 'lp:~linaro-toolchain/gcc-linaro/trunk']) {
      assert.match(asBot.out, new RegExp(`^${target.replace(/[+/]/g, '\\$&')} +- +cannot see its webhooks: Launchpad refused \\(HTTP 401\\): the bot's account needs edit rights there \\(to be in the team that owns it\\)`, 'm'), asBot.out);
    }
    const owner = configFile(ownerFile);
    const first = await run('register', owner);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /^lp:~linaro-toolchain\/gcc-linaro\/\+git\/gcc-linaro +https:\/\/bot\.example\/hooks\/launchpad +registered: merge-proposal:0\.1, git:push:0\.1$/m);
    assert.match(first.out, /^lp:~linaro-toolchain\/gcc-linaro\/trunk +https:\/\/bot\.example\/hooks\/launchpad +registered: merge-proposal:0\.1, bzr:push:0\.1$/m);
    const again = await run('register', owner);
    assert.equal(again.code, 0);
    assert.equal((again.out.match(/already registered/g) ?? []).length, 2, again.out);
    assert.doesNotMatch(again.out, /registered: /);
    const listed = await run('list', owner);
    assert.equal((listed.out.match(/https:\/\/bot\.example\/hooks\/launchpad +active: /g) ?? []).length, 2, listed.out);
    assert.ok(!listed.out.includes(SECRET) && !first.out.includes(SECRET));
    const removed = await run('remove', owner);
    assert.equal((removed.out.match(/removed 1/g) ?? []).length, 2, removed.out);
    assert.match((await run('list', owner)).out, /no webhooks/);
  });
});
