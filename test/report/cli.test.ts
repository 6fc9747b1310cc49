/** `cbuild-bot report` as a user runs it: a separate process, a real database with known builds, a real (simulated) LAVA. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { projectRoot } from '../../src/config/config.js';
import { LavaSimulator } from '../../src/lava/simulator.js';
import { Store } from '../../src/store/store.js';
import { TestToolchain } from '../e2e/harness.js';
import { seedKnownBuilds } from './fixture.js';
import { runCli } from '../support/cli.js';



describe('cli: report', function () {
  this.timeout(60_000);
  let dir: string;
  let lava: LavaSimulator;
  let config: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-report-'));
    lava = new LavaSimulator({
      toolchain: new TestToolchain(),
      users: {},
      devices: [
        { hostname: 'panda-es-01', deviceType: 'panda-es' },
        { hostname: 'panda-es-02', deviceType: 'panda-es' },
        { hostname: 'x86-64-build-01', deviceType: 'x86_64-build', arch: 'x86_64' },
      ],
    });
    const lavaBase = await lava.start();
    const database = join(dir, 'bot.sqlite');
    const store = await Store.open(database);
    await seedKnownBuilds(store, new Date());
    await store.close();
    config = join(dir, 'bot.config.json');
    const template = join(projectRoot(), 'templates/lava/gcc-build.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        launchpad: { serviceRoot: 'http://127.0.0.1:9/', watch: [{ project: 'gcc-linaro' }] },
        cbuild: { schedulerUrl: 'http://127.0.0.1:9/', resultsUrl: 'http://127.0.0.1:9/' },
        lava: { url: `${lavaBase}RPC2`, user: 'cbuild-bot' },
        targets: {
          a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template } },
          x86_64: { cbuild: { queue: 'x86_64-ubuntu' }, lava: { deviceType: 'x86_64-build', template } },
        },
        database,
        http: { retries: 0, timeoutMs: 5000 },
      }),
    );
  });
  after(async () => {
    await lava.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the figures of the stored builds as JSON, with progress on stderr', async () => {
    const run = await runCli(['report', '--config', config, '--since', '7d', '--format', 'json']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^report: reading builds that ended between \S+ and \S+$/m);
    assert.match(run.stderr, /^report: read 10 builds of 3 requests$/m);
    assert.match(run.stderr, /^report: asking LAVA for its device pool \(http:\/\/127\.0\.0\.1:\d+\/\)$/m);
    const report = JSON.parse(run.stdout);
    assert.equal(report.window.days, 7);
    const row = (backend: string, target: string) => report.capacity.find((r: { backend: string; target: string }) => r.backend === backend && r.target === target);
    assert.deepEqual(row('cbuild', 'a9hf').queueWait, { count: 3, median: 60_000, p90: 120_000, mean: 190_000 / 3, max: 120_000 });
    assert.equal(row('cbuild', 'a9hf').buildTime.median, 3_240_000);
    assert.deepEqual(row('lava', '(all)').rates, { pass: 0.75, buildFailure: 0, infraFailure: 0.25 });
    assert.equal(row('lava', '(all)').retries, 3);
    assert.equal(row('lava', '(all)').queueWait.median, 450_000);
    assert.equal(row('lava', '(all)').buildTime.median, 1_700_000);
    assert.equal(row('cbuild', '(all)').throughputPerDay, 4 / 7);
    assert.deepEqual(report.agreement.byTarget.map((t: { target: string; pairs: number }) => `${t.target}:${t.pairs}`), ['a9hf:3', 'x86_64:2']);
    assert.deepEqual(report.lavaDevices.pool.types, [
      { deviceType: 'panda-es', devices: 2, idle: 2, busy: 0, outOfService: 0, pendingJobs: 0 },
      { deviceType: 'x86_64-build', devices: 1, idle: 1, busy: 0, outOfService: 0, pendingJobs: 0 },
    ]);
  });

  it('prints tables by default and CSV on request', async () => {
    const text = await runCli(['report', '--config', config]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /\(last 7d\)/);
    assert.match(text.stdout, /^CBuild +a9hf +3 +50\.0% +50\.0% +0\.0% +1 +0 +0\.0% +1m 00s +2m 00s +54m 00s +1h 00m +0\.29\/day$/m);
    assert.match(text.stdout, /^panda-es +2 +2 +0 +0 +0$/m);
    const csv = await runCli(['report', '--config', config, '--since', '24h', '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.split('\r\n');
    assert.match(lines[0], /^since,until,backend,target,builds,/);
    assert.deepEqual(lines.slice(1), [''], 'nothing ended in the last 24 hours: the header alone');
  });

  it('refuses a bad --since or --format with exit 2, naming the option', async () => {
    const since = await runCli(['report', '--config', config, '--since', 'a week']);
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since: expected a length of time like 7d, 24h, 30m or 2w, not "a week"/);
    const format = await runCli(['report', '--config', config, '--format', 'xml']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format: expected text, json, csv, not "xml"/);
  });
});
