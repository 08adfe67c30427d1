import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { DataLossError, InvalidArgumentError } from '@berth/errdefs';
import { createZstdDecompress } from './zstd-decompress';

export type LayerCompression = 'none' | 'gzip' | 'zstd';

/**
 * A piece of input smaller than this is gathered with the pieces after it into one chunk of up to
 * GATHER bytes before `fn` sees it (eachUncompressedChunk): the docker CLI sends a tar body as one
 * HTTP chunk per tar write (a 512-byte header, then the file's data), so 20,000 small files arrive
 * as ~40,000 pieces, and each piece handed on alone costs more in the tar parser's stream
 * machinery than its bytes do. Bigger pieces (a big file's data) are handed on as they are.
 */
const SMALL_PIECE = 16 * 1024;
const GATHER = 128 * 1024;

/** Big output chunks, and room for zlib (on the thread pool) to inflate ahead while files are written. */
const ZLIB_OPTIONS: zlib.ZlibOptions & { readableHighWaterMark: number } = { chunkSize: 256 * 1024, readableHighWaterMark: 4 * 1024 * 1024 };

/** The compression of a layer stream from its first bytes (gzip 1f 8b, zstd 28 b5 2f fd). */
export function detectCompression(head: Buffer): LayerCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') {
    throw new InvalidArgumentError('layer: bzip2-compressed layers are not supported');
  }
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    throw new InvalidArgumentError('layer: xz-compressed layers are not supported');
  }
  return 'none';
}

type ZstdZlib = { createZstdDecompress?: (opts?: zlib.ZlibOptions) => zlib.Gunzip };

/** A decompressing stream for a layer compression (gzip by zlib; zstd by zlib or fzstd). */
export function decompressor(kind: 'gzip' | 'zstd'): NodeJS.ReadWriteStream & Readable {
  if (kind === 'gzip') return zlib.createGunzip(ZLIB_OPTIONS);
  const create = (zlib as unknown as ZstdZlib).createZstdDecompress;
  // Node's own zstd where there is one (>= 22.15), else fzstd's decoder in JavaScript.
  return create === undefined ? createZstdDecompress() : create(ZLIB_OPTIONS);
}

function toBuffer(c: unknown): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  if (typeof c === 'string') return Buffer.from(c);
  throw new InvalidArgumentError('layer: input stream must carry bytes');
}

/** A decompressor's error as DataLossError when it means corrupt or truncated input; others as they are. */
export function asDataLoss(kind: 'gzip' | 'zstd', err: unknown): unknown {
  return isZlibError(err) ? new DataLossError(`layer: corrupt or truncated ${kind} stream: ${(err as Error).message}`, { cause: err }) : err;
}

/** Whether an error came from zlib (a corrupt or truncated compressed stream). */
function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code === 'ERR_ZSTD_INVALID_PARAM' || code.startsWith('ZSTD_'));
}

/**
 * Hands each chunk of the uncompressed bytes of a layer stream (compression autodetected) to
 * `fn`, as 'data' events bring them: no async iterator and no promise per chunk, which is most
 * of what a chunk costs on its way from the socket to the tar parser. Small pieces (under
 * SMALL_PIECE) are gathered into one chunk, handed on when it is full, before a bigger piece, at
 * the end of the input, or once the pieces of this turn have come (a microtask). A promise `fn` returns
 * pauses the stream until it settles (backpressure). Resolves after the end of the input and the
 * last `fn`; rejects with the first error: the input's, `fn`'s (a throw or a rejection), a
 * corrupt or truncated compressed stream's as DataLossError. The input is destroyed once done,
 * as leaving an iteration of it does (on an error before its end that aborts a request), unless
 * `keepInput`: then an input failed before its end is only paused and left to the caller (a
 * request whose error response must still be written before its connection is closed: node
 * destroys the socket with an incomplete request). `stopOn` is handed the way to end it early with
 * an error (what `fn` feeds failed between chunks, after `fn` returned).
 */
