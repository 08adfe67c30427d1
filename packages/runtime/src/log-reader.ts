import { promises as fs, watch, type FSWatcher } from 'node:fs';
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
 * Byte offset where the last `n` lines of the file start, reading backwards in chunks, and how
 * many lines were found (fewer than `n`: the whole file, offset 0).
 */
async function tailOffset(fh: fs.FileHandle, size: number, n: number): Promise<{ offset: number; found: number }> {
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

/** How often a read without follow opens LOG again when only LOG.1 is there (2 ms apart). */
const MID_ROTATION_RETRIES = 50;

const exists = (f: string): Promise<boolean> => fs.stat(f).then(() => true, () => false);

/** How often a tail left short by rotations during the listing is taken again. */
const SNAPSHOT_RETRIES = 5;

/** Whether the path no longer names the file that was opened as the live log (it was rotated). */
async function rotatedAway(file: string, opened: { ino: number; dev: number }): Promise<boolean> {
  const now = await fs.stat(file).catch(() => undefined);
  return !now || now.ino !== opened.ino || now.dev !== opened.dev;
}

/**
 * Rotated files of a json-file log (`LOG.1` newest ... `LOG.N` oldest), oldest first. Listed
 * from the directory, not probed from 1 up: while the shim rotates, `LOG.1` is missing for a
 * moment (moved to `LOG.2`, LOG not yet renamed to it), and the older files are still there.
 */
async function rotatedFiles(file: string): Promise<string[]> {
  const base = path.basename(file);
  const names = await fs.readdir(path.dirname(file)).catch(() => [] as string[]);
  const numbered: { n: number; f: string }[] = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const suffix = name.slice(base.length + 1);
    if (/^[1-9][0-9]{0,2}$/.test(suffix)) numbered.push({ n: Number(suffix), f: path.join(path.dirname(file), name) });
  }
  return numbered.sort((a, b) => b.n - a.n).map((x) => x.f);
}

/**
 * The rotated files as they are now, opened, oldest first: the live file (open already) and a
 * file seen twice (a rotation while listing moves each name up by one) are left out.
 */
async function openRotated(file: string, live: { ino: number; dev: number }): Promise<fs.FileHandle[]> {
  const seen = new Set<string>([`${live.dev}:${live.ino}`]);
  const out: fs.FileHandle[] = [];
  for (const f of (await rotatedFiles(file)).reverse()) {
    const h = await fs.open(f, 'r').catch(() => undefined);
    if (!h) continue;
    const st = await h.stat();
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) {
      await h.close();
      continue;
    }
    seen.add(key);
    out.unshift(h);
  }
  return out;
}

async function closeAll(handles: fs.FileHandle[]): Promise<void> {
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

  let fh: fs.FileHandle | undefined;
  let rotatedHandles: fs.FileHandle[] = [];
  let watcher: FSWatcher | undefined;
  try {
    // Open (with follow: wait for the file to appear). The shim rotates by renaming LOG to LOG.1
    // and then creating LOG, so for a moment only LOG.1 is there: a read that lands in that
    // window opens again shortly instead of reading nothing (`logs --tail 3` of a container
    // printing without end came back empty once in ten runs).
    let size = 0;
    let pos = 0;
    // Where reading starts in the rotated files (oldest first); tail counts across them.
    const older: { fh: fs.FileHandle; pos: number }[] = [];
    for (let snapshot = 0; ; snapshot++) {
      let midRotation = 0;
      for (;;) {
        if (signal?.aborted) return;
        try {
          fh = await fs.open(file, 'r');
          break;
        } catch (e) {
          const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
          if (missing && !opts.follow && midRotation < MID_ROTATION_RETRIES && (await exists(`${file}.1`))) {
            midRotation++;
            await new Promise((r) => setTimeout(r, 2));
            continue;
          }
          if (!missing || !opts.follow || stopRequested) return;
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(poke, 200);
          });
        }
      }
      const liveStat = await fh.stat();
      // The rotated files are opened now and read through these handles: the shim keeps rotating
      // while a container prints, and a name opened again later may already be another file (a
      // tail offset taken in one file was read in the next: `logs --tail 3` came back empty).
      rotatedHandles = await openRotated(file, liveStat);
      size = liveStat.size;
      pos = 0;
      let need = 0;
      if (tail >= 0) {
        const t = await tailOffset(fh, size, tail);
        pos = t.offset;
        need = tail - t.found;
        for (const h of [...rotatedHandles].reverse()) {
          if (need <= 0) break;
          const t2 = await tailOffset(h, (await h.stat()).size, need);
          older.unshift({ fh: h, pos: t2.offset });
          need -= t2.found;
        }
      } else {
        for (const h of rotatedHandles) older.push({ fh: h, pos: 0 });
      }
      // A tail left short because rotations went on while the files were opened (the live file
      // rotated away, the files before it deleted): take the snapshot again, a few times at most.
      if (need > 0 && snapshot < SNAPSHOT_RETRIES && (await rotatedAway(file, liveStat))) {
        older.length = 0;
        await closeAll(rotatedHandles.splice(0));
        await fh.close();
        fh = undefined;
        continue;
      }
      break;
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
    let cur: fs.FileHandle = fh;
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
      const now = await fs.stat(file).catch(() => undefined);
      if (!now) return;
      const mine = await cur.stat();
      if (now.ino === mine.ino && now.dev === mine.dev) {
        if (mine.size < pos) pos = 0; // truncated (max-file 1)
        return;
      }
      const next = await fs.open(file, 'r').catch(() => undefined);
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
