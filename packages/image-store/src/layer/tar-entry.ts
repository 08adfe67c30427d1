import { DataLossError, InvalidArgumentError } from '@berth/errdefs';
import type * as tar from 'tar-stream';
import { displayName } from './layer-path';

/** Tar typeflags (tar-stream names them; LayerWriter dispatches on the flags). */
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
} as const;

/** One tar entry with its PAX and GNU long-name records merged in. */
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
  /**
   * The PAX mtime and atime exactly, when they have a fraction: a number of seconds since 1970
   * holds only about a quarter of a microsecond, PAX carries nanoseconds (what Docker's tar
   * reader keeps, and what a copy-up keeps).
   */
  mtimeExact?: ExactTime;
  atimeExact?: ExactTime;
  devmajor: number;
  devminor: number;
  /** From `SCHILY.xattr.*` PAX records. */
  xattrs: Map<string, Buffer> | undefined;
}

/** A time exactly: whole seconds since the epoch (negative before 1970) and nanoseconds, 0-999999999. */
export type ExactTime = readonly [sec: number, nsec: number];

/**
 * The access and modification times to set for an entry, exactly (seconds, nanoseconds each):
 * Docker's Unpack raises an atime older than the mtime (or missing) to the mtime; `atimeAsIs`
 * keeps the tar's atime when it has one (a copy, as continuity's fs.CopyDir copies both).
 */
export function entryTimes(e: TarEntry, atimeAsIs = false): [atSec: number, atNsec: number, mtSec: number, mtNsec: number] {
  const m = e.mtimeExact ?? exactOf(e.mtime);
  const a = e.atime === undefined ? m : (e.atimeExact ?? exactOf(e.atime));
  const useA = atimeAsIs ? e.atime !== undefined : a[0] > m[0] || (a[0] === m[0] && a[1] > m[1]);
  return useA ? [a[0], a[1], m[0], m[1]] : [m[0], m[1], m[0], m[1]];
}

/** A number of seconds as [sec, nsec] (what a double holds of it). */
function exactOf(t: number): ExactTime {
  const sec = Math.floor(t);
  const nsec = Math.min(999_999_999, Math.max(0, Math.round((t - sec) * 1e9)));
  return [sec, nsec];
}

/** Nanoseconds since 1970 (a bigint stat's) as [sec, nsec], exactly; before 1970 nsec stays in 0..999,999,999. */
export function exactOfNs(ns: bigint): ExactTime {
  const NS = 1_000_000_000n;
  const sec = ns / NS - (ns < 0n && ns % NS !== 0n ? 1n : 0n);
  return [Number(sec), Number(ns - sec * NS)];
}

/** Linux limits on an xattr's name and value (limits.h). */
const XATTR_NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;

/**
 * The `SCHILY.xattr.*` records of an entry that a writer applies (after the owner, before the
 * mode: chown clears security.capability), in order. overlayfs' own (`trusted.overlay.*`:
 * redirects, opaque dirs, metacopy) are never taken from a tar; a bad name or an oversized
 * value is refused through `refuse(reason)`. One rule for layer unpacking and `docker cp` in.
 */
export function xattrsToApply(e: TarEntry, refuse: (reason: string) => never): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const [name, value] of e.xattrs ?? []) {
    if (name.startsWith('trusted.overlay.')) continue;
    if (name === '' || name.includes('\0') || Buffer.byteLength(name) > XATTR_NAME_MAX) refuse(`bad xattr name ${JSON.stringify(name)}`);
    if (value.length > XATTR_SIZE_MAX) refuse(`xattr "${name}" larger than ${XATTR_SIZE_MAX} bytes`);
    out.push([name, value]);
  }
  return out;
}

const errnoOf = (err: unknown): string | undefined => (err as { code?: string } | null)?.code;

/**
 * A failed setxattr that is skipped, as Docker 20.10's createTarFile does (20.10.0 through
 * 20.10.24): the file system cannot hold it (ENOTSUP) or setting it is not allowed (EPERM). Both
 * are skipped whether or not berthd runs in a user namespace: Docker's EPERM test carries no
 * namespace condition (its user-namespace rule is the device one, `deviceEntrySkipped`).
 */
