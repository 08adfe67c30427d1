import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import WebSocket from 'ws';

/**
 * A WebSocket client for the CRI streaming server's tests (the `ws` package, as a client): the
 * handshake with subprotocols (over `connect()`'s socket when given), every binary message kept in
 * order, the close code.
 */
export interface WsConnection {
  ws: WebSocket;
  /** The subprotocol the server chose. */
  protocol: string;
  /** Binary messages so far, in order. */
  messages: Buffer[];
  /** The concatenated payloads (after the channel byte) of the messages on `channel`. */
  channel(channel: number): Buffer;
  send(data: Buffer | number[]): void;
  /** Resolves with the close code once the server closed. */
  closed: Promise<number>;
}

/** Opens `url` (http:// turned ws://) offering `protocols`; a refused handshake answers its HTTP status and body. */
export function wsConnect(url: string, protocols: string[], connect?: () => Socket): Promise<WsConnection | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols, { perMessageDeflate: false, ...(connect ? { createConnection: connect } : {}) });
    const messages: Buffer[] = [];
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      if (isBinary) messages.push(Buffer.from(d));
    });
    const closed = new Promise<number>((r) => ws.on('close', (code: number) => r(code)));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () =>
      resolve({
        ws,
        protocol: ws.protocol,
        messages,
        channel: (c) => Buffer.concat(messages.filter((m) => m[0] === c).map((m) => m.subarray(1))),
        send: (data) => ws.send(Buffer.from(data), { binary: true }),
        closed,
      }),
    );
    ws.on('error', (e) => reject(e));
  });
}

/**
 * A WebSocket as a byte stream, for client-go's SPDY tunnel (`SPDY/3.1+portforward.k8s.io`):
 * a subprotocol `ws` (RFC 6455 tokens) will not offer, so this small client does the handshake
 * and the framing itself (RFC 6455 §5: masked binary frames out; binary payloads in, pings
 * answered, a close frame ends the stream).
 */
export function wsTunnelConnect(url: string, protocol: string, connect: () => Socket): Promise<{ protocol: string; stream: Duplex } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'GET',
      createConnection: connect,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
        'Sec-WebSocket-Protocol': protocol,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      const frame = (opcode: number, payload: Buffer): Buffer => {
        const mask = crypto.randomBytes(4);
        const len = payload.length;
        const h = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]) : Buffer.alloc(10);
        if (len >= 65536) {
          h[0] = 0x80 | opcode;
          h[1] = 0x80 | 127;
          h.writeBigUInt64BE(BigInt(len), 2);
        }
        const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
        return Buffer.concat([h, mask, masked]);
      };
      let buf = head;
      const stream = new Duplex({
        read() {},
        write(chunk: Buffer, _e, cb) {
          socket.write(frame(2, chunk), () => cb());
        },
        final(cb) {
          socket.write(frame(8, Buffer.from([0x03, 0xe8])), () => cb());
        },
      });
      const onData = (d: Buffer): void => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          if (buf.length < 2) return;
          let len = buf[1]! & 0x7f;
          let off = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            off = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
          }
          if (buf.length < off + len) return;
          const opcode = buf[0]! & 0x0f;
          const payload = buf.subarray(off, off + len);
          buf = buf.subarray(off + len);
          if (opcode === 2 || opcode === 0) stream.push(Buffer.from(payload));
          else if (opcode === 9) socket.write(frame(10, payload));
          else if (opcode === 8) {
            stream.push(null);
            socket.end();
          }
        }
      };
      socket.on('data', onData);
      socket.on('close', () => stream.push(null));
      resolve({ protocol: String(res.headers['sec-websocket-protocol'] ?? ''), stream });
    });
    req.on('error', reject);
    req.end();
  });
}
