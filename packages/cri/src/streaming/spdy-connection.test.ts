import { PassThrough, Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { SpdyConnection, type SpdyStream } from './spdy-connection';
import { SPDY3_DICTIONARY } from './spdy-dictionary';

/** A socket pair: what the test writes reaches the connection, what it writes comes back to the test. */
function pair(): { server: Duplex; fromServer: Buffer[]; toServer: PassThrough } {
  const toServer = new PassThrough();
  const fromServer: Buffer[] = [];
  const server = new Duplex({
    read() {},
    write(c: Buffer, _e, cb) {
      fromServer.push(c);
      cb();
    },
  });
  toServer.on('data', (d) => server.push(d));
  return { server, fromServer, toServer };
}

/** A client header block compressed the way Go's spdystream does: one zlib stream, dictionary, sync flush. */
function headerBlockCompressor(): (h: Record<string, string>) => Promise<Buffer> {
  const def = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
  return (h) =>
    new Promise((resolve) => {
      const parts: Buffer[] = [];
      const u32 = (n: number) => {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(n);
        return b;
      };
      parts.push(u32(Object.keys(h).length));
      for (const [k, v] of Object.entries(h)) parts.push(u32(k.length), Buffer.from(k), u32(v.length), Buffer.from(v));
      const out: Buffer[] = [];
      const onData = (d: Buffer) => out.push(d);
      def.on('data', onData);
      def.write(Buffer.concat(parts));
      def.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        def.off('data', onData);
        resolve(Buffer.concat(out));
      });
    });
}

function synStream(id: number, block: Buffer): Buffer {
  const h = Buffer.alloc(18);
  h.writeUInt16BE(0x8003);
  h.writeUInt16BE(1, 2);
  h.writeUIntBE(10 + block.length, 5, 3);
  h.writeUInt32BE(id, 8);
  return Buffer.concat([h, block]);
}

