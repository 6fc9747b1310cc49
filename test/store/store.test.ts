import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Db } from '../../src/store/db.js';
import { listMigrations, migrate } from '../../src/store/migrate.js';
import { Store } from '../../src/store/store.js';

describe('store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the numbered migrations once, in order, and records them', async () => {
    const path = join(dir, 'var', 'bot.sqlite');
    const first = await Store.open(path);
    assert.deepEqual(first.appliedMigrations, ['001_init', '002_baselines', '003_infra_retries', '004_comment_votes']);
    const recorded = await first.db.all<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    assert.deepEqual(recorded.map((r) => `${r.version}:${r.name}`), ['1:init', '2:baselines', '3:infra_retries', '4:comment_votes']);
    await first.close();
    const again = await Store.open(path);
    assert.deepEqual(again.appliedMigrations, []);
    await again.close();
  });

  it('leaves the database at the previous version when a migration fails', async () => {
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '001_a.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(migrations, '002_b.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);');
    const db = await Db.open(join(dir, 'x.sqlite'));
    await assert.rejects(migrate(db, migrations), /no such table: nowhere/);
    const tables = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    assert.deepEqual(tables.map((t) => t.name), ['a', 'schema_migrations']);
    await db.close();
  });

  it('refuses badly named or duplicate migration files', () => {
    const migrations = join(dir, 'm');
    mkdirSync(migrations);
    writeFileSync(join(migrations, 'init.sql'), '');
    assert.throws(() => listMigrations(migrations), /migration file name init\.sql must look like 001_name\.sql/);
  });

  it('creates a request with its builds atomically, or not at all', async () => {
    const store = await Store.open(join(dir, 'bot.sqlite'));
    const req = { kind: 'proposal' as const, proposalId: null, baseRequestId: null, branch: '~a/p/b', revisionId: 'r1', revno: 1 };
    const builds = [{ target: 'a9hf', backend: 'native' as const }, { target: 'a9hf', backend: 'lava' as const }];
    await assert.rejects(store.createRequest(req, builds, () => 'same-key', 't'), /UNIQUE constraint failed: builds\.submit_key/);
    assert.equal((await store.db.all('SELECT * FROM requests')).length, 0, 'no half-written request');
    const id = await store.createRequest(req, builds, (_id, b) => `key-${b.backend}`, 't');
    assert.equal((await store.buildsOfRequests([id])).get(id)!.length, 2);
    await store.close();
  });
});
