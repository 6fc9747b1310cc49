/** The README's main command: the sandbox tells the whole story and exits 0. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../src/config/config.js';

const CLI = join(projectRoot(), 'dist/src/cli.js');
const run = promisify(execFile);

/** `cbuild-bot status --json` of the sandbox's database. */
async function statusOf(config: string): Promise<{ comments: { request: number; kind: string; state: string }[] }> {
  return JSON.parse((await run(process.execPath, [CLI, 'status', '--config', config, '--json'])).stdout);
}

describe('sandbox', function () {
  this.timeout(180_000);

  it('shows a pass, a broken build, an infrastructure failure, a superseded revision and a regression, and serves its status page', async () => {
    let page: Promise<string> | undefined;
    let scheduled: Promise<{ request: number; results: string }> | undefined;
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'sandbox', '--timeout', '150', '--keep-running'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
        const url = /^Everything keeps running \(status page: (\S+)\)/m.exec(out)?.[1];
        const example = /^ {2}node (\S+ schedule --config \S+ --branch \S+ --mp \S+)$/m.exec(out)?.[1];
        if (url && example && !page) {
          page = fetch(url).then((r) => r.text());
          // The bot keeps running: a build scheduled by hand now, as the sandbox suggests, is built and commented.
          scheduled = scheduleAndWait(example.split(' '));
          void Promise.allSettled([page, scheduled]).finally(() => child.kill('SIGINT'));
        }
      });
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^ {2}Status page: http:\/\/127\.0\.0\.1:\d+\/ /m);
    const manual = await scheduled!;
    assert.ok(manual.request > 0 && manual.results === 'posted', `request ${manual.request}'s results comment was ${manual.results}`);
    const dir = /^cbuild-bot sandbox \(state in (\S+)\)$/m.exec(stdout)![1];
    assert.ok(!existsSync(dir), `Ctrl-C removed ${dir}`);
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

  it('removes its directory, which holds the credentials, on SIGTERM', async () => {
    let dir: string | undefined;
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'sandbox', '--timeout', '150'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const found = /^cbuild-bot sandbox \(state in (\S+)\)$/m.exec(out)?.[1];
        if (found && !dir) {
          dir = found;
          assert.ok(existsSync(join(dir, 'launchpad-credentials')) && existsSync(join(dir, 'lava-token')));
          child.kill('SIGTERM');
        }
      });
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out }));
    });
    assert.equal(code, 143);
    assert.match(stdout, new RegExp(`^cbuild-bot sandbox: stopped by SIGTERM; removing ${dir}$`, 'm'));
    assert.ok(dir && !existsSync(dir), `${dir} is gone`);
  });
});

/** Runs the sandbox's example `schedule` for one target and waits for its results comment. */
async function scheduleAndWait(words: string[]): Promise<{ request: number; results: string }> {
  const [cli, ...args] = words;
  const config = args[args.indexOf('--config') + 1];
  const { stdout } = await run(process.execPath, [cli, ...args, '--target', 'a9hf', '--backend', 'native']);
  const request = Number(/^scheduled request (\d+): /.exec(stdout)?.[1]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const results = (await statusOf(config)).comments.find((c) => c.request === request && c.kind === 'results');
    if (results?.state === 'posted' || Date.now() > deadline) return { request, results: results?.state ?? 'missing' };
    await new Promise((r) => setTimeout(r, 500));
  }
}
