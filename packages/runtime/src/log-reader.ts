import * as fs from 'node:fs';
import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@berth/errdefs';
import type { LogEntry, OutputStream, ReadLogsOptions } from './types';

const CHUNK = 256 * 1024;

/** RFC3339(Nano) -> nanoseconds since the epoch. */
export function parseRfc3339Nano(s: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/**
 * A stored time ("…:21.8242969Z", Go's RFC3339Nano with trailing zeros trimmed) in Docker's fixed
 * form for `logs --timestamps`: always 9 fraction digits ("…:21.824296900Z").
 */
export function fixedNanoTime(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}

function toNanos(v: Date | number | string, what: string): bigint {
  if (v instanceof Date) return BigInt(v.getTime()) * 1_000_000n;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`${what} ${v}: invalid time`);
    const sec = Math.floor(v);
    return BigInt(sec) * 1_000_000_000n + BigInt(Math.round((v - sec) * 1e9));
  }
  if (/^\d+(\.\d{1,9})?$/.test(v)) {
    // Docker's API form: unix seconds with optional nanoseconds fraction.
    const [sec, frac = ''] = v.split('.');
    return BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
  }
  const n = parseRfc3339Nano(v);
  if (n === undefined) {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new InvalidArgumentError(`${what} "${v}": invalid time`);
    return BigInt(ms) * 1_000_000n;
  }
  return n;
}

/**
 * A log file opened by the walk below (synchronously: see openPrevious) and read asynchronously
 * through its descriptor, whatever the shim renames after.
 */
class LogFile {
  private closed = false;
  constructor(private readonly fd: number) {}

  /** Opens `name` for reading; undefined when it cannot (not there: a log not written yet). */
  static open(name: string): LogFile | undefined {
    try {
      return new LogFile(fs.openSync(name, 'r'));
    } catch {
      return undefined;
    }
  }

  read(buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return new Promise((resolve, reject) => {
      fs.read(this.fd, buf, offset, length, position, (e, bytesRead) => (e ? reject(e) : resolve({ bytesRead })));
    });
  }

  stat(): fs.Stats {
    return fs.fstatSync(this.fd);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
  }
}

/**
 * Byte offset where the last `n` lines of the file start, reading backwards in chunks, and how
 * many lines were found (fewer than `n`: the whole file, offset 0).
 */
async function tailOffset(fh: LogFile, size: number, n: number): Promise<{ offset: number; found: number }> {
  if (n <= 0) return { offset: size, found: 0 };
  let pos = size;
  let newlines = 0;
  const buf = Buffer.allocUnsafe(CHUNK);
  // Only whole lines count. Bytes after the last newline are a line the shim is still writing
  // (a reader can see part of an append): they are not a line yet. The last newline ends the
  // last whole line; it does not start another.
  let beforeLastNewline = false;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buf[i] !== 0x0a) continue;
      if (!beforeLastNewline) {
        beforeLastNewline = true;
        continue;
      }
      newlines++;
      if (newlines === n) return { offset: pos + i + 1, found: n };
    }
  }
  return { offset: 0, found: beforeLastNewline ? newlines + 1 : 0 };
}

/**
 * The names a json-file log's files can have now, newest first: LOG, LOG.1 ... LOG.N (the
 * highest in the directory) and LOG.(N+1) (a rotation under way moves each file up one name).
 * Listed from the directory, not probed from 1 up: while the shim rotates, a name in the middle
 * is missing for a moment (LOG.1 moved to LOG.2, LOG not yet renamed to LOG.1).
 */
function logNames(file: string): string[] {
  const base = path.basename(file);
  let highest = 0;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(path.dirname(file));
  } catch {
    // no directory: no log
  }
  for (const name of entries) {
    if (!name.startsWith(`${base}.`)) continue;
    const suffix = name.slice(base.length + 1);
    if (/^[1-9][0-9]{0,2}$/.test(suffix)) highest = Math.max(highest, Number(suffix));
  }
  const out = [file];
  for (let n = 1; n <= highest + 1; n++) out.push(`${file}.${n}`);
  return out;
}

interface FileId {
  dev: number;
  ino: number;
}

