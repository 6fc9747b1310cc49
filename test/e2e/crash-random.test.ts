/**
 * Exactly once under kill -9 at random moments: `cbuild-bot once` runs again
 * and again against a dozen proposals, killed (SIGKILL) at moments drawn from
 * a seeded generator, while new revisions are pushed and one proposal is
 * rejected; then every comment and every LAVA job is counted. Once with the
 * simulators' default timings, once with a slow Launchpad that completes
 * comment POSTs after the bot gave up waiting for them and a LAVA that
 * creates jobs a while after their submission arrived.
 */
import assert from 'node:assert/strict';
import { CLI, cliEnv } from '../support/cli.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from './harness.js';
import { Store } from '../../src/store/store.js';


/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scenario {
  seed: number;
  /** Comment POSTs complete this long after they arrive; the bot gives up on any request after `timeoutMs`. */
  slowPost?: { completeAfterMs: number; timeoutMs: number };
  /** LAVA creates a submitted job this long after the submission arrived. */
  slowLabMs?: number;
  /** A process is killed at a moment up to this long after it started (slow services make longer cycles). */
  killWithinMs: number;
}

interface RunRecord {
  killedAfterMs: number | null;
  signal: NodeJS.Signals | null;
  code: number | null;
}

const PROPOSALS = 12;
/** The whole run, kills and restarts included, ends within this. */
const DEADLINE_MS = 45_000;

