import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataLossError, InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { Digester, digestHex, isDigest, type Digest } from '@berth/oci';
import type { ContentInfo, ContentStore, ExpectedContent, ReadOptions } from './content-store';

export interface LocalContentStoreConfig {
  /** Blobs live at `<dir>/sha256/<hex>`. */
  dir: string;
  /** Temp files of writes in progress; must be on the same filesystem as `dir`. */
  tmpDir: string;
}

const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;

/** A blob written to a temp file and hashed, not yet visible in the store. */
export interface PendingBlob {
  readonly digest: Digest;
  readonly size: number;
  /** Verifies `expected`, fsyncs and renames into place (DataLossError + cleanup on mismatch). */
  commit(expected?: ExpectedContent): Promise<ContentInfo>;
  discard(): Promise<void>;
}

const SYNC_EVERY = 16 * 1024 * 1024;

/**
 * A pass-through that writes every chunk to a file (one pass, with backpressure), hashing it
 * unless told not to (when someone downstream hashes the same bytes). Every 16 MiB it starts
 * an fdatasync in the background so that the final `sync()` has little left to flush.
 */
export class SpoolTransform extends Transform {
  readonly digester = new Digester();
  private bytes = 0;
  private unsynced = 0;
  private syncing: Promise<void> | undefined;
  constructor(
    private readonly fh: fs.FileHandle,
    private readonly hash = true,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }
  get size(): number {
    return this.bytes;
  }
  /** The first bytes that went through (up to 8). */
  head: Buffer = Buffer.alloc(0);
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.hash) this.digester.update(chunk);
    if (this.head.length < 8) this.head = Buffer.concat([this.head, chunk.subarray(0, 8 - this.head.length)]);
    this.bytes += chunk.length;
    this.unsynced += chunk.length;
    this.fh.write(chunk).then(
      () => {
        if (this.unsynced >= SYNC_EVERY && this.syncing === undefined) {
          this.unsynced = 0;
          this.syncing = this.fh.datasync().then(
            () => {
              this.syncing = undefined;
            },
            () => {
              this.syncing = undefined;
            },
          );
        }
        cb(null, chunk);
      },
      (e: unknown) => cb(e as Error),
    );
  }
  /** Waits for background syncs, then fsyncs the file. */
  async sync(): Promise<void> {
    if (this.syncing) await this.syncing;
    await this.fh.sync();
  }
}

/** Content store on the local filesystem: `<dir>/sha256/<hex>`. */
export class LocalContentStore implements ContentStore {
  private readonly blobsDir: string;