/** Whether `name` names the file `id` now. */
function names(name: string, id: FileId): boolean {
  const st = fs.statSync(name, { throwIfNoEntry: false });
  return st !== undefined && st.ino === id.ino && st.dev === id.dev;
}

/**
 * The file written just before `cur` (a file of the log, held open), opened; 'first' when the log
 * has none (cur is its oldest file); 'moved' when a rotation moved cur while looking (look
 * again); 'gone' when cur is no longer in the log (deleted as the oldest file).
 *
 * The shim rotates by unlink(LOG.(N-1)), rename(LOG.(i-1), LOG.i) for i = N-1 down to 2,
 * rename(LOG, LOG.1), open of a new LOG. At any moment, two files with only missing names
 * between them are consecutive (a missing name is the one a rename just emptied, the files
 * below it not moved yet). So: find cur's name, open the names above it in turn, and check that
 * cur still has its name once one opens; then no rename touched the names in between.
 *
 * Synchronous on purpose: a few metadata calls (microseconds) between two of the shim's renames.
 * Done through the thread pool, each call waited its turn, and under load a step took longer
 * than the shim takes to rotate 64 KiB files (a few ms): the walk never settled.
 */
function openPrevious(file: string, cur: FileId): LogFile | 'first' | 'moved' | 'gone' {
  const all = logNames(file);
  let at = -1;
  for (let i = 0; i < all.length && at < 0; i++) if (names(all[i], cur)) at = i;
  if (at < 0) return 'gone';
  for (let i = at + 1; i < all.length; i++) {
    const h = LogFile.open(all[i]);
    if (!h) continue;
    if (names(all[at], cur)) return h;
    void h.close();
    return 'moved';
  }
  return names(all[at], cur) ? 'first' : 'moved';
}

/**
 * How long a read waits before looking again when the shim's rotation disturbed it (LOG missing
 * in the moment between rename(LOG, LOG.1) and the new LOG; a file of the walk back moved or
 * deleted), in ms; after the last, it reads what it has. The pauses let a burst of rotations pass
 * (one pipe read of 256 KiB can make several 64 KiB files at once).
 */
const ROTATION_PAUSES = [0, 0, 0, 1, 1, 2, 4, 8, 16, 32, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50];

const pause = (ms: number): Promise<void> => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));

async function closeAll(handles: LogFile[]): Promise<void> {
  for (const h of handles) await h.close().catch(() => undefined);
}

interface Filter {
  stdout: boolean;
  stderr: boolean;
  since?: bigint;
  until?: bigint;
}

/** Parses one json-file line; undefined for garbage (a torn write, say). */
function parseLine(line: string): { log: string; stream: string; time: string } | undefined {
  try {
    const v = JSON.parse(line) as { log?: unknown; stream?: unknown; time?: unknown };
    if (typeof v.time !== 'string') return undefined;
    return { log: typeof v.log === 'string' ? v.log : '', stream: typeof v.stream === 'string' ? v.stream : 'stdout', time: v.time };
  } catch {
    return undefined;
  }
}

/**
 * Reads a Docker json-file log: entries in file order, filtered by stream and since/until.
 * `tail` counts lines from the end of the file before the stream filter is applied, as Docker does,
 * reading backwards so the whole file is not scanned. With `follow`, keeps reading appended lines
 * (fs.watch plus a slow poll) until `signal` aborts or `stopWhen` settles (then reads what is left).
 * A missing file yields nothing (or, with follow, waits for it).
 */
export function readLogs(file: string, opts: ReadLogsOptions = {}): AsyncIterableIterator<LogEntry> {
  // Entries come in batches (one per chunk read); hand them out without an async generator per
  // entry, which costs several microtask hops each (100,000 lines: ~3x slower).
  const batches = readLogBatches(file, opts);
  let batch: LogEntry[] = [];
  let i = 0;
  const it: AsyncIterableIterator<LogEntry> = {
    [Symbol.asyncIterator]() {
      return it;
    },
    next(): Promise<IteratorResult<LogEntry>> {
      if (i < batch.length) return Promise.resolve({ value: batch[i++], done: false });
      return (async (): Promise<IteratorResult<LogEntry>> => {
        for (;;) {
          const r = await batches.next();
          if (r.done) return { value: undefined, done: true };
          batch = r.value;
          i = 0;
          if (batch.length) return { value: batch[i++], done: false };
        }
      })();
    },
    async return(): Promise<IteratorResult<LogEntry>> {
      batch = [];
      await batches.return(undefined);
      return { value: undefined, done: true };
    },
  };
  return it;
}

