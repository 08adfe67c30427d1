import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { DataLossError, InvalidArgumentError } from '@berth/errdefs';
import { createZstdDecompress } from './zstd-decompress';

export type LayerCompression = 'none' | 'gzip' | 'zstd';

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
 * of what a chunk costs on its way from the socket to the tar parser. A promise `fn` returns
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
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
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
    const onSettled = (): void => {
      busy = false;
      if (done) return;
      if (ended) finish();
      else src.resume();
    };
    function deliver(c: unknown): void {
      if (done) return;
      let r: void | Promise<void>;
      try {
        r = fn(toBuffer(c));
      } catch (err) {
        finish(err);
        return;
      }
      if (r === undefined) return;
      busy = true;
      src.pause();
      r.then(onSettled, finish);
    }
    function onEnd(): void {
      ended = true;
      if (!busy) finish();
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
