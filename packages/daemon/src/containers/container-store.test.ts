import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Database } from '@berth/sqlite';
import { createdState, type ContainerRecord } from './container-record';
import { SqliteContainerStore } from './container-store';

function record(id: string, name: string, labels: Record<string, string> = {}): ContainerRecord {
  return {
    id,
    name,
    image: 'busybox',
    imageId: `sha256:${'b'.repeat(64)}`,
    config: { Image: 'busybox', Cmd: ['sh'], Labels: labels },
    hostConfig: { NetworkMode: 'default' },
    networkingConfig: null,
    path: 'sh',
    args: [],
    created: '2026-11-28T09:00:00.123456789Z',
    state: createdState(),
  };
}

describe('SqliteContainerStore', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-store-'));
    db = await Database.open(path.join(dir, 'berth.db'));
  });
  afterEach(async () => {
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('migrates idempotently and round-trips records in creation order', async () => {
    const s = await SqliteContainerStore.open(db);
    await SqliteContainerStore.open(db);
    const a = await s.insert(record('a'.repeat(64), '/one', { k: 'v' }));
    const b = await s.insert(record('c'.repeat(64), '/two'));
    expect(b.seq).toBeGreaterThan(a.seq);
    await s.updateState(a.id, { ...a.state, status: 'exited', exitCode: 3, finishedAt: '2026-11-28T09:00:01Z' });
    const all = await s.loadAll();
    expect(all.map((r) => r.name)).toEqual(['/one', '/two']);
    expect(all[0]).toMatchObject({ config: { Labels: { k: 'v' } }, state: { status: 'exited', exitCode: 3 } });
    expect(await db.all('SELECT key, value FROM container_labels')).toEqual([{ key: 'k', value: 'v' }]);
  });

  it('int64s beyond 2^53 (bigints) are stored and loaded exactly; fractions still read as numbers', async () => {
    const s = await SqliteContainerStore.open(db);
    const r = record('f'.repeat(64), '/big');
    r.hostConfig = { NetworkMode: 'none', Memory: 9223372036854775807n, MemorySwap: -2, Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 9007199254740993n }] };
    await s.insert(r);
    await s.updateHostConfig(r.id, { ...r.hostConfig, PidsLimit: -9223372036854775808n });
    expect(await db.get('SELECT host_config FROM containers WHERE id = ?', [r.id])).toEqual({
      host_config: '{"NetworkMode":"none","Memory":9223372036854775807,"MemorySwap":-2,"Ulimits":[{"Name":"nofile","Soft":1,"Hard":9007199254740993}],"PidsLimit":-9223372036854775808}',
    });
    const [back] = await s.loadAll();
    expect(back!.hostConfig).toEqual({ ...r.hostConfig, PidsLimit: -9223372036854775808n });
  });

  it('names are unique with docker message; delete removes row and labels in one go', async () => {
    const s = await SqliteContainerStore.open(db);
    const a = await s.insert(record('a'.repeat(64), '/one', { k: 'v' }));
    await expect(s.insert(record('d'.repeat(64), '/one'))).rejects.toThrow(`The container name "/one" is already in use by container "${a.id}"`);
    await s.insert(record('e'.repeat(64), '/other'));
    await expect(s.rename('e'.repeat(64), '/one')).rejects.toThrow('already in use');
    await s.delete(a.id);
    expect(await db.all('SELECT * FROM container_labels')).toEqual([]);
    await s.rename('e'.repeat(64), '/one');
    expect((await s.loadAll()).map((r) => r.name)).toEqual(['/one']);
  });

  it("stores a build's mark with the row (one insert) and clears it when the build ends, only that build's", async () => {
    const s = await SqliteContainerStore.open(db);
    await s.insert({ ...record('a'.repeat(64), '/step1'), build: 'b1' });
    await s.insert({ ...record('c'.repeat(64), '/step2'), build: 'b2' });
    await s.insert(record('d'.repeat(64), '/plain'));
    expect((await s.loadAll()).map((r) => [r.name, r.build])).toEqual([['/step1', 'b1'], ['/step2', 'b2'], ['/plain', undefined]]);
    await s.endBuild('b1');
    expect((await s.loadAll()).map((r) => [r.name, r.build])).toEqual([['/step1', undefined], ['/step2', 'b2'], ['/plain', undefined]]);
  });

  it('refuses ids that are not 64 characters', async () => {
    const s = await SqliteContainerStore.open(db);
    await expect(s.insert(record('short', '/x'))).rejects.toThrow();
    expect(await s.loadAll()).toEqual([]);
  });
});
