/**
 * The status page as a reviewer sees it, in a real headless Chromium with
 * JavaScript off: the bot builds real proposals through the simulators, then
 * the test looks for a proposal's row, its states and links, and the charts,
 * and saves screenshots under test-artifacts/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { HttpClient } from '../../src/http/client.js';
import { LavaClient } from '../../src/lava/client.js';
import { silentLogger } from '../../src/log.js';
import type { BuildRow, ProposalRow } from '../../src/core/model.js';
import { Health } from '../../src/web/health.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import { cycleUntil, startHarness, type Harness } from '../e2e/harness.js';
import type { WiredBot } from '../../src/app/wiring.js';
import { ARTIFACTS, openBrowser, requireChromium } from '../support/chromium.js';

describe('web: status page in Chromium', function () {
  this.timeout(90_000);
  let h: Harness;
  let wired: WiredBot;
  let server: StatusServer;
  let browser: Browser;
  let page: Page;
  let done: ProposalRow;
  let running: ProposalRow;

  before(async function () {
    requireChromium(this);
    h = await startHarness();
    const finished = h.propose('olga', 'status-page');
    const health = new Health();
    wired = await h.wire({ events: health });
    await cycleUntil(wired, () => h.lp.commentsOf(finished.link).some((c) => /\/results$/.test(c.content)));
    // A second proposal whose builds run long enough to be seen running.
    h.toolchain.durationMs = 120_000;
    const slow = h.propose('pat', 'slow-build');
    await cycleUntil(wired, async () => {
      const p = await wired.store.proposalByLink(slow.link);
      if (!p) return false;
      const [request] = await wired.store.requestsOfProposals([p.id]);
      const builds = request ? (await wired.store.buildsOfRequests([request.id])).get(request.id) ?? [] : [];
      return builds.some((b) => b.state === 'running') && builds.every((b) => b.job_url !== null);
    });
    done = (await wired.store.proposalByLink(finished.link))!;
    running = (await wired.store.proposalByLink(slow.link))!;
    const lava = new LavaClient({ url: h.lava.rpcUrl, http: new HttpClient({ retries: 0 }) });
    server = await startStatusServer({
      store: wired.store,
      listen: '127.0.0.1:0',
      lava,
      health,
      logger: silentLogger,
      launchpadWebRoot: new URL(done.web_link).origin + '/',
    });
    ({ browser, page } = await openBrowser());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  async function buildsOf(proposal: ProposalRow): Promise<{ requestId: number; builds: BuildRow[] }> {
    const [request] = await wired.store.requestsOfProposals([proposal.id]);
    return { requestId: request.id, builds: (await wired.store.buildsOfRequests([request.id])).get(request.id)! };
  }

  it('shows a running proposal in the queue with its states and links, and finished ones with their results', async () => {
    await page.goto(server.url);
    assert.equal(await page.title(), 'cbuild-bot status | cbuild-bot');
    assert.match(await page.locator('#health').innerText(), /^Launchpad last polled successfully \d+ s ago\. Comments are posted\. Last errors: Launchpad: none; CBuild: none; LAVA: none\.$/);

    const slow = await buildsOf(running);
    const row = page.locator(`#queue tr[data-request="${slow.requestId}"][data-target="a9hf"]`);
    assert.match(await row.innerText(), /lp:~pat\/gcc-linaro\/slow-build/);
    assert.equal(await row.locator('a.launchpad').getAttribute('href'), running.web_link);
    const states = await row.locator('td.build').evaluateAll((cells) => cells.map((c) => `${c.getAttribute('data-backend')}=${c.getAttribute('data-state')}`));
    const expected = ['cbuild', 'lava'].map((backend) => `${backend}=${slow.builds.find((b) => b.target === 'a9hf' && b.backend === backend)!.state}`);
    assert.deepEqual(states, expected);
    assert.ok(states.some((s) => s.endsWith('=running')), `one build is running: ${states}`);
    const lavaJob = slow.builds.find((b) => b.target === 'a9hf' && b.backend === 'lava')!.job_url!;
    assert.equal(await row.locator('td.build[data-backend="lava"] a.job').getAttribute('href'), lavaJob);
    assert.match(lavaJob, /\/scheduler\/job\/\d+$/);

    const finished = await buildsOf(done);
    const recent = page.locator(`#recent tr[data-request="${finished.requestId}"]`);
    assert.match(await recent.innerText(), /a9hf CBuild passed\s+a9hf LAVA passed\s+x86_64 CBuild passed\s+x86_64 LAVA passed/);
    assert.equal(await recent.locator('td.outcome').innerText(), 'passed');
    const posted = recent.locator('a.comment');
    assert.match((await posted.getAttribute('href'))!, new RegExp(`^${done.web_link.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/comments/\\d+$`), 'the comment on Launchpad’s web page');
    assert.equal(await posted.innerText(), 'posted');
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
  });

  it('opens the proposal page with its builds, CBuild log and LAVA job links', async () => {
    await page.goto(server.url);
    const finished = await buildsOf(done);
    await page.locator(`#recent tr[data-request="${finished.requestId}"] a[href="/proposal/${done.id}"]`).click();
    assert.equal(await page.locator('h1').innerText(), 'lp:~olga/gcc-linaro/status-page');
    const section = page.locator(`section[data-request="${finished.requestId}"]`);
    for (const b of finished.builds) {
      const cells = section.locator(`tr[data-target="${b.target}"][data-backend="${b.backend}"]`);
      assert.match(await cells.innerText(), /passed/);
      assert.equal(await cells.locator('a', { hasText: 'log' }).getAttribute('href'), b.log_url);
      assert.equal(await cells.locator('a', { hasText: 'job' }).getAttribute('href'), b.job_url);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'proposal-page.png'), fullPage: true });
  });

  it('draws the capacity page: charts, LAVA device pool and agreement, without JavaScript', async () => {
    await page.goto(`${server.url}capacity?since=1d`);
    const charts = page.locator('#charts svg[role="img"]');
    assert.equal(await charts.count(), 4);
    const box = await charts.first().boundingBox();
    assert.ok(box && box.width > 300 && box.height > 100, `the chart is drawn: ${JSON.stringify(box)}`);
    assert.ok((await page.locator('#charts circle').count()) >= 4, 'one dot per finished build in the time series');
    assert.match(await page.locator('#device-types tr[data-device-type="panda-es"]').innerText(), /panda-es\s+1\s/);
    const pair = page.locator(`#agreement tr[data-verdict="agree"]`).first();
    assert.match(await pair.innerText(), /same test counts/);
    assert.match(await page.locator('#readiness tr[data-target="a9hf"]').innerText(), /^a9hf\s+not yet\s+no\s+100\.00% of 8 test results agree over 2 revision\(s\) \(at least 99\.90% over 5 revision\(s\)\)/, 'two revisions are not enough evidence');
    await page.screenshot({ path: join(ARTIFACTS, 'capacity-page.png'), fullPage: true });
  });
});
