import * as fs from 'node:fs';
import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@berth/errdefs';
import type { LogEntry, OutputStream, ReadLogsOptions } from './types';

const CHUNK = 256 * 1024;
/**
 * How many bytes before the end of the last line read are kept to know a followed file again after
 * a truncation in place: more than a json-file line's `","stream":"stdout","time":"…"}` end, so
 * they hold that line's time to the nanosecond.
 */
const MARK = 128;

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

interface Held {
  fh: LogFile;
  /** Its size when opened (the live file's end for a read without follow; the others are final). */
  size: number;
  /** Its inode: a follower finds the file it was reading among the names by it. */
  dev: number;
  ino: number;
}

/** A set of the log's files that were all under their names at one moment, newest first. */
interface LogSnapshot {
  files: Held[];
  /** files[0] is LOG (false: LOG was missing, the moment between rename(LOG, LOG.1) and the new LOG). */
  live: boolean;
  /** Every name of the log held still: the files are the whole log of that moment. */
  whole: boolean;
}

/**
 * Opens the log's files as they were at one moment, without a lock shared with the shim (Docker's
 * json-file reader takes the writer's mutex, which rotation also takes, and opens the rotated
 * files oldest first; the shim is another process). With max-file >= 2 the shim only ever moves a
 * file up one name (LOG -> LOG.1 -> LOG.2 ...) or deletes the highest; a file never comes back to
 * a name it left, and a held descriptor keeps its inode number from being reused. (With max-file
 * 1 it truncates LOG in place instead: there is LOG alone, and a follower starts it over when it
 * shrinks.) So:
 *
 * 1. open the names from the oldest (highest) down to LOG, noting each one's inode (or absence);
 * 2. then stat them from LOG up: a name that still names what it named when opened named it all
 *    the time between. LOG is opened last and checked first, so every name checked good held its
 *    file at the moment LOG was opened: at that moment the files were exactly these, under these
 *    names, and files under names in order are consecutive (a missing name in between is one a
 *    rename just emptied).
 *
 * The names from LOG up to the first that changed are kept (the newest part of the log, in
 * order), LOG at least; the others are closed. `all` false: LOG alone (no readdir; a tail it holds).
 *
 * A missing name has no inode to compare: missing at both looks, it may have held a file in
 * between, the oldest one passing through (two rotations inside the snapshot: one moves the
 * oldest file up into the highest name listed after it was found missing, the next moves it on
 * past the names listed, or deletes it, before its check). So `whole` (every name of the log, no
 * file beyond them) also asks that no rotation ended during the snapshot: LOG is opened before
 * the readdir too and must name that same file when LOG is opened last (then that first
 * descriptor is used) and after the last check. Within such a window at most one rotation is
 * under way, and its moves go from the highest name down, so a name it fills is not emptied
 * again and nothing reaches a name above the ones the readdir saw.
 * The snapshot with `whole` false still holds the newest part of the log, as above.
 * Synchronous on purpose: a few microseconds of metadata calls between two of the shim's renames
 * (through the thread pool each call waited its turn and a snapshot outlasted the rotations);
 * the caller pauses between two snapshots, so the event loop is never held for longer than one.
 */
