/** The README's main command: the sandbox tells the whole story and exits 0. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/config/config.js';

describe('sandbox', function () {
  this.timeout(180_000);

  it('shows a pass, a broken build, an infrastructure failure, a superseded revision and a regression, and serves its status page', async () => {
    let page: Promise<string> | undefined;
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(projectRoot(), 'dist/src/cli.js'), 'sandbox', '--timeout', '150', '--keep-running'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
        const url = /^Everything keeps running \(status page: (\S+)\)/m.exec(out)?.[1];
        if (url && !page) {
          page = fetch(url).then((r) => r.text());
          void page.finally(() => child.kill('SIGINT'));
        }
      });
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^ {2}Status page: http:\/\/127\.0\.0\.1:\d+\/ /m);
    const html = await page!;
    for (const branch of ['alice/gcc-linaro/neon-vectorize', 'bob/gcc-linaro/pr54321-fix', 'carol/gcc-linaro/lto-streaming', 'dave/gcc-linaro/sched-pressure']) {
      assert.ok(html.includes(branch), `the status page shows ${branch}`);
    }
    assert.match(stdout, /neon-vectorize: every build passed with no test regressions\./);
    assert.match(stdout, /pr54321-fix: the build FAILED on a9hf \(CBuild\), a9hf \(LAVA\), x86_64 \(CBuild\), x86_64 \(LAVA\)\./);
    assert.match(stdout, /lto-streaming: no build failed because of this change, but some builds could not run\./);
    assert.match(stdout, /x86_64 \(LAVA\): LAVA job \d+ ended Incomplete: Unable to copy overlay \(Job error\) \(attempt 3 of 3; all failed\)/);
    assert.match(stdout, /a9hf \(LAVA\) attempt 1: LAVA job \d+ ended Incomplete: login-ssh failed: Connection closed \(Job error\) \(http:\S+\)\n  a9hf \(LAVA\) attempt 2: PASS/);
    assert.match(stdout, /scenario: dave pushed revision 2 to lp:~dave\/gcc-linaro\/sched-pressure while its builds were running/);
    assert.match(stdout, /revision 2 \(dave@[^)]+\) of lp:~dave\/gcc-linaro\/sched-pressure: tests REGRESSED/);
    // A trusted reviewer's rebuild command is acted on; the author's own is not (and not answered).
    assert.match(stdout, /--- ~mhope on .*\nLet us see the a9hf build once more before deciding\.\n\ncbuild-bot: rebuild a9hf\n\n--- ~cbuild-bot on .*\nRebuild requested by ~mhope\.\n/);
    assert.match(stdout, /pr54321-fix: the build FAILED on a9hf \(CBuild\), a9hf \(LAVA\)\.\n/, 'the rebuild\'s results: a9hf only');
    assert.doesNotMatch(stdout, /cbuild-bot-ref: command\//);
    // Each proposal: one acknowledgement per revision built, exactly one results comment per request for its current revision.
    const results = stdout.match(/^cbuild-bot-ref: \d+\/results$/gm) ?? [];
    assert.equal(results.length, 5);
    assert.doesNotMatch(stdout, /revision 1 \(dave@[^)]+\) of lp:~dave\/gcc-linaro\/sched-pressure: /, 'no results for the superseded revision');
  });
});
