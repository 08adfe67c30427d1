import { DataLossError, InvalidArgumentError } from '@berth/errdefs';
import { MAX_PAX_SIZE } from './layer-limits';
import { displayName } from './layer-path';
import { BLOCK_SIZE, TypeFlag, paddingFor, parseHeader, parsePax, type RawTarHeader } from './tar-header';

/** One tar entry with its PAX and GNU long-name records already merged in. */
export interface TarEntry {
  /** The path as stored (not yet cleaned), as a binary string (one char per byte). */
  name: string;
  /** Link target (symlinks) or linked path (hardlinks), as stored (binary string). */
  linkname: string;
  typeflag: string;
  /** Permission and special bits (file type bits removed). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of data that follow (0 for header-only types). */
  size: number;
  /** Seconds since the epoch, fractional when PAX gave one. */
  mtime: number;
  atime: number | undefined;
  devmajor: number;
  devminor: number;
  /** From `SCHILY.xattr.*` PAX records. */
  xattrs: Map<string, Buffer> | undefined;
}

/** Receives entries from TarReader, synchronously and in order. */
export interface TarSink {
  entry(e: TarEntry): void;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

const HEADER_ONLY = new Set<string>([TypeFlag.Link, TypeFlag.Symlink, TypeFlag.Char, TypeFlag.Block, TypeFlag.Dir, TypeFlag.Fifo]);

type State = 'header' | 'data' | 'meta' | 'padding' | 'end';

/**
 * A push parser for tar streams: feed it chunks with push(), call end() when the input ends.
 * Every entry is handed to the sink whole (header, then all its data, then entryEnd) before the
 * next header is read. After the end-of-archive block further bytes are ignored.
 */
export class TarReader {
  private state: State = 'header';
  private readonly block = Buffer.alloc(BLOCK_SIZE);
  private blockFill = 0;
  private remaining = 0;
  private padding = 0;
  private meta: Buffer[] = [];
  private metaType = '';
  private pax: Map<string, Buffer> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;

  constructor(
    private readonly sink: TarSink,
    private readonly maxPathLength: number,
  ) {}

  /** Bytes pushed so far. */
  private total = 0;
  /** Stream offset just past the end-of-archive block, once it has been read. */
  endOffset = -1;

  /** True once the end-of-archive marker has been read. */
  get ended(): boolean {
    return this.state === 'end';
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    const base = this.total;
    this.total += len;
    while (pos < len) {
      switch (this.state) {
        case 'end':
          return;
        case 'header': {
          const n = Math.min(BLOCK_SIZE - this.blockFill, len - pos);
          if (this.blockFill === 0 && n === BLOCK_SIZE) {
            this.onHeader(chunk.subarray(pos, pos + BLOCK_SIZE));
          } else {
            chunk.copy(this.block, this.blockFill, pos, pos + n);
            this.blockFill += n;
            if (this.blockFill === BLOCK_SIZE) {
              this.blockFill = 0;
              this.onHeader(this.block);
            }
          }
          pos += n;
          if (this.ended) this.endOffset = base + pos; // (onHeader may have moved the state)
          break;
        }
        case 'data':
        case 'meta': {
          const n = Math.min(this.remaining, len - pos);
          const part = chunk.subarray(pos, pos + n);
          if (this.state === 'data') this.sink.data(part);
          else this.meta.push(Buffer.from(part));
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.finishEntry();
          break;
        }
        case 'padding': {
          const n = Math.min(this.padding, len - pos);
          this.padding -= n;
          pos += n;
          if (this.padding === 0) this.state = 'header';
          break;
        }
      }
    }
  }

  /** The input is over: anything but a header boundary means a truncated stream. */
  end(): void {
    if (this.state === 'end') return;
    if (this.state !== 'header' || this.blockFill !== 0 || this.pax !== undefined || this.longName !== undefined || this.longLink !== undefined) {
      throw new DataLossError('layer: truncated tar stream');
    }
  }

