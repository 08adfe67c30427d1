import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { sha256Digest } from '@berth/oci';
import { LocalContentStore } from './local-content-store';

describe('LocalContentStore', () => {
  let dir: string;
  let store: LocalContentStore;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-content-'));
    store = new LocalContentStore({ dir: path.join(dir, 'content'), tmpDir: path.join(dir, 'tmp') });
    await store.init();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const tmpFiles = (): Promise<string[]> => fs.readdir(path.join(dir, 'tmp'));

  it('writes, verifies, reads, lists and deletes blobs', async () => {
    const data = Buffer.from('hello blob');
    const d = sha256Digest(data);
    const info = await store.write(Readable.from([data.subarray(0, 3), data.subarray(3)]), { digest: d, size: data.length });
    expect(info).toMatchObject({ digest: d, size: data.length });
    expect(await store.has(d)).toBe(true);
    expect((await store.readBuffer(d)).equals(data)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const c of await store.readStream(d)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(await fs.readFile(path.join(dir, 'content/sha256', d.slice(7)))).toEqual(data);
    expect((await store.list()).map((i) => i.digest)).toEqual([d]);
    // writing it again is fine
    await store.write(data);
    await store.delete(d);
    expect(await store.has(d)).toBe(false);
    await expect(store.info(d)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.delete(d)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await tmpFiles()).toEqual([]);
  });

  it('a digest or size mismatch is DataLossError and leaves nothing', async () => {
    const data = Buffer.from('some content');
    const wrong = sha256Digest('other');
    await expect(store.write(data, { digest: wrong })).rejects.toMatchObject({ code: 'DATA_LOSS' });
    await expect(store.write(data, { size: 3 })).rejects.toMatchObject({ code: 'DATA_LOSS' });
    expect(await store.has(wrong)).toBe(false);
    expect(await store.has(sha256Digest(data))).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(await tmpFiles()).toEqual([]);
  });

  it('a failing input stream leaves nothing (atomic)', async () => {
    const src = new Readable({
      read() {
        this.push(Buffer.alloc(1024, 1));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(store.write(src)).rejects.toThrow('connection reset');
    expect(await store.list()).toEqual([]);
    expect(await tmpFiles()).toEqual([]);
  });

  it('an aborted write leaves nothing', async () => {
    const ac = new AbortController();
    const src = new Readable({ read() {} });
    src.push(Buffer.alloc(10));
    const p = store.write(src, undefined, { signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    await expect(p).rejects.toThrow();
    expect(await tmpFiles()).toEqual([]);
  });

  it('refuses malformed digests', async () => {
    await expect(store.has('sha256:../../etc/passwd' as `${string}:${string}`)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => store.blobPath('md5:abc' as `${string}:${string}`)).toThrow();
  });

  it('readBuffer refuses blobs above maxSize', async () => {
    const info = await store.write(Buffer.alloc(100));
    await expect(store.readBuffer(info.digest, { maxSize: 10 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
