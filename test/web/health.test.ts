/** The health record and /readyz over real HTTP on a real sqlite store: each reason to be unready, said in the body. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { clearSecretsForTests, registerSecret } from '../../src/secrets.js';
import { Store } from '../../src/store/store.js';
import { Health, cycleIntervalMs, storeProblem } from '../../src/web/health.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';

describe('web: health record and /readyz', () => {
  let dir: string;
  let store: Store;
  let server: StatusServer | undefined;
  let now: Date;
  const clock = () => now;

  beforeEach(async () => {
    now = new Date('2026-03-10T12:00:00.000Z');
    dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-health-'));
    store = await Store.open(join(dir, 'bot.sqlite'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await store.close().catch(() => {});
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
    clearSecretsForTests();
  });

  async function readyz(health?: Health): Promise<{ status: number; text: string; type: string | null }> {
    server = await startStatusServer({ store, listen: '127.0.0.1:0', logger: silentLogger, health, clock });
    const res = await fetch(`${server.url}readyz`);
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
  }

  it('knows a cycle interval from the schedule: the longest gap between runs', () => {
    assert.equal(cycleIntervalMs('*/5 * * * *'), 300_000);
    assert.equal(cycleIntervalMs('*/2 * * * * *'), 2_000);
    assert.equal(cycleIntervalMs('0 2 * * 1-5', 12), 3 * 86_400_000, 'a weekday schedule waits over the weekend');
    assert.equal(cycleIntervalMs('not a schedule'), null);
  });

  it('is ready when Launchpad was polled within two cycles and the store is writable', async () => {
    const health = new Health(clock);
    health.configured({ dryRun: false, schedule: '*/5 * * * *' });
    health.polled('ok');
    now = new Date(now.getTime() + 9 * 60_000);
    const answer = await readyz(health);
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.type!, /^text\/plain/);
    assert.equal(answer.text, '[+]launchpad ok: polled successfully 9 min ago\n[+]store ok: writable\nreadyz check passed\n');
  });

  it('is not ready, and says why, when the last good poll is older than two cycles', async () => {
    const health = new Health(clock);
    health.configured({ dryRun: false, schedule: '*/5 * * * *' });
    health.polled('ok');
    now = new Date(now.getTime() + 11 * 60_000);
    health.polled('error');
    health.serviceError('launchpad', 'Launchpad GET … answered HTTP 503: down for maintenance');
    const answer = await readyz(health);
    assert.equal(answer.status, 503);
    assert.equal(
      answer.text,
      '[-]launchpad failed: last polled successfully 11 min ago, more than two cycles (10 min); last error: Launchpad GET … answered HTTP 503: down for maintenance\n[+]store ok: writable\nreadyz check failed\n',
    );
  });

  it('is not ready before the first good poll, nor without a health record', async () => {
    const health = new Health(clock);
    health.configured({ dryRun: true, schedule: '*/5 * * * *' });
    assert.match((await readyz(health)).text, /^\[-\]launchpad failed: never polled successfully since 2026-03-10T12:00:00\.000Z\n/);
    await server!.close();
    const none = await readyz(undefined);
    assert.equal(none.status, 503);
    assert.match(none.text, /^\[-\]launchpad failed: this status server was started without the bot’s health record\n/);
  });

  it('is not ready when the store cannot take writes: a read-only connection, a lost file, an unwritable directory', async () => {
    const health = new Health(clock);
    health.configured({ dryRun: false, schedule: '*/5 * * * *' });
    health.polled('ok');
    assert.equal(await storeProblem(store), null);

    await store.db.exec('PRAGMA query_only = 1');
    const readOnly = await readyz(health);
    assert.equal(readOnly.status, 503);
    assert.match(readOnly.text, /\n\[-\]store failed: the database connection is read-only\nreadyz check failed\n$/);
    await store.db.exec('PRAGMA query_only = 0');

    rmSync(join(dir, 'bot.sqlite'));
    assert.equal(await storeProblem(store), `${join(dir, 'bot.sqlite')} is missing`);

    await store.close();
    assert.match((await storeProblem(store))!, /^the database does not answer: /);
  });

  it('finds an unwritable directory (as a user other than root, whom permissions do not stop)', async function () {
    if (process.getuid?.() === 0) {
      console.log('      skipped: running as root, for whom access(W_OK) always succeeds');
      this.skip();
    }
    chmodSync(dir, 0o500);
    assert.match((await storeProblem(store))!, /is not writable by this process$/);
  });

  it('keeps errors fit for a page: secrets masked, no control characters, bounded', () => {
    registerSecret('tok-SECRET-1234');
    const health = new Health(clock);
    health.serviceError('lava', `LAVA said \u001b]0;title\u0007 bad token tok-SECRET-1234 ${'x'.repeat(500)}`);
    const { message } = health.snapshot().lastErrors.lava!;
    assert.doesNotMatch(message, /tok-SECRET-1234|[\u0000-\u001f]/);
    assert.match(message, /^LAVA said \]0;title bad token \*+/);
    assert.equal(message.length, 300);
    assert.equal(health.snapshot().lastErrors.cbuild, null);
  });
});
