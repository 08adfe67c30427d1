import { inflateRawSync } from 'node:zlib';

/**
 * docker's context archive (`docker context export` / `import`): a tar of `meta.json`, a `tls`
 * directory and `tls/ENDPOINT/FILE`s, written byte for byte as docker 28 writes it (Go's
 * archive/tar ustar headers, mode/uid/gid/mtime zero-padded octal, no end-of-archive blocks and
 * the last file's data unpadded: docker closes its pipe before the tar writer). Import reads a tar as Go's archive/tar does, or
 * a zip (when the first bytes say so), with docker's checks and error texts.
 */
export interface ContextArchive {
  /** meta.json's bytes. */
  meta: Buffer;
  /** endpoint name → file name → contents. */
  tls: Map<string, Map<string, Buffer>>;
}

const BLOCK = 512;
/** docker's maxAllowedFileSizeToImport. */
const MAX_IMPORT = 10 << 20;

/** Go's tar header for a ustar entry with zero ids and mtime. */
function header(name: string, mode: number, size: number, typeflag: '0' | '5'): Buffer {
  const b = Buffer.alloc(BLOCK);
  const octal = (v: number, off: number, width: number) => b.write(`${v.toString(8).padStart(width - 1, '0')}\0`, off, 'latin1');
  b.write(name, 0, 100, 'utf8');
  octal(mode, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(0, 136, 12);
  b.write(typeflag, 156, 'latin1');
  b.write('ustar\x0000', 257, 'latin1');
  octal(0, 329, 8);
  octal(0, 337, 8);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

function padded(data: Buffer): Buffer[] {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return pad ? [data, Buffer.alloc(pad)] : [data];
}

/** The tar `docker context export` writes. */
export function packContextArchive(a: ContextArchive): Buffer {
  const parts: Buffer[] = [header('meta.json', 0o644, a.meta.length, '0'), ...padded(a.meta), header('tls', 0o700, 0, '5')];
  for (const [ep, files] of a.tls) {
    parts.push(header(`tls/${ep}`, 0o700, 0, '5'));
    for (const [name, data] of files) parts.push(header(`tls/${ep}/${name}`, 0o600, data.length, '0'), ...padded(data));
  }
  // Go's tar writer pads a file's data at the next header or at Close: the last file stays unpadded
  const last = [...a.tls.values()].at(-1);
  if (last?.size && [...last.values()].at(-1)!.length % BLOCK) parts.pop();
  return Buffer.concat(parts);
}

/** docker's isValidFilePath: `NAME: reason` or undefined. */
function pathError(p: string): string | undefined {
  let why: string | undefined;
  if (p !== 'meta.json' && !p.startsWith('tls/')) why = 'unexpected context file';
  else if (cleanPath(p) !== p) why = 'unexpected path format';
  else if (p.includes('\\')) why = "unexpected '\\' in path";
  return why && `${p}: ${why}`;
}

/** Go's path.Clean. */
function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(part);
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? '.' : s;
}

/**
 * Reads an archive as docker's store.Import: regular files only, each path checked in order,
 * `meta.json` handed to `onMeta` when met (docker stores it then, so a later bad entry leaves it
 * stored), `tls/EP/FILE` collected and returned. Throws docker's error texts (Go's archive/tar
 * and zip errors included); `invalid context: no metadata found` when there is no meta.json.
 */
export function readContextArchive(data: Buffer, onMeta: (meta: Buffer) => void): ContextArchive['tls'] {
  // http.DetectContentType's zip signature
  const files = data.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')) ? zipFiles(data) : tarFiles(data);
  let meta = false;
  const tls = new Map<string, Map<string, Buffer>>();
  for (const f of files) {
    const bad = pathError(f.name);
    if (bad) throw new Error(bad);
    const body = f.body();
    if (f.name === 'meta.json') {
      onMeta(body);
      meta = true;
      continue;
    }
    const rest = f.name.slice('tls/'.length);
    const slash = rest.indexOf('/');
    if (slash < 0) throw new Error('archive format is invalid');
    const ep = rest.slice(0, slash);
    if (!tls.has(ep)) tls.set(ep, new Map());
    tls.get(ep)!.set(rest.slice(slash + 1), body);
  }
  if (!meta) throw new Error('invalid context: no metadata found');
  return tls;
}

interface ArchiveFile {
  name: string;
  body: () => Buffer;
}

/** Go's archive/tar reader over a 10 MiB limited reader: the regular files, lazily, in order. */
function* tarFiles(all: Buffer): Generator<ArchiveFile> {
  // docker's limitedReader lets MAX+1 bytes through, then fails every read
  const data = all.subarray(0, MAX_IMPORT + 1);
  const limited = all.length > MAX_IMPORT;
  let pos = 0;
  const read = (len: number): Buffer => {
    if (pos + len > data.length) {
      if (limited) throw new Error('read exceeds the defined limit');
      // io.ReadFull: nothing at all is EOF, a part is ErrUnexpectedEOF
      throw pos === data.length ? new EofError() : new Error('unexpected EOF');
    }
    const b = data.subarray(pos, pos + len);
    pos += len;
    return b;
  };
  const zero = (b: Buffer) => b.every((x) => x === 0);
  let longName: string | undefined;
  let paxPath: string | undefined;
  // what the previous entry left unread (its data, if not taken, and its padding): Go's Next skips it first
  let skip = 0;
  let pad = 0;
  for (;;) {
    let blk: Buffer;
    try {
      read(skip);
      skip = 0;
      // tryReadFull: no padding left at all is a clean end
      read(pad);
      blk = read(BLOCK);
      if (zero(blk)) {
        blk = read(BLOCK);
        if (zero(blk)) return;
        throw new Error('archive/tar: invalid tar header');
      }
    } catch (e) {
      if (e instanceof EofError) return;
      throw e;
    }
    if (!checksumOk(blk)) throw new Error('archive/tar: invalid tar header');
    const field = (off: number, len: number) => {
      const f = blk.subarray(off, off + len);
      const z = f.indexOf(0);
      return (z < 0 ? f : f.subarray(0, z)).toString('latin1');
    };
    const size = parseNumeric(blk.subarray(124, 136));
    const typeflag = String.fromCharCode(blk[156]!);
    const ustar = blk.subarray(257, 263).toString('latin1') === 'ustar\0';
    let name = field(0, 100);
    if (ustar && field(345, 155)) name = `${field(345, 155)}/${name}`;
    pad = (BLOCK - (size % BLOCK)) % BLOCK;
    const body = () => {
      try {
        return Buffer.from(read(size));
      } catch (e) {
        throw e instanceof EofError ? new Error('unexpected EOF') : e;
      }
    };
    if (typeflag === 'L' || typeflag === 'x' || typeflag === 'g' || typeflag === 'K') {
      const b = body();
      if (typeflag === 'L') longName = b.toString('latin1').replace(/\0.*$/s, '');
      if (typeflag === 'x') paxPath = paxRecords(b).get('path') ?? paxPath;
      continue;
    }
    name = paxPath ?? longName ?? name;
    paxPath = longName = undefined;
    // Go's TypeReg ('0') and its old '\0' spelling (archive/tar reports it as TypeReg)
    if (typeflag !== '0' && typeflag !== '\0') {
      skip = size;
      continue;
    }
    let taken = false;
    yield {
      name: Buffer.from(name, 'latin1').toString('utf8'),
      body: () => {
        taken = true;
        return body();
      },
    };
    if (!taken) skip = size;
  }
}

class EofError extends Error {}

/** Go accepts the checksum as an unsigned or a signed byte sum. */
function checksumOk(blk: Buffer): boolean {
  const want = parseInt(blk.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim() || 'x', 8);
  let u = 0;
  let s = 0;
  for (let i = 0; i < BLOCK; i++) {
    const x = i >= 148 && i < 156 ? 0x20 : blk[i]!;
    u += x;
    s += x >= 0x80 ? x - 256 : x;
  }
  return want === u || want === s;
}

/** A ustar number: octal text, or GNU's base-256 (high bit set). */
function parseNumeric(f: Buffer): number {
  if (f[0]! & 0x80) {
    let v = f[0]! & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i]!;
    return v;
  }
  const t = f.toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (t !== '' && !/^[0-7]+$/.test(t)) throw new Error('archive/tar: invalid tar header');
  return t === '' ? 0 : parseInt(t, 8);
}

