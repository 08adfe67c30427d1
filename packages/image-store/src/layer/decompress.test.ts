import { PassThrough, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { DataLossError } from '@berth/errdefs';
import { eachUncompressedChunk } from './decompress';

function piecesOf(all: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
    })(),
    { objectMode: false, highWaterMark: 1 },
  );
}

async function collect(input: Readable, wait?: (n: number) => Promise<void> | undefined): Promise<Buffer> {
  const got: Buffer[] = [];
  await eachUncompressedChunk(input, (c) => {
    got.push(c);
    return wait?.(got.length);
  });
  return Buffer.concat(got);
}

const data = Buffer.alloc(300_000);
for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;

describe('eachUncompressedChunk', () => {
  it('hands over a plain stream as it is, in small and big pieces', async () => {
    expect((await collect(piecesOf(data.subarray(0, 20_000), 1))).equals(data.subarray(0, 20_000))).toBe(true);
    expect((await collect(piecesOf(data, 65_536))).equals(data)).toBe(true);
  });

  it('hands over inputs shorter than the magic bytes, and an empty one', async () => {
    expect((await collect(piecesOf(Buffer.from('abc'), 1))).toString()).toBe('abc');
    expect((await collect(piecesOf(Buffer.alloc(0), 1))).length).toBe(0);
    const ended = new PassThrough();
    ended.end();
    ended.resume();
    await new Promise((r) => ended.once('end', r));
    expect((await collect(ended)).length).toBe(0);
  });

  it('inflates gzip, in pieces that split the magic bytes', async () => {
    expect((await collect(piecesOf(zlib.gzipSync(data), 1000))).equals(data)).toBe(true);
    expect((await collect(piecesOf(zlib.gzipSync(data), 1))).equals(data)).toBe(true);
  });

  it('takes no chunk while the last one is pending, and goes on after it', async () => {
    for (const input of [() => piecesOf(data, 4096), () => piecesOf(zlib.gzipSync(data), 4096)]) {
      let pending = false;
      const got: Buffer[] = [];
      await eachUncompressedChunk(input(), (c) => {
        expect(pending).toBe(false);
        got.push(c);
        if (got.length % 3 !== 0) return undefined;
        pending = true;
        return new Promise<void>((r) =>
          setTimeout(() => {
            pending = false;
            r();
          }, 2),
        );
      });
      expect(Buffer.concat(got).equals(data)).toBe(true);
    }
  });

  it('waits for the last pending chunk before it resolves', async () => {
    let settled = false;
    await eachUncompressedChunk(piecesOf(Buffer.from('all of it'), 100), () =>
      new Promise<void>((r) =>
        setTimeout(() => {
          settled = true;
          r();
        }, 20),
      ),
    );
    expect(settled).toBe(true);
  });

  it('fails with a truncated or corrupt gzip stream as DataLossError', async () => {
    const gz = zlib.gzipSync(data);
    await expect(collect(piecesOf(gz.subarray(0, gz.length - 100), 1000))).rejects.toThrow(DataLossError);
    const bad = Buffer.from(gz);
    bad.fill(0x55, 20, 200);
    await expect(collect(piecesOf(bad, 1000))).rejects.toThrow(DataLossError);
  });

  it("fails with fn's throw or rejection and destroys the input", async () => {
    const a = piecesOf(data, 1000);
    await expect(
      eachUncompressedChunk(a, () => {
        throw new Error('sink says no');
      }),
    ).rejects.toThrow('sink says no');
    expect(a.destroyed).toBe(true);
    const b = piecesOf(data, 1000);
    await expect(eachUncompressedChunk(b, () => Promise.reject(new Error('later no')))).rejects.toThrow('later no');
    expect(b.destroyed).toBe(true);
  });

  it("fails with the input's error, and when it closes before its end", async () => {
    const a = new PassThrough();
    const p = eachUncompressedChunk(a, () => undefined);
    a.write(Buffer.alloc(100));
    setImmediate(() => a.destroy(new Error('socket gone')));
    await expect(p).rejects.toThrow('socket gone');
    const b = new PassThrough();
    const q = eachUncompressedChunk(b, () => undefined);
    b.write(Buffer.alloc(100));
    setImmediate(() => b.destroy());
    await expect(q).rejects.toThrow('Premature close');
  });
});

/** A stream that pushes `pieces` in turns of `perTurn`, each turn's pieces at once (as node's HTTP parser pushes the pieces of one socket read). */
function turnsOf(pieces: Buffer[], perTurn: number): Readable {
  let i = 0;
  const r = new Readable({ read() {} });
  const turn = (): void => {
    for (let n = 0; n < perTurn && i < pieces.length; n++) r.push(pieces[i++]);
    if (i < pieces.length) setImmediate(turn);
    else r.push(null);
  };
  setImmediate(turn);
  return r;
}

describe('eachUncompressedChunk with small pieces', () => {
  it('gathers the small pieces of one turn into one chunk, in order, a big piece handed on between them as it is', async () => {
    // the docker CLI's body: a 512-byte header, then the data, each its own HTTP chunk
    const pieces: Buffer[] = [];
    for (let i = 0; i < 400; i++) pieces.push(data.subarray(i * 1536, i * 1536 + 512), data.subarray(i * 1536 + 512, i * 1536 + 1536));
    const big = Buffer.alloc(40_000, 7);
    pieces.splice(300, 0, big);
    const got: Buffer[] = [];
    await eachUncompressedChunk(turnsOf(pieces, 100), (c) => {
      got.push(c);
    });
    expect(Buffer.concat(got).equals(Buffer.concat(pieces))).toBe(true);
    // 801 pieces in 9 turns: one chunk a turn, and the big piece (the one before it and after it gathered apart)
    expect(got.length).toBeLessThanOrEqual(11);
    expect(got.some((c) => c === big)).toBe(true);
  });

  it('a chunk pending holds the gathered pieces: none is lost, reordered or handed on while it is', async () => {
    const pieces: Buffer[] = [];
    for (let i = 0; i < 600; i++) pieces.push(data.subarray(i * 500, i * 500 + 500));
    let pending = false;
    const got: Buffer[] = [];
    await eachUncompressedChunk(turnsOf(pieces, 37), (c) => {
      expect(pending).toBe(false);
      got.push(c);
      pending = true;
      return new Promise<void>((r) =>
        setTimeout(() => {
          pending = false;
          r();
        }, 1),
      );
    });
    expect(Buffer.concat(got).equals(data.subarray(0, 300_000))).toBe(true);
    expect(got.length).toBeLessThan(pieces.length / 10);
  });
});
