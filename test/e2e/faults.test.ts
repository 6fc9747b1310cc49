/**
 * Reliability under hostile input and faults (issue 9), end to end through
 * the simulators (real HTTP, real sqlite, the wiring of `cbuild-bot once`):
 * one test per finding, each asserting what a user sees — the comments on
 * the simulated proposal, the jobs on the simulated LAVA, the store's rows,
 * the CLI's output. Faults come from the simulators' knobs
 * (`lp.faults`, `lava.faults`, `failNext`), never from patched clients.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markers, botComments, recordingLogger, startHarness, cycleUntil, specKey, type Harness } from './harness.js';
import type { WiredBot } from '../../src/app/wiring.js';
import type { BuildOutcome, BuildSpec } from '../../src/cbuild/toolchain.js';
import { xzCompress } from '../../src/cbuild/xz.js';
import { renderSum } from '../../src/results/index.js';
import { silentLogger } from '../../src/log.js';
import { allEvents } from '../../src/bot/events.js';
import { Metrics } from '../../src/web/metrics.js';
import { Health } from '../../src/web/health.js';
import { startStatusServer } from '../../src/web/server.js';
import { CLI, cliEnv, runCli } from '../support/cli.js';



/** Waits for a condition of the simulators (no bot cycle in between). */
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function resultsComments(h: Harness, link: string) {
  return botComments(h, link).filter((c) => /cbuild-bot-ref: \d+\/results$/m.test(c.content));
}

const hasResults = (h: Harness, link: string) => resultsComments(h, link).length > 0;

/** Wraps the harness toolchain so builds of one source publish other files. */
function alterBuilds(h: Harness, source: string, alter: (outcome: BuildOutcome, spec: BuildSpec) => BuildOutcome): void {
  const build = h.toolchain.build.bind(h.toolchain);
  h.toolchain.build = (spec) => (specKey(spec) === source ? alter(build(spec), spec) : build(spec));
}

