/**
 * `--dry-run` as an operator runs it: `cbuild-bot once --dry-run` in its own
 * process against the simulators. It reads Launchpad, prints what it would
 * submit and post, and changes nothing: no job, no comment, no file published,
 * and the configured database neither created nor written.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CBuildClient } from '../../src/cbuild/client.js';
import { HttpClient } from '../../src/http/client.js';
import { Store } from '../../src/store/store.js';
import { waitFor } from '../lava/real/env.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { runCli } from '../support/cli.js';



/** What the store holds that a dry run must not change. */
async function storeState(file: string): Promise<string> {
  const store = await Store.open(file);
  try {
    const tables = ['proposals', 'requests', 'builds', 'comments', 'sources'];
    return JSON.stringify(await Promise.all(tables.map((t) => store.db.all(`SELECT * FROM ${t} ORDER BY rowid`))));
  } finally {
    await store.close();
  }
}

describe('cbuild-bot once --dry-run', function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('without the credentials file the config names: once refuses naming it, once --dry-run reads anonymously and changes nothing', async () => {
    const notYet = join(h.dir, 'launchpad-credentials');
    const raw = JSON.parse(readFileSync(join(h.dir, 'bot.config.json'), 'utf8'));
    raw.launchpad.credentialsFile = notYet;
    const config = join(h.dir, 'not-logged-in.json');
    writeFileSync(config, JSON.stringify(raw));
    const mp = h.propose('vic', 'dry-cli');

    const real = await runCli(['once', '--config', config]);
    assert.equal(real.code, 1);
    assert.equal(
      real.stderr,
      'cbuild-bot once: refusing to start: the configuration cannot work:\n' +
        `  ✗ Launchpad credentials file ${notYet} (launchpad.credentialsFile) does not exist — run \`cbuild-bot login\` to make it (or give --dry-run to read Launchpad anonymously and post nothing)\n` +
        `(cbuild-bot check --config ${config} lists every check.)\n`,
    );

    const dry = await runCli(['once', '--config', config, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, new RegExp(`WARN Launchpad credentials file ${notYet} \\(launchpad\\.credentialsFile\\) does not exist: the dry run reads Launchpad anonymously`));
    const submits = dry.stdout.split('\n').filter((l) => l.startsWith('--- dry run: would submit '));
    assert.equal(submits.length, 8, dry.stdout);
    // The baseline (request 1) and the proposal (request 2), on both targets and backends; LAVA's job rendered from its template.
    assert.match(dry.stdout, /^--- dry run: would submit LAVA job "cbuild-bot r2 a9hf gcc-linaro\+bzr2~vic~dry-cli~r2" \(85 lines of YAML\) for a9hf: lp:~vic\/gcc-linaro\/dry-cli revision 2 \(vic@example\.com-\d{14}-[0-9a-f]{16}\)$/m);
    assert.match(dry.stdout, /^--- dry run: would submit CBuild job "x86_64-ubuntu\/gcc-linaro\+bzr3~linaro-toolchain~trunk~r1" for x86_64: lp:~linaro-toolchain\/gcc-linaro\/trunk revision 3 /m);
    assert.match(dry.stdout, /^--- dry run: would comment on http:\/\/127\.0\.0\.1:\d+\/~vic\/gcc-linaro\/dry-cli\/\+merge\/\d+$/m);
    assert.match(dry.stdout, /^cbuild-bot-ref: 2\/ack$/m);

    assert.equal(h.lp.commentsOf(mp.link).length, 0, 'nothing posted');
    assert.ok(h.lp.requests.every((r) => r.method === 'GET' && r.authorized === null), 'Launchpad only read, anonymously');
    assert.deepEqual([h.lava.jobs().length, h.toolchain.specs.length], [0, 0], 'nothing submitted');
    assert.equal(existsSync(h.config.database), false, 'the database was not created');
  });

  it('on a live database: prints the results comment it would post and the diff it would publish, and writes nothing', async () => {
    const mp = h.propose('wes', 'dry-live');
    const wired = await h.wire();
    await wired.bot.runCycle(); // submits the eight builds and posts the acknowledgement
    await wired.close();
    const cbuild = new CBuildClient({ schedulerUrl: h.config.cbuild.schedulerUrl, resultsUrl: h.config.cbuild.resultsUrl, http: new HttpClient({ retries: 0 }) });
    await waitFor('every job to end', async () => {
      const jobs = [...(await cbuild.listQueue('a9hf-ubuntu')), ...(await cbuild.listQueue('x86_64-ubuntu'))];
      const ended = jobs.every((j) => j.state === 'complete') && h.lava.jobs().every((j) => j.state === 'Finished');
      return jobs.length === 4 && ended ? true : undefined;
    }, 20_000, 50);
    const before = await storeState(h.config.database);
    const jobs = h.lava.jobs().length;
    const built = h.toolchain.specs.length;

    const dry = await runCli(['once', '--config', join(h.dir, 'bot.config.json'), '--dry-run'], { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile });
    assert.equal(dry.code, 0, dry.stderr);
    assert.doesNotMatch(dry.stdout, /would submit/);
    assert.match(dry.stdout, /^--- dry run: would publish http:\/\/127\.0\.0\.1:\d+\/build\/gcc-linaro\+bzr2~wes~dry-live~r2\/logs\/armv7l-precise-cbuild461-ursa1-cortexa9hfr1\/testsuite-diff\.txt \(\d+ bytes\)$/m);
    assert.match(dry.stdout, /^Builds of revision 2 \(wes@[^)]+\) of lp:~wes\/gcc-linaro\/dry-live:$/m);
    assert.match(dry.stdout, /^cbuild-bot-ref: 2\/results$/m);

    assert.equal(await storeState(h.config.database), before, 'the database is as it was');
    assert.deepEqual(h.lp.commentsOf(mp.link).map((c) => /cbuild-bot-ref: (\S+)/.exec(c.content)?.[1]), ['2/ack'], 'only the real acknowledgement');
    assert.deepEqual([h.lava.jobs().length, h.toolchain.specs.length], [jobs, built], 'nothing submitted');
  });
});
