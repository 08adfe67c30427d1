import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '@berth/errdefs';
import { type Descriptor, digestHex } from '@berth/oci';
import type { BlobSink, BlobSource } from '@berth/registry-client';

/** What the daemon's content store will be to the client, in a temp dir: temp file, then rename. */
export class DirBlobSink implements BlobSink, BlobSource {
  constructor(readonly dir: string) {}

  async init(): Promise<this> {
    await mkdir(path.join(this.dir, 'tmp'), { recursive: true });
    return this;
  }

  private file(digest: string): string {
    return path.join(this.dir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.file(digest)).then(
      () => true,
      () => false,
    );
  }

  async ingest(desc: Descriptor, content: Readable): Promise<void> {
    const tmp = path.join(this.dir, 'tmp', randomUUID());
    try {
      await pipeline(content, createWriteStream(tmp));
      await rename(tmp, this.file(desc.digest));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async open(desc: Descriptor): Promise<Readable> {
    if (!(await this.has(desc.digest))) throw new NotFoundError(`blob ${desc.digest}: not found`);
    return createReadStream(this.file(desc.digest));
  }

  async put(digest: string, bytes: Buffer): Promise<void> {
    await writeFile(this.file(digest), bytes);
  }

  read(digest: string): Promise<Buffer> {
    return readFile(this.file(digest));
  }

  /** Stored blobs (digests' hex) and leftover temp files. */
  async contents(): Promise<{ blobs: string[]; temps: string[] }> {
    const blobs = (await readdir(this.dir)).filter((n) => n !== 'tmp');
    const temps = await readdir(path.join(this.dir, 'tmp'));
    return { blobs, temps };
  }
}

/** A BlobSource over blobs in memory. */
export function mapSource(blobs: Map<string, Buffer>): BlobSource {
  return {
    async open(desc) {
      const b = blobs.get(desc.digest);
      if (!b) throw new NotFoundError(`blob ${desc.digest}: not found`);
      return Readable.from([b]);
    },
  };
}
