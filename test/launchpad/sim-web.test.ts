/** The Launchpad simulator's web pages over real HTTP: a proposal's conversation and each comment's page, as Launchpad draws them. */
import assert from 'node:assert/strict';
import { LaunchpadSimulator } from '../../src/launchpad/simulator.js';
import { plaintextAuthorization } from '../../src/launchpad/oauth.js';
import { COMMENT_LIMIT, displayDate } from '../../src/launchpad/sim-web.js';
import { BOT_TOKEN, credentialsOf } from './fixture.js';

/** A string as a regular expression that matches it literally. */
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('Launchpad simulator web pages', () => {
  let sim: LaunchpadSimulator;
  let now: Date;
  let mpLink: string;
  let webLink: string;

  beforeEach(async () => {
    now = new Date('2026-03-10T12:00:00.000Z');
    sim = new LaunchpadSimulator({ clock: () => now });
    await sim.start();
    sim.addPerson('alice', 'Alice <b>Ærø</b>');
    sim.addPerson('cbuild', 'Linaro CBuild');
    sim.addProject('gcc-linaro', 'GCC Linaro');
    const trunk = sim.addBranch({ owner: 'alice', project: 'gcc-linaro', name: 'trunk', developmentFocus: true });
    sim.pushRevisions(trunk, 2);
    const fix = sim.addBranch({ owner: 'alice', project: 'gcc-linaro', name: 'fix' });
    sim.pushRevisions(fix, 1);
    mpLink = sim.createMergeProposal({ source: fix, target: trunk, registrant: 'alice', description: 'Fixes <everything>.' });
    sim.registerToken(BOT_TOKEN);
    const entry = (await (await fetch(mpLink)).json()) as { web_link: string };
    webLink = entry.web_link;
  });
  afterEach(() => sim.close());

  /** A comment posted as the bot does it, over the API; returns its id. */
  async function post(content: string, vote?: string, reviewType?: string): Promise<number> {
    const form: Record<string, string> = { 'ws.op': 'createComment', content };
    if (vote) form.vote = vote;
    if (reviewType) form.review_type = reviewType;
    const res = await fetch(mpLink, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: plaintextAuthorization(credentialsOf(BOT_TOKEN)) },
      body: new URLSearchParams(form).toString(),
    });
    assert.equal(res.status, 201);
    return Number(/\/comments\/(\d+)$/.exec(res.headers.get('location')!)![1]);
  }

  async function get(url: string): Promise<{ status: number; type: string | null; text: string; location: string | null }> {
    const res = await fetch(url, { redirect: 'manual' });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text(), location: res.headers.get('location') };
  }

  /** The comment's `div.boardComment`, found by its URL as Launchpad marks it (`data-baseurl`). */
  function commentDiv(page: string, id: number): string {
    const start = page.indexOf(`data-baseurl="${webLink}/comments/${id}"`);
    assert.ok(start > 0, `comment ${id} is on the page`);
    const end = page.indexOf('<div itemscope=""', start);
    return page.slice(start, end < 0 ? undefined : end);
  }

  it('serves the proposal page at its web_link: heading, status, every comment in order with author, date and vote', async () => {
    assert.equal(webLink, `${sim.root}~alice/gcc-linaro/fix/+merge/${/\+merge\/(\d+)/.exec(mpLink)![1]}`, 'web_link is under the root, not /1.0/');
    const first = await post('First, the acknowledgement.');
    now = new Date('2026-03-10T12:05:00.000Z');
    const second = await post('Then the results.', 'Approve', 'cbuild-bot');
    sim.addComment(mpLink, 'alice', 'Thanks!');
    now = new Date('2026-03-10T12:10:30.000Z');

    const page = await get(webLink);
    assert.equal(page.status, 200);
    assert.match(page.type!, /^text\/html; charset=utf-8/);
    assert.match(page.text, /<h1>Merge lp:~alice\/gcc-linaro\/fix into lp:gcc-linaro<\/h1>/);
    assert.match(page.text, /<dd id="queue-status">Needs review<\/dd>/);
    assert.match(page.text, /<div id="description"><p>Fixes &lt;everything&gt;\.<\/p><\/div>/);
    const order = [...page.text.matchAll(/data-baseurl="[^"]*\/comments\/(\d+)"/g)].map((m) => Number(m[1]));
    assert.equal(order.length, 3);
    assert.deepEqual(order.slice(0, 2), [first, second], 'oldest first, though the API lists them in no order');

    const results = commentDiv(page.text, second);
    assert.match(results, /<a href="[^"]*\/~cbuild" class="sprite person">Linaro CBuild \(cbuild\)<\/a> wrote <time itemprop="commentTime" title="2026-03-10 12:05:00 UTC" datetime="2026-03-10T12:05:00.000Z">5 minutes ago<\/time>:/);
    assert.match(results, /<div class="comment-text editable-message-text" itemprop="commentText"><p>Then the results\.<\/p><\/div>/);
    assert.match(results, /<strong>review:<\/strong> <span class="voteAPPROVE">Approve<\/span> \(cbuild-bot\)/);
    assert.match(commentDiv(page.text, order[2]), /Alice &lt;b&gt;Ærø&lt;\/b&gt; \(alice\)/, 'names are escaped');
    assert.doesNotMatch(commentDiv(page.text, first), /review:/, 'no vote, no footer');
  });

  it('serves a git proposal page at its web_link, under the source repository, naming both refs', async () => {
    const trunk = sim.addGitRepository({ owner: 'alice', project: 'gcc-linaro', name: 'gcc-linaro', targetDefault: true });
    sim.pushCommits(trunk, 'refs/heads/master', 2);
    const topic = sim.addGitRepository({ owner: 'cbuild', project: 'gcc-linaro', name: 'gcc-linaro' });
    sim.pushCommits(topic, 'refs/heads/neon', 1);
    const gitMp = sim.createMergeProposal({ source: topic, sourceRef: 'refs/heads/neon', target: trunk, targetRef: 'refs/heads/master', registrant: 'alice' });
    const gitWeb = ((await (await fetch(gitMp)).json()) as { web_link: string }).web_link;
    assert.equal(gitWeb, `${sim.root}~cbuild/gcc-linaro/+git/gcc-linaro/+merge/${/\+merge\/(\d+)/.exec(gitMp)![1]}`);
    sim.addComment(gitMp, 'alice', 'On git now.');

    const page = await get(gitWeb);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Merge lp:~cbuild\/gcc-linaro\/\+git\/gcc-linaro:neon into lp:gcc-linaro:master<\/h1>/);
    assert.match(page.text, /<dt>Proposed branch:<\/dt><dd>lp:~cbuild\/gcc-linaro\/\+git\/gcc-linaro:neon<\/dd>/);
    const comment = /data-baseurl="([^"]*\/comments\/\d+)"/.exec(page.text)![1];
    assert.ok(comment.startsWith(`${gitWeb}/comments/`), comment);
    const commentPage = await get(comment);
    assert.equal(commentPage.status, 200);
    assert.match(commentPage.text, /<h1>Code review comment for lp:~cbuild\/gcc-linaro\/\+git\/gcc-linaro:neon<\/h1>/);
    assert.match(commentPage.text, /<p>On git now\.<\/p>/);
    assert.equal((await get(gitWeb.replace('/+git/gcc-linaro/', '/+git/other/'))).status, 404, 'under another repository: no page');
  });

  it('renders a body with text_to_html: paragraphs, <br />, leading spaces as &nbsp;, links, everything escaped', async () => {
    const id = await post('Results:\n\n  a9hf   CBuild  PASS  http://cbuild.example/log.\n<script>alert(1)</script>');
    const body = commentDiv((await get(webLink)).text, id);
    assert.match(
      body,
      /<p>Results:<\/p>\n<p>&nbsp;&nbsp;a9hf   CBuild  PASS  <a rel="nofollow" href="http:\/\/cbuild\.example\/log">http:\/\/<wbr \/>cbuild\.<wbr \/>example\/<wbr \/>log<\/a>\.<br \/>\n&lt;script&gt;<wbr \/>alert\(1\)<wbr \/>&lt;\/script&gt;<\/p>/,
    );
    assert.doesNotMatch(body, /<script>/);
  });

  it('folds a comment longer than 3,200 characters behind "Read more..." and shows it whole on its own page', async () => {
    const long = `${'x'.repeat(COMMENT_LIMIT - 4)} end MORE-AFTER-THE-FOLD`;
    const exact = 'y'.repeat(COMMENT_LIMIT);
    const longId = await post(long);
    const exactId = await post(exact);
    const page = (await get(webLink)).text;

    const folded = commentDiv(page, longId);
    assert.match(folded, new RegExp(`<a href="${literally(`${webLink}/comments/${longId}/+download`)}">Download full text</a> \\(3\\.1 KiB\\)`));
    assert.match(folded, /x end\.\.\.<\/p>/, 'its first 3,200 characters and "..."');
    assert.doesNotMatch(folded, /MORE-AFTER-THE-FOLD/);
    assert.match(folded, new RegExp(`<p><a href="${literally(`${webLink}/comments/${longId}`)}">Read more\\.\\.\\.</a></p>`));
    assert.doesNotMatch(commentDiv(page, exactId), /Read more|\.\.\./, 'exactly 3,200 characters is not folded');

    const own = await get(`${webLink}/comments/${longId}`);
    assert.equal(own.status, 200);
    assert.match(own.text, /<h1>Code review comment for lp:~alice\/gcc-linaro\/fix<\/h1>/);
    assert.match(own.text, /MORE-AFTER-THE-FOLD/);
    assert.doesNotMatch(own.text, /Read more/);
    assert.match(own.text, new RegExp(`<a href="${literally(webLink)}">Back to merge proposal</a>`));
  });

  it('gives a comment longer than 10,000 characters no "Read more..." and sends its page to the download', async () => {
    const huge = `start ${'z '.repeat(6000)}`;
    const id = await post(huge);
    const folded = commentDiv((await get(webLink)).text, id);
    assert.match(folded, /Download full text<\/a> \(11\.7 KiB\)/);
    assert.doesNotMatch(folded, /Read more/);
    const own = await get(`${webLink}/comments/${id}`);
    assert.equal(own.status, 302);
    assert.equal(own.location, `${webLink}/comments/${id}/+download`);
    const download = await get(own.location!);
    assert.equal(download.status, 200);
    assert.match(download.type!, /^text\/plain/);
    assert.equal(download.text, huge);
  });

  it('hides addresses (and bzr revision ids that look like one) from visitors who are not logged in', async () => {
    const id = await post('cbuild-bot built revision 2 (dave@example.com-20261124220115-460959923aa7d462) of lp:~dave/gcc-linaro/x.');
    const anonymous = commentDiv((await get(webLink)).text, id);
    assert.match(anonymous, /revision 2 \(&lt;email address hidden&gt;\) of/);
    assert.doesNotMatch(anonymous, /dave@example/);
    const loggedIn = commentDiv((await get(`${webLink}?logged_in=1`)).text, id);
    assert.match(loggedIn, /revision 2 \(dave@example\.<wbr \/>com-20261124220<wbr \/>115-460959923aa<wbr \/>7d462\) of/);
  });

  it('answers 404 where Launchpad has no page, and leaves the API as it was', async () => {
    const id = await post('x');
    assert.equal((await get(`${sim.root}~alice/gcc-linaro/other/+merge/${/\+merge\/(\d+)/.exec(mpLink)![1]}`)).status, 404);
    assert.equal((await get(`${webLink}/comments/${id + 1}`)).status, 404);
    assert.equal((await get(`${webLink}/nothing`)).status, 404);
    const api = await get(`${mpLink}/comments/${id}`);
    assert.equal(api.status, 200);
    assert.match(api.type!, /^application\/json/);
    const head = await fetch(webLink, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });

  it('says dates as Launchpad does', () => {
    const at = new Date('2026-03-10T12:00:00Z');
    const ago = (ms: number) => displayDate(new Date(at.getTime() - ms), at);
    assert.equal(ago(5_000), 'a moment ago');
    assert.equal(ago(45_000), '45 seconds ago');
    assert.equal(ago(60_000), '1 minute ago');
    assert.equal(ago(3 * 3_600_000 + 120_000), '3 hours ago');
    assert.equal(ago(2 * 86_400_000), 'on 2026-03-08');
  });
});
