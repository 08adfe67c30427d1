import { BerthError, CancelledError, DataLossError } from '@berth/errdefs';
import * as tar from 'tar-stream';
import { findRawPax, toTarEntry, type ExtractedHeader, type TarSink } from './tar-entry';

const BLOCK = 512;

function padded(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? size : size + BLOCK - r;
}

/** The entry stream tar-stream hands over (a streamx Readable). */
interface EntryStream {
  on(event: string, fn: (chunk: Buffer) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** An error raised by the sink (LayerWriter), passed on as it is; anything else came from tar-stream. */
class SinkError {
  constructor(readonly err: unknown) {}
}

function ignore(): void {}

/**
 * An entry with at most this many data bytes is handed to the sink from the bytes the feed keeps
 * (at once, or from push() once they are there), and its entry stream is not read: tar-stream
 * pushes the data into that stream without waiting for a reader while it holds less than the
 * stream's high-water mark (streamx's default, 16 KiB; well under it here), then goes on to the
 * next header once told to (`next`). Reading each small entry through its stream's events cost
 * more than parsing it (20,000 small files: several microtasks and events each).
 */
const DIRECT_MAX = 8 * 1024;

/**
 * Feeds a tar stream, chunk by chunk, through tar-stream's `extract()` into a TarSink, in one
 * pass (the caller hashes each chunk before it pushes it). Each entry is read to its end before
 * the extractor is told to go on.
 *
 * What tar-stream does not do, and this class adds:
 * - It stops at the end-of-archive block: tar-stream reads on past zero blocks (and would
 *   choke on the record padding or trailing bytes Docker tolerates), so the block where the
 *   next header is due is looked at before it reaches the extractor; bytes from there on are
 *   not fed (`endOffset`).
 * - tar-stream decodes PAX values as UTF-8: for a value that is not (binary xattrs such as
 *   `security.capability`, names in other encodings) the raw record bytes are read back from
 *   the extended headers, which are kept until their entry has been handed over.
 * - A stream that ends inside an entry, its padding or an extended header, and any parse
 *   error, becomes DataLossError; an 'error' listener is always attached (a corrupt stream
 *   never throws an unhandled 'error').
 */
export class TarExtractFeed {
  private readonly ex: tar.Extract;
  private failure: unknown;
  /** Bytes pushed so far. */
  private received = 0;
  /** Pushed bytes from `keptStart` on (extended headers and headers still needed). */
  private kept: Buffer[] = [];
  private keptStart = 0;
  private keepFrom = 0;
  /** Offset where the header after the last finished entry starts. */
  private nextHeaderAt = 0;
  /** Offset of a block still to be checked for end of archive, or -1. */
  private checkAt = 0;
  private wake: (() => void) | undefined;
  private onFail: ((err: unknown) => void) | undefined;
  /** The sink's entry() or entryEnd() still settling (its data held until then). */
  private pending: Promise<void> | undefined;
  /** The sink's data() still settling. */
  private dataWait: Promise<void> | undefined;
  /** Stream offset just past the end-of-archive block, once it has been read; -1 before. */
  endOffset = -1;
  // The entry being handed over (tar-stream emits the next one only after `next` is called):
  // where its extended headers and header start, where it ends (padding included), its stream
  // and data chunks waiting for the sink, and whether they go to the sink at all (size > 0).
  private metaStart = 0;
  private headerAt = 0;
  private region: Buffer | undefined;
  private entryEnd = 0;
  private stream: EntryStream | undefined;
  private next: ((err?: Error | null) => void) | undefined;
  private forward = false;
  private readonly queue: Buffer[] = [];
  private waiting = false;
  private streamEnded = false;
  /**
   * An entry handed over directly (DIRECT_MAX) whose data is still to go to the sink: where it
   * starts and ends in the stream (directEnd -1: none), and whether it waits for push() to bring
   * the rest of it. `inEmit`: onEntry runs (inside tar-stream's emit).
   */
  private directFrom = 0;
  private directEnd = -1;
  private directWait = false;
  private inEmit = false;

  constructor(private readonly sink: TarSink) {
    // tar-stream's typings omit these extract options: latin1 keeps names byte for byte
    // (binary strings, see layer-path.ts); old v7 headers are accepted, as Go does.
    const opts = { filenameEncoding: 'latin1', allowUnknownFormat: true, highWaterMark: 1024 * 1024 };
    this.ex = tar.extract(opts as Parameters<typeof tar.extract>[0]);
    this.ex.on('entry', (h, stream, next) => this.onEntry(h as unknown as ExtractedHeader, stream as unknown as EntryStream, next));
    this.ex.on('error', (err: unknown) => this.fail(err));
  }

  get ended(): boolean {
    return this.endOffset >= 0;
  }

  /**
   * Feeds a chunk; a promise when the extractor is full (take the next chunk once it settles),
   * nothing when it can take more at once. Throws (or rejects) with the feed's failure.
   */
  push(chunk: Buffer): void | Promise<void> {
    this.throwIfFailed();
    if (this.ended) return;
    this.kept.push(chunk);
    this.received += chunk.length;
    if (this.directWait && this.received >= this.directEnd) {
      this.directWait = false;
      this.giveDirect();
      this.throwIfFailed();
    }
    this.trim();
    if (this.checkEnd()) return;
    if (this.ex.write(chunk)) {
      this.throwIfFailed();
      return;
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.ex.off('drain', done);
        this.ex.off('close', done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      this.ex.on('drain', done);
      this.ex.on('close', done);
    }).then(() => this.throwIfFailed());
  }

  /** The input is over: anything but a header boundary (or the end-of-archive block) means truncation. */
  async end(): Promise<void> {
    this.throwIfFailed();
    await this.pending;
    this.throwIfFailed();
    if (!this.ended) {
      // entries still held by the sink may reach the end-of-archive block only now (checkEnd wakes this)
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.wake = undefined;
          resolve();
        };
        this.wake = done;
        this.ex.once('finish', done);
        this.ex.once('close', done);
        (this.ex as unknown as { end(): void }).end();
      });
      this.throwIfFailed();
      // bytes past the last entry that made no entry: extended headers with nothing after them
      if (!this.ended && this.received !== this.nextHeaderAt) throw new DataLossError('layer: truncated tar stream');
    }
    this.ex.destroy();
  }

  /** Gives up: the extractor destroyed, the sink told to stop (cancel) where a call of it still waits. */
  destroy(): void {
    this.failure ??= new CancelledError('tar: read given up'); // nothing goes on from a call that settles later
    this.ex.destroy();
    this.sink.cancel?.();
  }

  /**
   * Once the sink's calls in flight have settled (however): wait for it before leaving a failed
   * read, so the caller's clean-up of the sink never runs beside a call of it.
   */
  async settled(): Promise<void> {
    while (this.pending !== undefined || this.dataWait !== undefined) {
      await Promise.allSettled([this.pending, this.dataWait]);
    }
  }

  private onEntry(h: ExtractedHeader, stream: EntryStream, next: (err?: Error | null) => void): void {
    this.inEmit = true;
    try {
      this.metaStart = this.nextHeaderAt;
      this.headerAt = h.byteOffset - BLOCK;
      this.region = undefined;
      const dataLen = h.type === 'directory' ? 0 : h.size; // tar-stream skips no data for directories
      this.entryEnd = h.byteOffset + padded(dataLen);
      const rawType = h.type === null || h.type === undefined ? String.fromCharCode(this.slice(this.headerAt + 156, this.headerAt + 157)[0] ?? 0) : '';
      const e = toTarEntry(h, rawType, this.rawPax);
      this.keepFrom = this.entryEnd;
      this.stream = stream;
      this.next = next;
      this.forward = e.size > 0;
      this.waiting = false;
      this.streamEnded = false;
      stream.on('error', ignore); // the extractor reports it (and is destroyed with it)
      const direct = dataLen <= DIRECT_MAX;
      if (direct && this.forward) {
        this.directFrom = h.byteOffset;
        this.directEnd = h.byteOffset + e.size;
        this.keepFrom = h.byteOffset; // (its data is read from what is kept)
      }
      let r: void | Promise<void>;
      try {
        r = this.sink.entry(e);
      } catch (err) {
        this.fail(new SinkError(err));
        return;
      }
      this.afterSink(r ?? undefined, direct ? this.giveDirect : this.consume);
    } catch (err) {
      this.fail(err);
    } finally {
      this.inEmit = false;
    }
  }

  /** An entry handed over directly (DIRECT_MAX): its data from the kept bytes (once they are all there: push() calls this again), then its end. */
  private readonly giveDirect = (): void => {
    this.streamEnded = true; // (nothing comes from its stream)
    if (this.directEnd >= 0) {
      if (this.received < this.directEnd) {
        this.directWait = true;
        return;
      }
      const d = this.slice(this.directFrom, this.directEnd);
      this.directEnd = -1;
      this.keepFrom = this.entryEnd;
      if (!this.give(d)) return; // its end once the sink's data() settles (onDataWritten)
    }
    this.pump();
  };

  /** The raw bytes of a PAX record of the entry being handed over (see findRawPax), from the extended headers kept in front of it. */
  private readonly rawPax = (k: string): Buffer | undefined => findRawPax((this.region ??= this.slice(this.metaStart, this.headerAt)), k);

  /**
   * The entry stream flows (and tar-stream goes on) only once 'data' is listened to. Chunks wait
   * in `queue` while the sink's last data() is pending (pausing the entry stream stops tar-stream
   * taking input, but chunks it already has may still be emitted).
   */
  private readonly consume = (): void => {
    const stream = this.stream!;
    stream.on('data', this.onData);
    stream.on('end', this.onStreamEnd);
  };

  private readonly onData = (c: Buffer): void => {
    if (!this.forward || this.failure !== undefined) return;
    if (this.waiting || this.queue.length > 0) this.queue.push(c);
    else this.give(c);
  };

  /** Hands a chunk to the sink; false when the sink makes the next one wait (or failed). */
  private give(c: Buffer): boolean {
    let wait: void | Promise<void>;
    try {
      wait = this.sink.data(c);
    } catch (err) {
      this.fail(new SinkError(err));
      return false;
    }
    if (wait === undefined || wait === null) return true;
    this.waiting = true;
    if (!this.streamEnded) this.stream!.pause();
    const w: Promise<void> = wait.then(this.onDataWritten, this.onSinkRejected).finally(() => {
      if (this.dataWait === w) this.dataWait = undefined;
    });
    this.dataWait = w;
    return false;
  }

  private readonly onStreamEnd = (): void => {
    if (this.failure !== undefined) return;
    this.streamEnded = true;
    this.pump();
  };

  private pump(): void {
    const queue = this.queue;
    while (queue.length > 0 && !this.waiting && this.failure === undefined) {
      if (!this.give(queue.shift()!)) break;
    }
    if (this.streamEnded && !this.waiting && queue.length === 0 && this.failure === undefined) {
      this.streamEnded = false;
      let r: void | Promise<void>;
      try {
        r = this.sink.entryEnd();
      } catch (err) {
        this.fail(new SinkError(err));
        return;
      }
      this.afterSink(r ?? undefined, this.afterEntry);
    }
  }

  private readonly onDataWritten = (): void => {
    this.waiting = false;
    if (this.failure !== undefined) return;
    if (!this.streamEnded) this.stream!.resume(); // (an entry handed over directly: its stream is never read)
    this.pump();
  };

  private readonly onSinkRejected = (err: unknown): void => this.fail(new SinkError(err));

  /**
   * The entry is handed over: on to the next header, unless this is the end-of-archive block. Not
   * from inside tar-stream's emit of the entry (an entry handed over directly): `next` would parse
   * the next header there, and so on, one stack frame deeper per entry; a microtask instead.
   */
  private readonly afterEntry = (): void => {
    if (this.inEmit) {
      queueMicrotask(this.afterEntry);
      return;
    }
    if (this.failure !== undefined) return;
    this.nextHeaderAt = this.entryEnd;
    this.checkAt = this.entryEnd;
    this.stream = undefined;
    if (!this.checkEnd()) this.next!();
  };

  /**
   * Goes on with `then` once the sink's call has settled: at once when it returned nothing, else
   * when its promise resolves (held as `pending` meanwhile; a rejection fails the feed). Nothing
   * goes on after a failure (the extractor is destroyed with it).
   */
  private afterSink(result: Promise<void> | undefined, then: () => void): void {
    if (this.failure !== undefined) return;
    if (result === undefined) {
      then();
      return;
    }
    this.pending = result.then(
      () => {
        this.pending = undefined;
        if (this.failure === undefined) then();
      },
      (err: unknown) => {
        this.pending = undefined;
        this.fail(new SinkError(err));
      },
    );
  }

  /** If the block where a header is due has arrived: is it the end-of-archive block? */
  private checkEnd(): boolean {
    if (this.checkAt < 0 || this.received < this.checkAt + BLOCK) return false;
    const at = this.checkAt;
    this.checkAt = -1;
    // all zero? (looked at where it is kept: this runs once per entry)
    const kept = this.kept;
    let off = this.keptStart;
    for (let j = 0; j < kept.length && off < at + BLOCK; j++) {
      const c = kept[j]!;
      const end = Math.min(at + BLOCK, off + c.length);
      for (let i = Math.max(at, off); i < end; i++) if (c[i - off] !== 0) return false;
      off += c.length;
    }
    this.endOffset = at + BLOCK;
    this.kept = [];
    this.wake?.();
    return true;
  }

  /** Pushed bytes [from, to), from what is kept. */
  private slice(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    let off = this.keptStart;
    for (const c of this.kept) {
      const s = Math.max(from, off);
      const e = Math.min(to, off + c.length);
      if (s < e) parts.push(c.subarray(s - off, e - off));
      off += c.length;
      if (off >= to) break;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private trim(): void {
    const from = this.checkAt >= 0 ? Math.min(this.keepFrom, this.checkAt) : this.keepFrom;
    while (this.kept.length > 1 && this.keptStart + this.kept[0]!.length <= from) {
      this.keptStart += this.kept.shift()!.length;
    }
  }

  /**
   * `fn` is told (once) when the feed fails, with the error push() or end() would throw: a sink's
   * refusal made while tar-stream works through input it already took comes after push() has
   * returned, and a client that sends nothing more would otherwise never hear of it.
   */
  whenFailed(fn: (err: unknown) => void): void {
    this.onFail = fn;
    if (this.failure !== undefined) this.tellFailure();
  }

  private fail(err: unknown): void {
    if (this.failure === undefined) this.failure = err;
    this.wake?.();
    this.ex.destroy();
    this.tellFailure();
  }

  private tellFailure(): void {
    const fn = this.onFail;
    if (fn === undefined) return;
    this.onFail = undefined;
    try {
      this.throwIfFailed();
    } catch (err) {
      fn(err);
    }
  }

  private throwIfFailed(): void {
    const f = this.failure;
    if (f === undefined) return;
    if (f instanceof SinkError) throw f.err;
    if (f instanceof BerthError) throw f;
    const msg = (f as Error)?.message ?? String(f);
    if (msg === 'Unexpected end of data') throw new DataLossError('layer: truncated tar stream', { cause: f });
    throw new DataLossError(`layer: corrupt tar stream: ${msg}`, { cause: f });
  }
}
