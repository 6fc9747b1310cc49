/**
 * The bot's comments as reviewers read them: the real bot builds three
 * proposals through the simulators (a pass, a broken build, a regression),
 * then Chromium (JavaScript off) opens each proposal's page on the simulated
 * Launchpad, which renders comments as Launchpad does (text_to_html, the
 * 3,200-character fold). The checks read the page's text after the
 * browser's whitespace collapse, whatever the comment's layout.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { WiredBot } from '../../src/app/wiring.js';
import { FINAL_BUILD_STATES, type BuildRow, type ProposalRow } from '../../src/core/model.js';
import { requestOutcome, type RequestOutcome } from '../../src/core/report.js';
import { cycleUntil, startHarness, type Harness } from '../e2e/harness.js';
import { ARTIFACTS, openBrowser, requireChromium } from '../support/chromium.js';
import { buildLines, linesOf, readComment, renderedFromHtml, verdictLine, type RenderedComment } from '../support/rendered-comment.js';

interface Case {
  name: string;
  link: string;
  proposal: ProposalRow;
  /** The builds the results comment reports (shadow builds are not shown on proposals). */
  builds: BuildRow[];
  outcome: RequestOutcome;
  /** The results comment's own web page. */
  commentUrl: string;
}

const isResults = (content: string) => /\/results\s*$/.test(content);

describe('Launchpad proposal page in Chromium: the results comment as reviewers read it', function () {
  this.timeout(120_000);
  let h: Harness;
  let wired: WiredBot;
  let browser: Browser;
  let page: Page;
  const cases: Case[] = [];

  before(async function () {
    requireChromium(this);
    h = await startHarness();
    const proposed = {
      passed: h.propose('olga', 'clean-pass'),
      failed: h.propose('pat', 'broken-build'),
      regressed: h.propose('quinn', 'regresses-pr1'),
    };
    h.toolchain.broken.add(proposed.failed.branch);
    h.toolchain.regressed.add(proposed.regressed.branch);
    wired = await h.wire({ vote: true });
    await cycleUntil(wired, () => Object.values(proposed).every((p) => h.lp.commentsOf(p.link).some((c) => isResults(c.content))), 60_000);
    for (const [name, { link }] of Object.entries(proposed)) {
      const proposal = (await wired.store.proposalByLink(link))!;
      const [request] = await wired.store.requestsOfProposals([proposal.id]);
      const builds = ((await wired.store.buildsOfRequests([request.id])).get(request.id) ?? []).filter((b) => !b.shadow);
      assert.ok(builds.length > 0 && builds.every((b) => FINAL_BUILD_STATES.has(b.state)), `${name}: every build ended`);
      const comment = h.lp.commentsOf(link).find((c) => isResults(c.content))!;
      cases.push({ name, link, proposal, builds, outcome: requestOutcome(builds), commentUrl: `${proposal.web_link}/comments/${comment.id}` });
    }
    assert.deepEqual(cases.map((c) => c.outcome), ['passed', 'failed', 'regressed'], 'the three outcomes the proposals were made for');
    ({ browser, page } = await openBrowser({ width: 1100, height: 900 }));
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  async function commentOnProposalPage(c: Case): Promise<RenderedComment> {
    await page.goto(c.proposal.web_link);
    return readComment(page, c.commentUrl);
  }

  it('shows the proposal page with the bot’s comments, saved as test-artifacts/launchpad-proposal-page.png', async () => {
    const regressed = cases.find((c) => c.outcome === 'regressed')!;
    await page.goto(regressed.proposal.web_link);
    assert.equal(await page.locator('h1').innerText(), 'Merge lp:~quinn/gcc-linaro/regresses-pr1 into lp:gcc-linaro');
    assert.equal(await page.locator('#queue-status').innerText(), 'Needs review');
    const comments = page.locator('#conversation div.boardComment');
    assert.equal(await comments.count(), 2, 'the acknowledgement and the results');
    assert.match(await comments.nth(1).locator('.boardCommentActivity').innerText(), /^review: Needs Fixing \(cbuild-bot\)$/);
    await page.screenshot({ path: join(ARTIFACTS, 'launchpad-proposal-page.png'), fullPage: true });
  });

  it('reads, in Chromium, what the rendered-comment helper works out from the HTML (the helper’s collapse rules hold)', async () => {
    for (const c of cases) {
      const fromBrowser = await commentOnProposalPage(c);
      const html = await page.locator(`div.boardComment[data-baseurl="${c.commentUrl}"] .comment-text`).innerHTML();
      assert.deepEqual(renderedFromHtml(html), fromBrowser, c.name);
    }
  });

  it('has one line per build holding its target, backend, result word and link', async () => {
    for (const c of cases) {
      const comment = await commentOnProposalPage(c);
      for (const b of c.builds) {
        // A failed build links the make.log where the failure is; the others their job or log.
        const urls = b.state === 'failed' ? [b.failure_excerpt?.log_url ?? null] : [b.log_url, b.job_url];
        assert.ok(b.state !== 'failed' || /\/make\.log$/.test(urls[0] ?? ''), `${c.name}: ${b.target} ${b.backend} has its make.log recorded`);
        const lines = buildLines(comment, { target: b.target, backend: b.backend, state: b.state, urls });
        assert.ok(lines.length >= 1, `${c.name}: no line holds ${b.target} ${b.backend} ${b.state} and its link (${urls.join(' or ')}) as a reader sees it:\n${comment.text}`);
      }
    }
  });

  it('says the verdict in what shows before "Read more..." (the first 3,200 characters)', async () => {
    for (const c of cases) {
      const comment = await commentOnProposalPage(c);
      // The first line, not any line with the word: a build line says FAILED too.
      assert.equal(verdictLine(comment, c.outcome), linesOf(comment)[0], `${c.name}: the first line does not say "${c.outcome}":\n${comment.text}`);
    }
  });
});
