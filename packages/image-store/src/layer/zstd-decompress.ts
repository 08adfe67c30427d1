import { Transform, type TransformCallback } from 'node:stream';
import { Decompress } from 'fzstd';
import { DataLossError } from '@berth/errdefs';

/**
 * A zstd decompressing stream for Node versions whose zlib has no zstd (before 22.15):
 * fzstd's streaming decoder (pure JavaScript) behind a Transform. Corrupt input and a stream
 * that ends inside a frame are DataLossError.
 */
export function createZstdDecompress(): Transform {
  let ended = false;
  const out = new Transform({
    readableHighWaterMark: 4 * 1024 * 1024,
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      try {
        decoder.push(chunk, false);
        cb();
      } catch (e) {
        cb(corrupt(e));
      }
    },
    flush(cb: TransformCallback) {
      try {
        decoder.push(new Uint8Array(0), true);
      } catch (e) {
        cb(corrupt(e));
        return;
      }
      cb(ended ? null : new DataLossError('layer: zstd stream ends inside a frame (truncated)'));
    },
  });
  const decoder = new Decompress((data: Uint8Array, final?: boolean) => {
    if (data.length > 0) out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    if (final) ended = true;
  });
  return out;
}

function corrupt(e: unknown): DataLossError {
  return new DataLossError(`layer: corrupt zstd data: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
