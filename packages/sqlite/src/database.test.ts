import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
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
