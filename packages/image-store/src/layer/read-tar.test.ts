import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import * as tar from 'tar-stream';
import { readTar } from './read-tar';
import type { TarEntry, TarSink } from './tar-entry';

async function tarOf(files: [string, Buffer][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of files) pack.entry({ name, mode: 0o644, mtime: new Date(1_600_000_000_000) }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The tar in `size`-byte pieces, counting how many pieces have been taken from it. */
function piecesOf(all: Buffer, size: number): { input: Readable; taken: () => number } {
  let n = 0;
  const input = Readable.from(
    (function* () {
      for (let i = 0; i < all.length; i += size) {
        n++;
        yield all.subarray(i, i + size);
      }
    })(),
    { highWaterMark: 1 },
  );
  return { input, taken: () => n };
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('readTar with a sink that waits', () => {
  it('holds the next chunk while data() is pending, and the next entry while entryEnd() is', async () => {
    const a = Buffer.alloc(6 * 1024 * 1024, 1);
    const b = Buffer.alloc(5_000, 2);
    const all = await tarOf([
      ['a', a],
      ['b', b],
    ]);
    const { input, taken } = piecesOf(all, 65_536);
    const log: string[] = [];
    const got = new Map<string, Buffer[]>();
    let name = '';
    let waiting = false;
    let takenWhileWaiting = 0;
    const sink: TarSink = {
      entry: (e: TarEntry) => {
        name = e.name;
        got.set(name, []);
        log.push(`entry ${name}`);
      },
      data: (c: Buffer) => {
        if (waiting) throw new Error('data() called while the last one was pending');
        got.get(name)!.push(c);
        if (got.get(name)!.length % 16 !== 0) return undefined;
        waiting = true;
        const at = taken();
        return tick(5).then(() => {
          takenWhileWaiting = Math.max(takenWhileWaiting, taken() - at);
          waiting = false;
        });
      },
      entryEnd: () => {
        log.push(`end ${name}`);
        if (name !== 'a') return undefined;
        return tick(20).then(() => {
          log.push('a settled');
        });
      },
    };
    await readTar(input, sink);
    expect(log).toEqual(['entry a', 'end a', 'a settled', 'entry b', 'end b']);
    expect(Buffer.concat(got.get('a')!).equals(a)).toBe(true);
    expect(Buffer.concat(got.get('b')!).equals(b)).toBe(true);
    // while the sink waits, only what the streams in between buffer is read on (the extractor's 1 MiB), not the rest of the 6 MiB
    expect(takenWhileWaiting * 65_536).toBeLessThan(1.5 * 1024 * 1024);
  });

  it("fails with the sink's error (as its cause) when a data() or entryEnd() promise rejects", async () => {
    const all = await tarOf([['a', Buffer.alloc(100_000, 1)]]);
    const boom = new Error('disk full');
    const failData: TarSink = { entry: () => undefined, data: () => Promise.reject(boom), entryEnd: () => undefined };
    await expect(readTar(piecesOf(all, 8192).input, failData)).rejects.toMatchObject({ cause: boom });
    const failEnd: TarSink = { entry: () => undefined, data: () => undefined, entryEnd: () => tick(1).then(() => Promise.reject(boom)) };
    await expect(readTar(piecesOf(all, 8192).input, failEnd)).rejects.toMatchObject({ cause: boom });
  });

  it('an input that closes early: rejects only after the sink\'s call in flight has settled, and tells the sink to stop (cancel)', async () => {
    const all = await tarOf([
      ['a', Buffer.alloc(100, 1)],
      ['b', Buffer.alloc(100, 2)],
    ]);
    for (const where of ['entry', 'data'] as const) {
      const input = new Readable({ read() {} });
      let release!: () => void;
      let cancelled = false;
      let settled = false;
      const sink: TarSink = {
        entry: () => {
          if (where !== 'entry') return undefined;
          input.destroy(); // gone while the sink waits
          return new Promise<void>((r) => (release = r)).then(() => {
            settled = true;
          });
        },
        data: () => {
          if (where !== 'data') return undefined;
          input.destroy();
          return new Promise<void>((r) => (release = r)).then(() => {
            settled = true;
          });
        },
        entryEnd: () => undefined,
        cancel: () => {
          cancelled = true;
        },
      };
      input.push(all.subarray(0, 1024));
      let done = false;
      const p = readTar(input, sink).finally(() => {
        done = true;
      });
      p.catch(() => undefined);
      await tick(20);
      expect(done).toBe(false); // still waiting for the sink
      expect(cancelled).toBe(true);
      release();
      await expect(p).rejects.toThrow('Premature close');
      expect(settled).toBe(true);
    }
  });

  it('a sink that refuses an entry after push() returned fails the read at once, though the input sends nothing more (keepInput: it is paused, not destroyed)', async () => {
    const all = await tarOf([
      ['a', Buffer.alloc(100, 1)],
      ['b', Buffer.alloc(100, 2)],
    ]);
    const input = new Readable({ read() {} });
    const sink: TarSink = {
      entry: () => {
        throw new Error('refused');
      },
      data: () => undefined,
      entryEnd: () => undefined,
    };
    input.push(all.subarray(0, 1024)); // the first entry whole; the input neither ends nor sends more
    const p = readTar(input, sink, { keepInput: true });
    const outcome = await Promise.race([p.then(() => 'resolved', (e: Error) => e.message), tick(2000).then(() => 'still waiting')]);
    expect(outcome).toMatch(/refused/);
    expect(input.destroyed).toBe(false);
    input.destroy();
  });
});

describe('readTar with many small entries', () => {
  /** A tar of `n` files `d<i/100>/f<i>` of `size(i)` bytes each (byte i % 251), in one buffer. */
  async function many(n: number, size: (i: number) => number): Promise<{ all: Buffer; files: [string, Buffer][] }> {
    const files: [string, Buffer][] = [];
    for (let i = 0; i < n; i++) files.push([`d${Math.floor(i / 100)}/f${i}`, Buffer.alloc(size(i), i % 251)]);
    return { all: await tarOf(files), files };
  }

  function recorder(wait?: (call: string, i: number) => Promise<void> | undefined): { sink: TarSink; got: Map<string, Buffer[]>; order: string[] } {
    const got = new Map<string, Buffer[]>();
    const order: string[] = [];
    let name = '';
    let calls = 0;
    const sink: TarSink = {
      entry: (e) => {
        name = e.name;
        order.push(name);
        got.set(name, []);
        return wait?.('entry', calls++);
      },
      data: (c) => {
        got.get(name)!.push(Buffer.from(c)); // (a copy: the sink may not keep the feed's bytes)
        return wait?.('data', calls++);
      },
      entryEnd: () => wait?.('end', calls++),
    };
    return { sink, got, order };
  }

  it('3,000 entries in one chunk, a sink that never waits: every entry whole and in order (no stack growth per entry)', async () => {
    const { all, files } = await many(3_000, (i) => (i % 7) * 100);
    const { sink, got, order } = recorder();
    await readTar(Readable.from([all]), sink);
    expect(order).toEqual(files.map(([n]) => n));
    for (const [n, body] of files) expect(Buffer.concat(got.get(n)!).equals(body)).toBe(true);
  });

  it('entries up to and past 8 KiB (the size handed over from the kept bytes), in pieces that split them, a sink that waits now and then', async () => {
    const sizes = [0, 1, 511, 512, 513, 4096, 8191, 8192, 8193, 16_383, 16_384, 16_385, 40_000];
    const { all, files } = await many(sizes.length * 5, (i) => sizes[i % sizes.length]!);
    for (const piece of [100, 1000, 8192, 65_536, all.length]) {
      const { sink, got, order } = recorder((call, i) => (i % 5 === 0 ? tick(0) : i % 5 === 1 ? Promise.resolve() : undefined));
      await readTar(piecesOf(all, piece).input, sink);
      expect(order).toEqual(files.map(([n]) => n));
      for (const [n, body] of files) expect(Buffer.concat(got.get(n)!).equals(body)).toBe(true);
    }
  });
});

describe('readTar with small entries whose data comes after their header', () => {
  it('an entry handed over from the kept bytes waits for its data from the next pushes (and the read fails if it never comes)', async () => {
    const body = Buffer.alloc(3000, 9);
    const all = await tarOf([
      ['a', body],
      ['b', Buffer.from('bee')],
    ]);
    // the header alone, then the data in 3 pieces a turn apart (as a socket brings them)
    const input = new Readable({ read() {} });
    const got: Buffer[] = [];
    const log: string[] = [];
    const sink: TarSink = {
      entry: (e) => {
        log.push(`entry ${e.name}`);
      },
      data: (c) => {
        got.push(Buffer.from(c));
      },
      entryEnd: () => {
        log.push('end');
      },
    };
    const p = readTar(input, sink);
    const cuts = [0, 512, 1000, 2000, all.length];
    for (let i = 1; i < cuts.length; i++) {
      input.push(all.subarray(cuts[i - 1]!, cuts[i]!));
      await tick(2);
      if (i === 2) expect(log).toEqual(['entry a']); // its data not all there yet
    }
    input.push(null);
    await p;
    expect(log).toEqual(['entry a', 'end', 'entry b', 'end']);
    expect(Buffer.concat(got).equals(Buffer.concat([body, Buffer.from('bee')]))).toBe(true);
    const cut = new Readable({ read() {} });
    cut.push(all.subarray(0, 2000));
    cut.push(null);
    await expect(readTar(cut, { entry: () => undefined, data: () => undefined, entryEnd: () => undefined })).rejects.toThrow('truncated tar stream');
  });
});