describe('e2e: hostile input and faults (issue 9)', function () {
  this.timeout(60_000);
  let h: Harness;
  let wired: WiredBot;

  afterEach(async () => {
    await h?.close();
  });

  describe('hostile input', () => {
    it('1: keeps building and reports a proposal that moved between listing pages while they were read', async () => {
      h = await startHarness({ batchSize: 2 });
      const [first, second, moving, last] = ['a', 'b', 'c', 'd'].map((n) => h.propose('alice', n));
      h.toolchain.durationMs = 1000;
      wired = await h.wire();
      await cycleUntil(wired, async () => (await wired.store.unfinishedBuilds()).filter((b) => b.state === 'running').length > 0);

      // While page 2 is read, the first proposal is merged: the third moves up to page 1, which was read already.
      let shifted = false;
      h.lp.faults.betweenPages(({ start }) => {
        if (start !== 2 || shifted) return;
        shifted = true;
        h.lp.setStatus(first.link, 'Merged');
      });
      h.lp.clearRequests();
      await wired.bot.runCycle();
      assert.ok(shifted, 'the listing shifted during the cycle');
      const listed = h.lp.requests.filter((r) => r.operation === 'getMergeProposals').length;
      assert.equal(listed, 2, 'the bot read two pages and the moving proposal was on neither');

      const moved = (await wired.store.proposalByLink(moving.link))!;
      assert.equal(moved.tracked, true, 'a proposal Launchpad still shows as "Needs review" stays tracked');
      const [request] = await wired.store.requestsOfProposals([moved.id]);
      assert.equal(request.state, 'active');
      const builds = (await wired.store.buildsOfRequests([request.id])).get(request.id)!;
      assert.ok(builds.every((b) => b.state !== 'cancelled'), JSON.stringify(builds.map((b) => b.state)));

      h.toolchain.durationMs = 100;
      await cycleUntil(wired, () => [second, moving, last].every((mp) => hasResults(h, mp.link)));
      assert.deepEqual(markers(h, moving.link), [`${request.id}/ack`, `${request.id}/results`]);
      assert.match(resultsComments(h, moving.link)[0].content, /^Every build passed with no test regressions\.\n\nBuilds of revision 2 .* of lp:~alice\/gcc-linaro\/c:$/m);
      // The merged one was on page 1 as it was read; the next cycle saw it leave.
      assert.equal((await wired.store.proposalByLink(first.link))!.tracked, false);
      assert.ok(!hasResults(h, first.link), 'no results for the merged proposal');
    });

    it('1: builds a revision again when its proposal comes back to a watched status after its request was closed', async () => {
      h = await startHarness();
      const mp = h.propose('alma', 'back-again');
      h.toolchain.durationMs = 1000;
      wired = await h.wire();
      await cycleUntil(wired, async () => (await wired.store.unfinishedBuilds()).some((b) => b.state === 'running'));
      h.lp.setStatus(mp.link, 'Approved'); // not one of launchpad.statuses
      await cycleUntil(wired, async () => (await wired.store.requestsOfProposals([(await wired.store.proposalByLink(mp.link))!.id]))[0].state === 'closed');
      h.lp.setStatus(mp.link, 'Needs review');
      h.toolchain.durationMs = 100;
      await cycleUntil(wired, () => hasResults(h, mp.link));
      const requests = await wired.store.requestsOfProposals([(await wired.store.proposalByLink(mp.link))!.id]);
      assert.deepEqual(requests.map((r) => [r.revision.revno, r.state]), [[2, 'closed'], [2, 'done']]);
      assert.deepEqual(markers(h, mp.link), [`${requests[0].id}/ack`, `${requests[1].id}/ack`, `${requests[1].id}/results`]);
    });

    it('2: shows the warning of a truncated .sum in the results comment and never votes Approve on it', async () => {
      h = await startHarness();
      const mp = h.propose('tess', 'truncated');
      // The build's gcc.sum ends before its summary block, as a file cut off in transfer does.
      alterBuilds(h, mp.branch, (outcome) => {
        const sum = outcome.files['gcc.sum'] as string;
        return { ...outcome, files: { ...outcome.files, 'gcc.sum': sum.slice(0, sum.indexOf('\t\t=== gcc Summary ===')) } };
      });
      wired = await h.wire({ vote: true });
      await cycleUntil(wired, () => hasResults(h, mp.link));
      const [results] = resultsComments(h, mp.link);
      assert.match(results.content, /no '=== gcc Summary ===' block: file truncated\?/);
      assert.match(results.content, /^Incomplete test results \(the comparison may miss tests, so no Approve vote\):$/m);
      assert.equal(results.vote, null, 'no vote at all: not Approve, and not the change\'s fault either');
    });

    it('3: builds exactly the stored bzr revision id, even one that reads like "revno:1", and a build by revno as a revno', async () => {
      h = await startHarness();
      h.lp.addPerson('oscar', 'Oscar');
      const branch = h.lp.addBranch({ owner: 'oscar', project: 'gcc-linaro', name: 'odd-revid' });
      // Revision 2's id is "revno:1": `bzr branch -r revno:1` would check out revision 1.
      h.lp.pushRevisions(branch, 2, ['oscar@example.com-20261201000000-0000000000000001', 'revno:1']);
      const link = h.lp.createMergeProposal({ source: branch, target: h.trunk, registrant: 'oscar' });
      wired = await h.wire();
      await cycleUntil(wired, () => hasResults(h, link));

      const [request] = await wired.store.requestsOfProposals([(await wired.store.proposalByLink(link))!.id]);
      assert.deepEqual(request.revision, { id: 'revno:1', revno: 2 }, 'stored as the revision id it is');
      const jobs = h.lava.jobs().filter((j) => j.description.includes('~oscar~odd-revid'));
      assert.equal(jobs.length, 2);
      for (const job of jobs) assert.match(job.definition, /bzr branch --quiet -r '?revid:revno:1'? /);
      const specs = h.toolchain.specs.filter((s) => s.source === branch);
      assert.deepEqual([...new Set(specs.map((s) => `${s.revision} ${s.revno}`))], ['revno:1 2'], 'both backends built that revision id');
      assert.match(resultsComments(h, link)[0].content, /^Builds of revision 2 \(revno:1\) of lp:~oscar\/gcc-linaro\/odd-revid:$/m);

      // An older revision by hand: recorded as a revno, checked out as one.
      const manual = await wired.bot.schedule({ source: { branch: `lp:${branch}`, revno: 1 }, targets: ['a9hf'], backend: 'lava', requestedBy: 'test' });
      assert.deepEqual(manual.revision, { id: null, revno: 1 });
      const [manualBuild] = (await wired.store.buildsOfRequests([manual.id])).get(manual.id)!;
      const manualJob = h.lava.job(Number(manualBuild.external_id));
      assert.match(manualJob.definition, /bzr branch --quiet -r '?revno:1'? /);
      assert.doesNotMatch(manualJob.definition, /-r '?revid:/);
    });

    it('4: says which file broke which limit when a gcc.sum.xz decompresses to far more than results.maxFileBytes, without reading it whole', async () => {
      h = await startHarness();
      const mp = h.propose('xena', 'xz-bomb');
      // 512 concatenated xz streams of 1 MiB of results each: ~170 KB that decompress to 512 MiB.
      const line = 'PASS: gcc.dg/bomb.c (test for excess errors)\n';
      const mib = Buffer.from(line.repeat(Math.floor((1 << 20) / line.length)));
      const stream = await xzCompress(mib, 'the bomb');
      const bomb = Buffer.concat(Array.from({ length: 512 }, () => stream));
      alterBuilds(h, mp.branch, (outcome) => {
        const { 'gcc.sum': _plain, ...others } = outcome.files;
        return { ...outcome, files: { ...others, 'gcc.sum.xz': bomb } };
      });
      const maxFileBytes = 1 << 20;
      wired = await h.wire({ config: { results: { ...h.config.results, maxFileBytes } } });
      const before = process.memoryUsage.rss();
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
      try {
        await cycleUntil(wired, () => hasResults(h, mp.link));
      } finally {
        clearInterval(sampler);
      }
      const [results] = resultsComments(h, mp.link);
      for (const backend of ['CBuild', 'LAVA']) {
        assert.match(
          results.content,
          new RegExp(`^- a9hf ${backend}: results could not be read: gcc\\.sum\\.xz is larger than the limit of ${maxFileBytes} bytes once decompressed \\(results\\.maxFileBytes\\)$`, 'm'),
        );
      }
      assert.ok(peak - before < 128 << 20, `the bot's memory grew by ${Math.round((peak - before) / 2 ** 20)} MiB reading a 512 MiB bomb`);
    });

    it('4: says which file, which line and which limit when a fetched gcc.sum has a line over results.maxLineBytes', async () => {
      h = await startHarness();
      const mp = h.propose('yuri', 'long-line');
      alterBuilds(h, mp.branch, (outcome) => {
        const sum = outcome.files['gcc.sum'].toString();
        return { ...outcome, files: { ...outcome.files, 'gcc.sum': Buffer.from(sum.replace('\n', `\nPASS: ${'x'.repeat(200_000)}\n`)) } };
      });
      wired = await h.wire();
      await cycleUntil(wired, () => hasResults(h, mp.link));
      const [results] = resultsComments(h, mp.link);
      for (const backend of ['CBuild', 'LAVA']) {
        assert.match(results.content, new RegExp(`^- a9hf ${backend}: results could not be read: \\S+/gcc\\.sum: line 2 is 200006 bytes long, more than the limit of 65536 bytes on a line \\(results\\.maxLineBytes\\)$`, 'm'));
      }
    });

    it('5: `compare` refuses a .sum with a line over the limit with exit 2 and a message naming the file, the line and the option', async () => {
      h = await startHarness();
      const old = join(h.dir, 'old.sum');
      const huge = join(h.dir, 'one-line.sum');
      writeFileSync(old, renderSum({ tool: 'gcc', results: [{ status: 'PASS', name: 'gcc.dg/pr1.c (test for excess errors)' }] }));
      // One line of 5000 bytes, no newline: a file of one huge "line", just above the limit given.
      writeFileSync(huge, 'PASS: ' + 'x'.repeat(4994));
      const run = await runCli(['compare', old, huge, '--max-line-bytes', '4096']);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `cbuild-bot compare: ${huge}: line 1 is 5000 bytes long, more than the limit of 4096 bytes on a line (--max-line-bytes)\n`);
      const swapped = await runCli(['compare', huge, old, '--max-line-bytes', '4096']);
      assert.equal(swapped.code, 2, swapped.stderr);
      assert.match(swapped.stderr, new RegExp(`^cbuild-bot compare: ${huge}: line 1 is 5000 bytes long`));
      const bad = await runCli(['compare', old, huge, '--max-line-bytes', 'lots']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^cbuild-bot compare: --max-line-bytes: expected a positive number of bytes, not "lots"/);
    });

    it('6: builds a branch named ~eve/gcc-linaro/fix@home, and says once (one comment, one log line) why it cannot build a revision it cannot take', async () => {
      h = await startHarness();
      const home = h.propose('eve', 'fix@home');
      h.lp.addPerson('ivy', 'Ivy');
      const odd = h.lp.addBranch({ owner: 'ivy', project: 'gcc-linaro', name: 'odd' });
      h.lp.pushRevisions(odd, 1, ['ivy@example.com-1 $(reboot)']);
      const oddLink = h.lp.createMergeProposal({ source: odd, target: h.trunk, registrant: 'ivy' });
      h.lp.addPerson('rita', 'Rita Reviewer');
      const log = recordingLogger();
      wired = await h.wire({ logger: log.logger, config: { commands: { trusted: ['rita'] } } });
      await cycleUntil(wired, () => hasResults(h, home.link));
      for (let i = 0; i < 5; i++) await wired.bot.runCycle();

      assert.match(resultsComments(h, home.link)[0].content, /^Every build passed with no test regressions\.\n\nBuilds of revision 2 .* of lp:~eve\/gcc-linaro\/fix@home:$/m);
      const homeJobs = h.lava.jobs().filter((j) => j.description.includes('~eve~fix_home')); // a job name has no '@'
      assert.equal(homeJobs.length, 2);
      for (const job of homeJobs) assert.match(job.definition, /bzr branch --quiet -r '?revid:eve@example\.com-[^ ]+ 'lp:~eve\/gcc-linaro\/fix@home' gcc-src/);

      const notices = botComments(h, oddLink);
      assert.equal(notices.length, 1, notices.map((c) => c.content).join('\n---\n'));
      assert.match(notices[0].content, /^cbuild-bot cannot build this proposal: bzr revision id "ivy@example\.com-1 \$\(reboot\)" has characters the bot does not pass to bzr\./);
      assert.equal(log.lines.filter((l) => l.includes('proposal cannot be built')).length, 1, log.lines.filter((l) => l.includes('odd')).join('\n'));
      assert.equal(h.lava.jobs().filter((j) => j.description.includes('~ivy~odd')).length, 0);

      // A trusted rebuild cannot build it either: refused with the reason, not held as the bot's configuration error.
      h.lp.addComment(oddLink, 'rita', 'cbuild-bot: rebuild');
      await cycleUntil(wired, () => markers(h, oddLink).some((m) => m.startsWith('command/')));
      assert.match(botComments(h, oddLink).at(-1)!.content, /^~rita: cannot rebuild: bzr revision id "ivy@example\.com-1 \$\(reboot\)" has characters the bot does not pass to bzr\.\n/);
      assert.equal(h.lava.jobs().filter((j) => j.description.includes('~ivy~odd')).length, 0);
      const oddRow = (await wired.store.proposalByLink(oddLink))!;
      assert.equal(await wired.store.latestRequestOf(oddRow.id), undefined, 'no request made for it, so nothing held');

      // A revision it can take clears it: built and reported.
      h.lp.pushRevisions(odd, 1);
      await cycleUntil(wired, () => hasResults(h, oddLink));
      assert.equal(log.lines.filter((l) => l.includes('proposal can be built again')).length, 1);
    });

    it('7: never passes control characters from Launchpad raw to command replies or `cbuild-bot status`', async () => {
      h = await startHarness();
      h.lp.addPerson('rita', 'Rita Reviewer');
      h.lp.addPerson('mallory', 'Mallory');
      const mp = h.propose('pat', 'controls');
      const odd = h.lp.addBranch({ owner: 'pat', project: 'gcc-linaro', name: 'title' });
      h.lp.pushRevisions(odd, 1, ['pat@example.com-1\u001b]0;owned\u0007\u001b[2J']);
      h.lp.createMergeProposal({ source: odd, target: h.trunk, registrant: 'pat' });
      wired = await h.wire({ config: { commands: { trusted: ['rita'] } } });
      await cycleUntil(wired, () => hasResults(h, mp.link));
      h.lp.addComment(mp.link, 'rita', 'cbuild-bot: rebuild a9hf\u001b]0;title\u0007');
      h.lp.addComment(mp.link, 'rita', 'cbuild-bot: frob\u0000\u001b[2J');
      h.lp.addComment(mp.link, 'mallory', 'cbuild-bot: rebuild \u0007\u001b[31mred');
      await cycleUntil(wired, () => markers(h, mp.link).filter((m) => m.startsWith('command/')).length === 2);

      const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
      const replies = botComments(h, mp.link).filter((c) => /cbuild-bot-ref: command\//.test(c.content));
      for (const reply of replies) assert.doesNotMatch(reply.content, CONTROL, JSON.stringify(reply.content));
      assert.match(replies[0].content, /^~rita: could not act on "cbuild-bot: rebuild a9hf\\x1b\]0;title\\x07": "a9hf\\x1b\]0;title\\x07" is not a target name\./);
      assert.match(replies[1].content, /^~rita: could not act on "cbuild-bot: frob\\x00\\x1b\[2J": unknown command "frob\\x00\\x1b\[2J"/);

      const status = await runCli(['status', '--config', join(h.dir, 'bot.config.json')]);
      assert.equal(status.code, 0, status.stderr);
      assert.doesNotMatch(status.stdout, CONTROL, JSON.stringify(status.stdout.match(new RegExp(`.*${CONTROL.source}.*`))?.[0]));
      assert.match(status.stdout, /~mallory +rebuild +ignored +~mallory is not trusted: cbuild-bot: rebuild \\x07\\x1b\[31mred/);
      assert.match(status.stdout, /~rita +rebuild +refused +could not act on "cbuild-bot: rebuild a9hf\\x1b\]0;title\\x07"/);
    });

    it('8: answers a rebuild of 10,000 unknown targets with a reply that names a few and counts the rest', async () => {
      h = await startHarness();
      h.lp.addPerson('rita', 'Rita Reviewer');
      const mp = h.propose('pat', 'many-targets');
      wired = await h.wire({ config: { commands: { trusted: ['rita'] } } });
      await cycleUntil(wired, () => hasResults(h, mp.link));
      const targets = Array.from({ length: 10_000 }, (_, i) => `t${String(i).padStart(5, '0')}`);
      h.lp.addComment(mp.link, 'rita', `cbuild-bot: rebuild ${targets.join(' ')}`);
      await cycleUntil(wired, () => markers(h, mp.link).some((m) => m.startsWith('command/')));
      const reply = botComments(h, mp.link).at(-1)!.content;
      assert.match(reply, /^~rita: cannot rebuild: no target t00000, t00001, t00002, t00003, t00004 and 9995 more \(targets are a9hf, x86_64\)\.\n/);
      assert.ok(reply.length < 400, `the reply is ${reply.length} characters long`);
    });

    it('10: `sandbox --listen nonsense` names the option, not the config key', async () => {
      const run = await runCli(['sandbox', '--listen', 'nonsense']);
      assert.equal(run.code, 2);
      assert.equal(run.stderr, 'cbuild-bot sandbox: --listen: expected host:port (e.g. 127.0.0.1:8080, [::1]:8080, port 0 for any free port), not "nonsense" (see cbuild-bot sandbox --help)\n');
    });
  });

  describe('faults of Launchpad and LAVA', () => {
    /** Settings for a slow service: the client gives up after `timeoutMs`; an uncertain request is looked for over `settleSeconds`. */
    function slowService(timeoutMs: number, settleSeconds: number, firstCheckSeconds: number) {
      return { http: { ...h.config.http, timeoutMs }, uncertainty: { settleSeconds, firstCheckSeconds } };
    }

    it('11: posts a comment once when Launchpad completes the POST after the bot stopped waiting, and says how long it waited', async () => {
      h = await startHarness();
      const mp = h.propose('sam', 'slow-post');
      // The bot gives up on the first comment after 0.5 s and first looks for it 1 s later; it lands at 2.5 s, its answer 1 s after.
      h.lp.faults.slow({ operation: 'createComment', completeAfterMs: 2500, answer: 'late', answerAfterMs: 1000, times: 1 });
      const log = recordingLogger();
      wired = await h.wire({ logger: log.logger, config: slowService(500, 8, 1) });
      await cycleUntil(wired, () => hasResults(h, mp.link));
      await h.lp.faults.settled();
      await wired.bot.runCycle();
      assert.deepEqual(markers(h, mp.link), ['2/ack', '2/results']);
      const found = log.lines.find((l) => l.includes('comment was on Launchpad after all'));
      assert.ok(found, log.lines.filter((l) => l.includes('comment')).join('\n'));
      const waited = Number(/waited_s=([\d.]+)/.exec(found)?.[1]);
      assert.ok(waited >= 2.5 && waited < 8, `waited ${waited} s: until the POST landed, within uncertainty.settleSeconds`);
      assert.ok(!log.lines.some((l) => l.includes('posting it again')));
    });

    it('12: submits one LAVA job when LAVA creates it after the submitting process died', async () => {
      h = await startHarness();
      const mp = h.propose('lou', 'slow-lab');
      const config = join(h.dir, 'slow-lab.config.json');
      writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(join(h.dir, 'bot.config.json'), 'utf8')), uncertainty: { settleSeconds: 30, firstCheckSeconds: 1 } }));
      const env = { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile };
      // LAVA takes 3 s to create the first job submitted; the process that submitted it is killed meanwhile.
      h.lava.faults.call({ method: 'scheduler.jobs.submit', carryOutAfterMs: 3000, answer: 'drop' });
      const child = spawn(process.execPath, [CLI, 'once', '--config', config], { env: cliEnv(env), stdio: 'ignore' });
      const killed = new Promise((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      await until(() => h.lava.faults.inFlight === 1, 15_000);
      child.kill('SIGKILL');
      assert.equal(await killed, 'SIGKILL');
      assert.equal(h.lava.jobs().length, 0, 'LAVA has not created the job yet');

      let logs = '';
      for (let run = 0; run < 60 && !hasResults(h, mp.link); run++) {
        logs += (await runCli(['once', '--config', config], env)).stderr;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(hasResults(h, mp.link), logs);
      await h.lava.faults.settled(); // the late job is there by now
      const names = h.lava.jobs().map((j) => j.description);
      assert.equal(names.length, 4, names.join('\n'));
      assert.equal(new Set(names).size, 4, names.join('\n'));
      assert.match(logs, /found the job of an uncertain submission/);
      assert.deepEqual(markers(h, mp.link), ['2/ack', '2/results']);
    });

    it('13: withdraws the queued comments of a proposal rejected before they were posted', async () => {
      h = await startHarness();
      const mp = h.propose('rhea', 'rejected');
      // Launchpad is down when the acknowledgement is sent: 503, which the bot cannot tell from a POST that went through.
      h.lp.failNext({ pathContains: new URL(mp.link).pathname, method: 'POST', status: 503, times: 1 });
      const log = recordingLogger();
      wired = await h.wire({ logger: log.logger, config: { http: { ...h.config.http, retries: 0 }, uncertainty: { settleSeconds: 1, firstCheckSeconds: 0 } } });
      const comments = () => wired.store.db.all<{ kind: string; state: string; last_error: string | null }>('SELECT kind, state, last_error FROM comments ORDER BY id');
      await cycleUntil(wired, async () => (await comments()).some((c) => c.kind === 'ack' && c.state === 'posting'));
      h.lp.setStatus(mp.link, 'Rejected');
      await cycleUntil(wired, async () => (await comments()).every((c) => c.state !== 'pending' && c.state !== 'posting'));
      for (let i = 0; i < 3; i++) await wired.bot.runCycle();

      assert.deepEqual(botComments(h, mp.link), []);
      assert.deepEqual(await comments(), [{ kind: 'ack', state: 'withdrawn', last_error: 'the proposal is Rejected and no longer watched' }]);
      assert.match(log.lines.join('\n'), /comment withdrawn, not posted .*reason="the proposal is Rejected and no longer watched"/);
    });

    it('14: adopts the job a malformed answer to its submission hid, instead of losing the build', async () => {
      h = await startHarness();
      const mp = h.propose('mick', 'garbled');
      // LAVA creates the job; a proxy answers with an HTML page instead of XML-RPC.
      h.lava.faults.call({ method: 'scheduler.jobs.submit', answer: 'malformed' });
      wired = await h.wire({ config: { uncertainty: { settleSeconds: 30, firstCheckSeconds: 0 } } });
      await wired.bot.runCycle();
      const [garbled] = (await wired.store.unfinishedBuilds()).filter((b) => b.state === 'submitting');
      assert.ok(garbled, 'the malformed answer left the submission uncertain');
      assert.match(garbled.detail ?? '', /answered something that is not XML-RPC/);
      const [created] = h.lava.jobs();
      assert.equal(created.description, garbled.submit_key);

      await cycleUntil(wired, () => hasResults(h, mp.link));
      assert.equal((await wired.store.build(garbled.id))!.external_id, String(created.id), 'the job LAVA created was adopted');
      const names = h.lava.jobs().map((j) => j.description);
      assert.equal(names.length, 4, names.join('\n'));
      assert.equal(new Set(names).size, 4);
      assert.match(resultsComments(h, mp.link)[0].content, /^Every build passed with no test regressions\./);
    });

    it('an Incomplete job whose reason LAVA cannot send (an answer that is not XML-RPC) still ends as an infrastructure failure', async () => {
      h = await startHarness();
      const mp = h.propose('ike', 'unreadable-reason');
      h.lava.failNextJobs(3, 'Unable to copy overlay', (m) => m['cbuild-bot.target'] === 'x86_64' && m['cbuild-bot.source'] === `lp:${mp.branch}`);
      h.lava.faults.call({ method: 'scheduler.jobs.list', answer: 'malformed', times: Infinity });
      wired = await h.wire();
      await cycleUntil(wired, () => hasResults(h, mp.link));
      assert.match(
        resultsComments(h, mp.link)[0].content,
        /^- x86_64 LAVA: LAVA job \d+ ended Incomplete: no reason could be read: LAVA's list of failed jobs was not XML-RPC \(attempt 3 of 3; all failed\)$/m,
      );
    });

    it('15: adopts a job whose submission answer was lost at the first look, after uncertainty.firstCheckSeconds, not after a fixed grace', async () => {
      h = await startHarness();
      const mp = h.propose('nell', 'dropped');
      h.lava.faults.call({ method: 'scheduler.jobs.submit', answer: 'drop' });
      let skew = 0;
      const uncertainty = { settleSeconds: 300, firstCheckSeconds: 2 };
      wired = await h.wire({ clock: () => new Date(Date.now() + skew), config: { uncertainty } });
      const dropped = async () => (await wired.store.unfinishedBuilds()).filter((b) => b.state === 'submitting');
      await wired.bot.runCycle();
      const [build] = await dropped();
      assert.ok(build, 'the dropped answer left the submission uncertain');
      await wired.bot.runCycle();
      assert.equal((await dropped()).length, 1, 'not looked for before firstCheckSeconds');
      skew = uncertainty.firstCheckSeconds * 1000;
      await wired.bot.runCycle();
      const adopted = (await wired.store.build(build.id))!;
      assert.equal(adopted.state === 'submitting', false, `adopted at the first look, ${uncertainty.firstCheckSeconds} s after the fault`);
      assert.equal(adopted.external_id, String(h.lava.jobs().find((j) => j.description === build.submit_key)!.id));
      await cycleUntil(wired, () => hasResults(h, mp.link));
      assert.equal(h.lava.jobs().length, 4);
    });
  });

  describe('guards', () => {
    it('posts the other proposals\' comments while one proposal\'s keep failing, gives a refused comment up after comments.maxRefusals, and shows it on the status page and in /metrics', async () => {
      h = await startHarness();
      const refused = h.propose('ann', 'refused');
      const fine = h.propose('bob', 'fine');
      h.lp.failNext({ pathContains: new URL(refused.link).pathname, method: 'POST', status: 400, body: 'content: Comment too long.', times: 1000 });
      const metrics = new Metrics({ processMetrics: false });
      const health = new Health();
      wired = await h.wire({ events: allEvents(metrics, health), config: { comments: { maxRefusals: 2 } } });
      const commentsOf = (proposalId: number) => wired.store.db.all<{ state: string }>(`SELECT state FROM comments WHERE proposal_id = ?`, [proposalId]);
      await cycleUntil(wired, async () => (await commentsOf(2)).length > 0);
      assert.deepEqual(markers(h, fine.link), ['3/ack'], 'posted in the cycle it was queued in, after the refusal of the comment before it');
      await cycleUntil(wired, () => hasResults(h, fine.link));
      await cycleUntil(wired, async () => (await commentsOf(1)).every((c) => c.state === 'failed'));
      assert.deepEqual(markers(h, fine.link), ['3/ack', '3/results']);
      assert.deepEqual(botComments(h, refused.link), []);
      const tries = h.lp.requests.filter((r) => r.method === 'POST' && r.path === new URL(refused.link).pathname);
      assert.equal(tries.length, 4, 'two tries for each of its two comments, then no more');
      for (let i = 0; i < 3; i++) await wired.bot.runCycle();
      assert.equal(h.lp.requests.filter((r) => r.method === 'POST' && r.path === new URL(refused.link).pathname).length, 4);

      const server = await startStatusServer({ store: wired.store, listen: '127.0.0.1:0', metrics, health, logger: silentLogger });
      try {
        const page = await (await fetch(server.url)).text();
        assert.match(/<p id="health".*?<\/p>/s.exec(page)?.[0] ?? '', /data-service="launchpad">Launchpad: <time [^>]+>[^<]+<\/time>, a comment was given up: Launchpad POST http:\S+\/~ann\/gcc-linaro\/refused\/\+merge\/\d+ answered HTTP 400: content: Comment too long\.<\/span>/);
        const row = /<tr data-request="2">.*?<\/tr>/s.exec(page)?.[0] ?? '';
        assert.match(row, /<td>failed<\/td><\/tr>$/, row);
        const scraped = await (await fetch(new URL('metrics', server.url))).text();
        assert.match(scraped, /^cbuild_bot_comments_failed_total\{kind="ack"\} 1$/m);
        assert.match(scraped, /^cbuild_bot_comments_failed_total\{kind="results"\} 1$/m);
      } finally {
        await server.close();
      }
    });
  });
});
