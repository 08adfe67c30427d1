import sqlite3 from 'sqlite3';
import { InternalError } from '@berth/errdefs';

export type SqlValue = string | number | bigint | Buffer | null;
export type Params = SqlValue[] | Record<string, SqlValue>;

/** The statements one may run, in or out of a transaction. */
export interface Queryable {
  run(sql: string, params?: Params): Promise<{ changes: number; lastID: number }>;
  get<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T | undefined>;
  all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

/** One ordered schema step. `version` numbers start at 1 and never change once shipped. */
export interface Migration {
  version: number;
  /** Which component owns the tables, e.g. `image-store`; each keeps its own version. */
  component: string;
  description: string;
  up: string;
}

/**
 * One sqlite3 connection. sqlite transactions belong to the connection, so every statement
 * goes through one queue: a transaction holds the queue from BEGIN to COMMIT, and statements
 * issued meanwhile wait for it instead of landing inside it.
 */
export class Database implements Queryable {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: sqlite3.Database) {}

  static async open(file: string): Promise<Database> {
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
    });
    const db = new Database(raw);
    await db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
    return db;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => undefined);
    return p;
  }

  private rawRun(sql: string, params: Params = []): Promise<{ changes: number; lastID: number }> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(wrap(err, sql));
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  }
  private rawGet<T>(sql: string, params: Params = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get(sql, params, (err: Error | null, row: T) => (err ? reject(wrap(err, sql)) : resolve(row)));
    });
  }
  private rawAll<T>(sql: string, params: Params = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(wrap(err, sql)) : resolve(rows)));
    });
  }
  private rawExec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.exec(sql, (err: Error | null) => (err ? reject(wrap(err, sql)) : resolve()));
    });
  }

  run(sql: string, params?: Params) {
    return this.enqueue(() => this.rawRun(sql, params));
  }
  get<T = Record<string, unknown>>(sql: string, params?: Params) {
    return this.enqueue(() => this.rawGet<T>(sql, params));
  }
  all<T = Record<string, unknown>>(sql: string, params?: Params) {
    return this.enqueue(() => this.rawAll<T>(sql, params));
  }
  exec(sql: string) {
    return this.enqueue(() => this.rawExec(sql));
  }

  /** Runs `fn` in one transaction: all its statements commit together or not at all. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      const tx: Queryable = {
        run: (s, p) => this.rawRun(s, p),
        get: (s, p) => this.rawGet(s, p),
        all: (s, p) => this.rawAll(s, p),
        exec: (s) => this.rawExec(s),
      };
      await this.rawExec('BEGIN IMMEDIATE');
      try {
        const out = await fn(tx);
        await this.rawExec('COMMIT');
        return out;
      } catch (e) {
        await this.rawExec('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /** Applies, in order and each in its own transaction, the migrations not yet applied. */
  async migrate(migrations: readonly Migration[]): Promise<void> {
    await this.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (component, version))',
    );
    const sorted = [...migrations].sort((a, b) => a.component.localeCompare(b.component) || a.version - b.version);
    for (const m of sorted) {
      await this.transaction(async (tx) => {
        const done = await tx.get('SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?', [m.component, m.version]);
        if (done) return;
        await tx.exec(m.up);
        await tx.run('INSERT INTO schema_migrations (component, version, description, applied_at) VALUES (?, ?, ?, ?)', [
          m.component,
          m.version,
          m.description,
          new Date().toISOString(),
        ]);
      });
    }
  }

  close(): Promise<void> {
    return this.enqueue(() => new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve()))));
  }
}

/**
 * sqlite3's error as berth's: its text (`SQLITE_FULL: database or disk is full`) is the message;
 * the statement it came from is internal, for the log only (errdefs' `detail`).
 */
function wrap(err: Error, sql: string): Error {
  return new InternalError(`sqlite: ${err.message}`, { cause: err, detail: `in: ${sql.slice(0, 120)}` });
}