export function xattrIgnorable(err: unknown): boolean {
  const code = errnoOf(err);
  return code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EPERM';
}

/**
 * Docker 20.10's createTarFile in a user namespace (rsys.RunningInUserNS): no block or char device
 * can be made there, so such an entry is skipped (nothing written: no node, no owner, no
 * xattrs). Outside one, the device is made and a failure fails the copy.
 */
export function deviceEntrySkipped(e: TarEntry, inUserNs: boolean): boolean {
  return inUserNs && (e.typeflag === TypeFlag.Char || e.typeflag === TypeFlag.Block);
}

/** A FIFO's mknod failing with EPERM is skipped only in a user namespace (Docker 20.10's handleTarTypeBlockCharFifo); anywhere else it fails the copy. */
export function mknodIgnorable(err: unknown, inUserNs: boolean): boolean {
  return inUserNs && errnoOf(err) === 'EPERM';
}

/**
 * Receives entries in order: entry, all its data, entryEnd. Each may return a promise (a sink
 * that writes on another thread and must wait for it): entry's holds the entry's data until it
 * settles, data's holds the next chunk (the input is not read meanwhile: backpressure), and
 * entryEnd's holds the next entry.
 */
export interface TarSink {
  entry(e: TarEntry): void | Promise<void>;
  data(chunk: Buffer): void | Promise<void>;
  entryEnd(): void | Promise<void>;
  /**
   * The read has failed (or was given up): a call of the sink still in flight must not go on
   * (create or write anything) once it resumes. Optional.
   */
  cancel?(): void;
}

const TYPEFLAGS: Record<string, string> = {
  file: TypeFlag.File,
  link: TypeFlag.Link,
  symlink: TypeFlag.Symlink,
  'character-device': TypeFlag.Char,
  'block-device': TypeFlag.Block,
  directory: TypeFlag.Dir,
  fifo: TypeFlag.Fifo,
  'contiguous-file': TypeFlag.Contiguous,
};

const HEADER_ONLY = new Set<string>([TypeFlag.Link, TypeFlag.Symlink, TypeFlag.Char, TypeFlag.Block, TypeFlag.Dir, TypeFlag.Fifo]);

/** A header as tar-stream's extract really hands it over (its typings are narrower). */
export interface ExtractedHeader {
  name: string;
  linkname: string | null;
  type: tar.Header['type'] | null;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  devmajor: number;
  devminor: number;
  pax: Record<string, string> | null;
  /** Stream offset of the entry's data (just past its header block). */
  byteOffset: number;
}

/**
 * Raw PAX values for the records tar-stream decoded lossily: it decodes every PAX value as
 * UTF-8, so a value that is not UTF-8 (a binary `security.capability`, a file name in another
 * encoding) comes back with U+FFFD in it. `raw(key)` returns the bytes as stored, if it can.
 */
export type RawPaxLookup = (key: string) => Buffer | undefined;

/**
 * Turns a header from tar-stream's extract (created with `filenameEncoding: 'latin1'`, so ustar
 * and GNU long names are already binary strings) into a TarEntry. tar-stream applies PAX
 * `path`, `linkpath` and `size` itself but leaves the rest in `header.pax`: uid, gid, mtime and
 * atime (with fractions) and `SCHILY.xattr.*` are merged here, as Go's archive/tar does.
 * `rawTypeflag` is the header's typeflag byte, for types tar-stream does not name.
 */
