import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataLossError, NotFoundError } from '@berth/errdefs';
import { Digester, isDigest } from '@berth/oci';
import { RegistryLayout } from './layout';

export interface BlobInfo {
  digest: string;
  size: number;
}

/**
 * The content the registry serves, addressed by digest. Narrow on purpose: the daemon may
 * later hand the registry image-store's content store instead of FileBlobStore.
 */
export interface BlobStore {
  stat(digest: string): Promise<BlobInfo | undefined>;
  /** Bytes `start..end` (inclusive) or all of them. Throws NotFoundError. */
  read(digest: string, range?: { start: number; end: number }): Promise<Readable>;
  /**
   * Stores a stream. With `expected.digest`/`expected.size` the bytes are checked first and
   * nothing is kept on a mismatch (DataLossError).
   */
  write(content: Readable, expected?: { digest?: string; size?: number }, signal?: AbortSignal): Promise<BlobInfo>;
  delete(digest: string): Promise<void>;
  /** Every stored digest (for garbage collection). */
  list(): AsyncIterable<string>;
}

/**
 * Blobs as files at `<root>/blobs/sha256/<hex>`: written to a temp file, digest checked,
 * fsynced, then renamed, so a blob is either there whole and verified or not at all.
 */
export class FileBlobStore implements BlobStore {
  private readonly layout: RegistryLayout;

  constructor(root: string) {
    this.layout = new RegistryLayout(root);
  }

  async init(): Promise<void> {
    await mkdir(path.join(this.layout.blobsDir, 'sha256'), { recursive: true });
    await rm(this.layout.tmpDir, { recursive: true, force: true });
    await mkdir(this.layout.tmpDir, { recursive: true });
  }

  private file(digest: string): string {
    if (!isDigest(digest)) throw new NotFoundError(`blob "${digest}": invalid digest`);
    return this.layout.blob(digest);
  }

  async stat(digest: string): Promise<BlobInfo | undefined> {
    if (!isDigest(digest)) return undefined;
    try {
      const s = await stat(this.file(digest));
      return { digest, size: s.size };
    } catch {
      return undefined;
    }
  }

  async read(digest: string, range?: { start: number; end: number }): Promise<Readable> {
    const info = await this.stat(digest);
    if (!info) throw new NotFoundError(`blob ${digest}: not found`);
    // 1 MiB reads: far fewer chunks through the response than the 64 KiB default
    return createReadStream(this.file(digest), { highWaterMark: 1 << 20, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async write(content: Readable, expected: { digest?: string; size?: number } = {}, signal?: AbortSignal): Promise<BlobInfo> {
    const tmp = path.join(this.layout.tmpDir, randomUUID());
    const digester = new Digester();
    const limit = expected.size;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        digester.update(chunk);
        if (limit !== undefined && digester.size > limit) return cb(new DataLossError(`blob ${expected.digest ?? ''}: more than ${limit} bytes`));
        cb(null, chunk);
      },
    });
    try {
      await pipeline(content, hasher, createWriteStream(tmp, { flags: 'wx' }), signal ? { signal } : {});
      const digest = digester.digest();
      const size = digester.size;
      if (expected.size !== undefined && size !== expected.size) throw new DataLossError(`blob ${expected.digest ?? digest}: got ${size} bytes, expected ${expected.size}`);
      if (expected.digest !== undefined && digest !== expected.digest) throw new DataLossError(`blob ${expected.digest}: digest mismatch: content is ${digest}`);
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.layout.blob(digest));
      return { digest, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async delete(digest: string): Promise<void> {
    await rm(this.file(digest), { force: true });
  }

  async *list(): AsyncIterable<string> {
    const dir = path.join(this.layout.blobsDir, 'sha256');
    for (const name of await readdir(dir)) {
      const d = `sha256:${name}`;
      if (isDigest(d)) yield d;
    }
  }
}
