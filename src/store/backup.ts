/**
 * `cbuild-bot backup FILE`: a consistent copy of the bot's database while the
 * bot runs. Copying the `.sqlite` file is not one: in WAL mode recent commits
 * live in the `-wal` file until a checkpoint, so a plain copy can miss them
 * (or pair a main file and a WAL from different moments). SQLite's online
 * backup API reads one snapshot through a connection instead.
 *
 * The copy is checked (integrity, schema version, rows per table) before it
 * takes the name FILE, and it is a single self-contained file (rollback
 * journal mode; the bot turns WAL on again when it opens a restored copy).
 * It never migrates: a backup taken before an upgrade must keep the old schema.
 */
import { existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import { Db } from './db.js';

export interface BackupSummary {
  source: string;
  destination: string;
  pages: number;
  bytes: number;
  /** The newest migration applied, e.g. `5 (005_workflow)`; null for a database the bot never migrated. */
  schema: string | null;
  /** Rows per table, by table name. */
  rows: Record<string, number>;
}

export class BackupError extends Error {}

/** Copies the database at `source` to `destination` (which must not exist unless `replace`), checked. */
export async function backupDatabase(source: string, destination: string, options: { replace?: boolean } = {}): Promise<BackupSummary> {
  if (!existsSync(source)) throw new BackupError(`database ${source} does not exist: nothing to back up`);
  if (resolve(source) === resolve(destination)) throw new BackupError(`${destination} is the database itself`);
  if (existsSync(destination) && !options.replace) throw new BackupError(`${destination} exists already; give --force to replace it`);
  const temporary = join(dirname(destination), `.${basename(destination)}.${process.pid}.tmp`);
  rmSync(temporary, { force: true });
  try {
    const db = await Db.open(source);
    let pages: number;
    try {
      pages = await db.backup(temporary);
    } finally {
      await db.close();
    }
    const copy = await Db.open(temporary);
    let summary: Omit<BackupSummary, 'bytes'>;
    try {
      const integrity = await copy.all<{ integrity_check: string }>('PRAGMA integrity_check');
      if (integrity.map((r) => r.integrity_check).join('; ') !== 'ok') {
        throw new BackupError(`the copy fails SQLite's integrity check: ${integrity.map((r) => r.integrity_check).slice(0, 5).join('; ')}`);
      }
      const tables = await copy.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
      const rows: Record<string, number> = {};
      for (const { name } of tables) {
        rows[name] = (await copy.get<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name.replace(/"/g, '""')}"`))!.n;
      }
      const newest = tables.some((t) => t.name === 'schema_migrations')
        ? await copy.get<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version DESC LIMIT 1')
        : undefined;
      await copy.exec('PRAGMA journal_mode = DELETE');
      summary = {
        source,
        destination,
        pages,
        schema: newest ? `${newest.version} (${String(newest.version).padStart(3, '0')}_${newest.name})` : null,
        rows,
      };
    } finally {
      await copy.close();
    }
    const bytes = statSync(temporary).size;
    if (options.replace) renameSync(temporary, destination);
    else linkSync(temporary, destination); // fails if FILE appeared meanwhile
    return { ...summary, bytes };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError(`${destination} exists already; give --force to replace it`);
    throw err;
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(temporary + suffix, { force: true });
  }
}

/** Exit 0 copied, 2 bad arguments or nothing to copy; other failures throw. */
export async function backupCommand(
  opts: { config: string; file: string[]; force: boolean },
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  if (opts.file.length !== 1) {
    io.stderr.write('cbuild-bot backup: give the file to write, e.g. cbuild-bot backup /var/backups/cbuild-bot.sqlite\n');
    return 2;
  }
  const config = loadConfig(opts.config);
  if (config.database === ':memory:') {
    io.stderr.write('cbuild-bot backup: the database is :memory:, there is nothing on disk to back up\n');
    return 2;
  }
  let summary: BackupSummary;
  try {
    summary = await backupDatabase(config.database, resolve(opts.file[0]), { replace: opts.force });
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    io.stderr.write(`cbuild-bot backup: ${err.message}\n`);
    return 2;
  }
  io.stdout.write(
    `backed up ${summary.source} to ${summary.destination}: ${summary.pages} pages (${Math.ceil(summary.bytes / 1024)} KiB), ` +
      `integrity ok, schema version ${summary.schema ?? 'none'}\n` +
      `rows: ${Object.entries(summary.rows).map(([table, n]) => `${table} ${n}`).join(', ')}\n`,
  );
  return 0;
}
