import { Readable } from 'node:stream';
import { expect, it } from '@jest/globals';
import { sha256Digest } from '@berth/oci';
import type { BlobStore } from '../blob-store';

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * What any BlobStore the registry is given must do (the built-in FileBlobStore, or an
 * adapter over image-store's content store). `make` returns a fresh, empty store.
 */
export function blobStoreSuite(make: () => Promise<BlobStore>): void {
  it('writes, stats, reads whole and by range, lists and deletes', async () => {
    const s = await make();
    const data = Buffer.from('hello blob store');
    const info = await s.write(Readable.from([data]), { digest: sha256Digest(data), size: data.length });
    expect(info).toEqual({ digest: sha256Digest(data), size: data.length });
    expect(await s.stat(info.digest)).toMatchObject({ digest: info.digest, size: data.length });
    expect(await readAll(await s.read(info.digest))).toEqual(data);
    expect((await readAll(await s.read(info.digest, { start: 6, end: 9 }))).toString()).toBe('blob');
    const listed: string[] = [];
    for await (const d of s.list()) listed.push(d);
    expect(listed).toEqual([info.digest]);
    await s.delete(info.digest);
    expect(await s.stat(info.digest)).toBeUndefined();
    await expect(s.read(info.digest)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('computes the digest when none is expected, and writing twice is harmless', async () => {
    const s = await make();
    const a = await s.write(Readable.from([Buffer.from('same')]));
    const b = await s.write(Readable.from([Buffer.from('same')]));
    expect(a).toEqual(b);
    expect(a.digest).toBe(sha256Digest('same'));
  });

  it('keeps nothing on a digest or size mismatch, or a broken stream', async () => {
    const s = await make();
    const data = Buffer.from('the real bytes');
    await expect(s.write(Readable.from([data]), { digest: sha256Digest('other bytes') })).rejects.toMatchObject({ code: 'DATA_LOSS' });
    await expect(s.write(Readable.from([data]), { digest: sha256Digest(data), size: data.length - 1 })).rejects.toMatchObject({ code: 'DATA_LOSS' });
    await expect(s.write(Readable.from([data]), { digest: sha256Digest(data), size: data.length + 1 })).rejects.toMatchObject({ code: 'DATA_LOSS' });
    const broken = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('connection lost'));
      },
    });
    await expect(s.write(broken, { digest: sha256Digest(data) })).rejects.toThrow();
    expect(await s.stat(sha256Digest(data))).toBeUndefined();
    const listed: string[] = [];
    for await (const d of s.list()) listed.push(d);
    expect(listed).toEqual([]);
  });

  it('answers undefined for digests it cannot hold', async () => {
    const s = await make();
    expect(await s.stat('sha256:../../etc/passwd')).toBeUndefined();
    expect(await s.stat('nonsense')).toBeUndefined();
  });
}
