/** The command line as a user runs it: a separate process, real files. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/config/config.js';
import { startHarness, cycleUntil, type Harness } from './e2e/harness.js';

const CLI = join(projectRoot(), 'dist', 'src', 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { env?: Record<string, string>; onStderr?: (text: string, kill: () => void) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      options.onStderr?.(stderr, () => child.kill('SIGTERM'));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cli', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('explains itself with --help and refuses unknown commands', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['run', 'once', 'status', 'migrate', 'sandbox', 'compare']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
    assert.match((await cli(['sandbox', '--help'])).stdout, /--lava-token-file FILE/);
    const bad = await cli(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown command 'frobnicate'/);
  });

  it('stops at start on a wrong config, naming the field', async () => {
    h = await startHarness();
    const file = join(h.dir, 'wrong.json');
    const raw = JSON.parse(readFileSync(join(h.dir, 'bot.config.json'), 'utf8'));
    raw.launchpad.statuses = ['Needs Review'];
    raw.schedule = 'every minute';
    writeFileSync(file, JSON.stringify(raw));
    const run = await cli(['once', '--config', file]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /wrong\.json: configuration is not valid:/);
    assert.match(run.stderr, /launchpad\.statuses\[0\]: must be one of "Work in progress", "Needs review"/);
    assert.match(run.stderr, /schedule: "every minute" is not a valid cron expression/);
  });

  it('migrates, then shows what is tracked as a table and as JSON', async () => {
    h = await startHarness();
    const config = join(h.dir, 'bot.config.json');
    const migrated = await cli(['migrate', '--config', config]);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /^applied 001_init, 002_baselines, 003_infra_retries, 004_comment_votes, 005_workflow, 006_test_agreement to .*bot\.sqlite$/m);
    assert.match((await cli(['migrate', '--config', config])).stdout, /was already up to date/);

    const mp = h.propose('olga', 'status');
    const wired = await h.wire();
    await cycleUntil(wired, () => h!.lp.commentsOf(mp.link).some((c) => /\/results$/.test(c.content)));
    const table = await cli(['status', '--config', config]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Proposals \(1\):/m);
    assert.match(table.stdout, /Needs review +yes +http:\/\/127\.0\.0\.1:\d+\/~olga\/gcc-linaro\/status\/\+merge\/\d+/);
    assert.match(table.stdout, /^2 +a9hf +lava +passed +http:\/\/127\.0\.0\.1:\d+\/scheduler\/job\/\d+/m);
    const json = JSON.parse((await cli(['status', '--config', config, '--json'])).stdout);
    assert.equal(json.proposals.length, 1);
    assert.deepEqual(json.comments.map((c: { kind: string; state: string }) => `${c.kind}:${c.state}`).sort(), ['ack:posted', 'results:posted']);
    assert.equal(json.builds.filter((b: { state: string }) => b.state === 'passed').length, 8);
  });

  it('runs on its schedule and stops cleanly on SIGTERM', async () => {
    h = await startHarness();
    h.propose('pia', 'scheduled');
    const file = join(h.dir, 'every-second.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(join(h.dir, 'bot.config.json'), 'utf8')), schedule: '* * * * * *' }));
    let signalled = false;
    let served: Promise<[string, string]> | undefined;
    const run = await cli(['run', '--config', file], {
      env: { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile },
      onStderr: (text, kill) => {
        if (!signalled && (text.match(/INFO cycle done/g) ?? []).length >= 2) {
          signalled = true;
          // While it runs, the bot serves its status page and metrics.
          const url = /INFO status page url="?([^"\s]+)/.exec(text)![1];
          served = Promise.all([fetch(url).then((r) => r.text()), fetch(new URL('metrics', url)).then((r) => r.text())]);
          void served.finally(kill);
        }
      },
    });
    assert.equal(run.code, 0, run.stderr);
    const [page, metrics] = await served!;
    assert.match(page, /~pia\/gcc-linaro\/scheduled/);
    assert.match(metrics, /^cbuild_bot_polls_total\{outcome="ok"\} [1-9]/m);
    assert.match(run.stderr, /INFO cbuild-bot running schedule="\* \* \* \* \* \*" dailies=0 dry_run=false/);
    assert.match(run.stderr, /INFO stopping: finishing the current step first signal=SIGTERM/);
    assert.match(run.stderr, /INFO stopped\n$/);
  });
});
