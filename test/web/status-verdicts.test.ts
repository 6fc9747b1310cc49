/**
 * The status page after the real bot worked through the simulators: each
 * request's verdict, who asked for a rebuild, "posted" linking to the
 * comment's page on (simulated) Launchpad, and the health line fed by the
 * bot's events, with a Launchpad and a LAVA failure on the way.
 */
import assert from 'node:assert/strict';
import { allEvents } from '../../src/bot/events.js';
import type { WiredBot } from '../../src/app/wiring.js';
import { silentLogger } from '../../src/log.js';
import { Health } from '../../src/web/health.js';
import { Metrics } from '../../src/web/metrics.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import { cycleUntil, startHarness, type Harness } from '../e2e/harness.js';

const isResults = (content: string) => /\/results\s*$/.test(content);

/** A table row of the page by its request id. */
function row(page: string, requestId: number): string {
  const found = new RegExp(`<tr data-request="${requestId}">.*?</tr>`).exec(page)?.[0];
  assert.ok(found, `request ${requestId} has a row: ${page}`);
  return found;
}

describe('web: status page verdicts, rebuilds, comment links and health, after a real run', function () {
  this.timeout(90_000);
  let h: Harness;
  let wired: WiredBot;
  let server: StatusServer;
  let health: Health;
  let metrics: Metrics;

  before(async () => {
    h = await startHarness();
    h.lp.addPerson('rita', 'Rita Reviewer');
    h.lp.addTeam('toolchain-reviewers', 'Toolchain reviewers', ['rita']);
    health = new Health();
    metrics = new Metrics({ processMetrics: false });
    const clean = h.propose('olga', 'clean');
    const broken = h.propose('pat', 'broken');
    const regressed = h.propose('quinn', 'regressed');
    h.toolchain.broken.add(broken.branch);
    h.toolchain.regressed.add(regressed.branch);
    wired = await h.wire({ config: { commands: { trusted: ['toolchain-reviewers'] } }, events: allEvents(metrics, health) });
    const done = (link: string, count = 1) => h.lp.commentsOf(link).filter((c) => isResults(c.content)).length >= count;
    await cycleUntil(wired, () => [clean, broken, regressed].every((p) => done(p.link)), 60_000);
    h.lp.addComment(clean.link, 'rita', 'Flaky board?\n\ncbuild-bot: rebuild');
    await cycleUntil(wired, () => done(clean.link, 2), 30_000);

    // Launchpad refuses one listing, then answers again.
    h.lp.failNext({ pathContains: 'ws.op=getMergeProposals', status: 400, body: 'Simulated refusal of the listing' });
    await wired.bot.runCycle();
    await wired.bot.runCycle();
    server = await startStatusServer({ store: wired.store, listen: '127.0.0.1:0', logger: silentLogger, metrics, health });
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  it('gives each ended request its verdict: passed, N regressions, build failed', async () => {
    const page = await (await fetch(server.url)).text();
    const byBranch = async (branch: string) => (await wired.store.allProposals()).find((p) => p.source.path === branch)!;
    for (const [branch, verdict] of [
      ['~pat/gcc-linaro/broken', 'build failed'],
      ['~quinn/gcc-linaro/regressed', '4 regressions'],
    ] as const) {
      const proposal = await byBranch(branch);
      const [request] = await wired.store.requestsOfProposals([proposal.id]);
      assert.match(row(page, request.id), new RegExp(`<td class="outcome"><span class="verdict verdict-\\w+" data-outcome="\\w+">${verdict}</span></td>`), branch);
    }
  });

  it('says who asked for a rebuild, and gives the rebuild its own verdict', async () => {
    const page = await (await fetch(server.url)).text();
    const proposal = (await wired.store.allProposals()).find((p) => p.source.path === '~olga/gcc-linaro/clean')!;
    const requests = await wired.store.requestsOfProposals([proposal.id]);
    const rebuild = requests.find((r) => r.origin === 'rebuild')!;
    const first = requests.find((r) => r.origin === 'revision')!;
    assert.match(row(page, rebuild.id), /<span class="muted rebuild">\(rebuild asked by ~rita\)<\/span>/);
    assert.match(row(page, rebuild.id), /data-outcome="passed">passed<\/span>/);
    assert.doesNotMatch(row(page, first.id), /rebuild asked/);
    assert.match(row(page, first.id), /data-outcome="passed">passed<\/span>/);
  });

  it('links "posted" to the comment’s page on Launchpad’s web site, which shows that comment', async () => {
    const page = await (await fetch(server.url)).text();
    const proposal = (await wired.store.allProposals()).find((p) => p.source.path === '~quinn/gcc-linaro/regressed')!;
    const [request] = await wired.store.requestsOfProposals([proposal.id]);
    const [comment] = (await wired.store.commentsOfRequests([request.id])).filter((c) => c.kind === 'results');
    const id = /\/comments\/(\d+)$/.exec(comment.posted_link!)![1];
    assert.match(comment.posted_link!, /\/1\.0\//, 'the store keeps the API link');
    const webPage = `${proposal.web_link}/comments/${id}`;
    assert.ok(row(page, request.id).includes(`<a href="${webPage}" class="comment">posted</a>`), row(page, request.id));
    const res = await fetch(webPage);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    assert.match(await res.text(), /<h1>Code review comment for lp:~quinn\/gcc-linaro\/regressed<\/h1>[\s\S]*1 test regression on /);
    const api = (await (await fetch(`${server.url}api/status`)).json()) as { recent: { id: number; comments: { kind: string; link: string; apiLink: string }[] }[] };
    const results = api.recent.find((r) => r.id === request.id)!.comments.find((c) => c.kind === 'results')!;
    assert.deepEqual([results.link, results.apiLink], [webPage, comment.posted_link]);
  });

  it('says at the top when Launchpad was last polled, that comments are posted, and each service’s last error', async () => {
    const page = await (await fetch(server.url)).text();
    const line = /<p id="health"[^>]*>.*?<\/p>/.exec(page)?.[0];
    assert.ok(line, 'a health line');
    assert.ok(page.indexOf('<p id="health"') < page.indexOf('<h2>Building now</h2>'), 'at the top');
    assert.match(line, /Launchpad last polled successfully <time datetime="[^"]+" title="[^"]+">\d+ s ago<\/time>\./);
    assert.match(line, /<span class="mode">Comments are posted<\/span>/);
    assert.match(line, /data-service="launchpad">Launchpad: <time [^>]*>\d+ s ago<\/time>, [^<]*Simulated refusal of the listing/);
    assert.match(line, /data-service="cbuild">CBuild: none<\/span>/);
    assert.match(line, /data-service="lava">LAVA: none<\/span>/);
    const snapshot = ((await (await fetch(`${server.url}api/status`)).json()) as { health: { dryRun: boolean; schedule: string } }).health;
    assert.deepEqual([snapshot.dryRun, snapshot.schedule], [false, '*/5 * * * *']);
    assert.match(await (await fetch(`${server.url}metrics`)).text(), /cbuild_bot_service_errors_total\{service="launchpad"\} 1/);
  });

  it('records LAVA’s failure when LAVA stops answering while a build runs', async () => {
    h.toolchain.durationMs = 60_000;
    const slow = h.propose('sam', 'slow');
    await cycleUntil(wired, async () => {
      const p = await wired.store.proposalByLink(slow.link);
      const [r] = p ? await wired.store.requestsOfProposals([p.id]) : [];
      const builds = r ? (await wired.store.buildsOfRequests([r.id])).get(r.id) ?? [] : [];
      return builds.some((b) => b.backend === 'lava' && b.state === 'running');
    });
    await h.lava.close();
    await wired.bot.runCycle();
    const line = /<p id="health"[^>]*>.*?<\/p>/.exec(await (await fetch(server.url)).text())![0];
    assert.match(line, /data-service="lava">LAVA: <time [^>]*>\d+ s ago<\/time>, [^<]+<\/span>/);
    assert.doesNotMatch(line, /lavatoken/, 'no secret in the page');
  });

  it('answers /healthz and /readyz as their conventions expect', async () => {
    const live = await fetch(`${server.url}healthz`);
    assert.equal(live.status, 200);
    assert.match(live.headers.get('content-type')!, /^text\/plain/);
    assert.equal(live.headers.get('cache-control'), 'no-store');
    assert.equal(await live.text(), 'ok\n');
    const ready = await fetch(`${server.url}readyz`);
    const text = await ready.text();
    assert.equal(ready.status, 200, text);
    assert.match(text, /^\[\+\]launchpad ok: polled successfully \d+ s ago\n\[\+\]store ok: writable\nreadyz check passed\n$/);
  });
});
