import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { blobStoreSuite } from './__fixtures__/blob-store-suite';
import { FileBlobStore } from './blob-store';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh(): Promise<FileBlobStore> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-blobstore-'));
  dirs.push(dir);
  const s = new FileBlobStore(dir);
  await s.init();
  return s;
}

describe('FileBlobStore', () => {
  blobStoreSuite(fresh);

  it('leaves no temp files behind after a failed write', async () => {
    const s = await fresh();
    await expect(s.write(Readable.from([Buffer.from('x')]), { digest: `sha256:${'0'.repeat(64)}` })).rejects.toMatchObject({ code: 'DATA_LOSS' });
    expect(await readdir(path.join(dirs[dirs.length - 1]!, 'tmp'))).toEqual([]);
  });
});
