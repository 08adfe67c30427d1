import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { Request, Response } from 'express';
import { FailedPreconditionError } from '@berth/errdefs';
import { STANDARD_HEADERS } from './standard-headers';
import type { ConnectionTracker } from './connection-tracker';

/**
 * Hijacking a connection (attach, exec start): after the response head the socket carries
 * raw bytes both ways.
 *
 * Two ways in (deps.md "Hijacking a connection in express"):
 *  - the client sent `Connection: Upgrade` + `Upgrade: tcp` (docker CLI, dockerode with
 *    hijack): Node hands the socket to the server's 'upgrade' event with its HTTP parser already
 *    detached; `upgradeHandler` reads the request body (if any) off the socket, puts back the
 *    bytes after it, and dispatches the request into the express app with a ServerResponse bound
 *    to that socket. The route's `hijack()` then answers `101 UPGRADED`.
 *  - no Upgrade header (dockerode's default attach, curl): an ordinary request. `hijack()`
 *    detaches Node's HTTP parser from the socket (so later bytes are not parsed as requests and
 *    a client FIN does not close our side) and answers `200 OK` with no length or chunking.
 *
 * Either way the route gets the net.Socket; the client's FIN arrives as 'end' while our write
 * side stays open (half-close), and the route ends the socket when its stream is done.
 */

const kViaUpgrade = Symbol('berth.viaUpgrade');
const kUpgradeBody = Symbol('berth.upgradeBody');
const kHijacked = Symbol('berth.hijacked');
const kTracker = Symbol('berth.tracker');

/** Content type of hijacked streams in API 1.41 (multiplexed or raw alike). */
export const RAW_STREAM_CONTENT_TYPE = 'application/vnd.docker.raw-stream';

/** Largest request body read off an upgraded socket before dispatch (they are small JSON objects). */
const MAX_UPGRADE_BODY = 1024 * 1024;

type Marked = Record<symbol, unknown>;

export interface HijackOptions {
  /**
   * true: answer `101 UPGRADED` (+ `Connection: Upgrade`, `Upgrade: tcp`); false: the old
   * `200 OK` form. Default: 101 when the client asked to upgrade, 200 otherwise.
   */
  upgrade?: boolean;
  /** Content-Type of the stream; default `application/vnd.docker.raw-stream`. */
  contentType?: string;
}

/** Whether the request arrived through the 'upgrade' event (it carried `Upgrade:`). */
export function isUpgradeRequest(req: http.IncomingMessage): boolean {
  return (req as unknown as Marked)[kViaUpgrade] === true;
}

/** The body bytes read off an upgraded socket (undefined for ordinary requests). */
export function upgradeRequestBody(req: http.IncomingMessage): Buffer | undefined {
  return (req as unknown as Marked)[kUpgradeBody] as Buffer | undefined;
}

/** Whether `hijack()` has taken the request's socket. */
export function isHijacked(req: http.IncomingMessage): boolean {
  return (req as unknown as Marked)[kHijacked] === true;
}

/** Makes `hijack()` register hijacked sockets with `tracker` (the app does this for each request). */
export function setHijackTracker(req: http.IncomingMessage, tracker: ConnectionTracker): void {
  (req as unknown as Marked)[kTracker] = tracker;
}

/**
 * Takes over the request's connection: writes the response head for a raw stream and returns
 * the socket. Any bytes the client sent after the request (e.g. stdin before start) are
 * readable from it. Read the request body (readJsonBody) before calling this.
 */
