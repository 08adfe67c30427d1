import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readLogs, parseRfc3339Nano, fixedNanoTime } from './log-reader';
import { tempDir } from './__fixtures__/busybox-bundle';
import type { LogEntry, ReadLogsOptions } from './types';
// plain JS (a worker thread's file, also started by bench/log-rotation.js)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startRotatingWriter } = require('./__fixtures__/rotating-log-writer.js') as {
  startRotatingWriter(file: string, opts: { maxSize?: number; maxFile?: number; linesPerRead?: [number, number]; pauseEvery?: number; pauseMs?: number }): { ready: Promise<void>; stop(): Promise<{ lines: number; rotations: number }> };
};

let dir: string;
let big: string;
const N = 100000;

function line(i: number, stream = i % 2 ? 'stderr' : 'stdout'): string {
  const t = `2026-11-28T08:00:${String(Math.floor(i / 2000)).padStart(2, '0')}.${String(i % 2000).padStart(9, '0')}Z`;
  return JSON.stringify({ log: `line ${i}\n`, stream, time: t }) + '\n';
}

async function all(file: string, opts: ReadLogsOptions = {}): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readLogs(file, opts)) out.push(e);
  return out;
}

beforeAll(async () => {
  dir = await tempDir('berth-logs-');
  big = path.join(dir, 'big.log');
  const parts: string[] = [];
  for (let i = 0; i < N; i++) parts.push(line(i));
  await fs.writeFile(big, parts.join(''));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('readLogs', () => {
  it('reads every entry in order with stream, time and line bytes', async () => {
    const entries = await all(big);
    expect(entries.length).toBe(N);
    expect(entries[0]).toEqual({ stream: 'stdout', time: '2026-11-28T08:00:00.000000000Z', line: Buffer.from('line 0\n') });
    expect(entries[N - 1].line.toString()).toBe(`line ${N - 1}\n`);
  });

  // Its speed is measured in bench/log-reader.js (benchmarks, not timed tests): here, what is read
  it('reads 100,000 lines, each once and in order, alternating streams', async () => {
    let n = 0;
    for await (const e of readLogs(big)) {
      if (e.line.toString() !== `line ${n}\n` || e.stream !== (n % 2 ? 'stderr' : 'stdout')) throw new Error(`entry ${n}: ${e.stream} ${e.line.toString()}`);
      n++;
    }
    expect(n).toBe(N);
  });

  it('filters streams', async () => {
    const out = await all(big, { stderr: false });
    expect(out.length).toBe(N / 2);
    expect(out.every((e) => e.stream === 'stdout')).toBe(true);
  });

  it('tails from the end (counting lines before the stream filter, like Docker)', async () => {
    const last = await all(big, { tail: 3 });
    expect(last.map((e) => e.line.toString())).toEqual([`line ${N - 3}\n`, `line ${N - 2}\n`, `line ${N - 1}\n`]);
    expect(await all(big, { tail: 0 })).toEqual([]);
    expect((await all(big, { tail: 'all' })).length).toBe(N);
    expect((await all(big, { tail: N + 10 })).length).toBe(N);
    expect((await all(big, { tail: 4, stdout: false })).length).toBe(2);
  });

  it('a read landing mid-rotation (LOG renamed to LOG.1, the new LOG not made yet) waits for the new LOG instead of reading nothing', async () => {
    const log = path.join(dir, 'mid-rotation.log');
    await fs.writeFile(`${log}.1`, [0, 1, 2, 3].map((i) => line(i, 'stdout')).join(''));
    // the new LOG appears with its line at once (renamed into place): an empty new LOG is another
    // moment, whose right tail is LOG.1's last three lines
    const made = new Promise((r) => setTimeout(r, 20))
      .then(() => fs.writeFile(`${log}.new`, line(4, 'stdout')))
      .then(() => fs.rename(`${log}.new`, log));
    const out = await all(log, { tail: 3 });
    await made;
    expect(out.map((e) => e.line.toString())).toEqual(['line 2\n', 'line 3\n', 'line 4\n']);
    // a log that is really gone still reads as nothing, without waiting for it
    await fs.rm(log);
    await fs.rm(`${log}.1`);
    expect(await all(log, { tail: 3 })).toEqual([]);
  });

  it('tail counts whole lines only: a line the shim is still writing is not one yet', async () => {
    const log = path.join(dir, 'partial.log');
    await fs.writeFile(log, [0, 1, 2, 3].map((i) => line(i, 'stdout')).join('') + line(4, 'stdout').slice(0, 20));
    expect((await all(log, { tail: 3 })).map((e) => e.line.toString())).toEqual(['line 1\n', 'line 2\n', 'line 3\n']);
    await fs.writeFile(log, line(0, 'stdout').slice(0, 20));
    expect(await all(log, { tail: 3 })).toEqual([]);
  });

  it('mid-rotation, LOG.1 moved to LOG.2 and LOG not yet renamed to LOG.1: the tail goes on into LOG.2', async () => {
    const log = path.join(dir, 'gap.log');
    await fs.writeFile(`${log}.2`, [0, 1, 2].map((i) => line(i, 'stdout')).join(''));
    await fs.writeFile(log, line(3, 'stdout'));
    expect((await all(log, { tail: 3 })).map((e) => e.line.toString())).toEqual(['line 1\n', 'line 2\n', 'line 3\n']);
  });

  it('tail and whole reads are whole while the shim rotates without pause (its syscalls, its order, on a thread of its own)', async () => {
    // 8 KiB files rotating thousands of times a second: a read sees LOG renamed away, the new LOG
    // empty or with a line or two, rotated files moved up or deleted while it opens them. Before
    // the walk back (openPrevious) about 1 read in 40 came back empty, short or out of order
    // here; bench/log-rotation.js counts the same at 64 KiB (N reads, before and after).
    const log = path.join(dir, 'churn.log');
    const w = startRotatingWriter(log, { maxSize: 8192, maxFile: 3, linesPerRead: [1, 100], pauseEvery: 5, pauseMs: 1 });
    const bad: string[] = [];
    let reads = 0;
    try {
      await w.ready;
      const t0 = Date.now();
      while (reads < 300 && Date.now() - t0 < 8000) {
        const whole = reads % 3 === 2;
        const got = (await all(log, whole ? {} : { tail: 3 })).map((e) => Number(/^line (\d+)\n$/.exec(e.line.toString())?.[1]));
        reads++;
        const consecutive = got.every((n, i) => i === 0 || n === got[i - 1] + 1);
        if ((!whole && got.length !== 3) || (whole && got.length < 3) || !consecutive) bad.push(`read ${reads}${whole ? ' (whole)' : ''}: ${got.length > 8 ? `${got.length} lines` : got.join(',')}`);
      }
    } finally {
      await w.stop();
    }
    expect(reads).toBeGreaterThanOrEqual(100);
    expect(bad).toEqual([]);
  }, 30_000);

  it('filters by since and until', async () => {
    const since = parseRfc3339Nano('2026-11-28T08:00:49.000000000Z')!;
    const sinceSec = Number(since / 1_000_000_000n);
    const out = await all(big, { since: sinceSec });
    expect(out.length).toBe(N - 49 * 2000);
    const until = await all(big, { until: '2026-11-28T08:00:00.000000009Z' });
    expect(until.length).toBe(10);
  });

  it('returns nothing for a missing file', async () => {
    expect(await all(path.join(dir, 'missing.log'))).toEqual([]);
  });

  it('skips torn lines and handles a last line without newline', async () => {
    const f = path.join(dir, 'torn.log');
    await fs.writeFile(f, line(0) + '{"log":"bro\n' + line(1) + line(2).trimEnd());
    const out = await all(f);
    expect(out.map((e) => e.line.toString())).toEqual(['line 0\n', 'line 1\n']);
  });

  it('follows appended lines until stopped, then reads what is left', async () => {
    const f = path.join(dir, 'follow.log');
    await fs.writeFile(f, line(0));
    let stop!: () => void;
    const stopWhen = new Promise<void>((r) => (stop = r));
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of readLogs(f, { follow: true, stopWhen })) got.push(e.line.toString());
    })();
    await new Promise((r) => setTimeout(r, 50));
    await fs.appendFile(f, line(1));
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['line 0\n', 'line 1\n']);
    await fs.appendFile(f, line(2));
    stop();
    await reading;
    expect(got).toEqual(['line 0\n', 'line 1\n', 'line 2\n']);
  });

  it('follow stops when the signal aborts', async () => {
    const f = path.join(dir, 'abort.log');
    await fs.writeFile(f, line(0));
    const ac = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of readLogs(f, { follow: true, tail: 0, signal: ac.signal })) got.push(e.line.toString());
    })();
    await new Promise((r) => setTimeout(r, 30));
    await fs.appendFile(f, line(5));
    for (let i = 0; i < 100 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await reading;
    expect(got).toEqual(['line 5\n']);
  });

  it('reads rotated files oldest first; tail counts across them; follow goes on after a rotation', async () => {
    const f = path.join(dir, 'rot.log');
    await fs.writeFile(`${f}.2`, line(0) + line(1));
    await fs.writeFile(`${f}.1`, line(2) + line(3));
    await fs.writeFile(f, line(4));
    expect((await all(f)).map((e) => e.line.toString())).toEqual([0, 1, 2, 3, 4].map((i) => `line ${i}\n`));
    expect((await all(f, { tail: 3 })).map((e) => e.line.toString())).toEqual([2, 3, 4].map((i) => `line ${i}\n`));
    const ac = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of readLogs(f, { follow: true, tail: 0, signal: ac.signal })) got.push(e.line.toString());
    })();
    await new Promise((r) => setTimeout(r, 30));
    await fs.appendFile(f, line(5));
    await fs.rename(`${f}.1`, `${f}.2`);
    await fs.rename(f, `${f}.1`);
    await fs.writeFile(f, line(6));
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await reading;
    expect(got).toEqual(['line 5\n', 'line 6\n']);
  });
});

