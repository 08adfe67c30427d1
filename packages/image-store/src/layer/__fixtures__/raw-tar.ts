/**
 * A hand-written ustar header encoder, for tests only: it writes what tar-stream's pack() does
 * not (GNU long-name entries, base-256 numbers, arbitrary typeflags and names).
 */
export const BLOCK_SIZE = 512;

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

/** Zero bytes that pad `size` up to a whole block. */
export function paddingFor(size: number): number {
  const r = size % BLOCK_SIZE;
  return r === 0 ? 0 : BLOCK_SIZE - r;
}
