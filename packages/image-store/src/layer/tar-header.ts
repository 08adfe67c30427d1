import { DataLossError, InvalidArgumentError } from '@berth/errdefs';

/**
 * The tar header block (POSIX ustar, with the GNU and PAX extensions Go's archive/tar writes
 * and reads), decoded and encoded by hand: 512-byte blocks, octal or base-256 numbers,
 * PAX records "LEN KEY=VALUE\n".
 */
export const BLOCK_SIZE = 512;

export const TypeFlag = {
  File: '0',
  OldFile: '\0',
  Link: '1',
  Symlink: '2',
  Char: '3',
  Block: '4',
  Dir: '5',
  Fifo: '6',
  Contiguous: '7',
  Pax: 'x',
  PaxGlobal: 'g',
  GnuLongName: 'L',
  GnuLongLink: 'K',
} as const;

/** Names and link names are binary strings (one char per byte, see layer-path.ts). */
export interface RawTarHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK_SIZE; i++) if (b[i] !== 0) return false;
  return true;
}

/** A NUL-terminated field as a binary string (one char per byte). */
function readString(b: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return b.toString('latin1', off, end);
}

function readNumber(b: Buffer, off: number, len: number, field: string): number {
  const first = b[off]!;
  if (first & 0x80) {
    // base-256 (GNU): big-endian two's complement, top bit of the first byte is the marker.
    let v = BigInt(first & 0x7f);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(b[off + i]!);
    if (first & 0x40) v -= 1n << BigInt(len * 8 - 1); // negative
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new DataLossError(`tar header: ${field} out of range`);
    }
    return Number(v);
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw new DataLossError(`tar header: ${field} is not an octal number`);
    v = v * 8 + (c - 0x30);
  }
  return v;
}

/** Decodes one header block; null for a zero block (end of archive). Bad checksum -> DataLossError. */
export function parseHeader(b: Buffer): RawTarHeader | null {
  if (isZeroBlock(b)) return null;
  const stored = readNumber(b, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  if (stored !== unsigned && stored !== signed) throw new DataLossError('tar header: checksum mismatch (corrupt or not a tar stream)');
  const magic = b.toString('latin1', 257, 263);
  let name = readString(b, 0, 100);
  if (magic === 'ustar\0') {
    const prefix = readString(b, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  let typeflag = String.fromCharCode(b[156]!);
  if (typeflag === TypeFlag.OldFile && name.endsWith('/')) typeflag = TypeFlag.Dir;
  return {
    name,
    mode: readNumber(b, 100, 8, 'mode'),
    uid: readNumber(b, 108, 8, 'uid'),
    gid: readNumber(b, 116, 8, 'gid'),
    size: readNumber(b, 124, 12, 'size'),
    mtime: readNumber(b, 136, 12, 'mtime'),
    typeflag,
    linkname: readString(b, 157, 100),
    uname: readString(b, 265, 32),
    gname: readString(b, 297, 32),
    devmajor: magic.startsWith('ustar') ? readNumber(b, 329, 8, 'devmajor') : 0,
    devminor: magic.startsWith('ustar') ? readNumber(b, 337, 8, 'devminor') : 0,
  };
}

/** Parses PAX records; values stay raw bytes (xattr values are binary). Malformed -> DataLossError. */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // NUL padding at the end
    const sp = data.indexOf(0x20, pos);
    if (sp < 0 || sp - pos > 20) throw new DataLossError('tar PAX header: malformed record');
    const len = Number(data.toString('latin1', pos, sp));
    if (!Number.isInteger(len) || len <= sp - pos + 1 || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      throw new DataLossError('tar PAX header: malformed record length');
    }
    const rec = data.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new DataLossError('tar PAX header: record without key');
    out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    pos += len;
  }
  return out;
}

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