/** Like readLogs, but yields the entries in batches (one array per chunk read): the fastest way. */
export async function* readLogBatches(file: string, opts: ReadLogsOptions = {}): AsyncGenerator<LogEntry[]> {
  const filter: Filter = {
    stdout: opts.stdout ?? true,
    stderr: opts.stderr ?? true,
    since: opts.since !== undefined && opts.since !== 0 ? toNanos(opts.since, 'since') : undefined,
    until: opts.until !== undefined && opts.until !== 0 ? toNanos(opts.until, 'until') : undefined,
  };
  const tail = opts.tail === undefined || opts.tail === 'all' || opts.tail < 0 ? -1 : Math.floor(opts.tail);
  const signal = opts.signal;
  let stopped = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onAbort = (): void => {
    stopped = true;
    poke();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let stopRequested = false;
  opts.stopWhen?.then(
    () => {
      stopRequested = true;
      poke();
    },
    () => {
      stopRequested = true;
      poke();
    },
  );

  let fh: LogFile | undefined;
  const rotatedHandles: LogFile[] = [];
  let watcher: FSWatcher | undefined;
  try {
    // The log from its end back: LOG opened (its size then), then the files before it one by one
    // (openPrevious), each proven the one before, until the tail is whole or the oldest file still
    // there is reached. What a rotation disturbs is looked at again after a pause
    // (ROTATION_PAUSES): LOG missing (the moment between rename(LOG, LOG.1) and the new LOG); a
    // file moved while the one before it was opened (look again from it); the oldest file
    // reached after LOG changed (start again: older lines were there when LOG was opened). Once
    // the pauses are spent the walk goes on without starting again and what it has is read:
    // consecutive lines, a tail perhaps short. A log that is not there reads as nothing (with
    // follow: waits for it).
    let size = 0;
    let pos = 0;
    // Where reading starts in the rotated files (oldest first); tail counts across them.
    const older: { fh: LogFile; pos: number }[] = [];
    let need = 0;
    let liveId: FileId = { dev: 0, ino: 0 };
    let walked: FileId = liveId;
    for (let disturbed = 0; ; ) {
      if (signal?.aborted) return;
      if (!fh) {
        fh = LogFile.open(file);
        if (!fh) {
          if (logNames(file).length > 2 && disturbed < ROTATION_PAUSES.length) {
            await pause(ROTATION_PAUSES[disturbed++]);
            continue;
          }
          if (!opts.follow || stopRequested) return;
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(poke, 200);
          });
          continue;
        }
        const st = fh.stat();
        liveId = walked = { dev: st.dev, ino: st.ino };
        size = st.size;
        const t = tail < 0 ? { offset: 0, found: 0 } : await tailOffset(fh, size, tail);
        pos = t.offset;
        need = tail < 0 ? Infinity : tail - t.found;
      }
      if (need <= 0) break;
      const prev = openPrevious(file, walked);
      if (typeof prev !== 'string') {
        rotatedHandles.unshift(prev);
        const st = prev.stat();
        walked = { dev: st.dev, ino: st.ino };
        const t = tail < 0 ? { offset: 0, found: 0 } : await tailOffset(prev, st.size, need);
        older.unshift({ fh: prev, pos: t.offset });
        need -= t.found;
        continue;
      }
      const spent = disturbed >= ROTATION_PAUSES.length;
      if (prev === 'moved') {
        if (!spent) await pause(ROTATION_PAUSES[disturbed++]);
        continue;
      }
      // The oldest file still there: the whole log of the moment LOG was opened, unless LOG
      // changed meanwhile (then that log had older lines, deleted since: start again).
      if (spent || names(file, liveId)) break;
      older.length = 0;
      await closeAll(rotatedHandles.splice(0));
      await fh.close();
      fh = undefined;
      await pause(ROTATION_PAUSES[disturbed++]);
    }
    if (tail === 0 && !opts.follow) return;
    const buf = Buffer.allocUnsafe(CHUNK);
    let rest = '';
    let pastUntil = false;
    const entries: LogEntry[] = [];

    const consume = (text: string): void => {
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        const line = text.slice(start, nl);
        start = nl + 1;
        if (!line) continue;
        const v = parseLine(line);
        if (!v) continue;
        if (v.stream === 'stdout' ? !filter.stdout : v.stream === 'stderr' ? !filter.stderr : false) continue;
        if (filter.since !== undefined || filter.until !== undefined) {
          const t = parseRfc3339Nano(v.time);
          if (t !== undefined) {
            if (filter.since !== undefined && t < filter.since) continue;
            if (filter.until !== undefined && t > filter.until) {
              pastUntil = true;
              break;
            }
          }
        }
        entries.push({ stream: v.stream as OutputStream, time: v.time, line: Buffer.from(v.log, 'utf8') });
      }
      rest = text.slice(start);
    };

    // Read to the current end of the file, yielding as we go. Multi-byte UTF-8 is safe to split
    // only at newlines, so undecoded bytes are carried as a Buffer.
    let carry: Buffer = Buffer.alloc(0);
    let cur: LogFile = fh;
    // Without follow the live file is read up to its size when opened (as docker: a tail of a
    // container that keeps printing ends where it was asked, not wherever the writer got to).
    let end: number | undefined;
    const readToEnd = async function* (): AsyncGenerator<LogEntry[]> {
      for (;;) {
        const want = end === undefined ? CHUNK : Math.min(CHUNK, end - pos);
        if (want <= 0) return;
        const { bytesRead } = await cur.read(buf, 0, want, pos);
        if (bytesRead === 0) return;
        pos += bytesRead;
        let chunk = buf.subarray(0, bytesRead);
        if (carry.length) chunk = Buffer.concat([carry, chunk]);
        const lastNl = chunk.lastIndexOf(0x0a);
        if (lastNl < 0) {
          carry = Buffer.from(chunk);
          continue;
        }
        carry = Buffer.from(chunk.subarray(lastNl + 1));
        consume(rest + chunk.toString('utf8', 0, lastNl + 1));
        rest = '';
        if (entries.length) yield entries.splice(0);
        if (pastUntil || stopped) return;
      }
    };

    const live = { fh: cur, pos };
    for (const o of older) {
      cur = o.fh;
      pos = o.pos;
      carry = Buffer.alloc(0);
      rest = '';
      yield* readToEnd();
      if (pastUntil || stopped) return;
    }
    await closeAll(rotatedHandles.splice(0));
    cur = live.fh;
    pos = live.pos;
    carry = Buffer.alloc(0);
    rest = '';
    if (!opts.follow) end = size;
    yield* readToEnd();
    if (!opts.follow || pastUntil || stopped) return;

    /** After a rotation the path names a new file: finish the old one, then go on with the new. */
    const followRotation = async function* (): AsyncGenerator<LogEntry[]> {
      const now = fs.statSync(file, { throwIfNoEntry: false });
      if (!now) return;
      const mine = cur.stat();
      if (now.ino === mine.ino && now.dev === mine.dev) {
        if (mine.size < pos) pos = 0; // truncated (max-file 1)
        return;
      }
      const next = LogFile.open(file);
      if (!next) return;
      await cur.close();
      cur = next;
      fh = next;
      pos = 0;
      carry = Buffer.alloc(0);
      rest = '';
      yield* readToEnd();
    };

    try {
      watcher = watch(file, { persistent: false }, poke);
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined;
    }
    while (!stopped && !pastUntil) {
      if (stopRequested) {
        yield* readToEnd();
        yield* followRotation();
        return;
      }
      await new Promise<void>((r) => {
        wake = r;
        const t = setTimeout(poke, 250);
        t.unref?.();
      });
      if (stopped) return;
      yield* readToEnd();
      yield* followRotation();
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    watcher?.close();
    await closeAll(rotatedHandles);
    await fh?.close();
  }
}