describe('SpdyConnection', () => {
  it('reads SYN_STREAM header blocks compressed with the SPDY/3 dictionary across one zlib stream; replies inflate with it; DATA and FIN flow', async () => {
    const { server, fromServer, toServer } = pair();
    const conn = new SpdyConnection(server);
    const seen: SpdyStream[] = [];
    conn.on('stream', (s: SpdyStream) => {
      seen.push(s);
      conn.reply(s);
    });
    const compress = headerBlockCompressor();
    toServer.write(synStream(1, await compress({ streamtype: 'error' })));
    toServer.write(synStream(3, await compress({ streamtype: 'stdout', port: '80' })));
    await new Promise((r) => setImmediate(r));
    expect(seen.map((s) => [s.id, s.header('streamtype')])).toEqual([
      [1, 'error'],
      [3, 'stdout'],
    ]);
    expect(seen[1]!.header('port')).toBe('80');
    // the two SYN_REPLY frames: their header blocks continue one zlib stream a dictionary inflater reads
    const out = Buffer.concat(fromServer);
    const blocks: Buffer[] = [];
    for (let o = 0; o < out.length; ) {
      const len = out.readUIntBE(o + 5, 3);
      expect(out.readUInt16BE(o + 2)).toBe(2);
      blocks.push(out.subarray(o + 12, o + 8 + len));
      o += 8 + len;
    }
    expect(blocks).toHaveLength(2);
    const inflated = zlib.inflateSync(Buffer.concat(blocks), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(inflated).toEqual(Buffer.alloc(8)); // two empty header blocks (count 0)
    // DATA to the server, then FIN
    fromServer.length = 0;
    const got: Buffer[] = [];
    seen[1]!.on('data', (d: Buffer) => got.push(d));
    const ended = new Promise((r) => seen[1]!.on('end', r));
    const data = Buffer.from('hello');
    const f = Buffer.alloc(8);
    f.writeUInt32BE(3);
    f[4] = 1;
    f.writeUIntBE(data.length, 5, 3);
    toServer.write(Buffer.concat([f, data]));
    await ended;
    expect(Buffer.concat(got).toString()).toBe('hello');
    // the server's end() is an empty DATA frame with FIN
    await new Promise<void>((r) => seen[1]!.end('bye', () => r()));
    const o = Buffer.concat(fromServer);
    expect(o.readUInt32BE(0)).toBe(3);
    expect(o.subarray(8, 11).toString()).toBe('bye');
    expect(o[11 + 4]).toBe(1);
    conn.close();
  });

  it('echoes PING', async () => {
    const { server, fromServer, toServer } = pair();
    new SpdyConnection(server);
    const ping = Buffer.alloc(12);
    ping.writeUInt16BE(0x8003);
    ping.writeUInt16BE(6, 2);
    ping.writeUIntBE(4, 5, 3);
    ping.writeUInt32BE(7, 8);
    toServer.write(ping);
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(fromServer)).toEqual(ping);
  });

  it('flow control: a windowed peer (it sent WINDOW_UPDATE) gets no more than its window until it opens it; what a reader takes is credited back', async () => {
    const { server, fromServer, toServer } = pair();
    const conn = new SpdyConnection(server);
    const compress = headerBlockCompressor();
    const streams: SpdyStream[] = [];
    conn.on('stream', (s: SpdyStream) => streams.push(s));
    toServer.write(synStream(1, await compress({ streamtype: 'stdout' })));
    await new Promise((r) => setImmediate(r));
    const s = streams[0]!;
    const windowUpdate = (id: number, delta: number): Buffer => {
      const b = Buffer.alloc(16);
      b.writeUInt16BE(0x8003);
      b.writeUInt16BE(9, 2);
      b.writeUIntBE(8, 5, 3);
      b.writeUInt32BE(id, 8);
      b.writeUInt32BE(delta, 12);
      return b;
    };
    /** Payload bytes of the DATA frames the server sent on stream 1. */
    const dataSent = (): number => {
      const all = Buffer.concat(fromServer);
      let n = 0;
      for (let o = 0; o + 8 <= all.length; ) {
        const len = all.readUIntBE(o + 5, 3);
        if ((all[o]! & 0x80) === 0 && all.readUInt32BE(o) === 1) n += len;
        o += 8 + len;
      }
      return n;
    };
    toServer.write(windowUpdate(1, 0)); // the peer keeps windows from now on (a zero delta opens nothing)
    await new Promise((r) => setImmediate(r));
    let written = false;
    s.write(Buffer.alloc(100 * 1024), () => (written = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(dataSent()).toBe(64 * 1024); // the initial window
    expect(written).toBe(false);
    toServer.write(windowUpdate(0, 36 * 1024));
    toServer.write(windowUpdate(1, 36 * 1024));
    await new Promise((r) => setTimeout(r, 20));
    expect(dataSent()).toBe(100 * 1024);
    expect(written).toBe(true);

    // the other way: 40 KiB read by the stream's reader come back as WINDOW_UPDATEs (stream and session)
    const before = fromServer.length;
    const data = Buffer.alloc(8 + 40 * 1024);
    data.writeUInt32BE(1);
    data.writeUIntBE(40 * 1024, 5, 3);
    toServer.write(data);
    s.resume();
    await new Promise((r) => setTimeout(r, 20));
    const updates = Buffer.concat(fromServer.slice(before));
    const credited: Array<[number, number]> = [];
    for (let o = 0; o + 16 <= updates.length; o += 8 + updates.readUIntBE(o + 5, 3)) {
      if (updates.readUInt16BE(o) === 0x8003 && updates.readUInt16BE(o + 2) === 9) credited.push([updates.readUInt32BE(o + 8), updates.readUInt32BE(o + 12)]);
    }
    expect(credited).toEqual([
      [1, 40 * 1024],
      [0, 40 * 1024],
    ]);
    conn.close();
  });
});