  private onHeader(block: Buffer): void {
    const h = parseHeader(block);
    if (h === null) {
      this.state = 'end';
      return;
    }
    switch (h.typeflag) {
      case TypeFlag.Pax:
      case TypeFlag.PaxGlobal:
      case TypeFlag.GnuLongName:
      case TypeFlag.GnuLongLink: {
        const limit = h.typeflag === TypeFlag.Pax || h.typeflag === TypeFlag.PaxGlobal ? MAX_PAX_SIZE : this.maxPathLength + 1;
        if (h.size > limit) throw new InvalidArgumentError(`layer entry "${displayName(h.name)}": extended header of ${h.size} bytes exceeds the limit of ${limit}`);
        this.metaType = h.typeflag;
        this.meta = [];
        this.remaining = h.size;
        this.padding = paddingFor(h.size);
        this.state = 'meta';
        if (h.size === 0) this.finishEntry();
        return;
      }
    }
    const e = this.merge(h);
    this.remaining = e.size;
    this.padding = paddingFor(e.size);
    this.state = 'data';
    this.sink.entry(e);
    if (e.size === 0) this.finishEntry();
  }

  private finishEntry(): void {
    if (this.state === 'meta') {
      const data = Buffer.concat(this.meta);
      this.meta = [];
      switch (this.metaType) {
        case TypeFlag.Pax: {
          const records = parsePax(data);
          if (this.pax === undefined) this.pax = records;
          else for (const [k, v] of records) this.pax.set(k, v);
          break;
        }
        case TypeFlag.PaxGlobal:
          break; // Docker ignores global headers too
        case TypeFlag.GnuLongName:
          this.longName = cString(data);
          break;
        case TypeFlag.GnuLongLink:
          this.longLink = cString(data);
          break;
      }
    } else {
      this.sink.entryEnd();
    }
    this.state = this.padding === 0 ? 'header' : 'padding';
  }

  private merge(h: RawTarHeader): TarEntry {
    const pax = this.pax;
    let name = this.longName ?? h.name;
    let linkname = this.longLink ?? h.linkname;
    let { uid, gid, size, mtime } = h;
    let atime: number | undefined;
    let xattrs: Map<string, Buffer> | undefined;
    if (pax !== undefined) {
      for (const [k, v] of pax) {
        switch (k) {
          case 'path':
            name = v.toString('latin1');
            break;
          case 'linkpath':
            linkname = v.toString('latin1');
            break;
          case 'uid':
            uid = paxInt(v, k, h.name);
            break;
          case 'gid':
            gid = paxInt(v, k, h.name);
            break;
          case 'size':
            size = paxInt(v, k, h.name);
            break;
          case 'mtime':
            mtime = paxTime(v, k, h.name);
            break;
          case 'atime':
            atime = paxTime(v, k, h.name);
            break;
          default:
            if (k.startsWith('SCHILY.xattr.')) {
              xattrs ??= new Map();
              xattrs.set(k.slice('SCHILY.xattr.'.length), v);
            } else if (k.startsWith('GNU.sparse.')) {
              throw new InvalidArgumentError(`layer entry "${displayName(name)}": sparse files are not supported`);
            }
        }
      }
    }
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    if (HEADER_ONLY.has(h.typeflag)) size = 0;
    return {
      name,
      linkname,
      typeflag: h.typeflag,
      mode: h.mode & 0o7777,
      uid,
      gid,
      size,
      mtime,
      atime,
      devmajor: h.devmajor,
      devminor: h.devminor,
      xattrs,
    };
  }
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul < 0 ? b.length : nul);
}

function paxInt(v: Buffer, key: string, entry: string): number {
  const s = v.toString('latin1');
  if (!/^[0-9]{1,16}$/.test(s)) throw new DataLossError(`layer entry "${displayName(entry)}": bad PAX ${key} "${s}"`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new DataLossError(`layer entry "${displayName(entry)}": PAX ${key} out of range`);
  return n;
}

function paxTime(v: Buffer, key: string, entry: string): number {
  const s = v.toString('latin1');
  if (!/^-?[0-9]{1,19}(\.[0-9]*)?$/.test(s)) throw new DataLossError(`layer entry "${displayName(entry)}": bad PAX ${key} "${s}"`);
  return Number(s);
}