/**
 * The shim as an adversary: its rotation, one system call at a time, run between the reader's own
 * metadata calls (open/stat/fstat/readdir, all synchronous in the reader), every `period`-th call,
 * starting at `phase`. A real writer's timing (rotating-log-writer.js) only sometimes lands between
 * two of the reader's calls; here every interleaving of a given pace is tried, the same on every
 * run. Steps, as berth-shim.c: append entries (one write), unlink(LOG.2), rename(LOG.1, LOG.2),
 * rename(LOG, LOG.1), open(LOG, O_CREAT) (empty until the next write).
 */
describe('readLogs against the shim rotating between its calls', () => {
  const TAIL = 8; // more than LOG holds: the tail reaches into the rotated files
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const realFs = require('node:fs') as typeof import('node:fs');
  const HOOKED = ['openSync', 'statSync', 'fstatSync', 'readdirSync'] as const;
  const orig = Object.fromEntries(HOOKED.map((k) => [k, realFs[k]])) as Record<(typeof HOOKED)[number], (...a: unknown[]) => unknown>;

  /** The writer; `states`: the log's lines after each step, [oldest, newest] (every state it went through). */
  function writer(log: string): { step(): void; states: [number, number][] } {
    let n = 0;
    // what each name holds: [first, last] line (last < first: empty)
    const held = new Map<string, [number, number]>();
    const lines = (name: string, k: number): string => {
      let out = '';
      const first = held.get(name)?.[0] ?? n;
      for (let i = 0; i < k; i++) out += line(n++, 'stdout');
      held.set(name, [first, n - 1]);
      return out;
    };
    const states: [number, number][] = [];
    const record = (): void => {
      const firsts = [...held.values()].filter(([f, l]) => l >= f).map(([f]) => f);
      states.push([Math.min(...firsts), n - 1]);
    };
    const move = (from: string, to: string): void => {
      const h = held.get(from);
      held.delete(from);
      if (h) held.set(to, h);
    };
    // a log that has rotated: LOG.2, LOG.1, LOG with lines
    realFs.writeFileSync(`${log}.2`, lines(`${log}.2`, 4));
    realFs.writeFileSync(`${log}.1`, lines(`${log}.1`, 4));
    realFs.writeFileSync(log, lines(log, 2));
    record();
    let at = 0;
    const steps = [
      () => realFs.appendFileSync(log, lines(log, 3)),
      () => (realFs.rmSync(`${log}.2`, { force: true }), held.delete(`${log}.2`)),
      () => (realFs.renameSync(`${log}.1`, `${log}.2`), move(`${log}.1`, `${log}.2`)),
      () => (realFs.renameSync(log, `${log}.1`), move(log, `${log}.1`)),
      () => (realFs.closeSync(orig.openSync(log, 'a') as number), held.set(log, [n, n - 1])),
    ];
    return {
      step: () => {
        steps[at++ % steps.length]();
        record();
      },
      states,
    };
  }

  /** Reads with the writer stepping every `period`-th call; what was read and how it went. */
  async function readWhileRotating(log: string, opts: ReadLogsOptions, period: number, phase: number) {
    const w = writer(log);
    let calls = 0;
    let inTurn = 0;
    let mostInTurn = 0;
    let stepping = true;
    let turns = true;
    const tick = (): void => {
      inTurn = 0;
      if (turns) setImmediate(tick);
    };
    setImmediate(tick);
    for (const k of HOOKED) {
      (realFs as unknown as Record<string, unknown>)[k] = (...a: unknown[]) => {
        calls++;
        mostInTurn = Math.max(mostInTurn, ++inTurn);
        // a reader that never settles: stop rotating (else it would spin for good) and say so
        if (calls > 5000) stepping = false;
        if (stepping && calls % period === phase) w.step();
        return orig[k](...a);
      };
    }
    let got: number[];
    try {
      got = (await all(log, opts)).map((e) => Number(/^line (\d+)\n$/.exec(e.line.toString())?.[1]));
    } finally {
      Object.assign(realFs, orig);
      turns = false;
    }
    return { got, calls, mostInTurn, settled: stepping, states: w.states };
  }

  // A read must be the log (whole read) or its last TAIL lines (tail read) as they were at one
  // moment during the read: in order, none missing, none twice, never empty. Not a timing: the
  // same interleavings on every run. Before the snapshot (takeSnapshot), the walk back returned
  // empty whole reads, short tails and logs missing their oldest file here (30 of the 270 reads
  // at periods 2-16). At a rotation step every call or every 2nd (a whole rotation every 5-10 of
  // the reader's calls, ~100 times the real shim's fastest) no snapshot holds still: then the
  // read must still be in order and not empty.
  it('every read is the log of one moment, in order, and the event loop is never held, at every interleaving of a rotation step every 1 to 16 calls', async () => {
    const bad: string[] = [];
    let n = 0;
    // the fs hook must reach the reader (through ts-jest's module getters): else nothing rotates and this passes for nothing
    let reads = 0;
    let rotated = 0;
    for (let period = 1; period <= 16; period++) {
      for (let phase = 0; phase < period; phase++) {
        for (const whole of [false, true]) {
          const log = path.join(dir, `adversary-${n++}.log`);
          const r = await readWhileRotating(log, whole ? {} : { tail: TAIL }, period, phase);
          reads++;
          // (states: the one before the first step, then one per step)
          if (r.states.length > 1) rotated++;
          else if (period <= 4) bad.push(`period ${period} phase ${phase}${whole ? ' (whole)' : ''}: no rotation step during the read (${r.calls} hooked calls)`);
          const consecutive = r.got.every((x, i) => i === 0 || x === r.got[i - 1] + 1);
          // the log of one moment (the tail of it): its lines from the oldest still there, or the last TAIL
          const ofAMoment = r.states.some(([lo, hi]) => r.got.length > 0 && r.got[r.got.length - 1] === hi && r.got[0] === (whole ? lo : Math.max(lo, hi - TAIL + 1)));
          const why = [
            !r.settled && 'never settled (spun)',
            r.mostInTurn > 64 && `${r.mostInTurn} calls in one turn of the event loop`,
            !consecutive
              ? `not in order: ${r.got.join(',')}`
              : period <= 2
                ? r.got.length === 0 && 'nothing'
                : !ofAMoment && `${r.got.length} lines, ${r.got[0]}-${r.got[r.got.length - 1]}: not the log of any moment (${r.states.map(([lo, hi]) => `${lo}-${hi}`).join(' ')})`,
          ].filter(Boolean);
          if (why.length) bad.push(`period ${period} phase ${phase}${whole ? ' (whole)' : ''}: ${why.join('; ')}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(rotated).toBeGreaterThan(reads / 2);
  }, 60_000);
});

/**
 * `logs --follow` through rotations it sleeps through: the shim's rotation (berth-shim.c's order,
 * max-file 3: unlink LOG.2, rename LOG.1 -> LOG.2, rename LOG -> LOG.1, a new LOG) done
 * synchronously while the follower waits, so it wakes to find several rotations done at once.
 * Every line must come, once and in order.
 */
describe('readLogs --follow through rotations it slept through', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const realFs = require('node:fs') as typeof import('node:fs');
  let n = 0;
  const lines = (k: number): string => {
    let out = '';
    for (let i = 0; i < k; i++) out += line(n++, 'stdout');
    return out;
  };
  const rotate = (log: string): void => {
    realFs.rmSync(`${log}.2`, { force: true });
    if (realFs.existsSync(`${log}.1`)) realFs.renameSync(`${log}.1`, `${log}.2`);
    realFs.renameSync(log, `${log}.1`);
    realFs.writeFileSync(log, '');
  };
  const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  /** A line's number as `lines` writes it (`line 7`). */
  const lineNumber = (e: LogEntry): number => Number(/^line (\d+)\n$/.exec(e.line.toString())?.[1]);
  /** Follows `log`, keeping each entry's number (`numberOf`); `onFirst` runs when the first line comes. */
  function follow(log: string, onFirst?: () => void, numberOf: (e: LogEntry) => number = lineNumber): { got: number[]; stop(): void; done: Promise<void> } {
    let stop!: () => void;
    const stopWhen = new Promise<void>((r) => (stop = r));
    const got: number[] = [];
    const done = (async () => {
      for await (const e of readLogs(log, { follow: true, stopWhen })) {
        if (got.length === 0) onFirst?.();
        got.push(numberOf(e));
      }
    })();
    return { got, stop, done };
  }
  async function until(what: () => boolean): Promise<void> {
    for (let i = 0; i < 250 && !what(); i++) await settle(20);
  }
  const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

  for (const rotations of [2, 3, 4]) {
    const what = ['', '', 'the file between them kept: every line', 'the file it was reading deleted too: every line (its fd is held)', 'the file after its own deleted before anyone opened it: every other line'][rotations];
    it(`${rotations} rotations while it waits (${what}), once and in order`, async () => {
      const log = path.join(dir, `follow-${rotations}-rotations.log`);
      n = 0;
      realFs.writeFileSync(log, lines(3));
      const f = follow(log);
      await until(() => f.got.length === 3);
      await settle(60); // the follower waits for the next change
      // one synchronous burst: appends to the file it reads, then the rotations, each new LOG written
      realFs.appendFileSync(log, lines(2));
      for (let r = 0; r < rotations; r++) {
        rotate(log);
        realFs.appendFileSync(log, lines(4));
      }
      await until(() => f.got[f.got.length - 1] === n - 1);
      f.stop();
      await f.done;
      // (with 4 rotations the file after the one it read was deleted before anyone could open it)
      expect(f.got).toEqual(rotations === 4 ? [...range(0, 5), ...range(9, n)] : range(0, n));
    });
  }

  it('lines appended just before a rotation that the follower sees at once are read (it reads its file to the end once LOG names another)', async () => {
    const log = path.join(dir, 'follow-race.log');
    n = 0;
    realFs.writeFileSync(log, lines(3));
    const f = follow(log);
    await until(() => f.got.length === 3);
    await settle(60);
    // the shim appends and rotates exactly between the follower's read to the end and its look at LOG
    const statSync = realFs.statSync;
    let armed = true;
    (realFs as { statSync: unknown }).statSync = (...a: Parameters<typeof statSync>) => {
      if (armed && a[0] === log) {
        armed = false;
        realFs.appendFileSync(log, lines(2));
        rotate(log);
        realFs.appendFileSync(log, lines(2));
      }
      return statSync(...a);
    };
    try {
      realFs.appendFileSync(log, lines(1)); // wakes it
      await until(() => f.got.length >= 8);
    } finally {
      (realFs as { statSync: unknown }).statSync = statSync;
    }
    expect(armed).toBe(false);
    f.stop();
    await f.done;
    expect(f.got).toEqual(range(0, 8));
  });

  // A container that prints the same long line (a health check): every line starts with the same
  // 64 bytes and ends with its own time (its number). The first lines after a truncation are the
  // ones lost if the follower reads on from where it was.
  const same = (k: number): string => {
    let out = '';
    for (let i = 0; i < k; i++) out += JSON.stringify({ log: `${'health check: all services answered within their deadlines '.repeat(2)}\n`, stream: 'stdout', time: `2026-11-28T09:00:00.${String(n++).padStart(9, '0')}Z` }) + '\n';
    return out;
  };
  const timeNumber = (e: LogEntry): number => Number(e.time.slice(-10, -1));

  it.each([
    ['every new line from the start', 'follow-truncate.log', lines, lineNumber],
    ['seen when every line starts the same (long repeated lines), by the end of the last line read', 'follow-truncate-same.log', same, timeNumber],
  ] as const)('max-file 1: LOG truncated in place and written past where the follower was: %s', async (_what, name, write, numberOf) => {
    const log = path.join(dir, name);
    n = 0;
    realFs.writeFileSync(log, write(3));
    const f = follow(log, undefined, numberOf);
    await until(() => f.got.length === 3);
    await settle(60);
    // the shim's rotation with max-file 1 (ftruncate, same inode), then more than there was
    realFs.truncateSync(log, 0);
    realFs.appendFileSync(log, write(6));
    await until(() => f.got[f.got.length - 1] === n - 1);
    f.stop();
    await f.done;
    expect(f.got).toEqual(range(0, n));
  });

  it('max-file 1: a truncation in place before the follower first looks at LOG again is seen (the mark is taken from the bytes read)', async () => {
    const log = path.join(dir, 'follow-truncate-early.log');
    n = 0;
    realFs.writeFileSync(log, lines(3));
    // when the first lines reach the reader, the shim truncates LOG and writes more than there was,
    // before the follower's first look at LOG
    const statSync = realFs.statSync;
    let armed = false;
    (realFs as { statSync: unknown }).statSync = (...a: Parameters<typeof statSync>) => {
      if (armed && a[0] === log) {
        armed = false;
        realFs.truncateSync(log, 0);
        realFs.appendFileSync(log, lines(6));
      }
      return statSync(...a);
    };
    const f = follow(log, () => (armed = true));
    try {
      await until(() => f.got[f.got.length - 1] === n - 1);
    } finally {
      (realFs as { statSync: unknown }).statSync = statSync;
    }
    expect(n).toBe(9); // the truncation was made
    f.stop();
    await f.done;
    expect(f.got).toEqual(range(0, n));
  });

  it('a follower that starts while LOG is missing (mid-rotation) goes on from LOG.1 into the files after it', async () => {
    const log = path.join(dir, 'follow-missing.log');
    n = 0;
    realFs.writeFileSync(`${log}.1`, lines(3));
    const f = follow(log);
    await until(() => f.got.length === 3);
    await settle(60);
    realFs.writeFileSync(log, lines(2));
    rotate(log);
    realFs.appendFileSync(log, lines(2));
    await until(() => f.got[f.got.length - 1] === n - 1);
    f.stop();
    await f.done;
    expect(f.got).toEqual(range(0, n));
  });
});

/**
 * Two rotations inside one snapshot, placed exactly (max-file 3, then 4): the log is LOG.1 = A
 * (lines 0-3) and LOG = B (4-5); a whole read lists LOG, LOG.1, LOG.2. Between its opens of
 * LOG.2 (missing) and LOG.1 a whole rotation runs (A -> LOG.2, B -> LOG.1, C = LOG with 6-7);
 * before its check of LOG.2 the next one begins (C gets 8-9, then A is deleted, or with max-file
 * 4 moved on to LOG.3). Every name then looks as it was opened (LOG.2 missing both times), yet A
 * was in the log all the while LOG was opened: a whole read of B and C lost A (and, with max-file
 * 4, A is still on disk). The read must be the log of one moment: 4-9 (A deleted) or 0-9.
 */
describe('readLogs when two rotations fall inside one snapshot', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const realFs = require('node:fs') as typeof import('node:fs');
  const text = (a: number, b: number): string => Array.from({ length: b - a + 1 }, (_, i) => line(a + i, 'stdout')).join('');

  for (const maxFile of [3, 4]) {
    it(`max-file ${maxFile}: the oldest file is not lost (${maxFile === 3 ? 'deleted meanwhile: the log after that' : 'moved to LOG.3: the whole log'})`, async () => {
      const log = path.join(dir, `two-in-one-${maxFile}.log`);
      realFs.writeFileSync(`${log}.1`, text(0, 3));
      realFs.writeFileSync(log, text(4, 5));
      const { openSync, statSync } = realFs;
      let fired = 0;
      const hooks = realFs as unknown as Record<string, unknown>;
      hooks.openSync = (...a: Parameters<typeof openSync>) => {
        if (fired === 0 && a[0] === `${log}.1`) {
          fired++;
          // rotation 1, whole: nothing at LOG.2 to delete, A -> LOG.2, B -> LOG.1, C = LOG
          realFs.renameSync(`${log}.1`, `${log}.2`);
          realFs.renameSync(log, `${log}.1`);
          realFs.writeFileSync(log, text(6, 7));
        }
        return openSync(...a);
      };
      hooks.statSync = (...a: Parameters<typeof statSync>) => {
        if (fired === 1 && a[0] === `${log}.2`) {
          fired++;
          // rotation 2 begins: the entries that end C, then the oldest goes
          realFs.appendFileSync(log, text(8, 9));
          if (maxFile === 3) realFs.rmSync(`${log}.2`);
          else realFs.renameSync(`${log}.2`, `${log}.3`);
        }
        return statSync(...a);
      };
      let got: number[];
      try {
        got = (await all(log)).map((e) => Number(/^line (\d+)\n$/.exec(e.line.toString())?.[1]));
      } finally {
        Object.assign(realFs, { openSync, statSync });
      }
      expect(fired).toBe(2);
      expect(got).toEqual(Array.from({ length: maxFile === 3 ? 6 : 10 }, (_, i) => i + (maxFile === 3 ? 4 : 0)));
    });
  }

  it('a rotation that ends between two checks and a next one that moves the oldest file past the names listed: not lost (max-file 5)', async () => {
    // LOG.2 = A (0-1), LOG.1 = B (2-3), LOG = C (4-5); listed: LOG .. LOG.3. Before the open of
    // LOG.2 a rotation begins (A -> LOG.3; LOG.2 missing when opened); before the check of LOG.3
    // it ends (B -> LOG.2, C -> LOG.1, D = LOG with 6-7) and the next one moves A to LOG.4. LOG.2
    // and LOG.3 were missing when opened and are missing when checked.
    const log = path.join(dir, 'two-in-one-5.log');
    realFs.writeFileSync(`${log}.2`, text(0, 1));
    realFs.writeFileSync(`${log}.1`, text(2, 3));
    realFs.writeFileSync(log, text(4, 5));
    const { openSync, statSync } = realFs;
    let fired = 0;
    const hooks = realFs as unknown as Record<string, unknown>;
    hooks.openSync = (...a: Parameters<typeof openSync>) => {
      if (fired === 0 && a[0] === `${log}.2`) {
        fired++;
        realFs.renameSync(`${log}.2`, `${log}.3`);
      }
      return openSync(...a);
    };
    hooks.statSync = (...a: Parameters<typeof statSync>) => {
      if (fired === 1 && a[0] === `${log}.3`) {
        fired++;
        realFs.renameSync(`${log}.1`, `${log}.2`);
        realFs.renameSync(log, `${log}.1`);
        realFs.writeFileSync(log, text(6, 7));
        realFs.renameSync(`${log}.3`, `${log}.4`);
      }
      return statSync(...a);
    };
    let got: number[];
    try {
      got = (await all(log)).map((e) => Number(/^line (\d+)\n$/.exec(e.line.toString())?.[1]));
    } finally {
      Object.assign(realFs, { openSync, statSync });
    }
    expect(fired).toBe(2);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('readLogs when a name cannot be looked at', () => {
  it('fails with the cause and keeps no file open (a rotated name that is a symlink loop: ELOOP)', async () => {
    const log = path.join(dir, 'loop.log');
    await fs.writeFile(log, line(0) + line(1));
    await fs.symlink(path.basename(`${log}.1`), `${log}.1`); // LOG.1 -> itself
    const openOn = async (): Promise<number> => {
      let n = 0;
      for (const fd of await fs.readdir('/proc/self/fd')) {
        if ((await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '')) === log) n++;
      }
      return n;
    };
    await expect(all(log)).rejects.toMatchObject({ code: 'ELOOP' });
    await new Promise((r) => setTimeout(r, 20)); // (closes go through the thread pool)
    expect(await openOn()).toBe(0);
  });
});

describe('time helpers', () => {
  it('pads stored times to Docker\'s fixed nanosecond form', () => {
    expect(fixedNanoTime('2026-11-28T08:05:21.8242969Z')).toBe('2026-11-28T08:05:21.824296900Z');
    expect(fixedNanoTime('2026-11-28T08:05:21Z')).toBe('2026-11-28T08:05:21.000000000Z');
    expect(parseRfc3339Nano('1970-01-01T00:00:01.5Z')).toBe(1_500_000_000n);
  });
});
