import { PassThrough, Readable } from 'node:stream';
import { asDataLoss, decompressor, detectCompression } from './layer';
import { Digester } from '@berth/oci';

/** What `decompressAuto` saw: whether the input was compressed, and its digest if it was. */
export interface SourceInfo {
  compressed: boolean;
  /** Hash of the compressed input (only fed when `compressed`). */
  digester: Digester;
}

/**
 * A pipeline stage that looks at the first bytes and decompresses gzip or zstd (hashing the
 * compressed bytes); plain tar passes through (unhashed: its digest is the diffID).
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
  const kind = detectCompression(head);
  if (kind !== 'none') {
    info.compressed = true;
    const z = decompressor(kind);
    const hashed = async function* (): AsyncGenerator<Buffer> {
      for await (const c of rest()) {
        info.digester.update(c);
        yield c;
      }
    };
    const src = Readable.from(hashed());
    src.on('error', (e) => z.destroy(e));
    src.pipe(z);
    try {
      for await (const chunk of z) yield chunk as Buffer;
    } catch (e) {
      throw asDataLoss(kind, e);
    } finally {
      src.destroy();
    }
    return;
  }
  yield* rest();
}

/** A PassThrough with a large buffer, the hand-off point to the unpacker. */
export function handOff(): PassThrough {
  return new PassThrough({ highWaterMark: 1024 * 1024 });
}
