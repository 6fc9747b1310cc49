/**
 * The bot end to end through the simulators: real HTTP, real sqlite, the same
 * wiring as `cbuild-bot once`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { botComments, startHarness, cycleUntil, type Harness, LP_TOKEN, LAVA_TOKEN } from './harness.js';
import type { WiredBot } from '../../src/app/wiring.js';
import { createLogger } from '../../src/log.js';

const MARKER = /^cbuild-bot-ref: (\d+)\/(ack|results)$/m;

async function resultsPosted(h: Harness, link: string, count = 1): Promise<boolean> {
  return botComments(h, link).filter((c) => /cbuild-bot-ref: \d+\/results/.test(c.content)).length >= count;
}

describe('e2e: bot through the simulators', function () {
  this.timeout(60_000);
  let h: Harness;
  let wired: WiredBot;

  afterEach(async () => {
    await h?.close();
  });

  it('builds a proposal on both backends for every target and posts one ack and one results comment', async () => {
    h = await startHarness();
    const mp = h.propose('alice', 'neon');
    wired = await h.wire();
    await cycleUntil(wired, () => resultsPosted(h, mp.link));
    await wired.bot.runCycle(); // a further cycle must not post again

    const comments = botComments(h, mp.link);
    assert.equal(comments.length, 2, comments.map((c) => c.content).join('\n----\n'));
    const [ack, results] = comments;
    assert.match(ack.content, /cbuild-bot has queued revision 2 \(.+\) of lp:~alice\/gcc-linaro\/neon for build:/);
    assert.equal(ack.subject, 'Re: [Merge] lp:~alice/gcc-linaro/neon into lp:~linaro-toolchain/gcc-linaro/trunk');
    // LAVA job links and CBuild queue entries, per target.
    assert.match(ack.content, new RegExp(`^- a9hf LAVA: QUEUED: ${h.lava.url}scheduler/job/\\d+$`, 'm'));
    assert.match(ack.content, /^- a9hf CBuild: QUEUED: http:\/\/127\.0\.0\.1:\d+\/scheduler\/queues\/a9hf-ubuntu\/jobs\/gcc-linaro\+bzr2~alice~neon~r\d+$/m);
    assert.equal(ack.content.match(MARKER)?.[2], 'ack');

    assert.match(results.content, /^Every build passed with no test regressions\.\n/);
    assert.match(results.content, /\nCompared with the branch point, lp:~linaro-toolchain\/gcc-linaro\/trunk revision 3 \(same target and backend\):\n/);
    assert.match(results.content, /^- a9hf LAVA: no change$/m);
    for (const target of ['a9hf', 'x86_64']) {
      for (const backend of ['CBuild', 'LAVA']) {
        assert.match(results.content, new RegExp(`^- ${target} ${backend}: PASS in \\d+s, no regressions: http://\\S+ \\(full diff: http://\\S+/testsuite-diff\\.txt\\)$`, 'm'));
        assert.match(results.content, new RegExp(`^- ${target} ${backend}: gcc 2 PASS, 1 FAIL, 1 XFAIL$`, 'm'));
      }
    }
    assert.equal(results.content.match(MARKER)?.[2], 'results');
    // Every LAVA job the bot submitted identifies its request: the proposal's and the trunk baseline's.
    assert.deepEqual(h.lava.jobs().map((j) => j.description).sort(), [
      'cbuild-bot r1 a9hf gcc-linaro+bzr3~linaro-toolchain~trunk~r1',
      'cbuild-bot r1 x86_64 gcc-linaro+bzr3~linaro-toolchain~trunk~r1',
      'cbuild-bot r2 a9hf gcc-linaro+bzr2~alice~neon~r2',
      'cbuild-bot r2 x86_64 gcc-linaro+bzr2~alice~neon~r2',
    ]);
  });

  it('compares test results with the branch point and names the regressions, with the full diff on the results host', async () => {
    h = await startHarness();
    const mp = h.propose('lena', 'regress');
    h.toolchain.regressed.add(mp.branch);
    wired = await h.wire();
    await cycleUntil(wired, () => resultsPosted(h, mp.link));
    const results = botComments(h, mp.link).at(-1)!.content;
    assert.match(results, /^1 test regression on a9hf, x86_64 \(CBuild and LAVA\): gcc: gcc\.dg\/pr1\.c \(test for excess errors\)\.\n/);
    assert.match(results, /^- x86_64 CBuild: 1 regression, 1 new FAIL$/m);
    assert.match(results, /\nRegressions \(PASS at the branch point, lp:~linaro-toolchain\/gcc-linaro\/trunk revision 3; FAIL now\):\n- a9hf, x86_64 \(CBuild and LAVA\):\n    gcc: gcc\.dg\/pr1\.c \(test for excess errors\)\n/);
    assert.match(results, /\nNew tests that FAIL \(not regressions, but worth a look\):\n- a9hf, x86_64 \(CBuild and LAVA\):\n    gcc: gcc\.dg\/pr5\.c \(test for excess errors\)/);
    const diffUrl = /^- a9hf LAVA: PASS .*\(full diff: (http:\/\/\S+\/testsuite-diff\.txt)\)$/m.exec(results)![1];
    const diff = await (await fetch(diffUrl)).text();
    assert.match(diff, /^Difference in testsuite results between:\n gcc-linaro\+bzr3~linaro-toolchain~trunk~r1 build /);
    assert.match(diff, /Tests that now fail, but worked before:\n\ngcc\.dg\/pr1\.c \(test for excess errors\)\n/);
  });

  it('votes Approve on a clean proposal and Needs Fixing on a regression when voting is on', async () => {
    h = await startHarness();
    const clean = h.propose('quinn', 'clean');
    const regress = h.propose('rita', 'regress');
    h.toolchain.regressed.add(regress.branch);
    wired = await h.wire({ vote: true });
    await cycleUntil(wired, async () => (await resultsPosted(h, clean.link)) && (await resultsPosted(h, regress.link)));
    const votes = (link: string) => botComments(h, link).map((c) => [c.content.split('\n').at(-1), c.vote, c.reviewType]);
    assert.deepEqual(votes(clean.link).map((v) => v.slice(1)), [[null, null], ['Approve', 'cbuild-bot']]);
    assert.deepEqual(votes(regress.link).map((v) => v.slice(1)), [[null, null], ['Needs Fixing', 'cbuild-bot']]);
  });

  it('says plainly when a build cannot be compared because the baseline build failed', async () => {
    h = await startHarness();
    h.toolchain.broken.add(h.trunk);
    const mp = h.propose('mona', 'on-broken-trunk');
    wired = await h.wire();
    await cycleUntil(wired, () => resultsPosted(h, mp.link));
    const results = botComments(h, mp.link).at(-1)!.content;
    assert.match(results, /^Every build passed; not every build could be compared with a baseline \(see below\)\.\n/);
    assert.match(results, /\nNot compared:\n- a9hf CBuild: the baseline build of lp:~linaro-toolchain\/gcc-linaro\/trunk revision 3 failed to build/);
  });

  it('reports a broken build as the change\'s fault and an Incomplete LAVA job as infrastructure', async () => {
    h = await startHarness();
    const broken = h.propose('bob', 'breaks');
    const unlucky = h.propose('carol', 'unlucky');
    h.toolchain.broken.add(broken.branch);
    h.lava.failNextJobs(3, 'Unable to copy overlay', (m) => m['cbuild-bot.branch'] === `lp:${unlucky.branch}` && m['cbuild-bot.target'] === 'x86_64');
    wired = await h.wire();
    await cycleUntil(wired, async () => (await resultsPosted(h, broken.link)) && (await resultsPosted(h, unlucky.link)));

    const bob = botComments(h, broken.link).at(-1)!.content;
    assert.match(bob, /^The build FAILED on a9hf, x86_64 \(CBuild and LAVA\)\.\n/);
    assert.match(bob, /^- a9hf CBuild: BUILD FAILED in \d+s: http:\/\/\S+\/make\.log$/m);
    assert.match(bob, /^- a9hf LAVA: BUILD FAILED in \d+s: http:\/\/\S+\/make\.log\n    LAVA job: http:\/\/\S+\/scheduler\/job\/\d+$/m, 'a failed LAVA build links the make.log it published, then its job');
    assert.match(bob, /\nFirst errors of the failed builds \(from make.log\):\n- a9hf, x86_64 \(CBuild and LAVA\):\n    .*error: .*\n/);
    assert.doesNotMatch(bob, /INFRASTRUCTURE/);

    const carol = botComments(h, unlucky.link).at(-1)!.content;
    assert.match(carol, /^No result on x86_64 \(LAVA\): the builds could not run \(infrastructure\), which is not this change's fault\.\n/);
    assert.match(carol, /^- x86_64 LAVA: INFRASTRUCTURE FAILURE in \d+s \(attempt 3\): http:\S+$/m);
    assert.match(carol, /^- a9hf LAVA: PASS/m);
    assert.match(carol, /\nProblems of the build lab, not of this change:\n- x86_64 LAVA: LAVA job \d+ ended Incomplete: Unable to copy overlay \(Job error\) \(attempt 3 of 3; all failed\)\n    attempt 1: LAVA job \d+ ended Incomplete: Unable to copy overlay \(Job error\) http:\S+\n    attempt 2: .*\n/);
    const attempts = h.lava.jobs().filter((j) => j.description.includes('~carol~unlucky') && j.description.includes('x86_64')).map((j) => j.description);
    assert.equal(attempts.length, 3, attempts.join('\n'));
    assert.match(attempts[0], /^cbuild-bot r(\d+) x86_64 gcc-linaro\+bzr2~carol~unlucky~r\1$/);
    assert.equal(attempts[1], `${attempts[0]} attempt 2`);
    assert.equal(attempts[2], `${attempts[0]} attempt 3`);
  });

  it('submits a build again after an infrastructure failure and reports it passed on the retry', async () => {
    h = await startHarness();
    const mp = h.propose('nina', 'retried');
    h.lava.failNextJobs(1, 'Unable to copy overlay', (m) => m['cbuild-bot.branch'] === `lp:${mp.branch}` && m['cbuild-bot.target'] === 'a9hf');
    h.toolchain.durationMs = 1500;
    wired = await h.wire();
    // oort1 builds the trunk baseline's x86_64 job first; once that passed, it is on the proposal's: kill it.
    const baselinePassed = async () =>
      (await wired.store.db.all<{ state: string }>(
        `SELECT b.state FROM builds b JOIN requests r ON r.id = b.request_id WHERE r.kind = 'baseline' AND b.target = 'x86_64' AND b.backend = 'cbuild'`,
      )).some((b) => b.state === 'passed');
    await cycleUntil(wired, baselinePassed);
    h.cbuild.killHostDuringNextJob('oort1');
    await cycleUntil(wired, () => resultsPosted(h, mp.link));
    const results = botComments(h, mp.link).at(-1)!.content;
    assert.match(results, /^Every build passed with no test regressions\.\n/);
    assert.doesNotMatch(results, /INFRASTRUCTURE FAILURE/);
    assert.match(results, /^- a9hf LAVA: PASS in \d+s \(attempt 2\), no regressions: /m);
    assert.match(results, /\nProblems of the build lab, not of this change:\n/);
    assert.match(results, /^- a9hf LAVA: PASS after 1 failed attempt\n    attempt 1: LAVA job \d+ ended Incomplete: Unable to copy overlay \(Job error\) http:\S+$/m);
    assert.match(results, /^- x86_64 CBuild: PASS after 1 failed attempt\n    attempt 1: CBuild host oort1 stopped answering during the build http:\S+$/m);
  });

  it('cancels the old LAVA jobs when a new revision arrives and reports only the new revision', async () => {
    h = await startHarness();
    h.toolchain.durationMs = 3000;
    const mp = h.propose('dave', 'sched');
    wired = await h.wire();
    const sched = () => h.lava.jobs().filter((j) => j.description.includes('~dave~sched'));
    await cycleUntil(wired, () => sched().filter((j) => j.state === 'Running').length === 2);
    const oldJobs = sched().map((j) => j.id);
    h.lp.pushRevisions(mp.branch, 1);
    h.toolchain.durationMs = 100;
    await cycleUntil(wired, () => resultsPosted(h, mp.link));

    for (const id of oldJobs) assert.equal(h.lava.job(id)!.health, 'Canceled', `old LAVA job ${id}`);
    const comments = botComments(h, mp.link);
    const results = comments.filter((c) => c.content.match(MARKER)?.[2] === 'results');
    assert.equal(results.length, 1);
    assert.match(results[0].content, /\nBuilds of revision 3 /);
    const acks = comments.filter((c) => c.content.match(MARKER)?.[2] === 'ack');
    assert.match(acks.at(-1)!.content, /\nThe builds of revision 2 were cancelled: their results will not be posted\.\n/, 'the next acknowledgement says what became of revision 2');
    assert.ok(!comments.some((c) => /Builds of revision 2 /.test(c.content)), 'no results for the superseded revision');
    const status = await wired.store.requestsOfProposals([(await wired.store.proposalByLink(mp.link))!.id]);
    assert.deepEqual(status.map((r) => [r.revision.revno, r.state]), [[2, 'superseded'], [3, 'done']]);
  });

  it('stops tracking a merged proposal and cancels its running builds', async () => {
    h = await startHarness();
    h.toolchain.durationMs = 5000;
    const mp = h.propose('erin', 'merged-soon');
    wired = await h.wire();
    const own = () => h.lava.jobs().filter((j) => j.description.includes('~erin~merged-soon'));
    await cycleUntil(wired, () => own().filter((j) => j.state === 'Running').length === 2);
    h.lp.setStatus(mp.link, 'Merged');
    await cycleUntil(wired, () => own().every((j) => j.health === 'Canceled'));
    const proposal = (await wired.store.proposalByLink(mp.link))!;
    assert.equal(proposal.tracked, false);
    assert.equal(proposal.queue_status, 'Merged');
    const [request] = await wired.store.requestsOfProposals([proposal.id]);
    assert.equal(request.state, 'closed');
    const builds = (await wired.store.buildsOfRequests([request.id])).get(request.id)!;
    assert.ok(builds.every((b) => b.state === 'cancelled'), JSON.stringify(builds.map((b) => b.state)));
    assert.ok(!botComments(h, mp.link).some((c) => /\/results$/m.test(c.content)));
  });

  it('keeps steady-state cycles to one request per page of proposals', async () => {
    h = await startHarness({ batchSize: 2 });
    const links = ['p1', 'p2', 'p3'].map((n) => h.propose('frank', n).link);
    wired = await h.wire();
    await cycleUntil(wired, async () => (await Promise.all(links.map((l) => resultsPosted(h, l)))).every(Boolean));
    h.lp.clearRequests();
    await wired.bot.runCycle();
    assert.deepEqual(h.lp.requests.map((r) => `${r.method} ${r.operation} ${r.status}`), [
      'GET getMergeProposals 200',
      'GET getMergeProposals 200',
    ]);
    // A new revision costs the pages plus its branch and a conditional GET of the target (the branch point).
    h.lp.pushRevisions('~frank/gcc-linaro/p2', 1);
    h.lp.clearRequests();
    await wired.bot.runCycle();
    assert.deepEqual(h.lp.requests.filter((r) => r.method === 'GET').map((r) => `${r.operation ?? r.path} ${r.status}`), [
      'getMergeProposals 200',
      'getMergeProposals 200',
      '/1.0/~frank/gcc-linaro/p2 200',
      '/1.0/~linaro-toolchain/gcc-linaro/trunk 304',
    ]);
  });

  it('retries Launchpad 503s honouring Retry-After, and one failing proposal does not stop the others', async () => {
    h = await startHarness();
    const good = h.propose('gina', 'fine');
    const bad = h.propose('hal', 'unreadable');
    h.lp.failNext({ pathContains: 'getMergeProposals', status: 503, retryAfter: 1, times: 1 });
    h.lp.failNext({ pathContains: '/~hal/gcc-linaro/unreadable', method: 'GET', status: 404, times: 100 });
    wired = await h.wire();
    const started = Date.now();
    await wired.bot.runCycle();
    assert.ok(Date.now() - started >= 1000, 'waited for Retry-After');
    await cycleUntil(wired, () => resultsPosted(h, good.link));
    assert.equal(botComments(h, bad.link).length, 0);
    assert.equal(await wired.store.proposalByLink(bad.link), undefined);
  });

  it('in a dry run without Launchpad credentials reads anonymously, submits nothing and prints what it would submit and post', async () => {
    h = await startHarness();
    const mp = h.propose('ivan', 'dry');
    const printed: string[] = [];
    wired = await h.wire({ anonymous: true, dryRun: true, print: (t) => printed.push(t) });
    await cycleUntil(wired, () => printed.some((t) => /cbuild-bot-ref: \d+\/ack/.test(t)));
    assert.equal(h.lp.commentsOf(mp.link).length, 0);
    assert.ok(h.lp.requests.every((r) => r.method === 'GET' && r.authorized === null));
    assert.deepEqual([h.lava.jobs().length, h.toolchain.specs.length], [0, 0], 'nothing submitted');
    assert.equal(printed.filter((t) => /^--- dry run: would submit (CBuild|LAVA) job /.test(t)).length, 8, 'two targets, two backends, the proposal and its baseline');
    const ack = printed.find((t) => t.startsWith('--- dry run: would comment on'))!;
    assert.match(ack, /^--- dry run: would comment on http:\/\/127\.0\.0\.1:\d+\/~ivan\/gcc-linaro\/dry\/\+merge\/\d+\nSubject: Re: \[Merge\]/);
    assert.match(ack, /^- a9hf LAVA: QUEUED: \(dry run: LAVA job not submitted\)$/m);
  });

  it('refuses to start without Launchpad credentials unless it is a dry run, naming the missing file and cbuild-bot login', async () => {
    h = await startHarness();
    await assert.rejects(h.wire({ anonymous: true }), {
      name: 'CredentialsMissingError',
      message:
        'no Launchpad credentials: neither launchpad.credentialsFile nor $CBUILD_BOT_LP_CREDENTIALS names a file, and the bot cannot post without them: ' +
        'run `cbuild-bot login` and name the file it writes in launchpad.credentialsFile (or give --dry-run to read Launchpad anonymously and post nothing)',
    });
    const missing = join(h.dir, 'not-logged-in-yet');
    await assert.rejects(h.wire({ anonymous: true, config: { launchpad: { ...h.config.launchpad, credentialsFile: missing } } }), {
      message: `Launchpad credentials file ${missing} (launchpad.credentialsFile) does not exist: run \`cbuild-bot login\` to make it (or give --dry-run to read Launchpad anonymously and post nothing)`,
    });
  });

  it('finds its LAVA job again when a submission\'s answer was lost, instead of submitting twice', async () => {
    h = await startHarness();
    const mp = h.propose('judy', 'lost-answer');
    // LAVA creates the first job submitted, then closes the connection without an answer.
    h.lava.faults.call({ method: 'scheduler.jobs.submit', answer: 'drop' });
    let skew = 0;
    wired = await h.wire({ clock: () => new Date(Date.now() + skew) });
    await wired.bot.runCycle();
    // The answer was lost: the job may exist, so the bot looks for it before it would submit again.
    assert.equal((await wired.store.unfinishedBuilds()).filter((b) => b.state === 'submitting').length, 1);
    skew = 120_000;
    await cycleUntil(wired, () => resultsPosted(h, mp.link));
    // Two builds of the proposal and two of its baseline; the lost answer did not cause a fifth.
    const descriptions = h.lava.jobs().map((j) => j.description);
    assert.equal(descriptions.length, 4, descriptions.join('\n'));
    assert.equal(new Set(descriptions).size, 4);
  });

  it('never writes the OAuth secret or the LAVA token into logs, comments or the store', async () => {
    h = await startHarness();
    const mp = h.propose('kim', 'secrets');
    const lines: string[] = [];
    wired = await h.wire({ logger: createLogger({ level: 'debug', sink: { write: (l) => lines.push(l) } }) });
    h.lava.failNextJobs(1, `boom ${LAVA_TOKEN}`);
    await cycleUntil(wired, () => resultsPosted(h, mp.link));
    const everything = [
      ...lines,
      ...h.lp.commentsOf(mp.link).map((c) => c.content),
      JSON.stringify(await wired.store.db.all('SELECT * FROM builds')),
      JSON.stringify(await wired.store.db.all('SELECT * FROM comments')),
    ].join('\n');
    assert.ok(everything.includes('boom ***'), 'the token that reached an error message was masked');
    for (const secret of [LP_TOKEN.secret, LAVA_TOKEN]) assert.ok(!everything.includes(secret));
  });
});
