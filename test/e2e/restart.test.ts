/**
 * Exactly once across a crash: `cbuild-bot once` is killed (SIGKILL) right
 * after Launchpad accepted a comment and before the store recorded it; the
 * next run finds the comment by its marker and does not post it again.
 */
import assert from 'node:assert/strict';
import { CLI, cliEnv } from '../support/cli.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startHarness, type Harness } from './harness.js';


/** Runs `cbuild-bot once` as its own process (asynchronously: the simulators live in this one). */
function runOnce(h: Harness, extraEnv: Record<string, string> = {}): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'once', '--config', join(h.dir, 'bot.config.json')], {
      env: cliEnv({ CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile, ...extraEnv }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, stderr }));
  });
}

describe('e2e: crash and restart', function () {
  this.timeout(90_000);
  let h: Harness;
  afterEach(async () => h?.close());

  it('neither loses nor repeats a comment when killed between "posted" and "recorded"', async () => {
    h = await startHarness();
    const mp = h.propose('alice', 'crashy');

    const crashed = await runOnce(h, { CBUILD_BOT_TEST_CRASH_AFTER_POST: '1' });
    assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
    const afterCrash = h.lp.commentsOf(mp.link).filter((c) => c.author === 'cbuild-bot');
    assert.equal(afterCrash.length, 1, 'the acknowledgement reached Launchpad before the crash');
    const requestId = /cbuild-bot-ref: (\d+)\/ack$/.exec(afterCrash[0].content)?.[1];
    assert.ok(requestId, afterCrash[0].content);

    let logs = '';
    for (let i = 0; i < 40; i++) {
      const run = await runOnce(h);
      logs += run.stderr;
      if (h.lp.commentsOf(mp.link).some((c) => c.content.endsWith(`cbuild-bot-ref: ${requestId}/results`))) break;
      await new Promise((r) => setTimeout(r, 150));
    }
    const markers = h.lp.commentsOf(mp.link).filter((c) => c.author === 'cbuild-bot').map((c) => c.content.split('\n').at(-1));
    assert.deepEqual(markers, [`cbuild-bot-ref: ${requestId}/ack`, `cbuild-bot-ref: ${requestId}/results`]);
    assert.match(logs, /comment was on Launchpad after all; recorded it/);
    // Builds (the proposal's and its baseline's) were submitted once each, although the process died mid-cycle.
    assert.equal(h.lava.jobs().length, 4);
  });
});
