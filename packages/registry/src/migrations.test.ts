import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Database } from '@berth/sqlite';
import { COMPONENT, migrations } from './migrations';
import { RegistryMetadata } from './registry-metadata';

describe('registry migrations', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('apply in order, once, next to other components, and keep data across a reopen', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-registry-mig-'));
    const file = path.join(dir, 'shared.db');
    let db = await Database.open(file);
    await db.migrate([{ component: 'someone-else', version: 1, description: 'x', up: 'CREATE TABLE other (id INTEGER)' }]);
    await db.migrate(migrations);
    const meta = new RegistryMetadata(db);
    await meta.linkBlob('a/b', `sha256:${'1'.repeat(64)}`, 3);
    await db.close();
    db = await Database.open(file);
    await db.migrate(migrations);
    const applied = await db.all<{ version: number }>('SELECT version FROM schema_migrations WHERE component = ? ORDER BY version', [COMPONENT]);
    expect(applied.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    expect(await new RegistryMetadata(db).blobLink('a/b', `sha256:${'1'.repeat(64)}`)).toEqual({ size: 3 });
    await db.close();
  });
});
