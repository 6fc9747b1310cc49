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

  it('tells its story on git proposals (and one bzr): a pass, a broken build, an infrastructure failure, a superseded commit and a regression, then the readiness report; and serves its status page', async () => {
    let page: Promise<string> | undefined;
    let scheduled: Promise<{ request: number; results: string }> | undefined;
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'sandbox', '--timeout', '150', '--keep-running'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
        const url = /^Everything keeps running \(status page: (\S+)\)/m.exec(out)?.[1];
        const example = /^ {2}node (\S+ schedule --config \S+ (?:--branch \S+|--repository \S+ --ref \S+) --mp \S+)$/m.exec(out)?.[1];
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
    const git = (owner: string, topic: string) => `lp:~${owner}/gcc-linaro/+git/gcc-linaro:${topic}`.replace(/[+.]/g, '\\$&');
    for (const source of ['~alice/gcc-linaro/+git/gcc-linaro', '~bob/gcc-linaro/+git/gcc-linaro', '~carol/gcc-linaro/+git/gcc-linaro', '~dave/gcc-linaro/+git/gcc-linaro', '~erin/gcc-linaro/pr50000-backport']) {
      assert.ok(html.includes(source), `the status page shows ${source}`);
    }
    // Each proposal's page on the simulated Launchpad, then its comments.
    assert.match(stdout, /^http:\/\/127\.0\.0\.1:\d+\/~alice\/gcc-linaro\/\+git\/gcc-linaro\/\+merge\/\d+ {2}\[Needs review\]\nlp:~alice\/gcc-linaro\/\+git\/gcc-linaro:neon-vectorize => lp:~linaro-toolchain\/gcc-linaro\/\+git\/gcc-linaro:master$/m);
    // A pass, after a LAVA job the lab lost and the bot submitted again.
    assert.match(stdout, new RegExp(`^Every build passed with no test regressions\\.\\n\\nBuilds of ${git('alice', 'neon-vectorize')} @ [0-9a-f]{7}:$`, 'm'));
    assert.match(stdout, /^- x86_64 LAVA: PASS after 1 failed attempt\n {4}attempt 1: LAVA job \d+ ended Incomplete: login-ssh failed: Connection closed \(Job error\) http:\S+$/m);
    // A broken build: the change's fault, with the first errors of its make.log.
    assert.match(stdout, new RegExp(`^The build FAILED on a9hf, x86_64 \\(CBuild and LAVA\\)\\.\\nThe first errors are quoted below, with links to the logs\\.\\n\\nBuilds of ${git('bob', 'pr54321-fix')} @ [0-9a-f]{7}:$`, 'm'));
    assert.match(stdout, /^First errors of the failed builds \(from make\.log\):\n- a9hf, x86_64 \(CBuild and LAVA\):\n {4}\.\.\/\.\.\/gcc\/gcc\/config\/arm\/arm\.c: In function 'arm_expand_prologue':\n {4}.*error: 'saved_regs_mask' undeclared/m);
    // The lab's failure, not the change's.
    assert.match(stdout, /^No result on x86_64 \(LAVA\): the builds could not run \(infrastructure\), which is not this change's fault\.$/m);
    assert.match(stdout, /^- x86_64 LAVA: LAVA job \d+ ended Incomplete: Unable to copy overlay \(Job error\) \(attempt 3 of 3; all failed\)$/m);
    // A new commit while the builds ran: the old builds cancelled (said in the next acknowledgement), the new commit regresses.
    const pushed = new RegExp(`^scenario: dave pushed ([0-9a-f]{7}) to ${git('dave', 'sched-pressure')} while its builds were running$`, 'm').exec(stdout);
    assert.ok(pushed, stdout);
    assert.match(stdout, new RegExp(`^cbuild-bot has queued ${git('dave', 'sched-pressure')} @ ${pushed[1]} for build:\\n(.*\\n)+\\nThe builds of [0-9a-f]{7} were cancelled: their results will not be posted\\.$`, 'm'));
    assert.match(stdout, new RegExp(`^1 test regression on a9hf, x86_64 \\(CBuild and LAVA\\): gcc: gcc\\.c-torture/execute/pr43220\\.c  -O2  execution test\\.\\n.*\\n\\nBuilds of ${git('dave', 'sched-pressure')} @ ${pushed[1]}:$`, 'm'));
    assert.equal(stdout.match(new RegExp(`^Builds of ${git('dave', 'sched-pressure')} `, 'gm'))?.length, 1, 'no results for the superseded commit');
    // A trusted reviewer's rebuild command is acted on; the author's own is not (and not answered).
    assert.match(stdout, new RegExp(`--- ~mhope on .*\\nLet us see the a9hf build once more before deciding\\.\\n\\ncbuild-bot: rebuild a9hf\\n\\n--- ~cbuild-bot on .*\\ncbuild-bot has queued ${git('bob', 'pr54321-fix')} @ [0-9a-f]{7} for build \\(a rebuild asked for by ~mhope\\):\\n`));
    assert.match(stdout, /^The build FAILED on a9hf \(CBuild and LAVA\)\.\n/m, 'the rebuild\'s results: a9hf only');
    assert.doesNotMatch(stdout, /cbuild-bot-ref: command\//);
    // The bzr proposal, built and compared with the bzr trunk as before.
    assert.match(stdout, /^Builds of revision 2 \(erin@[^)]+\) of lp:~erin\/gcc-linaro\/pr50000-backport:$/m);
    assert.match(stdout, /^Compared with the branch point, lp:~linaro-toolchain\/gcc-linaro\/4\.8 revision 6 \(same target and backend\):$/m);
    // Each proposal: one acknowledgement per revision built, exactly one results comment per request for its current revision.
    const results = stdout.match(/^cbuild-bot-ref: \d+\/results$/gm) ?? [];
    assert.equal(results.length, 6);
    // The end of the story: LAVA is ready to be the main platform for a9hf, not yet for x86_64 (the lab's failures).
    assert.match(stdout, /^a9hf +ready +ok +ok +ok +ok +ok +ok +ok$/m);
    assert.match(stdout, /^ {2}x86_64: not yet: infra: [\d.]+% of \d+ LAVA attempt\(s\) hit an infrastructure failure \(at most 5\.0%\)$/m);
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