describe('e2e: kill -9 at random moments', function () {
  this.timeout(90_000);
  let h: Harness;
  let child: ChildProcess | undefined;

  afterEach(async () => {
    child?.kill('SIGKILL');
    await h?.close();
  });

  async function crashRun(scenario: Scenario): Promise<void> {
    const rand = random(scenario.seed);
    h = await startHarness({ batchSize: 5 });
    h.toolchain.durationMs = 300;
    const proposals = Array.from({ length: PROPOSALS }, (_, i) => h.propose(`dev${i}`, `topic-${i}`));
    const rejected = proposals[Math.floor(rand() * PROPOSALS)];
    const pushed = [0, 1, 2].map(() => proposals[Math.floor(rand() * PROPOSALS)]);
    const rejectAtRun = 4 + Math.floor(rand() * 6);
    const pushAtRuns = [2, 5, 8].map((r) => r + Math.floor(rand() * 3));

    const base = JSON.parse(readFileSync(join(h.dir, 'bot.config.json'), 'utf8'));
    const config = join(h.dir, 'crash.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        ...base,
        http: { ...base.http, ...(scenario.slowPost ? { timeoutMs: scenario.slowPost.timeoutMs } : {}) },
        // Longer than the slowest completion: nothing is repeated that might still land.
        uncertainty: { settleSeconds: 3, firstCheckSeconds: 1 },
      }),
    );
    if (scenario.slowPost) {
      h.lp.faults.slow({ operation: 'createComment', completeAfterMs: scenario.slowPost.completeAfterMs, answer: 'late', answerAfterMs: 2000 });
    }
    if (scenario.slowLabMs) h.lava.faults.call({ method: 'scheduler.jobs.submit', carryOutAfterMs: scenario.slowLabMs, times: Infinity });

    const revnoOf = new Map(proposals.map((p) => [p.link, 2]));
    const results = (link: string) => h.lp.commentsOf(link).filter((c) => c.author === 'cbuild-bot' && /cbuild-bot-ref: \d+\/results$/.test(c.content));
    const done = () =>
      proposals.every((p) => p === rejected || results(p.link).some((c) => c.content.includes(`\nBuilds of revision ${revnoOf.get(p.link)} `)));

    // The bot's store, read between runs (after the first run made it).
    let store: Store | undefined;
    const inFlightComments = async () => {
      store ??= await Store.open(join(h.dir, 'bot.sqlite'));
      return (await store.allComments()).filter((c) => c.state === 'pending' || c.state === 'posting');
    };
    const runs: RunRecord[] = [];
    let logs = '';
    let rejectedComments: number | null = null;
    const started = Date.now();
    let calmRuns = 0;
    for (let run = 0; Date.now() - started < DEADLINE_MS; run++) {
      if (run === rejectAtRun) {
        // Between processes, once every POST sent so far has landed: any later comment would be the bot's doing.
        await h.lp.faults.settled();
        h.lp.setStatus(rejected.link, 'Rejected');
        rejectedComments = h.lp.commentsOf(rejected.link).length;
      }
      // The same draws every run, so the seed alone fixes the kill schedule.
      const [killDraw, delayDraw, pushDraw] = [rand(), rand(), rand()];
      // Once everything is reported, runs are left alone: they must post nothing more.
      const killAfter = run > rejectAtRun && done() ? null : killDraw < 0.8 ? Math.floor(150 + delayDraw * (scenario.killWithinMs - 150)) : null;
      const pushes = pushAtRuns.flatMap((r, i) => (r === run ? [pushed[i]] : []));
      const pushAfter = Math.floor(pushDraw * 600);
      const proc = spawn(process.execPath, [CLI, 'once', '--config', config], {
        env: cliEnv({ CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child = proc;
      proc.stderr!.on('data', (d) => (logs += d));
      const exited = new Promise<RunRecord>((resolve) =>
        proc.on('close', (code, signal) => resolve({ killedAfterMs: killAfter, signal, code })),
      );
      const killer = killAfter === null ? undefined : setTimeout(() => proc.kill('SIGKILL'), killAfter);
      // New revisions arrive while the bot runs (or, if it ended first, before the next run starts).
      const pushedRevisions = new Promise<void>((resolve) =>
        setTimeout(() => {
          for (const p of pushes) revnoOf.set(p.link, h.lp.pushRevisions(p.branch, 1).revno);
          resolve();
        }, pushAfter),
      );
      const record = await exited;
      child = undefined;
      clearTimeout(killer);
      await pushedRevisions;
      runs.push(record);
      // Two whole runs after everything was reported and no comment is left in flight: nothing more may be posted.
      calmRuns = run > rejectAtRun && done() && record.signal === null && (await inFlightComments()).length === 0 ? calmRuns + 1 : 0;
      if (calmRuns >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all([h.lp.faults.settled(), h.lava.faults.settled()]);
    const recovered = (what: string) => logs.split(what).length - 1;
    const story =
      `seed ${scenario.seed}: ${runs.length} runs, ${runs.filter((r) => r.signal === 'SIGKILL').length} killed, in ${Date.now() - started} ms; ` +
      `recovered: ${recovered('comment was on Launchpad after all')} comments found by marker, ${recovered('comment still not on Launchpad; posting it again')} posted again, ` +
      `${recovered('found the job of an uncertain submission')} jobs found by name, ${recovered('submitting it again')} submitted again`;
    try {
      assert.ok(calmRuns >= 2, `not every proposal was reported within ${DEADLINE_MS} ms (${story})`);
      assert.ok(runs.filter((r) => r.signal === 'SIGKILL').length >= 3, `too few kills to prove anything: ${story}`);
      const unfinished = await inFlightComments();
      assert.deepEqual(unfinished.map((c) => `${c.marker} ${c.state}`), [], `comments left unposted (${story})`);
      for (const p of proposals) {
        const markers = h.lp
          .commentsOf(p.link)
          .filter((c) => c.author === 'cbuild-bot')
          .map((c) => /cbuild-bot-ref: (.*)$/.exec(c.content)?.[1] ?? '?');
        assert.equal(new Set(markers).size, markers.length, `a comment posted twice on ${p.branch}: ${markers.join(', ')} (${story})`);
        const row = await store!.proposalByLink(p.link);
        if (!row) {
          // Only the rejected proposal may be unknown: every run before its rejection was killed before it listed anything.
          assert.equal(p, rejected, `${p.branch} was never recorded (${story})`);
          assert.deepEqual(markers, [], `comments on ${p.branch}, which the bot never recorded (${story})`);
          continue;
        }
        for (const request of await store!.requestsOfProposals([row.id])) {
          const own = markers.filter((m) => m.startsWith(`${request.id}/`));
          if (request.state === 'done') {
            assert.deepEqual(own, [`${request.id}/ack`, `${request.id}/results`], `request ${request.id} of ${p.branch} (${story})`);
          } else {
            // Superseded or closed: its acknowledgement at most, never its results.
            assert.ok(own.every((m) => m === `${request.id}/ack`), `request ${request.id} (${request.state}) of ${p.branch}: ${own.join(', ')} (${story})`);
          }
        }
        if (p !== rejected) {
          const [current] = (await store!.requestsOfProposals([row.id])).filter((r) => r.revision.revno === revnoOf.get(p.link) && r.state === 'done');
          assert.ok(current, `no results for the current revision of ${p.branch} (${story})`);
        }
      }
      assert.equal(h.lp.commentsOf(rejected.link).length, rejectedComments, `a comment reached ${rejected.branch} after it was rejected (${story})`);
      const names = h.lava.jobs().map((j) => j.description);
      const twice = names.filter((n, i) => names.indexOf(n) !== i);
      assert.deepEqual(twice, [], `LAVA jobs submitted twice (${story})`);
    } finally {
      await store?.close();
    }
  }

  it('neither loses nor repeats a comment or a LAVA submission with the default timings', async () => {
    await crashRun({ seed: 0x5eed, killWithinMs: 1000 });
  });

  it('neither loses nor repeats one when Launchpad completes comment POSTs after the bot gave up on them and LAVA creates jobs late', async () => {
    await crashRun({ seed: 0xc0ffee, slowPost: { completeAfterMs: 500, timeoutMs: 300 }, slowLabMs: 1500, killWithinMs: 2500 });
  });
});