export function eachUncompressedChunk(
  input: Readable,
  fn: (chunk: Buffer) => void | Promise<void>,
  opts: { keepInput?: boolean; stopOn?: (stop: (err: unknown) => void) => void } = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let head: Buffer | undefined = Buffer.alloc(0);
    /** What the chunks come from: the input, or the decompressor reading it. */
    let src: Readable = input;
    let z: (NodeJS.ReadWriteStream & Readable) | undefined;
    let kind: 'gzip' | 'zstd' | undefined;
    let busy = false;
    let ended = false;
    let done = false;
    /** Small pieces gathered (`gathered` bytes of `gather`), and chunks waiting for `fn` (in order; it is busy). */
    let gather: Buffer[] = [];
    let gathered = 0;
    let flushQueued = false;
    const ready: Buffer[] = [];
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      gather = [];
      ready.length = 0;
      input.off('data', onHead);
      input.off('data', deliver);
      input.off('end', onInputEnd);
      src.off('end', onEnd);
      z?.off('data', deliver);
      if (z !== undefined) input.unpipe(z);
      z?.destroy();
      if (opts.keepInput === true && !input.readableEnded && !input.destroyed) input.pause();
      else input.destroy();
      if (err === undefined) resolve();
      else reject(err);
    };
    const onError = (err: unknown): void => finish(kind !== undefined && src === z ? asDataLoss(kind, err) : err);
    // what fn feeds can fail between chunks (stopOn hands over the way to say so): no more input is awaited
    opts.stopOn?.((err) => finish(err));
    /** Hands the ready chunks to `fn` while it takes them at once; a promise it returns pauses the source until it settles. */
    function give(): void {
      while (!busy && !done && ready.length > 0) {
        let r: void | Promise<void>;
        try {
          r = fn(ready.shift()!);
        } catch (err) {
          finish(err);
          return;
        }
        if (r === undefined) continue;
        busy = true;
        src.pause();
        r.then(onSettled, finish);
      }
    }
    /** The gathered pieces become one ready chunk (a copy of exactly their size: a buffer kept bigger would count as memory in use until it is collected). */
    function seal(): void {
      if (gather.length === 0) return;
      ready.push(gather.length === 1 ? gather[0]! : Buffer.concat(gather, gathered));
      gather = [];
      gathered = 0;
    }
    function onSettled(): void {
      busy = false;
      if (done) return;
      if (ended) seal();
      give();
      if (busy || done) return;
      if (ended) finish();
      else src.resume();
    }
    /** The pieces of this turn have come: what is gathered goes on (a microtask queued by the first piece gathered). */
    function flushGathered(): void {
      flushQueued = false;
      if (done) return;
      seal();
      give();
    }
    function deliver(c: unknown): void {
      if (done) return;
      let b: Buffer;
      try {
        b = toBuffer(c);
      } catch (err) {
        finish(err);
        return;
      }
      if (b.length >= SMALL_PIECE) {
        seal();
        ready.push(b);
        give();
        return;
      }
      gather.push(b);
      gathered += b.length;
      if (gathered >= GATHER) {
        seal();
        give();
        return;
      }
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(flushGathered);
      }
    }
    function onEnd(): void {
      ended = true;
      seal();
      give();
      if (!busy && !done) finish();
    }
    /** The first bytes, until the compression is known (6 bytes, or the whole input if shorter). */
    const start = (): void => {
      const first = head!;
      head = undefined;
      input.off('data', onHead);
      input.off('end', onInputEnd);
      try {
        const k = detectCompression(first);
        if (k === 'none') {
          input.on('data', deliver);
          input.on('end', onEnd);
          if (first.length > 0) deliver(first);
          if (input.readableEnded) onEnd();
          return;
        }
        kind = k;
        z = decompressor(k);
      } catch (err) {
        finish(err);
        return;
      }
      src = z;
      z.on('error', onError);
      z.on('data', deliver);
      z.on('end', onEnd);
      if (input.readableEnded) z.end(first);
      else {
        z.write(first);
        input.pipe(z);
      }
    };
    function onHead(c: unknown): void {
      try {
        head = head!.length === 0 ? toBuffer(c) : Buffer.concat([head!, toBuffer(c)]);
      } catch (err) {
        finish(err);
        return;
      }
      if (head.length >= 6) start();
    }
    function onInputEnd(): void {
      if (head !== undefined) start();
    }
    // gone without its end: as an iteration of it would fail
    const premature = (): unknown => input.errored ?? Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    input.on('error', (err: unknown) => finish(err));
    input.on('close', () => {
      if (!input.readableEnded) finish(premature());
    });
    if (input.readableEnded) {
      start(); // nothing more will come
      return;
    }
    if (input.destroyed) {
      finish(premature());
      return;
    }
    input.on('data', onHead);
    input.on('end', onInputEnd);
  });
}
