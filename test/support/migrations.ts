/** The newest migration this checkout has, so tests about schema versions survive the next migration. */
import { defaultMigrationsDir, listMigrations } from '../../src/store/migrate.js';

export function latestMigration(): { version: number; label: string } {
  const last = listMigrations(defaultMigrationsDir()).at(-1)!;
  return { version: last.version, label: `${last.version} (${String(last.version).padStart(3, '0')}_${last.name})` };
}

/** A file name for a migration one newer than this checkout's: what a later release would add. */
export function nextMigrationFile(name: string): { file: string; label: string } {
  const version = latestMigration().version + 1;
  const file = `${String(version).padStart(3, '0')}_${name}.sql`;
  return { file, label: `${version} (${file.replace(/\.sql$/, '')})` };
}

/** Every migration of this checkout by file name (`001_init`, …), oldest first. */
export function migrationNames(): string[] {
  return listMigrations(defaultMigrationsDir()).map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`);
}