function paxRecords(b: Buffer): Map<string, string> {
  const m = new Map<string, string>();
  let s = b.toString('utf8');
  while (s.length) {
    const sp = s.indexOf(' ');
    const len = parseInt(s.slice(0, sp), 10);
    if (!(sp > 0 && len > sp)) break;
    const rec = Buffer.from(s).subarray(0, len).toString('utf8');
    const kv = rec.slice(sp + 1, -1);
    const eq = kv.indexOf('=');
    if (eq > 0) m.set(kv.slice(0, eq), kv.slice(eq + 1));
    s = Buffer.from(s).subarray(len).toString('utf8');
  }
  return m;
}

/** Go's archive/zip reader (central directory; stored and deflated): the regular files in order. */
function zipFiles(all: Buffer): ArchiveFile[] {
  if (all.length > MAX_IMPORT) throw new Error('read exceeds the defined limit');
  const invalid = () => new Error('zip: not a valid zip file');
  let eocd = -1;
  for (let i = all.length - 22; i >= Math.max(0, all.length - 22 - 0xffff); i--) {
    if (all.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw invalid();
  const count = all.readUInt16LE(eocd + 10);
  let p = all.readUInt32LE(eocd + 16);
  const out: ArchiveFile[] = [];
  for (let k = 0; k < count; k++) {
    if (p + 46 > all.length || all.readUInt32LE(p) !== 0x02014b50) throw invalid();
    const madeBy = all.readUInt16LE(p + 4) >> 8;
    const method = all.readUInt16LE(p + 10);
    const csize = all.readUInt32LE(p + 20);
    const nameLen = all.readUInt16LE(p + 28);
    const extraLen = all.readUInt16LE(p + 30);
    const commentLen = all.readUInt16LE(p + 32);
    const external = all.readUInt32LE(p + 38);
    const local = all.readUInt32LE(p + 42);
    const name = all.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    // Go's FileInfo().Mode(): unix mode bits for unix-made entries, else a trailing '/' is a directory
    const unixMode = madeBy === 3 || madeBy === 19 ? external >>> 16 : 0;
    const regular = unixMode ? (unixMode & 0o170000) === 0o100000 : !name.endsWith('/');
    if (!regular) continue;
    out.push({
      name,
      body: () => {
        if (local + 30 > all.length || all.readUInt32LE(local) !== 0x04034b50) throw new Error('zip: not a valid zip file');
        const start = local + 30 + all.readUInt16LE(local + 26) + all.readUInt16LE(local + 28);
        const raw = all.subarray(start, start + csize);
        if (method === 0) return Buffer.from(raw);
        if (method === 8) return inflateRawSync(raw);
        throw new Error('zip: unsupported compression algorithm');
      },
    });
  }
  return out;
}
