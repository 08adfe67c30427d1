import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { detailOf, messageOf } from '@berth/errdefs';
import { Database } from './database';

describe('Database', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sqlite-'));
    db = await Database.open(path.join(dir, 't.db'));
    await db.migrate([{ component: 'test', version: 1, description: 't', up: 'CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)' }]);
  });
  afterEach(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rolls a failed transaction back whole', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (?, ?)', ['a', 1]);
        await tx.run('INSERT INTO t VALUES (?, ?)', ['a', 2]); // duplicate key
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect(await db.all('SELECT * FROM t')).toEqual([]);
  });

  it("a full database's error keeps sqlite's cause and leaves the statement to the log (detail), out of the message", async () => {
    const { page_count: n } = (await db.get<{ page_count: number }>('PRAGMA page_count')) ?? { page_count: 0 };
    await db.exec(`PRAGMA max_page_count = ${n}`);
    const err = await db.run('INSERT INTO t VALUES (?, ?)', ['x'.repeat(100_000), 1]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(messageOf(err)).toBe('sqlite: SQLITE_FULL: database or disk is full');
    expect(detailOf(err)).toBe('in: INSERT INTO t VALUES (?, ?)');
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('SQLITE_FULL');
  });

  it('serialises concurrent transactions and keeps outside statements out of them', async () => {
    const work = Array.from({ length: 20 }, (_, i) =>
      db.transaction(async (tx) => {
        const row = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM t');
        await new Promise((r) => setTimeout(r, 1));
        await tx.run('INSERT INTO t VALUES (?, ?)', [`k${i}`, row!.n]);
      }),
    );
    const outside = db.run('INSERT INTO t VALUES (?, ?)', ['outside', -1]);
    await Promise.all([...work, outside]);
    const values = (await db.all<{ v: number }>("SELECT v FROM t WHERE k != 'outside' ORDER BY v")).map((r) => r.v);
    expect(new Set(values).size).toBe(20); // each transaction saw the previous ones' rows
  });

  it('applies each migration once, per component', async () => {
    const m = [{ component: 'test', version: 1, description: 't', up: 'CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)' }];
    await db.migrate(m); // already applied: no "table exists" error
    await db.migrate([{ component: 'other', version: 1, description: 'o', up: 'CREATE TABLE o (x)' }]);
    const rows = await db.all<{ component: string }>('SELECT component FROM schema_migrations ORDER BY component');
    expect(rows.map((r) => r.component)).toEqual(['other', 'test']);
  });
});