export function toTarEntry(h: ExtractedHeader, rawTypeflag: string, raw: RawPaxLookup): TarEntry {
  const pax = h.pax ?? undefined;
  let name = h.name;
  let linkname = h.linkname ?? '';
  let uid = h.uid ?? 0;
  let gid = h.gid ?? 0;
  let size = h.size ?? 0;
  let mtime = h.mtime === undefined ? 0 : h.mtime.getTime() / 1000;
  let atime: number | undefined;
  let mtimeExact: ExactTime | undefined;
  let atimeExact: ExactTime | undefined;
  let xattrs: Map<string, Buffer> | undefined;
  const typeflag = (h.type === null || h.type === undefined ? undefined : TYPEFLAGS[h.type]) ?? rawTypeflag;
  if (pax !== undefined) {
    const bytes = (k: string): Buffer => {
      const v = pax[k]!;
      return (v.includes('\ufffd') ? raw(k) : undefined) ?? Buffer.from(v, 'utf8');
    };
    for (const k of Object.keys(pax)) {
      switch (k) {
        case 'path':
          name = bytes(k).toString('latin1');
          break;
        case 'linkpath':
          linkname = bytes(k).toString('latin1');
          break;
        case 'uid':
          uid = paxInt(pax[k]!, k, name);
          break;
        case 'gid':
          gid = paxInt(pax[k]!, k, name);
          break;
        case 'size':
          size = paxInt(pax[k]!, k, name);
          break;
        case 'mtime':
          mtime = paxTime(pax[k]!, k, name);
          mtimeExact = paxExactTime(pax[k]!);
          break;
        case 'atime':
          atime = paxTime(pax[k]!, k, name);
          atimeExact = paxExactTime(pax[k]!);
          break;
        default:
          if (k.startsWith('SCHILY.xattr.')) {
            xattrs ??= new Map();
            xattrs.set(k.slice('SCHILY.xattr.'.length), bytes(k));
          } else if (k.startsWith('GNU.sparse.')) {
            throw new InvalidArgumentError(`layer entry "${displayName(name)}": sparse files are not supported`);
          }
      }
    }
  }
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid) || !Number.isFinite(mtime) || !Number.isSafeInteger(size) || size < 0) {
    throw new DataLossError(`layer entry "${displayName(name)}": corrupt tar header`);
  }
  if (HEADER_ONLY.has(typeflag)) size = 0;
  return {
    name,
    linkname,
    typeflag,
    mode: (h.mode ?? 0) & 0o7777,
    uid,
    gid,
    size,
    mtime,
    atime,
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
    xattrs,
    ...(mtimeExact !== undefined ? { mtimeExact } : {}),
    ...(atimeExact !== undefined ? { atimeExact } : {}),
  };
}

function paxInt(s: string, key: string, entry: string): number {
  if (!/^[0-9]{1,16}$/.test(s)) throw new DataLossError(`layer entry "${displayName(entry)}": bad PAX ${key} "${s}"`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new DataLossError(`layer entry "${displayName(entry)}": PAX ${key} out of range`);
  return n;
}

function paxTime(s: string, key: string, entry: string): number {
  if (!/^-?[0-9]{1,19}(\.[0-9]*)?$/.test(s)) throw new DataLossError(`layer entry "${displayName(entry)}": bad PAX ${key} "${s}"`);
  return Number(s);
}

/**
 * A PAX time checked by paxTime, exactly, when it has a fraction (Go's parsePAXTime: the
 * fraction cut or padded to 9 digits; `-1.5` is 1.5 s before 1970).
 */
function paxExactTime(s: string): ExactTime | undefined {
  const dot = s.indexOf('.');
  if (dot < 0) return undefined;
  const neg = s.startsWith('-');
  const whole = Number(s.slice(neg ? 1 : 0, dot));
  const nsec = Number(s.slice(dot + 1, dot + 10).padEnd(9, '0'));
  if (!Number.isSafeInteger(whole)) return undefined;
  if (!neg) return [whole, nsec];
  return nsec === 0 ? [-whole, 0] : [-whole - 1, 1_000_000_000 - nsec];
}

/**
 * The raw bytes of PAX record `key` in `region` (the extended headers in front of one entry,
 * "LEN KEY=VALUE\n" records): the last one wins, as in the PAX merge. undefined if not found.
 */
export function findRawPax(region: Buffer, key: string): Buffer | undefined {
  const needle = Buffer.from(` ${key}=`, 'utf8');
  let at = region.lastIndexOf(needle);
  while (at > 0) {
    let start = at;
    while (start > 0 && region[start - 1]! >= 0x30 && region[start - 1]! <= 0x39) start--;
    const len = Number(region.toString('latin1', start, at));
    const end = start + len;
    if (start < at && (start === 0 || region[start - 1] === 0x0a || region[start - 1] === 0) && end <= region.length && region[end - 1] === 0x0a) {
      return Buffer.from(region.subarray(at + needle.length, end - 1));
    }
    at = region.lastIndexOf(needle, at - 1);
  }
  return undefined;
}
