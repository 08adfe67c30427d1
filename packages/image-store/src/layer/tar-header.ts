import { InvalidArgumentError } from '@berth/errdefs';

/**
 * Tar header encoding for packDirectory (reading is tar-stream's, see tar-extract-feed.ts).
 *
 * Kept because tar-stream's pack() cannot write what packDirectory must: its header and PAX
 * encoders take JS strings and write them as UTF-8, so a name that is not UTF-8 (paths are
 * binary strings, see layer-path.ts) or a binary xattr value (`security.capability`) cannot
 * be written byte for byte, and it offers no way to emit a PAX header holding raw bytes
 * (a 'pax-header' entry takes no body). Encoding: 512-byte ustar blocks, octal or base-256
 * numbers, PAX records "LEN KEY=VALUE\n".
 */
export const BLOCK_SIZE = 512;

export { TypeFlag } from './tar-entry';

/** Names and link names are binary strings (one char per byte, see layer-path.ts). */
// ---- encoding (packing) ----

/** Names and link names are binary strings (one char per byte). */
export interface TarHeaderFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/** Writes a binary string (one char per byte). */
function writeString(b: Buffer, off: number, len: number, s: string): void {
  b.write(s, off, len, 'latin1');
}

function writeNumber(b: Buffer, off: number, len: number, v: number): void {
  const octal = Math.max(0, Math.trunc(v)).toString(8);
  if (v >= 0 && octal.length <= len - 1) {
    b.write(octal.padStart(len - 1, '0'), off, len - 1, 'latin1');
    b[off + len - 1] = 0;
    return;
  }
  // base-256 for values that do not fit (and negative ones)
  let n = BigInt(Math.trunc(v));
  if (n < 0n) n += 1n << BigInt(len * 8);
  for (let i = len - 1; i >= 0; i--) {
    b[off + i] = Number(n & 0xffn);
    n >>= 8n;
  }
  b[off] = (b[off]! & 0x7f) | 0x80;
  if (v < 0) b[off] = b[off]! | 0x40;
}

/** Encodes one ustar header block; the caller has already put what does not fit into PAX records. */
export function encodeHeader(h: TarHeaderFields): Buffer {
  const b = Buffer.alloc(BLOCK_SIZE);
  writeString(b, 0, 100, h.name);
  writeNumber(b, 100, 8, h.mode & 0o7777);
  writeNumber(b, 108, 8, h.uid);
  writeNumber(b, 116, 8, h.gid);
  writeNumber(b, 124, 12, h.size);
  writeNumber(b, 136, 12, h.mtime);
  b.fill(0x20, 148, 156);
  b.write(h.typeflag, 156, 1, 'latin1');
  writeString(b, 157, 100, h.linkname ?? '');
  b.write('ustar\x0000', 257, 8, 'latin1');
  writeNumber(b, 329, 8, h.devmajor ?? 0);
  writeNumber(b, 337, 8, h.devminor ?? 0);
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0'), 148, 6, 'latin1');
  b[154] = 0;
  b[155] = 0x20;
  return b;
}

/** Encodes PAX records ("LEN KEY=VALUE\n", LEN counting itself); string values are written as UTF-8. */
export function encodePax(records: ReadonlyArray<readonly [string, Buffer | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    if (key.includes('=')) throw new InvalidArgumentError(`tar PAX key "${key}": contains "="`);
    const body = Buffer.concat([Buffer.from(` ${key}=`), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.from(String(len)), body);
  }
  return Buffer.concat(parts);
}

/** Zero bytes that pad `size` up to a whole block. */
export function paddingFor(size: number): number {
  const r = size % BLOCK_SIZE;
  return r === 0 ? 0 : BLOCK_SIZE - r;
}
