import { Transform, type TransformCallback } from 'node:stream';
import { gzip } from 'node:zlib';

/** Input per gzip member: large enough that the members' headers and lost history cost < 0.5 %. */
export const GZIP_MEMBER_BYTES = 4 * 1024 * 1024;

/**
 * gzip on several cores: the input is cut into GZIP_MEMBER_BYTES pieces, each compressed on
 * libuv's thread pool as one gzip member, the members written in order. Concatenated members
 * are one valid gzip stream (RFC 1952 §2.2; Go's gzip.Reader, which docker, containerd and
 * skopeo pull with, reads them as one), and the output is the same for the same input and level,
 * so a layer compressed twice has one digest. `inFlight` members are compressed at once.
 */
export class ParallelGzip extends Transform {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private readonly queue: Promise<Buffer>[] = [];
  private submitted = false;

  constructor(
    private readonly level: number,
    private readonly inFlight = 4,
  ) {
    super({ highWaterMark: 1 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    void this.drainFull().then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    void (async () => {
      await this.drainFull();
      if (this.pendingLen > 0 || !this.submitted) this.submit(Buffer.concat(this.pending));
      this.pending = [];
      this.pendingLen = 0;
      while (this.queue.length) this.push(await this.queue.shift()!);
    })().then(() => cb(), cb);
  }

  private async drainFull(): Promise<void> {
    while (this.pendingLen >= GZIP_MEMBER_BYTES) {
      const all = Buffer.concat(this.pending);
      this.submit(all.subarray(0, GZIP_MEMBER_BYTES));
      const rest = all.subarray(GZIP_MEMBER_BYTES);
      this.pending = rest.length ? [rest] : [];
      this.pendingLen = rest.length;
      // the oldest member goes out once enough are under way
      while (this.queue.length >= this.inFlight) this.push(await this.queue.shift()!);
    }
  }

  private submit(piece: Buffer): void {
    this.submitted = true;
    const p = new Promise<Buffer>((resolve, reject) => gzip(piece, { level: this.level }, (err, out) => (err ? reject(err) : resolve(out))));
    p.catch(() => undefined); // awaited in order; an early failure must not be unhandled meanwhile
    this.queue.push(p);
  }
}
