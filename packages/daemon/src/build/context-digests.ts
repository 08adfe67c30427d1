import { createHash, type Hash } from 'node:crypto';
import * as path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';

/** sha256 and size of each regular file of a build context tar, by context-relative path. */
export type ContextDigests = Map<string, { size: number; sha256: string }>;

const BLOCK = 512;

/**
 * Hashes the regular files of a build context tar while it streams past on its way to the
 * extractor, so that COPY's cache key needs no second read of the files. Only a plain ustar /
 * PAX / GNU tar is understood; anything odd (gzip, a bad header) turns it off (`digests()` is
 * then undefined and the builder reads the files). Non-regular entries drop a path's digest;
 * the builder also checks each digest's size against the extracted file.
 */
export class ContextHasher extends Transform {
  private readonly files: ContextDigests = new Map();
  private broken = false;
  private buf = Buffer.alloc(0);
  /** Bytes of the current entry's data still to come, and the padding after them. */
  private remaining = 0;
  private padding = 0;
  private hash: Hash | undefined;
  private current: { name: string; size: number } | undefined;
  private capture: Buffer[] | undefined;
  private captureKind: 'pax' | 'gnu' | undefined;
  private nextName: string | undefined;
  private nextSize: number | undefined;
  private ended = false;

  /** The digests, or undefined when the stream was not a tar this class understands. */
  digests(): ContextDigests | undefined {
    return this.broken || !this.ended ? undefined : this.files;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.broken && !this.ended) {
      try {
        this.consume(chunk);
      } catch {
        this.broken = true;
      }
    }
    cb(null, chunk);
  }

  /**
   * A context that stops right after an entry's data, or at a header boundary, without the
   * padding or the end-of-archive blocks, is a whole archive to docker (Go's tar.Reader takes
   * that EOF for the end): the docker CLI sends such a tar when it appends an out-of-context
   * Dockerfile (`-f /elsewhere/Dockerfile`, `-f -`). The missing end is supplied here; a stream
   * cut inside a header or an entry's data stays truncated.
   */
  override _flush(cb: TransformCallback): void {
    if (!this.broken && !this.ended && this.remaining === 0 && this.buf.length === 0 && this.received > 0) {
      this.push(Buffer.alloc(this.padding + 2 * BLOCK));
      this.ended = true;
    }
    cb();
  }

  private received = 0;

  private consume(chunk: Buffer): void {
    this.received += chunk.length;
    let off = 0;
    while (off < chunk.length && !this.broken && !this.ended) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - off);
        const part = chunk.subarray(off, off + n);
        this.hash?.update(part);
        this.capture?.push(Buffer.from(part));
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) this.finishEntry();
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - off);
        this.padding -= n;
        off += n;
        continue;
      }
      const need = BLOCK - this.buf.length;
      const n = Math.min(need, chunk.length - off);
      this.buf = Buffer.concat([this.buf, chunk.subarray(off, off + n)]);
      off += n;
      if (this.buf.length === BLOCK) {
        const header = this.buf;
        this.buf = Buffer.alloc(0);
        this.header(header);
      }
    }
  }

  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.ended = true; // end-of-archive (the rest is padding)
      return;
    }
    if (this.files.size === 0 && h[0] === 0x1f && h[1] === 0x8b) throw new Error('gzip');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== octal(h.subarray(148, 156))) throw new Error('checksum');
    const type = String.fromCharCode(h[156]!);
    let size = sizeOf(h.subarray(124, 136));
    const prefix = h.toString('utf8', 345, 500).replace(/\0.*$/s, '');
    const base = h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    let name = prefix && h.toString('latin1', 257, 263) === 'ustar\0' ? `${prefix}/${base}` : base;
    if (type === 'x' || type === 'L') {
      this.captureKind = type === 'x' ? 'pax' : 'gnu';
      this.capture = [];
      this.hash = undefined;
      this.current = undefined;
      this.startData(size);
      return;
    }
    if (type === 'g' || type === 'K') {
      this.capture = undefined;
      this.hash = undefined;
      this.current = undefined;
      this.startData(size);
      return;
    }
    if (this.nextName !== undefined) name = this.nextName;
    if (this.nextSize !== undefined) size = this.nextSize;
    this.nextName = undefined;
    this.nextSize = undefined;
    const key = normalise(name);
    this.capture = undefined;
    if (type === '0' || type === '\0' || type === '7') {
      this.current = key ? { name: key, size } : undefined;
      this.hash = createHash('sha256');
      this.startData(size);
    } else {
      if (key) this.files.delete(key);
      const slash = key.lastIndexOf('/');
      const leaf = key.slice(slash + 1);
      if (leaf.startsWith('.wh.')) this.files.delete(`${key.slice(0, slash + 1)}${leaf.slice(4)}`);
      this.hash = undefined;
      this.current = undefined;
      this.startData(type === '1' || type === '2' || type === '5' ? 0 : size);
    }
  }

  private startData(size: number): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.finishEntry();
  }

  private finishEntry(): void {
    if (this.capture && this.captureKind) {
      const data = Buffer.concat(this.capture).toString('utf8');
      if (this.captureKind === 'gnu') this.nextName = data.replace(/\0.*$/s, '');
      else {
        for (const rec of parsePax(data)) {
          if (rec.key === 'path') this.nextName = rec.value;
          if (rec.key === 'size') this.nextSize = Number(rec.value);
        }
      }
      this.capture = undefined;
      this.captureKind = undefined;
      return;
    }
    if (this.current && this.hash) this.files.set(this.current.name, { size: this.current.size, sha256: this.hash.digest('hex') });
    this.current = undefined;
    this.hash = undefined;
  }
}

function normalise(name: string): string {
  const n = path.posix.normalize(`/${name}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return n === '.' ? '' : n;
}

function octal(b: Buffer): number {
  const s = b.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  if (!/^[0-7]*$/.test(s)) throw new Error('bad octal');
  return s === '' ? 0 : parseInt(s, 8);
}

function sizeOf(b: Buffer): number {
  if (b[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < b.length; i++) n = n * 256 + b[i]!;
    return n;
  }
  return octal(b);
}

function parsePax(data: string): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  const buf = Buffer.from(data, 'utf8');
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(buf.toString('latin1', off, sp));
    if (!Number.isInteger(len) || len <= 0) throw new Error('bad pax');
    const rec = buf.toString('utf8', sp + 1, off + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.push({ key: rec.slice(0, eq), value: rec.slice(eq + 1) });
    off += len;
  }
  return out;
}
