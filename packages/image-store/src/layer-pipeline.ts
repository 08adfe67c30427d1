import { createGunzip } from 'node:zlib';
import { PassThrough, Readable } from 'node:stream';
import { DataLossError, InvalidArgumentError } from '@berth/errdefs';
import { Digester } from '@berth/oci';

/** What `decompressAuto` saw: whether the input was compressed, and its digest if it was. */
export interface SourceInfo {
  compressed: boolean;
  /** Hash of the compressed input (only fed when `compressed`). */
  digester: Digester;
}

/**
 * A pipeline stage that looks at the first bytes and gunzips when they are gzip's magic;
 * plain tar passes through (unhashed: its digest is the diffID). zstd is refused.
 */
export function decompressAuto(info: SourceInfo): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return (source) => decompress(source, info);
}

async function* decompress(source: AsyncIterable<Buffer>, info: SourceInfo): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 4) {
    const r = await it.next();
    if (r.done) break;
    head = head.length === 0 ? r.value : Buffer.concat([head, r.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    info.compressed = true;
    const gz = createGunzip({ chunkSize: 256 * 1024 });
    const hashed = async function* (): AsyncGenerator<Buffer> {
      for await (const c of rest()) {
        info.digester.update(c);
        yield c;
      }
    };
    const src = Readable.from(hashed());
    src.on('error', (e) => gz.destroy(e));
    src.pipe(gz);
    try {
      for await (const chunk of gz) yield chunk as Buffer;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code?.startsWith('Z_')) throw new DataLossError(`layer: corrupt or truncated gzip stream: ${err.message}`, { cause: e });
      throw e;
    } finally {
      src.destroy();
    }
    return;
  }
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) {
    throw new InvalidArgumentError('layer: zstd-compressed layers are not supported');
  }
  yield* rest();
}

/** A PassThrough with a large buffer, the hand-off point to the unpacker. */
export function handOff(): PassThrough {
  return new PassThrough({ highWaterMark: 1024 * 1024 });
}
