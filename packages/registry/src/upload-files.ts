import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryLayout } from './layout';

/** The bytes of upload sessions in progress, one file each at `<root>/uploads/<uuid>`. */
export class UploadFiles {
  private readonly layout: RegistryLayout;

  constructor(root: string) {
    this.layout = new RegistryLayout(root);
  }

  async init(): Promise<void> {
    await mkdir(this.layout.uploadsDir, { recursive: true });
  }

  async create(uuid: string): Promise<void> {
    await writeFile(this.layout.upload(uuid), Buffer.alloc(0), { flag: 'wx' });
  }

  async size(uuid: string): Promise<number> {
    return (await stat(this.layout.upload(uuid))).size;
  }

  /** Appends a stream; returns the new size. */
  async append(uuid: string, body: Readable, signal?: AbortSignal): Promise<number> {
    await pipeline(body, createWriteStream(this.layout.upload(uuid), { flags: 'a' }), signal ? { signal } : {});
    return this.size(uuid);
  }

  open(uuid: string): Readable {
    return createReadStream(this.layout.upload(uuid));
  }

  async remove(uuid: string): Promise<void> {
    await rm(this.layout.upload(uuid), { force: true });
  }

  /** Session ids that have a file. */
  async list(): Promise<string[]> {
    return readdir(this.layout.uploadsDir);
  }
}
