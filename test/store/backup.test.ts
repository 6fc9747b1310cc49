/** `cbuild-bot backup`'s copy: consistent while another connection writes, unlike copying the file. */
import assert from 'node:assert/strict';
import { latestMigration } from '../support/migrations.js';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { BackupError, backupDatabase } from '../../src/store/backup.js';
import { Store } from '../../src/store/store.js';

const BUILDS = [
  { target: 'a9hf', backend: 'cbuild' as const },
  { target: 'a9hf', backend: 'lava' as const },
  { target: 'x86_64', backend: 'cbuild' as const },
  { target: 'x86_64', backend: 'lava' as const },
];

describe('store backup', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'backup-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const addRequest = (store: Store, n: number) =>
    store.createRequest(
      { kind: 'adhoc', origin: 'schedule', proposalId: null, baseRequestId: null, source: { vcs: 'bzr', path: '~a/p/b', ref: null }, sourceUrl: 'lp:~a/p/b', revision: { id: `r${n}`, revno: n } },
      BUILDS,
      (id, b) => `${id}/${b.target}/${b.backend}`,
      new Date().toISOString(),
    );

  /** Requests and builds in a copy, opened as the bot opens its database. */
  const contents = async (file: string) => {
    const copy = await Store.open(file);
    try {
      assert.deepEqual(copy.appliedMigrations, [], 'the copy has the whole schema');
      const perRequest = await copy.db.all<{ id: number; builds: number }>(
        'SELECT r.id, COUNT(b.id) AS builds FROM requests r LEFT JOIN builds b ON b.request_id = r.id GROUP BY r.id ORDER BY r.id',
      );
      return perRequest;
    } finally {
      await copy.close();
    }
  };

  it('takes consistent snapshots while another connection keeps writing', async () => {
    const path = join(dir, 'bot.sqlite');
    const store = await Store.open(path);
    let written = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) await addRequest(store, ++written);
    })();
    const snapshots: { file: string; before: number; after: number }[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 30));
        const file = join(dir, `copy-${i}.sqlite`);
        const before = written;
        const summary = await backupDatabase(path, file);
        snapshots.push({ file, before, after: written });
        assert.equal(summary.schema, latestMigration().label);
        assert.ok(summary.pages > 0 && summary.bytes > 0);
      }
    } finally {
      writing = false;
      await writer;
    }
    let previous = 0;
    for (const { file, before, after } of snapshots) {
      const requests = await contents(file);
      // Each request went in with its four builds in one transaction: a copy has both or neither.
      assert.ok(requests.every((r) => r.builds === 4), `${file}: a request without all its builds`);
      assert.deepEqual(requests.map((r) => r.id), requests.map((_, i) => i + 1), 'no gaps');
      assert.ok(requests.length >= before - 1 && requests.length <= after, `${file}: ${requests.length} requests, written ${before}…${after}`);
      assert.ok(requests.length >= previous);
      previous = requests.length;
    }
    assert.ok(previous > 0 && written > previous, `the writes went on during the backups (${previous} of ${written} in the last copy)`);
    const final = join(dir, 'final.sqlite');
    const summary = await backupDatabase(path, final);
    assert.equal(summary.rows.requests, written);
    assert.equal(summary.rows.builds, written * 4);
    assert.equal((await contents(final)).length, written);
    await store.close();
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), [], 'no temporary files left');
  });

  it('is needed: a plain copy of a live WAL database misses what is not checkpointed yet', async () => {
    const path = join(dir, 'bot.sqlite');
    const store = await Store.open(path);
    // The schema is in the main file; from now on commits stay in the -wal file until a checkpoint,
    // which a busy bot only reaches every 1000 pages (here: never, to make it certain).
    await store.db.exec('PRAGMA wal_checkpoint(TRUNCATE); PRAGMA wal_autocheckpoint = 0;');
    for (let n = 1; n <= 5; n++) await addRequest(store, n);
    copyFileSync(path, join(dir, 'plain-copy.sqlite'));
    await backupDatabase(path, join(dir, 'backup.sqlite'));
    await store.close();
    assert.equal((await contents(join(dir, 'plain-copy.sqlite'))).length, 0, 'the plain copy has none of the 5 requests');
    assert.equal((await contents(join(dir, 'backup.sqlite'))).length, 5);
  });

  it('refuses to overwrite a file unless told to, to back up nothing, or to copy the database onto itself', async () => {
    const path = join(dir, 'bot.sqlite');
    const store = await Store.open(path);
    await addRequest(store, 1);
    const file = join(dir, 'existing.sqlite');
    writeFileSync(file, 'an older backup');
    await assert.rejects(backupDatabase(path, file), new BackupError(`${file} exists already; give --force to replace it`));
    const summary = await backupDatabase(path, file, { replace: true });
    assert.equal(summary.rows.requests, 1);
    assert.deepEqual(await contents(file), [{ id: 1, builds: 4 }]);
    await assert.rejects(backupDatabase(join(dir, 'none.sqlite'), join(dir, 'x.sqlite')), {
      message: `database ${join(dir, 'none.sqlite')} does not exist: nothing to back up`,
    });
    assert.ok(!existsSync(join(dir, 'none.sqlite')), 'and does not create it');
    await assert.rejects(backupDatabase(path, path), { message: `${path} is the database itself` });
    await store.close();
  });
});