function takeSnapshot(file: string, all: boolean): LogSnapshot {
  const opened: Held[] = [];
  // all: LOG opened before anything else, the witness that no rotation ended during the snapshot
  let first: Held | undefined;
  let list = [file];
  let held = 0;
  let steady = !all;
  try {
    if (all) {
      first = openHeld(file);
      steady = first !== undefined;
      list = logNames(file);
    }
    for (let i = list.length - 1; i >= 1; i--) {
      const h = openHeld(list[i]);
      if (h) opened[i] = h;
    }
    if (first) {
      // LOG last: the file opened first when LOG still names it (this stat is LOG's check)
      if (sameFile(first, fs.statSync(file, { throwIfNoEntry: false }))) {
        opened[0] = first;
        first = undefined;
        held = 1;
      } else steady = false;
    }
    if (held === 0) {
      const h = openHeld(file);
      if (h) opened[0] = h;
    }
    for (; held < list.length; held++) {
      // throws past ENOENT too (EACCES, ELOOP, ENOTDIR): nothing opened is kept then
      if (!sameFile(opened[held], fs.statSync(list[held], { throwIfNoEntry: false }))) break;
    }
    if (all && held === list.length) {
      // LOG still names the file it named before the readdir: no rotation ended in between
      if (steady) steady = sameFile(opened[0], fs.statSync(file, { throwIfNoEntry: false }));
      else if (!opened.some(Boolean)) steady = true; // no log at all: nothing under any name, at both looks
    }
  } catch (err) {
    for (const o of [first, ...opened]) if (o) void o.fh.close();
    throw err;
  }
  if (first) void first.fh.close();
  // The file opened as LOG stands alone in any case: up to its size then, it was the newest part
  // of the log at that moment, whether or not it moved since (checking LOG is for the files before).
  const keep = Math.max(held, 1);
  const files: Held[] = [];
  for (let i = 0; i < list.length; i++) {
    const o = opened[i];
    if (!o) continue;
    if (i < keep) files.push(o);
    else void o.fh.close();
  }
  return { files, live: opened[0] !== undefined, whole: held === list.length && steady };
}

/** Opens a log file by name and notes its size and inode; undefined when it is not there. */
function openHeld(name: string): Held | undefined {
  const fh = LogFile.open(name);
  if (!fh) return undefined;
  try {
    const st = fh.stat();
    return { fh, size: st.size, dev: st.dev, ino: st.ino };
  } catch (err) {
    void fh.close();
    throw err;
  }
}

/** Whether a name (its stat, undefined: missing) names the file held (undefined: none). */
function sameFile(h: Held | undefined, st: fs.Stats | undefined): boolean {
  return st ? h !== undefined && h.ino === st.ino && h.dev === st.dev : h === undefined;
}