  constructor(private readonly config: LocalContentStoreConfig) {
    this.blobsDir = path.join(config.dir, 'sha256');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.blobsDir, { recursive: true });
    await fs.mkdir(this.config.tmpDir, { recursive: true });
  }

  blobPath(digest: Digest): string {
    if (!isDigest(digest) || !digest.startsWith('sha256:')) throw new InvalidArgumentError(`digest "${digest}": invalid format`);
    return path.join(this.blobsDir, digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await fs.access(this.blobPath(digest));
      return true;
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw e;
      return false;
    }
  }

  async info(digest: Digest): Promise<ContentInfo> {
    try {
      const st = await fs.stat(this.blobPath(digest));
      return { digest, size: st.size, createdAt: st.mtime };
    } catch (e) {
      throw notFound(digest, e);
    }
  }

  async readStream(digest: Digest, opts?: ReadOptions): Promise<Readable> {
    const p = this.blobPath(digest);
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(p, 'r');
    } catch (e) {
      throw notFound(digest, e);
    }
    return fh.createReadStream({ highWaterMark: 1024 * 1024, signal: opts?.signal } as Parameters<fs.FileHandle['createReadStream']>[0]);
  }

  async readBuffer(digest: Digest, opts?: ReadOptions & { maxSize?: number }): Promise<Buffer> {
    const info = await this.info(digest);
    const max = opts?.maxSize ?? DEFAULT_MAX_BUFFER;
    if (info.size > max) throw new InvalidArgumentError(`blob ${digest}: ${info.size} bytes, more than ${max}`);
    try {
      return await fs.readFile(this.blobPath(digest), { signal: opts?.signal });
    } catch (e) {
      throw notFound(digest, e);
    }
  }

  async write(input: Readable | Buffer, expected?: ExpectedContent, opts?: { signal?: AbortSignal }): Promise<ContentInfo> {
    const pending = await this.begin(input, opts);
    return pending.commit(expected);
  }

  /**
   * Reads `input` into a temp file, hashing it; nothing is visible until `commit`.
   * Used by `write` and by callers that learn the expected digest only later.
   */
  async begin(input: Readable | Buffer, opts?: { signal?: AbortSignal }): Promise<PendingBlob> {
    const { fh, tmp } = await this.tempFile();
    const spool = new SpoolTransform(fh);
    try {
      const src = Buffer.isBuffer(input) ? Readable.from([input]) : input;
      await pipeline(src, spool, devNull(), { signal: opts?.signal });
      await spool.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    return this.pending(tmp, spool.digester.digest(), spool.digester.size, true);
  }

  /** A temp file in the store's tmp dir (for callers that spool a blob themselves). */
  async tempFile(): Promise<{ fh: fs.FileHandle; tmp: string }> {
    const tmp = path.join(this.config.tmpDir, `blob-${randomBytes(8).toString('hex')}`);
    const fh = await fs.open(tmp, 'wx', 0o644);
    return { fh, tmp };
  }

  /** Wraps an already written and synced temp file as a pending blob. */
  pending(tmp: string, digest: Digest, size: number, synced: boolean): PendingBlob {
    let done = false;
    const discard = async (): Promise<void> => {
      done = true;
      await fs.rm(tmp, { force: true });
    };
    return {
      digest,
      size,
      discard,
      commit: async (expected?: ExpectedContent): Promise<ContentInfo> => {
        if (done) throw new DataLossError(`blob ${digest}: already committed or discarded`);
        if (expected?.digest !== undefined && expected.digest !== digest) {
          await discard();
          throw new DataLossError(`blob ${expected.digest}: digest mismatch, got ${digest}`);
        }
        if (expected?.size !== undefined && expected.size !== size) {
          await discard();
          throw new DataLossError(`blob ${digest}: size mismatch, expected ${expected.size} bytes, got ${size}`);
        }
        done = true;
        const dest = this.blobPath(digest);
        if (!synced) {
          const fh = await fs.open(tmp, 'r+');
          try {
            await fh.sync();
          } finally {
            await fh.close();
          }
        }
        try {
          await fs.rename(tmp, dest);
        } catch (e) {
          await fs.rm(tmp, { force: true });
          throw e;
        }
        await syncDir(this.blobsDir);
        const st = await fs.stat(dest);
        return { digest, size, createdAt: st.mtime };
      },
    };
  }

  async delete(digest: Digest): Promise<void> {
    try {
      await fs.unlink(this.blobPath(digest));
    } catch (e) {
      throw notFound(digest, e);
    }
  }

  async list(): Promise<ContentInfo[]> {
    const names = await fs.readdir(this.blobsDir);
    const out: ContentInfo[] = [];
    for (const n of names) {
      if (!/^[a-f0-9]{64}$/.test(n)) continue;
      try {
        const st = await fs.stat(path.join(this.blobsDir, n));
        out.push({ digest: `sha256:${n}`, size: st.size, createdAt: st.mtime });
      } catch {
        // removed meanwhile
      }
    }
    return out;
  }
}

function notFound(digest: string, e: unknown): Error {
  if (e instanceof InvalidArgumentError) return e;
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new NotFoundError(`blob ${digest}: not found`, { cause: e });
  return e as Error;
}

/** A writable sink that drops everything (the end of a hashing pipeline). */
export function devNull(): Writable {
  return new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // some filesystems refuse fsync on directories
  } finally {
    await fh.close();
  }
}

