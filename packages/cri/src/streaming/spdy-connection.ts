import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary';

/**
 * The server side of a SPDY/3.1 session, as far as Kubernetes' streaming protocols use it
 * (remotecommand and portforward over `Upgrade: SPDY/3.1`): the client opens every stream
 * (SYN_STREAM with a `streamtype` header), the server answers SYN_REPLY, data flows both ways in
 * DATA frames, FIN half-closes, PING is echoed, GOAWAY ends the session. Header blocks are zlib
 * with the SPDY/3 dictionary, one compression context per direction for the whole session.
 *
 * Flow control, both ways, never an unbounded buffer:
 * - out: a stream's write completes once the socket took its frames (a slow client slows the
 *   writer: the container's output is held back); and once the peer shows it keeps SPDY windows
 *   (it sent WINDOW_UPDATE or SETTINGS_INITIAL_WINDOW_SIZE) its stream and session windows are
 *   kept too. Kubernetes' spdystream (crictl, kubelet, kubectl) sends neither and relies on TCP.
 * - in: DATA a stream's reader has not taken pauses the socket (TCP pushes back on the client)
 *   until it does; what is taken is credited back with WINDOW_UPDATE (stream and session), which
 *   a windowed peer needs and spdystream ignores.
 */

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const SETTINGS = 4;
const PING = 6;
const GOAWAY = 7;
const WINDOW_UPDATE = 9;
const SETTINGS_INITIAL_WINDOW_SIZE = 7;
/** SPDY/3.1's initial stream and session windows. */
const INITIAL_WINDOW = 64 * 1024;
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

  /** What the peer may still send us / we may still send it on this stream (windowed peers). */
  recvUncredited = 0;
  sendWindow = INITIAL_WINDOW;

  override _read(): void {
    // the reader wants more: what it took is credited, a paused socket resumes
    this.conn.readerReady(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.conn.sendData(this.id, chunk, false, () => cb());
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
  /** The peer keeps SPDY windows (it sent WINDOW_UPDATE or SETTINGS_INITIAL_WINDOW_SIZE). */
  private peerWindows = false;
  private initialSendWindow = INITIAL_WINDOW;
  private sessionSendWindow = INITIAL_WINDOW;
  /** Writers waiting for a window to open. */
  private windowWaiters: Array<() => void> = [];
  /** Streams whose reader is full: the socket is paused while there are any. */
  private readonly blocked = new Set<SpdyStream>();

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
      if (data.length) {
        s.recvUncredited += data.length;
        if (s.push(Buffer.from(data))) this.credit(s);
        else this.block(s);
      }
      if (flags & FLAG_FIN) s.push(null);
      return;
    }
    const type = f.readUInt16BE(2);
    switch (type) {
      case SYN_STREAM: {
        const id = data.readUInt32BE(0) & 0x7fffffff;
        const headers = this.decodeHeaders(data.subarray(10));
        const s = new SpdyStream(id, headers, this);
        s.sendWindow = this.initialSendWindow;
        this.streams.set(id, s);
        s.once('close', () => this.readerReady(s)); // a destroyed stream blocks nobody
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
      case WINDOW_UPDATE: {
        const id = data.readUInt32BE(0) & 0x7fffffff;
        const delta = data.readUInt32BE(4) & 0x7fffffff;
        this.peerWindows = true;
        if (id === 0) this.sessionSendWindow += delta;
        else {
          const s = this.streams.get(id);
          if (s) s.sendWindow += delta;
        }
        this.wakeWriters();
        return;
      }
      case SETTINGS: {
        const n = data.readUInt32BE(0);
        for (let i = 0; i < n && 4 + i * 8 + 8 <= data.length; i++) {
          const id = data.readUInt32BE(4 + i * 8) & 0xffffff;
          const value = data.readUInt32BE(8 + i * 8);
          if (id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          this.peerWindows = true;
          for (const s of this.streams.values()) s.sendWindow += value - this.initialSendWindow;
          this.initialSendWindow = value;
        }
        this.wakeWriters();
        return;
      }
      case GOAWAY:
        this.close();
        return;
      default:
        // HEADERS, NOOP, CREDENTIAL: nothing to do for the server side here
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

  /**
   * DATA frames of `data` on stream `id` (FIN on the last when `fin`); `done` once the socket took
   * them all (after 'drain' if its buffer was full), within the peer's windows if it keeps them.
   */
  sendData(id: number, data: Buffer, fin: boolean, done: () => void = () => undefined): void {
    let off = 0;
    const step = (): void => {
      if (this.closed) return done();
      let full: boolean;
      do {
        let n = Math.min(MAX_DATA, data.length - off);
        const s = this.streams.get(id);
        if (this.peerWindows && n > 0) {
          n = Math.min(n, this.sessionSendWindow, s ? s.sendWindow : n);
          if (n <= 0) {
            this.windowWaiters.push(step);
            return;
          }
          this.sessionSendWindow -= n;
          if (s) s.sendWindow -= n;
        }
        const part = data.subarray(off, off + n);
        off += n;
        const last = off >= data.length;
        const h = Buffer.alloc(8);
        h.writeUInt32BE(id & 0x7fffffff);
        h[4] = fin && last ? FLAG_FIN : 0;
        h.writeUIntBE(part.length, 5, 3);
        // two writes, no copy of the payload (one packet still: the socket is corked between them)
        this.cork();
        this.socket.write(h);
        full = !(part.length ? this.socket.write(part) : true);
      } while (off < data.length);
      if (!full) return done();
      const drained = (): void => {
        this.socket.off('drain', drained);
        this.socket.off('close', drained);
        done();
      };
      this.socket.on('drain', drained);
      this.socket.on('close', drained);
    };
    step();
  }

  private corked = false;

  /** Corks the socket until the end of this tick (frames written together go out together). */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }

  private wakeWriters(): void {
    const waiting = this.windowWaiters;
    this.windowWaiters = [];
    for (const w of waiting) w();
  }

  /** A stream's reader took what it had: credit it, and resume the socket if nobody else is full. */
  readerReady(s: SpdyStream): void {
    if (!s.destroyed) this.credit(s);
    if (this.blocked.delete(s) && this.blocked.size === 0 && !this.closed) this.socket.resume();
  }

  private block(s: SpdyStream): void {
    this.blocked.add(s);
    this.socket.pause();
  }

  /** WINDOW_UPDATE for what `s`'s reader has taken (stream and session), in steps of a quarter window. */
  private credit(s: SpdyStream): void {
    if (s.recvUncredited < INITIAL_WINDOW / 4 || this.closed) return;
    const delta = s.recvUncredited;
    s.recvUncredited = 0;
    for (const id of [s.id, 0]) {
      const b = Buffer.alloc(8);
      b.writeUInt32BE(id);
      b.writeUInt32BE(delta, 4);
      this.writeControl(WINDOW_UPDATE, 0, b);
    }
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
    this.blocked.clear();
    this.inflateIn = [];
    this.wakeWriters(); // waiting writers finish (closed: nothing more is sent)
    this.emit('close');
  }
}
