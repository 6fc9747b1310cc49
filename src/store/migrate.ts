/**
 * Applies the numbered SQL files in `migrations/` (NNN_name.sql) in order, each
 * in its own transaction, and records them in `schema_migrations`, so a crash
 * mid-migration leaves the database at the previous version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

/** migrations/ at the project root, from both src/ and dist/src/. */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'migrations');
    try {
      if (readdirSync(candidate).some((f) => f.endsWith('.sql'))) return candidate;
    } catch {
      /* not here; go up */
    }
    dir = resolve(dir, '..');
  }
  throw new Error('cannot find the migrations/ directory next to the project');
}

export interface MigrationFile {
  version: number;
  name: string;
  path: string;
}

export function listMigrations(dir: string): MigrationFile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const out: MigrationFile[] = [];
  for (const file of files) {
    const m = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!m) throw new Error(`migration file name ${file} must look like 001_name.sql`);
    out.push({ version: Number(m[1]), name: m[2], path: join(dir, file) });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++) {
    if (out[i].version === out[i - 1].version) throw new Error(`two migrations numbered ${out[i].version}`);
  }
  return out;
}

/** The database was migrated by a newer cbuild-bot: this one must not touch it. */
export class SchemaTooNewError extends Error {
  constructor(path: string, database: { version: number; name: string }, known: MigrationFile | undefined) {
    const label = (m: { version: number; name: string }) => `${m.version} (${String(m.version).padStart(3, '0')}_${m.name})`;
    super(
      `database ${path} has schema version ${label(database)}, newer than this cbuild-bot knows (${known ? label(known) : 'none'}): ` +
        'a newer release migrated it. Run that release (upgrade this binary), or restore the backup taken before the upgrade ' +
        '(README: "Upgrade and roll back"); migrations only go forward.',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Applies pending migrations; returns the ones applied now. Refuses a database newer than `dir`'s migrations. */
export async function migrate(db: Db, dir = defaultMigrationsDir()): Promise<MigrationFile[]> {
  await db.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
  );
  const recorded = await db.all<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
  const done = new Set(recorded.map((r) => r.version));
  const migrations = listMigrations(dir);
  const newest = recorded.at(-1);
  const known = migrations.at(-1);
  // Tables and columns this binary has never heard of: running on them would misread or lose data.
  if (newest && newest.version > (known?.version ?? 0)) throw new SchemaTooNewError(db.path, newest, known);
  const applied: MigrationFile[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const sql = readFileSync(m.path, 'utf8');
    // A migration that rebuilds a table others refer to runs with foreign keys
    // off (SQLite's documented procedure) and checks them before committing.
    const rebuildsTables = /^-- migrate: foreign_keys=off$/m.test(sql);
    if (rebuildsTables) await db.exec('PRAGMA foreign_keys = OFF');
    try {
      await db.transaction(async () => {
        await db.exec(sql);
        if (rebuildsTables) {
          const broken = await db.all<{ table: string; parent: string }>('PRAGMA foreign_key_check');
          if (broken.length) throw new Error(`migration ${m.name} breaks foreign keys: ${broken.slice(0, 5).map((b) => `${b.table} → ${b.parent}`).join(', ')}`);
        }
        await db.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
      });
    } finally {
      if (rebuildsTables) await db.exec('PRAGMA foreign_keys = ON');
    }
    applied.push(m);
  }
  return applied;
}
