/** The command line as a user runs it: a separate process, real files. */
import assert from 'node:assert/strict';
import { latestMigration, migrationNames, nextMigrationFile } from './support/migrations.js';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/config/config.js';
import { Db } from '../src/store/db.js';
import { defaultMigrationsDir, listMigrations, migrate } from '../src/store/migrate.js';
import { Store } from '../src/store/store.js';
import { startHarness, cycleUntil, LAVA_TOKEN, LP_TOKEN, type Harness } from './e2e/harness.js';
import { runCli } from './support/cli.js';




describe('cli', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('explains itself with --help and refuses unknown commands', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['run', 'once', 'status', 'migrate', 'sandbox', 'compare']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
    assert.match((await runCli(['sandbox', '--help'])).stdout, /--lava-token-file FILE/);
    const bad = await runCli(['frobnicate']);
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
    const run = await runCli(['once', '--config', file]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /wrong\.json: configuration is not valid:/);
    assert.match(run.stderr, /launchpad\.statuses\[0\]: must be one of "Work in progress", "Needs review"/);
    assert.match(run.stderr, /schedule: "every minute" is not a valid cron expression/);
  });

  it('migrates, then shows what is tracked as a table and as JSON', async () => {
    h = await startHarness();
    const config = join(h.dir, 'bot.config.json');
    const migrated = await runCli(['migrate', '--config', config]);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, new RegExp(`^applied ${migrationNames().join(', ')} to .*bot\\.sqlite$`, 'm'));
    assert.match((await runCli(['migrate', '--config', config])).stdout, /was already up to date/);

    const mp = h.propose('olga', 'status');
    const wired = await h.wire();
    await cycleUntil(wired, () => h!.lp.commentsOf(mp.link).some((c) => /\/results$/.test(c.content)));
    const table = await runCli(['status', '--config', config]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Proposals \(1\):/m);
    assert.match(table.stdout, /Needs review +yes +http:\/\/127\.0\.0\.1:\d+\/~olga\/gcc-linaro\/status\/\+merge\/\d+/);
    assert.match(table.stdout, /^2 +a9hf +lava +passed +http:\/\/127\.0\.0\.1:\d+\/scheduler\/job\/\d+/m);
    const json = JSON.parse((await runCli(['status', '--config', config, '--json'])).stdout);
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
    const run = await runCli(['run', '--config', file], { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile }, {
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

  it('prints each command\'s own usage with --help, and the version with --version or -V', async () => {
    const commands = ['run', 'once', 'check', 'status', 'migrate', 'schedule', 'cancel', 'login', 'backup', 'webhooks', 'report', 'flaky', 'sandbox', 'compare'];
    const global = (await runCli(['--help'])).stdout;
    const listed = [...global.slice(global.indexOf('Commands:')).matchAll(/^  ([a-z]+) {2,}/gm)].map((m) => m[1]);
    assert.deepEqual([...listed].sort(), [...commands].sort(), 'the help lists every command, and each is checked here');
    for (const command of commands) {
      const help = await runCli([command, '--help']);
      assert.equal(help.code, 0, `${command} --help`);
      assert.match(help.stdout, new RegExp(`^Usage: cbuild-bot ${command} `), `${command} --help prints its own usage`);
    }
    assert.match((await runCli(['once', '--help'])).stdout, /--log-format text\|json .*\n.*--log-level LEVEL/);
    assert.doesNotMatch((await runCli(['backup', '--help'])).stdout, /--log-format/, 'backup does not log');
    assert.match((await runCli(['sandbox', '-h'])).stdout, /--lava-token-file FILE/);
    const { version } = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) assert.deepEqual(await runCli([flag]), { code: 0, stdout: `cbuild-bot ${version}\n`, stderr: '' });
  });

  it('names a bad option or value and exits 2', async () => {
    const cases: [string[], string][] = [
      [['once', '--log-format', 'xml'], 'cbuild-bot once: --log-format: expected text or json, not "xml" (see cbuild-bot once --help)\n'],
      [['run', '--log-level', 'loud'], 'cbuild-bot run: --log-level: expected debug, info, warn, error, not "loud" (see cbuild-bot run --help)\n'],
      [['status', '--verbose', '--log-level', 'warn'], 'cbuild-bot status: --verbose means --log-level debug; it contradicts --log-level warn (see cbuild-bot status --help)\n'],
      [['migrate', '--frobnicate'], "cbuild-bot migrate: Unknown option '--frobnicate' (see cbuild-bot migrate --help)\n"],
      [['sandbox', '--timeout=-3'], 'cbuild-bot sandbox: --timeout: expected a number of seconds, not "-3" (see cbuild-bot sandbox --help)\n'],
      [['backup'], 'cbuild-bot backup: give the file to write, e.g. cbuild-bot backup /var/backups/cbuild-bot.sqlite\n'],
    ];
    for (const [args, stderr] of cases) assert.deepEqual(await runCli(args), { code: 2, stdout: '', stderr }, args.join(' '));
  });

  it('logs one JSON object per line with time, level, message and fields, and no secret', async () => {
    h = await startHarness();
    h.propose('quinn', 'json-logs');
    const run = await runCli(['once', '--config', join(h.dir, 'bot.config.json'), '--log-format', 'json', '--log-level', 'debug'], { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(lines.length > 5);
    for (const line of lines) {
      assert.deepEqual(Object.keys(line).slice(0, 3), ['time', 'level', 'message']);
      assert.ok(!Number.isNaN(Date.parse(String(line.time))) && ['debug', 'info', 'warn', 'error'].includes(String(line.level)));
    }
    const done = lines.find((l) => l.message === 'cycle done');
    assert.equal(done?.level, 'info');
    assert.equal(done?.errors, 0);
    assert.equal(typeof done?.submitted, 'number');
    assert.ok(lines.some((l) => l.level === 'debug' && l.message === 'launchpad request'), 'debug lines at --log-level debug');
    for (const secret of [LP_TOKEN.key, LP_TOKEN.secret, LAVA_TOKEN]) assert.ok(!run.stderr.includes(secret), 'no secret in the log');
  });

  it('backs up the database while the bot runs, refuses to overwrite the copy unless --force', async () => {
    h = await startHarness();
    const config = join(h.dir, 'bot.config.json');
    const proposals = [h.propose('rae', 'backup-1'), h.propose('sol', 'backup-2')];
    const wired = await h.wire();
    const copies: string[] = [];
    const cycles = cycleUntil(wired, () => proposals.every((p) => h!.lp.commentsOf(p.link).some((c) => /\/results$/.test(c.content))));
    for (let i = 0; i < 3; i++) {
      const file = join(h.dir, `backup-${i}.sqlite`);
      const run = await runCli(['backup', file, '--config', config]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^backed up ${join(h.dir, 'bot.sqlite')} to ${file}: \\d+ pages \\(\\d+ KiB\\), integrity ok, schema version ${latestMigration().label.replace(/[()]/g, '\\$&')}\\nrows: builds \\d+, .*requests \\d+, schema_migrations ${latestMigration().version}, sources \\d+, .*\\n$`));
      copies.push(file);
    }
    await cycles;
    const live = await wired.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM builds');
    for (const file of copies) {
      const copy = await Store.open(file);
      assert.deepEqual(copy.appliedMigrations, []);
      const builds = await copy.db.all<{ request_id: number }>('SELECT request_id FROM builds');
      assert.ok(builds.length <= live!.n);
      assert.deepEqual(await copy.db.all('PRAGMA foreign_key_check'), []);
      await copy.close();
    }
    const again = await runCli(['backup', copies[0], '--config', config]);
    assert.deepEqual(again, { code: 2, stdout: '', stderr: `cbuild-bot backup: ${copies[0]} exists already; give --force to replace it\n` });
    const forced = await runCli(['backup', copies[0], '--config', config, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`rows: builds ${live!.n}, `), 'the forced copy has every build');
  });

  it('refuses to run on a database migrated by a newer release, naming both versions', async () => {
    h = await startHarness();
    const newer = join(h.dir, 'newer-migrations');
    mkdirSync(newer);
    for (const m of listMigrations(defaultMigrationsDir())) copyFileSync(m.path, join(newer, `${String(m.version).padStart(3, '0')}_${m.name}.sql`));
    const next = nextMigrationFile('next');
    writeFileSync(join(newer, next.file), 'ALTER TABLE builds ADD COLUMN next TEXT;');
    const db = await Db.open(join(h.dir, 'bot.sqlite'));
    await migrate(db, newer);
    await db.close();
    const run = await runCli(['once', '--config', join(h.dir, 'bot.config.json')], { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile });
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      `cbuild-bot: database ${join(h.dir, 'bot.sqlite')} has schema version ${next.label}, newer than this cbuild-bot knows (${latestMigration().label}): ` +
        'a newer release migrated it. Run that release (upgrade this binary), or restore the backup taken before the upgrade (README: "Upgrade and roll back"); migrations only go forward.\n',
    );
  });
});
