import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary';

/**
 * The server side of a SPDY/3.1 session, as far as Kubernetes' streaming protocols use it
 * (remotecommand and portforward over `Upgrade: SPDY/3.1`): the client opens every stream
 * (SYN_STREAM with a `streamtype` header), the server answers SYN_REPLY, data flows both ways in
 * DATA frames, FIN half-closes, PING is echoed, GOAWAY ends the session. Flow control
 * (WINDOW_UPDATE) is not enforced: kubelet's and crictl's SPDY library (spdystream) does not
 * either. Header blocks are zlib with the SPDY/3 dictionary, one compression context per direction
 * for the whole session.
 */

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 0x01;
const MAX_DATA = 32 * 1024;

export type SpdyHeaders = Record<string, string[]>;

/** One SPDY stream: a Duplex over its DATA frames (end() sends FIN). */
export class SpdyStream extends Duplex {
  constructor(
    readonly id: number,
    readonly headers: SpdyHeaders,
    private readonly conn: SpdyConnection,
  ) {
    super({ allowHalfOpen: true });
  }

  header(name: string): string {
    return this.headers[name.toLowerCase()]?.[0] ?? '';
  }

  override _read(): void {
    /* pushed from frames */
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.conn.sendData(this.id, chunk, false);
    cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.conn.sendData(this.id, Buffer.alloc(0), true);
    cb();
  }
}

export class SpdyConnection extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  /** Every compressed header byte received (the session's one zlib stream) and how much of it is decoded. */
  private inflateIn: Buffer[] = [];
  private inflatedLen = 0;
  private deflateStarted = false;
  private readonly streams = new Map<number, SpdyStream>();
  private closed = false;
  private tornDown = false;

  constructor(private readonly socket: Duplex) {
    super();
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => this.teardown());
    socket.on('error', () => this.teardown());
  }

  /** Feeds bytes read before the session began (the upgrade's head). */
  feed(head: Buffer): void {
    if (head.length) this.onData(head);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 8) {
      const len = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + len) return;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      try {
        this.onFrame(frame);
      } catch (e) {
        this.emit('error', e);
        this.close();
        return;
      }
    }
  }

  private onFrame(f: Buffer): void {
    const flags = f[4]!;
    const data = f.subarray(8);
    if ((f[0]! & 0x80) === 0) {
      const id = f.readUInt32BE(0) & 0x7fffffff;
      const s = this.streams.get(id);
      if (!s) return;
      if (data.length) s.push(Buffer.from(data));
      if (flags & FLAG_FIN) s.push(null);
      return;
    }
    const type = f.readUInt16BE(2);
    switch (type) {
      case SYN_STREAM: {
        const id = data.readUInt32BE(0) & 0x7fffffff;
        const headers = this.decodeHeaders(data.subarray(10));
        const s = new SpdyStream(id, headers, this);
        this.streams.set(id, s);
        if (flags & FLAG_FIN) s.push(null);
        this.emit('stream', s);
        return;
      }
      case RST_STREAM: {
        const id = data.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        this.streams.delete(id);
        if (s) {
          s.push(null);
          s.destroy();
        }
        return;
      }
      case PING:
        this.writeControl(PING, 0, data);
        return;
      case GOAWAY:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do for the server side here
        return;
    }
  }

  private decodeHeaders(block: Buffer): SpdyHeaders {
    // node's zlib has no synchronous streaming context: the session's stream so far is inflated
    // again and the new part taken (header blocks are a few dozen bytes, a session has few of them)
    this.inflateIn.push(Buffer.from(block));
    const all = zlib.inflateSync(Buffer.concat(this.inflateIn), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const raw = all.subarray(this.inflatedLen);
    this.inflatedLen = all.length;
    const out: SpdyHeaders = {};
    let o = 0;
    const n = raw.readUInt32BE(o);
    o += 4;
    for (let i = 0; i < n; i++) {
      const kl = raw.readUInt32BE(o);
      const k = raw.toString('utf8', o + 4, o + 4 + kl).toLowerCase();
      o += 4 + kl;
      const vl = raw.readUInt32BE(o);
      const v = raw.toString('utf8', o + 4, o + 4 + vl);
      o += 4 + vl;
      (out[k] ??= []).push(...v.split('\0'));
    }
    return out;
  }

  private encodeHeaders(h: Record<string, string>): Buffer {
    const parts: Buffer[] = [];
    const entries = Object.entries(h);
    const n = Buffer.alloc(4);
    n.writeUInt32BE(entries.length);
    parts.push(n);
    for (const [k, v] of entries) {
      for (const s of [k.toLowerCase(), v]) {
        const b = Buffer.from(s, 'utf8');
        const l = Buffer.alloc(4);
        l.writeUInt32BE(b.length);
        parts.push(l, b);
      }
    }
    return this.storedBlocks(Buffer.concat(parts));
  }

  /**
   * Our side's header blocks as a zlib stream of stored (uncompressed) deflate blocks: valid for
   * any inflater (with or without the dictionary), each followed by the empty stored block of a
   * sync flush. The first block carries the zlib header (0x78 0x01: no preset dictionary).
   */
  private storedBlocks(data: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.deflateStarted) {
      parts.push(Buffer.from([0x78, 0x01]));
      this.deflateStarted = true;
    }
    for (let off = 0; off < data.length; off += 0xffff) {
      const chunk = data.subarray(off, off + 0xffff);
      const h = Buffer.alloc(5);
      h[0] = 0; // BFINAL 0, BTYPE 00 (stored)
      h.writeUInt16LE(chunk.length, 1);
      h.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(h, chunk);
    }
    // the sync flush proper: an empty stored block (inflaters hand out a block's data at a flush)
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }

  /** Accepts a client stream (SYN_REPLY). */
  reply(s: SpdyStream, headers: Record<string, string> = {}): void {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(s.id);
    this.writeControl(SYN_REPLY, 0, Buffer.concat([id, this.encodeHeaders(headers)]));
  }

  /** Refuses or aborts a stream (RST_STREAM, status CANCEL = 5). */
  reset(s: SpdyStream, status = 5): void {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(s.id);
    b.writeUInt32BE(status, 4);
    this.writeControl(RST_STREAM, 0, b);
    this.streams.delete(s.id);
  }

  sendData(id: number, data: Buffer, fin: boolean): void {
    if (this.closed) return;
    let off = 0;
    do {
      const part = data.subarray(off, off + MAX_DATA);
      off += part.length;
      const last = off >= data.length;
      const h = Buffer.alloc(8);
      h.writeUInt32BE(id & 0x7fffffff);
      h[4] = fin && last ? FLAG_FIN : 0;
      h.writeUIntBE(part.length, 5, 3);
      this.socket.write(Buffer.concat([h, part]));
    } while (off < data.length);
  }

  private writeControl(type: number, flags: number, data: Buffer): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8000 | VERSION);
    h.writeUInt16BE(type, 2);
    h[4] = flags;
    h.writeUIntBE(data.length, 5, 3);
    this.socket.write(Buffer.concat([h, data]));
  }

  /** GOAWAY, then the connection is ended. */
  close(): void {
    if (this.closed) return;
    const b = Buffer.alloc(8);
    this.writeControl(GOAWAY, 0, b);
    this.closed = true;
    this.socket.end();
    this.teardown();
  }

  private teardown(): void {
    this.closed = true;
    if (this.tornDown) return;
    this.tornDown = true;
    for (const s of this.streams.values()) {
      s.push(null);
      s.destroy();
    }
    this.streams.clear();
    this.inflateIn = [];
    this.emit('close');
  }
}
