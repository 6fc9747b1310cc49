import assert from 'node:assert/strict';
import { latestMigration, migrationNames, nextMigrationFile } from '../support/migrations.js';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Db } from '../../src/store/db.js';
import { SchemaTooNewError, defaultMigrationsDir, listMigrations, migrate } from '../../src/store/migrate.js';
import type { RequestRow } from '../../src/core/model.js';
import { Store } from '../../src/store/store.js';

describe('store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the numbered migrations once, in order, and records them', async () => {
    const path = join(dir, 'var', 'bot.sqlite');
    const first = await Store.open(path);
    assert.deepEqual(first.appliedMigrations, migrationNames());
    assert.deepEqual(first.appliedMigrations.slice(0, 3), ['001_init', '002_baselines', '003_infra_retries']);
    assert.deepEqual(first.appliedMigrations.map((m) => Number(m.slice(0, 3))), first.appliedMigrations.map((_, i) => i + 1), 'numbered 1..N, none missing or twice');
    const recorded = await first.db.all<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    assert.deepEqual(recorded.map((r) => `${String(r.version).padStart(3, '0')}_${r.name}`), migrationNames());
    await first.close();
    const again = await Store.open(path);
    assert.deepEqual(again.appliedMigrations, []);
    await again.close();
  });

  it('migrates a version 4 database to 5 keeping every row and reference', async () => {
    const old = join(dir, 'old-migrations');
    mkdirSync(old);
    for (const m of listMigrations(defaultMigrationsDir()).filter((m) => m.version <= 4)) copyFileSync(m.path, join(old, `${String(m.version).padStart(3, '0')}_${m.name}.sql`));
    const path = join(dir, 'bot.sqlite');
    const db = await Db.open(path);
    await migrate(db, old);
    await db.exec(`
      INSERT INTO proposals VALUES (1, 'self', 'web', 'sb', '~u/p/b', 'tb', '~l/p/trunk', 'Needs review', NULL, 1, 't', 't');
      INSERT INTO requests (id, kind, branch, revision_id, revno, state, created_at) VALUES (1, 'baseline', '~l/p/trunk', 'r0', 1, 'done', 't');
      INSERT INTO requests (id, kind, proposal_id, base_request_id, branch, revision_id, revno, state, created_at) VALUES (2, 'proposal', 1, 1, '~u/p/b', 'r1', 2, 'active', 't');
      INSERT INTO builds (id, request_id, target, backend, state, submit_key, updated_at) VALUES (1, 2, 'a9hf', 'lava', 'running', 'k', 't');
      INSERT INTO comments (id, request_id, proposal_id, kind, marker, subject, body, state, created_at, vote) VALUES (1, 2, 1, 'ack', '2/ack', 's', 'b', 'posted', 't', NULL);`);
    await db.close();
    const store = await Store.open(path);
    assert.deepEqual(store.appliedMigrations, migrationNames().slice(4));
    assert.deepEqual((await store.request(1))!.origin, 'branch-point');
    assert.deepEqual(((await store.request(2)) as RequestRow).origin, 'revision');
    assert.equal((await store.build(1))!.shadow, false);
    assert.equal((await store.allComments())[0].marker, '2/ack');
    assert.deepEqual(await store.db.all('PRAGMA foreign_key_check'), []);
    await assert.rejects(store.db.run(`INSERT INTO builds (request_id, target, backend, state, submit_key, updated_at) VALUES (99, 't', 'lava', 'pending', 'k2', 't')`), /FOREIGN KEY/);
    await store.close();
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

  it('refuses a database migrated by a newer release, naming both versions and what to do, and changes nothing', async () => {
    const path = join(dir, 'bot.sqlite');
    const newer = join(dir, 'newer-migrations');
    mkdirSync(newer);
    for (const m of listMigrations(defaultMigrationsDir())) copyFileSync(m.path, join(newer, `${String(m.version).padStart(3, '0')}_${m.name}.sql`));
    const next = nextMigrationFile('future');
    writeFileSync(join(newer, next.file), 'CREATE TABLE future (x INTEGER);');
    const db = await Db.open(path);
    await migrate(db, newer);
    await db.close();

    await assert.rejects(Store.open(path), (err: unknown) => {
      assert.ok(err instanceof SchemaTooNewError);
      assert.equal(
        err.message,
        `database ${path} has schema version ${next.label}, newer than this cbuild-bot knows (${latestMigration().label}): a newer release migrated it. ` +
          'Run that release (upgrade this binary), or restore the backup taken before the upgrade (README: "Upgrade and roll back"); migrations only go forward.',
      );
      return true;
    });
    const check = await Db.open(path);
    const versions = await check.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(versions.map((v) => v.version), [...Array(latestMigration().version + 1).keys()].slice(1).concat(latestMigration().version + 1));
    await check.close();
  });

  it('refuses badly named or duplicate migration files', () => {
    const migrations = join(dir, 'm');
    mkdirSync(migrations);
    writeFileSync(join(migrations, 'init.sql'), '');
    assert.throws(() => listMigrations(migrations), /migration file name init\.sql must look like 001_name\.sql/);
  });

  it('creates a request with its builds atomically, or not at all', async () => {
    const store = await Store.open(join(dir, 'bot.sqlite'));
    const req = { kind: 'adhoc' as const, origin: 'schedule' as const, proposalId: null, baseRequestId: null, source: { vcs: 'bzr' as const, path: '~a/p/b', ref: null }, sourceUrl: 'lp:~a/p/b', revision: { id: 'r1', revno: 1 } };
    const builds = [{ target: 'a9hf', backend: 'cbuild' as const }, { target: 'a9hf', backend: 'lava' as const }];
    await assert.rejects(store.createRequest(req, builds, () => 'same-key', 't'), /UNIQUE constraint failed: builds\.submit_key/);
    assert.equal((await store.db.all('SELECT * FROM requests')).length, 0, 'no half-written request');
    const id = await store.createRequest(req, builds, (_id, b) => `key-${b.backend}`, 't');
    assert.equal((await store.buildsOfRequests([id])).get(id)!.length, 2);
    await store.close();
  });

  it('migrates a version 5 database to git-aware sources, one spelling per backend and unambiguous revisions', async () => {
    const old = join(dir, 'old-migrations');
    mkdirSync(old);
    for (const m of listMigrations(defaultMigrationsDir()).filter((m) => m.version <= 5)) copyFileSync(m.path, join(old, `${String(m.version).padStart(3, '0')}_${m.name}.sql`));
    const path = join(dir, 'bot.sqlite');
    const db = await Db.open(path);
    await migrate(db, old);
    const oldComparison = JSON.stringify({
      status: 'compared', baseline: { branch: '~l/p/trunk', revno: 1, revision: 'r0' },
      counts: { regressions: 1, now_pass: 0, new_fail: 0, new_pass: 0, gone: 0, flaky: 0, already_tracked: 0 },
      regressions: ['gcc: x'], newFailures: [], diffUrl: null, warnings: [],
    });
    await db.exec(`
      INSERT INTO proposals VALUES (1, 'self', 'web', 'sb', '~u/p/b', 'tb', '~l/p/trunk', 'Needs review', NULL, 1, 't', 't');
      INSERT INTO branches VALUES ('sb', '~u/p/b', 'lp:~u/p/b', 'r1', 2, '"e"', 't');
      INSERT INTO requests (id, kind, origin, branch, revision_id, revno, state, created_at) VALUES (1, 'baseline', 'branch-point', '~l/p/trunk', 'r0', 1, 'done', 't');
      INSERT INTO requests (id, kind, origin, proposal_id, base_request_id, branch, revision_id, revno, state, created_at) VALUES (2, 'proposal', 'revision', 1, 1, '~u/p/b', 'r1', 2, 'active', 't');
      INSERT INTO requests (id, kind, origin, branch, revision_id, revno, state, created_at) VALUES (3, 'adhoc', 'schedule', '~u/p/b', 'revno:1', 1, 'active', 't');
      INSERT INTO builds (id, request_id, target, backend, state, submit_key, updated_at, comparison) VALUES (1, 2, 'a9hf', 'native', 'passed', 'q/k', 't', '${oldComparison}');
      INSERT INTO builds (id, request_id, target, backend, state, submit_key, updated_at) VALUES (2, 3, 'a9hf', 'lava', 'submitting', 'k3', 'u');`);
    await db.close();
    const store = await Store.open(path);
    assert.deepEqual(store.appliedMigrations.slice(0, 1), ['006_git_sources']);
    const proposal = (await store.proposalById(1))!;
    assert.deepEqual([proposal.source, proposal.target, proposal.tracked], [
      { vcs: 'bzr', link: 'sb', path: '~u/p/b', ref: null }, { vcs: 'bzr', link: 'tb', path: '~l/p/trunk', ref: null }, true,
    ]);
    assert.deepEqual((await store.sourceTip('sb'))!.tip, 'r1');
    assert.deepEqual((await store.request(2))!.revision, { id: 'r1', revno: 2 });
    assert.deepEqual((await store.request(3))!.revision, { id: null, revno: 1 }, 'a build by revno is recorded as a revno, not as an id that looks like one');
    const built = (await store.build(1))!;
    assert.equal(built.backend, 'cbuild');
    assert.deepEqual(built.comparison?.status === 'compared' && built.comparison.baseline, { label: 'lp:~l/p/trunk revision 1' });
    assert.equal((await store.build(2))!.uncertain_since, 'u', 'a submission in flight stays uncertain');
    assert.deepEqual(await store.db.all('PRAGMA foreign_key_check'), []);
    await store.close();
  });
});
