import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as zlib from 'node:zlib';

/**
 * A small SPDY/3.1 client for the CRI streaming server's tests, written from the SPDY/3 draft
 * (not from the server's code): the HTTP upgrade, SYN_STREAM with a zlib header block, DATA frames
 * with FIN. Its header blocks are zlib stored blocks (valid for any inflater); the server's
 * replies are inflated with node's zlib and the spec's dictionary (passed in by the test).
 */
export interface SpdyClientStream {
  id: number;
  write(data: Buffer | string): void;
  /** Half-closes our side (empty DATA with FIN). */
  end(): void;
  /** Everything the server sent on it until its FIN (or the session's end). */
  done: Promise<Buffer>;
  /** The bytes so far. */
  received(): Buffer;
  replied: Promise<void>;
}

export interface SpdyClientSession {
  /** The protocol the server chose (X-Stream-Protocol-Version). */
  protocol: string;
  open(headers: Record<string, string>): SpdyClientStream;
  closed: Promise<void>;
  close(): void;
}

/** Upgrades `url` (POST, as kubectl/crictl; over `connect()`'s socket when given) and answers the HTTP status when the server refuses. */
export function spdyConnect(url: string, protocols: string[], connect?: () => Socket): Promise<SpdyClientSession | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      ...(connect ? { createConnection: connect } : {}),
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocols.join(', ') },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => resolve(spdySession(socket, head, String(res.headers['x-stream-protocol-version'] ?? ''))));
    req.on('error', reject);
    req.end();
  });
}

/** A SPDY client session over any byte stream (a socket, or a WebSocket tunnel's stream). */
export function spdySession(socket: Duplex, head: Buffer, protocol: string): SpdyClientSession {
  let nextId = 1;
  let headerStarted = false;
  const compressedIn: Buffer[] = [];
  const streams = new Map<number, { chunks: Buffer[]; finish: () => void; onReply: () => void }>();
  let buf = head;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  const headerBlock = (h: Record<string, string>): Buffer => {
    const parts: Buffer[] = [];
    const u32 = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    parts.push(u32(Object.keys(h).length));
    for (const [k, v] of Object.entries(h)) parts.push(u32(Buffer.byteLength(k)), Buffer.from(k), u32(Buffer.byteLength(v)), Buffer.from(v));
    const data = Buffer.concat(parts);
    const len = Buffer.alloc(5);
    len.writeUInt16LE(data.length, 1);
    len.writeUInt16LE(~data.length & 0xffff, 3);
    const out = [headerStarted ? Buffer.alloc(0) : Buffer.from([0x78, 0x01]), len, data, Buffer.from([0, 0, 0, 0xff, 0xff])];
    headerStarted = true;
    return Buffer.concat(out);
  };
  const control = (type: number, flags: number, data: Buffer): void => {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8003);
    h.writeUInt16BE(type, 2);
    h[4] = flags;
    h.writeUIntBE(data.length, 5, 3);
    socket.write(Buffer.concat([h, data]));
  };
  const dataFrame = (id: number, data: Buffer, fin: boolean): void => {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id);
    h[4] = fin ? 1 : 0;
    h.writeUIntBE(data.length, 5, 3);
    socket.write(Buffer.concat([h, data]));
  };
  const finishAll = (): void => {
    for (const s of streams.values()) s.finish();
    resolveClosed();
  };
  const onData = (d: Buffer): void => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (buf.length >= 8) {
      const len = buf.readUIntBE(5, 3);
      if (buf.length < 8 + len) return;
      const f = buf.subarray(0, 8 + len);
      buf = buf.subarray(8 + len);
      const payload = f.subarray(8);
      if (f[0]! & 0x80) {
        const type = f.readUInt16BE(2);
        if (type === 2) {
          // SYN_REPLY: inflate its header block to keep the session's zlib stream in step
          compressedIn.push(Buffer.from(payload.subarray(4)));
          zlib.inflateSync(Buffer.concat(compressedIn), { dictionary: spdyDictionary(), finishFlush: zlib.constants.Z_SYNC_FLUSH });
          streams.get(payload.readUInt32BE(0) & 0x7fffffff)?.onReply();
        } else if (type === 3) {
          streams.get(payload.readUInt32BE(0) & 0x7fffffff)?.finish();
        } else if (type === 7) {
          socket.end();
        }
      } else {
        const s = streams.get(f.readUInt32BE(0) & 0x7fffffff);
        if (!s) continue;
        if (payload.length) s.chunks.push(Buffer.from(payload));
        if (f[4]! & 1) s.finish();
      }
    }
  };
  socket.on('data', onData);
  socket.on('close', finishAll);
  socket.on('error', finishAll);
  if (head.length) setImmediate(() => onData(Buffer.alloc(0)));

  return {
    protocol,
    closed,
    close: () => socket.destroy(),
    open(headers) {
      const id = nextId;
      nextId += 2;
      const chunks: Buffer[] = [];
      let finish!: () => void;
      let onReply!: () => void;
      const done = new Promise<Buffer>((r) => (finish = () => r(Buffer.concat(chunks))));
      const replied = new Promise<void>((r) => (onReply = r));
      streams.set(id, { chunks, finish, onReply });
      const idb = Buffer.alloc(10);
      idb.writeUInt32BE(id);
      control(1, 0, Buffer.concat([idb, headerBlock(headers)]));
      return {
        id,
        done,
        replied,
        received: () => Buffer.concat(chunks),
        write: (d) => dataFrame(id, Buffer.from(d), false),
        end: () => dataFrame(id, Buffer.alloc(0), true),
      };
    },
  };
}

let dict: Buffer | undefined;
/** The SPDY/3 header dictionary (draft-mbelshe-httpbis-spdy-00 §2.6.10.1), from the spec's word list. */
export function spdyDictionary(): Buffer {
  if (dict) return dict;
  const words =
    'options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age allow authorization cache-control connection content-base content-encoding content-language content-length content-location content-md5 content-range content-type date etag expect expires from host if-match if-modified-since if-none-match if-range if-unmodified-since last-modified location max-forwards pragma proxy-authenticate proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade user-agent vary via warning www-authenticate method get status'.split(' ');
  const rest = ['200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin'];
  const parts: Buffer[] = [];
  for (const w of [...words, ...rest]) {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(w.length);
    parts.push(l, Buffer.from(w, 'latin1'));
  }
  parts.push(
    Buffer.from(
      '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.',
      'latin1',
    ),
  );
  dict = Buffer.concat(parts);
  return dict;
}
