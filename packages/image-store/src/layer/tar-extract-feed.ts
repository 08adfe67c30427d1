import { BerthError, DataLossError } from '@berth/errdefs';
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
  /** The sink's entry() still settling (its data held until then). */
  private pending: Promise<void> | undefined;
  /** Stream offset just past the end-of-archive block, once it has been read; -1 before. */
  endOffset = -1;

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

  destroy(): void {
    this.ex.destroy();
  }

  private onEntry(h: ExtractedHeader, stream: EntryStream, next: (err?: Error | null) => void): void {
    try {
      const metaStart = this.nextHeaderAt;
      const headerAt = h.byteOffset - BLOCK;
      const dataLen = h.type === 'directory' ? 0 : h.size; // tar-stream skips no data for directories
      const entryEnd = h.byteOffset + padded(dataLen);
      let region: Buffer | undefined;
      const rawType = h.type === null || h.type === undefined ? String.fromCharCode(this.slice(headerAt + 156, headerAt + 157)[0] ?? 0) : '';
      const e = toTarEntry(h, rawType, (k) => findRawPax((region ??= this.slice(metaStart, headerAt)), k));
      this.keepFrom = entryEnd;
      stream.on('error', () => {}); // the extractor reports it (and is destroyed with it)
      const forward = e.size > 0;
      const consume = (): void => {
        // the entry stream flows (and tar-stream goes on) only once 'data' is listened to
        // chunks wait in `queue` while the sink's last data() is pending (pausing the entry stream
        // stops tar-stream taking input, but chunks it already has may still be emitted)
        const queue: Buffer[] = [];
        let waiting = false;
        let ended = false;
        const pump = (): void => {
          while (queue.length > 0 && !waiting && this.failure === undefined) {
            const c = queue.shift()!;
            const wait = this.call(() => this.sink.data(c));
            if (wait === undefined) continue;
            waiting = true;
            stream.pause();
            wait.then(
              () => {
                waiting = false;
                if (this.failure !== undefined) return;
                stream.resume();
                pump();
              },
              (err: unknown) => this.fail(new SinkError(err)),
            );
          }
          if (ended && !waiting && queue.length === 0 && this.failure === undefined) {
            ended = false;
            finish();
          }
        };
        const finish = (): void => {
          const after = (): void => {
            this.nextHeaderAt = entryEnd;
            this.checkAt = entryEnd;
            if (!this.checkEnd()) next();
          };
          this.afterSink(this.call(() => this.sink.entryEnd()), after);
        };
        stream.on('data', (c: Buffer) => {
          if (!forward || this.failure !== undefined) return;
          queue.push(c);
          pump();
        });
        stream.on('end', () => {
          if (this.failure !== undefined) return;
          ended = true;
          pump();
        });
      };
      this.afterSink(this.call(() => this.sink.entry(e)), consume);
    } catch (err) {
      this.fail(err);
    }
  }

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

  /** Calls the sink; a promise it returns is handed back (a throw fails the feed). */
  private call(fn: () => void | Promise<void>): Promise<void> | undefined {
    try {
      return fn() ?? undefined;
    } catch (err) {
      this.fail(new SinkError(err));
      return undefined;
    }
  }

  /** If the block where a header is due has arrived: is it the end-of-archive block? */
  private checkEnd(): boolean {
    if (this.checkAt < 0 || this.received < this.checkAt + BLOCK) return false;
    const at = this.checkAt;
    this.checkAt = -1;
    const b = this.slice(at, at + BLOCK);
    for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
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

  private fail(err: unknown): void {
    if (this.failure === undefined) this.failure = err;
    this.wake?.();
    this.ex.destroy();
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