/**
 * How long a read waits before taking another snapshot when the one it has is not enough because
 * of a rotation (LOG missing; a name changed while opening, so that only the newest part of the
 * log held still and the tail is not in it), in ms. After the last it reads the best snapshot it
 * had. The pauses let a burst of rotations pass (one pipe read of 256 KiB can make several
 * 64 KiB files at once).
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
  /** The best snapshot so far while looking again (closed unless read). */
  let best: { files: Held[]; starts: number[]; live: boolean; score: number } | undefined;
  let pending: Held[] = []; // a snapshot being looked at
  let watcher: FSWatcher | undefined;
  try {
    if (tail === 0 && !opts.follow) return;
    // The log as it was at one moment (takeSnapshot), read from where the tail starts (counted
    // back from LOG across the files). A tail LOG holds is read from LOG alone. A snapshot that is
    // not enough because of a rotation (LOG missing; only the newest files held still and the
    // tail, or for a read without tail the whole log, is not in them) is taken again after a
    // pause (ROTATION_PAUSES); once the pauses are spent the best one taken is read: consecutive
    // lines, perhaps fewer than asked, never a file out of order. A log that is not there reads
    // as nothing (with follow: waits for it).
    let size = 0;
    let pos = 0;
    // Where reading starts in the rotated files (oldest first); tail counts across them.
    const older: { fh: LogFile; pos: number }[] = [];
    for (let disturbed = 0, all = tail < 0; ; ) {
      if (signal?.aborted) return;
      const snap = takeSnapshot(file, all);
      pending = snap.files;
      const starts: number[] = [];
      let need = tail < 0 ? Infinity : tail;
      let score = 0;
      for (const f of snap.files) {
        if (need <= 0 && starts.length) break; // LOG stays (a follower's file)
        const t = tail < 0 ? { offset: 0, found: 0 } : await tailOffset(f.fh, f.size, need);
        starts.push(t.offset);
        need -= t.found;
        // a tail: how many of its lines; a whole read: how many bytes
        score += tail < 0 ? f.size : t.found;
      }
      await closeAll(snap.files.splice(starts.length).map((f) => f.fh));
      const plan = { files: snap.files, starts, live: snap.live, score };
      pending = [];
      const wholeLog = all && snap.whole;
      if ((snap.live && (need <= 0 || wholeLog)) || (wholeLog && !snap.files.length && !best?.files.length)) {
        // what was asked, or no log at all
        await closeAll((best?.files ?? []).map((f) => f.fh));
        best = plan;
      } else if (!all) {
        // LOG alone does not hold the tail: all the files, at once
        best = plan;
        all = true;
        continue;
      } else {
        let drop = plan.files;
        if (!best || plan.score >= best.score) [drop, best] = [best?.files ?? [], plan];
        await closeAll(drop.map((f) => f.fh));
        if (disturbed < ROTATION_PAUSES.length) {
          await pause(ROTATION_PAUSES[disturbed++]);
          continue;
        }
      }
      const chosen = best;
      best = undefined;
      if (!chosen.files.length) {
        if (!opts.follow || stopRequested) return;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(poke, 200);
        });
        disturbed = 0;
        all = tail < 0;
        continue;
      }
      for (let i = 0; i < chosen.files.length; i++) {
        const f = chosen.files[i];
        if (i === 0 && chosen.live) {
          fh = f.fh;
          size = f.size;
          pos = chosen.starts[0];
        } else {
          rotatedHandles.unshift(f.fh);
          older.unshift({ fh: f.fh, pos: chosen.starts[i] });
        }
      }
      break;
    }
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
    // The last MARK bytes read from `cur` that end its last whole line read (at pos - carry.length):
    // a truncation in place is known by them (truncatedInPlace). Empty when nothing of cur is read.
    let seen: Buffer = Buffer.alloc(0);
    let cur: LogFile = fh ?? older[0].fh; // the snapshot read has one file at least
    // Without follow the live file is read up to its size when opened (as docker: a tail of a
    // container that keeps printing ends where it was asked, not wherever the writer got to).
    let end: number | undefined;
    const readToEnd = async function* (): AsyncGenerator<LogEntry[]> {
      if (pos > 0 && seen.length === 0 && carry.length === 0) {
        // a start inside the file (a tail, or the end of LOG): the line before it is the mark
        const b = Buffer.allocUnsafe(Math.min(MARK, pos));
        const { bytesRead } = await cur.read(b, 0, b.length, pos - b.length);
        seen = b.subarray(0, bytesRead);
      }
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
        const whole = chunk.subarray(0, lastNl + 1);
        seen = Buffer.from(whole.length >= MARK ? whole.subarray(whole.length - MARK) : Buffer.concat([seen, whole]).subarray(-MARK));
        consume(rest + chunk.toString('utf8', 0, lastNl + 1));
        rest = '';
        if (entries.length) yield entries.splice(0);
        if (pastUntil || stopped) return;
      }
    };

    /** Reading goes on in `h` from `at`, nothing of it read yet (no carry, no mark, no partial line). */
    const readFrom = (h: LogFile, at: number): void => {
      cur = h;
      pos = at;
      carry = Buffer.alloc(0);
      seen = Buffer.alloc(0);
      rest = '';
    };

    const livePos = pos;
    for (const o of older) {
      readFrom(o.fh, o.pos);
      yield* readToEnd();
      if (pastUntil || stopped) return;
    }
    if (!fh) {
      // LOG was missing all the while (a rotation the pauses did not see end): a follower goes on
      // from the newest file it read (kept open, read to its end), as after any rotation below.
      if (!opts.follow || pastUntil || stopped) return;
      fh = cur;
      rotatedHandles.splice(rotatedHandles.indexOf(cur), 1);
    } else {
      readFrom(fh, livePos);
    }
    await closeAll(rotatedHandles.splice(0));
    if (!opts.follow) end = size;
    yield* readToEnd();
    if (!opts.follow || pastUntil || stopped) return;

    const rewatch = (): void => {
      watcher?.close();
      try {
        watcher = watch(file, { persistent: false }, poke);
        watcher.on('error', () => undefined);
      } catch {
        watcher = undefined;
      }
    };
    /**
     * Whether cur (still LOG) was truncated in place since it was read to `pos`: shorter than
     * that, or the bytes read last are not there any more. A file written again past `pos` since
     * the truncation is not shorter, but the end of the last line read (`seen`, with its time to
     * the nanosecond) and any part of a line after it (`carry`) are not where they were.
     */
    const truncatedInPlace = async (size: number): Promise<boolean> => {
      if (size < pos) return true;
      const was = carry.length ? Buffer.concat([seen, carry.subarray(0, MARK)]) : seen;
      if (was.length === 0) return false;
      const b = Buffer.allocUnsafe(was.length);
      const { bytesRead } = await cur.read(b, 0, b.length, pos - carry.length - seen.length);
      return bytesRead < b.length || !b.equals(was);
    };
    /**
     * After a rotation the follower loses nothing: the file it reads (`cur`, held open: a rename
     * or unlink does not take its lines away) is read to its end once LOG names another file (it
     * is final then: the shim writes it before it renames it), then the files that came after
     * it, oldest first, found by cur's inode in a snapshot of the log (the names newer than its
     * own; all of them when cur was deleted, rotated out past max-file: every file left is newer),
     * each to its end; the newest becomes `cur`. However many rotations the follower slept
     * through, only a file the shim deleted before it was opened is lost (Docker's follower, which
     * reopens LOG, loses every file but the newest). A snapshot that did not hold still (not
     * `whole`) and lacks cur is taken again after a pause, as a read does.
     */
    const followRotation = async function* (): AsyncGenerator<LogEntry[]> {
      let after: Held[] = [];
      try {
        for (let disturbed = 0; ; ) {
          const now = fs.statSync(file, { throwIfNoEntry: false });
          const mine = cur.stat();
          if (now && now.ino === mine.ino && now.dev === mine.dev) {
            if (await truncatedInPlace(mine.size)) {
              // max-file 1: the shim truncates LOG and writes on from 0; read that from its start
              readFrom(cur, 0);
              yield* readToEnd();
            }
            return;
          }
          yield* readToEnd();
          if (pastUntil || stopped) return;
          const snap = takeSnapshot(file, true);
          const at = snap.files.findIndex((f) => f.ino === mine.ino && f.dev === mine.dev);
          if (at < 0 && !snap.whole && disturbed < ROTATION_PAUSES.length) {
            await closeAll(snap.files.map((f) => f.fh));
            await pause(ROTATION_PAUSES[disturbed++]);
            continue;
          }
          after = snap.files.slice(0, at < 0 ? snap.files.length : at).reverse();
          await closeAll(snap.files.slice(after.length).map((f) => f.fh));
          if (!after.length) return; // LOG missing, nothing after cur yet: wait for it
          rewatch();
          while (after.length) {
            const next = after.shift()!;
            await cur.close();
            readFrom((fh = next.fh), 0);
            yield* readToEnd();
            if (pastUntil || stopped) return;
          }
          disturbed = 0; // cur is the newest now: LOG, unless it rotated again meanwhile
        }
      } finally {
        await closeAll(after.map((f) => f.fh));
      }
    };

    rewatch();
    // a rotation since the snapshot (or a follower that started on a rotated file, LOG missing): at once
    yield* followRotation();
    // Each wake looks at LOG before reading on (a truncation in place is seen before reading past
    // the old end), and again after (a rotation since: cur read to its end, then what came after).
    while (!stopped && !pastUntil) {
      if (stopRequested) {
        yield* followRotation();
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
      yield* followRotation();
      yield* readToEnd();
      yield* followRotation();
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    watcher?.close();
    await closeAll(rotatedHandles);
    await closeAll([...(best?.files ?? []), ...pending].map((f) => f.fh));
    await fh?.close();
  }
}
