/**
 * The one promise wrapper around sqlite3. A single connection serialises
 * statements; `transaction` additionally serialises whole transactions so two
 * async callers never interleave inside BEGIN…COMMIT.
 */
import sqlite3 from 'sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqlParam = string | number | bigint | null | Buffer | boolean;

export class Db {
  private queue: Promise<unknown> = Promise.resolve();
  private inTransaction = false;

  private constructor(private readonly db: sqlite3.Database, readonly path: string) {}

  /** Opens (creating its directory) with WAL, foreign keys and a busy timeout. */
  static async open(path: string): Promise<Db> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d: sqlite3.Database = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
    });
    const db = new Db(raw, path);
    await db.exec('PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    if (path !== ':memory:') await db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    return db;
  }

  run(sql: string, params: SqlParam[] = []): Promise<{ lastID: number; changes: number }> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(withSql(err, sql));
        else resolve({ lastID: this.lastID, changes: this.changes });
      });
    });
  }

  get<T>(sql: string, params: SqlParam[] = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get(sql, params, (err: Error | null, row: T) => (err ? reject(withSql(err, sql)) : resolve(row)));
    });
  }

  all<T>(sql: string, params: SqlParam[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(withSql(err, sql)) : resolve(rows)));
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.exec(sql, (err: Error | null) => (err ? reject(withSql(err, sql)) : resolve()));
    });
  }

  /** Runs `fn` inside BEGIN IMMEDIATE…COMMIT, rolling back on any error. Nested calls join the outer one. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn();
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((r) => (release = r));
    await previous.catch(() => {});
    this.inTransaction = true;
    try {
      await this.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn();
        await this.exec('COMMIT');
        return result;
      } catch (err) {
        await this.exec('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      this.inTransaction = false;
      release();
    }
  }

  /**
   * SQLite's online backup API: copies the whole database into the new file
   * `destination` in one step, a consistent snapshot even while another
   * connection or process writes (in WAL mode readers never wait for
   * writers). Returns the number of pages copied.
   */
  backup(destination: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const backup = (this.db as unknown as Backupable).backup(destination, () => {});
      const step = (busyRetries: number) =>
        backup.step(-1, (err) => {
          if (err && /SQLITE_(BUSY|LOCKED)/.test(err.message) && busyRetries > 0) {
            setTimeout(() => step(busyRetries - 1), 100);
            return;
          }
          const pages = backup.pageCount;
          backup.finish(() => (err ? reject(err) : resolve(pages)));
        });
      step(50);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}

/** node-sqlite3's `Database#backup`, which its type declarations leave out. */
interface Backupable {
  backup(destination: string, callback: (err: Error | null) => void): {
    step(pages: number, callback: (err: Error | null, done: boolean) => void): void;
    finish(callback: () => void): void;
    readonly pageCount: number;
  };
}

function withSql(err: Error, sql: string): Error {
  err.message = `${err.message} (in: ${sql.replace(/\s+/g, ' ').trim().slice(0, 120)})`;
  return err;
}