export function hijack(req: Request | http.IncomingMessage, res: Response | http.ServerResponse, opts: HijackOptions = {}): Socket {
  if (isHijacked(req)) throw new FailedPreconditionError('hijack: connection already hijacked');
  if (res.headersSent) throw new FailedPreconditionError('hijack: response already started');
  const socket = req.socket as Socket;
  const viaUpgrade = isUpgradeRequest(req);
  if (!viaUpgrade) detachHttpParser(socket, req);
  if (res.socket === socket) res.detachSocket(socket);
  const m = req as unknown as Marked;
  m[kHijacked] = true;
  (m[kTracker] as ConnectionTracker | undefined)?.markHijacked(socket);

  keepWriteSideOpen(socket);
  socket.setTimeout(0);
  socket.setNoDelay(true);
  socket.on('error', () => undefined); // a client that vanishes mid-stream must not crash the daemon

  const upgrade = opts.upgrade ?? viaUpgrade;
  const lines = upgrade ? ['HTTP/1.1 101 UPGRADED'] : ['HTTP/1.1 200 OK'];
  lines.push(`Content-Type: ${opts.contentType ?? RAW_STREAM_CONTENT_TYPE}`);
  if (upgrade) lines.push('Connection: Upgrade', 'Upgrade: tcp');
  for (const [k, v] of Object.entries(STANDARD_HEADERS)) lines.push(`${k}: ${v}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  return socket;
}

/**
 * A client's FIN (or TLS close_notify: Go's CloseWrite on a TLS connection) must not end our
 * side: attach output keeps flowing until the process exits. TLS sockets of an https.Server are
 * not half-open by default.
 */
function keepWriteSideOpen(socket: Socket): void {
  (socket as unknown as { allowHalfOpen: boolean }).allowHalfOpen = true;
}

/** Names of the listeners Node's HTTP server puts on a connection (lib/_http_server.js). */
const NODE_SOCKET_LISTENERS: Record<string, readonly string[]> = {
  data: ['socketOnData'],
  end: ['socketOnEnd'],
  close: ['socketOnClose'],
  drain: ['socketOnDrain'],
  error: ['socketOnError'],
  timeout: ['socketOnTimeout'],
  pause: ['onSocketPause'],
  resume: ['onSocketResume'],
};

interface NodeHttpParser {
  _consumed?: boolean;
  unconsume?: () => void;
  remove?: () => void;
}

/**
 * Does to an ordinary request's socket what Node does before emitting 'upgrade': removes the
 * HTTP server's listeners and stops its parser from consuming the socket, so the bytes that
 * follow reach us and the connection is no longer Node's.
 */
function detachHttpParser(socket: Socket, req: http.IncomingMessage): void {
  for (const [event, names] of Object.entries(NODE_SOCKET_LISTENERS)) {
    for (const l of socket.listeners(event) as ((...a: unknown[]) => void)[]) {
      if (names.includes(l.name.replace(/^bound /, ''))) socket.removeListener(event, l);
    }
  }
  const s = socket as unknown as { parser?: NodeHttpParser | null; readableFlowing: boolean | null };
  const parser = s.parser;
  if (parser) {
    if (parser._consumed && parser.unconsume) parser.unconsume();
    parser._consumed = false;
    try {
      parser.remove?.();
    } catch {
      // not in the connections list
    }
    s.parser = null;
  }
  (req as unknown as { parser?: unknown }).parser = null;
  s.readableFlowing = null;
}

export type RequestDispatcher = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * The listener for `server.on('upgrade')`: reads the request body off the socket, puts the
 * rest back, and dispatches the request into `app` with a response on that socket.
 * A route that does not hijack answers normally and the connection is closed afterwards.
 */
export function upgradeHandler(app: RequestDispatcher, tracker: ConnectionTracker): (req: http.IncomingMessage, socket: Socket, head: Buffer) => void {
  return (req, socket, head) => {
    tracker.track(socket);
    keepWriteSideOpen(socket);
    socket.on('error', () => undefined);
    if (/chunked/i.test(String(req.headers['transfer-encoding'] ?? ''))) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"message":"upgrade requests with a chunked body are not supported: send Content-Length"}\n');
      return;
    }
    const raw = req.headers['content-length'];
    const length = raw === undefined ? 0 : Number(raw);
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_UPGRADE_BODY) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const dispatch = (body: Buffer, rest: Buffer): void => {
      if (rest.length > 0) socket.unshift(rest);
      const m = req as unknown as Marked;
      m[kViaUpgrade] = true;
      m[kUpgradeBody] = body;
      const res = new http.ServerResponse(req);
      res.assignSocket(socket);
      res.shouldKeepAlive = false;
      res.on('finish', () => {
        if (!isHijacked(req)) socket.end();
      });
      app(req, res);
    };
    if (head.length >= length) {
      dispatch(head.subarray(0, length), head.subarray(length));
      return;
    }
    const chunks: Buffer[] = [head];
    let have = head.length;
    const onData = (d: Buffer): void => {
      chunks.push(d);
      have += d.length;
      if (have < length) return;
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.pause();
      const all = Buffer.concat(chunks);
      dispatch(all.subarray(0, length), all.subarray(length));
    };
    const onEnd = (): void => {
      socket.removeListener('data', onData);
      socket.destroy();
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
  };
}
