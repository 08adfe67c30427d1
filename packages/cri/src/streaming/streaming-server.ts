import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError, UnavailableError, messageOf } from '@berth/errdefs';
import { silentLogger, type Logger } from '@berth/log';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { SpdyConnection } from './spdy-connection';
import { REMOTE_COMMAND_PROTOCOLS, runRemoteCommand, serveRemoteCommand, wantedChannels, type RemoteCommandTarget } from './remote-command';
import { StreamRequestCache, type StreamRequest } from './stream-request-cache';
import { PORT_FORWARD_PROTOCOLS, PORT_FORWARD_WEBSOCKET_PROTOCOLS, servePortForward, type PortDialer } from './port-forward';
import { WebSocketChannels } from './websocket-channels';

/** What the streaming server runs requests with (the container service, the pod's network). */
export interface StreamingBackend {
  exec(req: Extract<StreamRequest, { kind: 'exec' }>): RemoteCommandTarget;
  attach(req: Extract<StreamRequest, { kind: 'attach' }>): RemoteCommandTarget;
  /** A dialer into the sandbox's network namespace. */
  portDialer(sandboxId: string): Promise<PortDialer>;
}

/** The streaming server's default listen address: loopback, a free port (containerd's default). */
export const DEFAULT_STREAM_ADDRESS = '127.0.0.1:0';

/**
 * `HOST:PORT` (IPv6 as `[ADDR]:PORT`; an empty HOST is 127.0.0.1, port 0 a free port) as
 * `--cri-stream-address` takes it: containerd's stream_server_address + stream_server_port.
 */
export function parseStreamAddress(addr: string): { host: string; port: number } {
  const bad = (why: string): never => {
    throw new InvalidArgumentError(`--cri-stream-address ${JSON.stringify(addr)}: ${why} (want HOST:PORT, e.g. 127.0.0.1:10010 or [::1]:0)`);
  };
  const i = addr.lastIndexOf(':');
  if (i < 0) bad('no port');
  const rawHost = addr.slice(0, i);
  const rawPort = addr.slice(i + 1);
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535) bad(`invalid port ${JSON.stringify(rawPort)}`);
  let host = rawHost;
  if (host.startsWith('[') || host.endsWith(']')) {
    if (!(host.startsWith('[') && host.endsWith(']'))) bad('unbalanced brackets');
    host = host.slice(1, -1);
    if (net.isIPv6(host) === false) bad(`${host} is not an IPv6 address`);
  } else if (host.includes(':')) {
    bad('an IPv6 address must be in brackets');
  }
  if (host === '') host = '127.0.0.1';
  else if (!net.isIP(host) && host !== 'localhost') bad(`${JSON.stringify(host)} is not an IP address`);
  return { host, port: Number(rawPort) };
}

/**
 * The host part of the URLs handed out: the listen address, or for an unspecified one (0.0.0.0,
 * ::) the host's first non-loopback address of that family (containerd resolves the node's IP the
 * same way), loopback if it has none.
 */
function advertisedHost(a: AddressInfo): string {
  let ip = a.address;
  if (ip === '0.0.0.0' || ip === '::') {
    const v6 = ip === '::';
    const found = Object.values(os.networkInterfaces())
      .flat()
      .find((n) => n && !n.internal && n.family === (v6 ? 'IPv6' : 'IPv4') && !(v6 && n.address.startsWith('fe80')));
    ip = found?.address ?? (v6 ? '::1' : '127.0.0.1');
  }
  return net.isIPv6(ip) ? `[${ip}]` : ip;
}

export interface StreamingServerOptions {
  /** `host:port` to listen on (default 127.0.0.1:0: loopback, a free port, as containerd). */
  address?: string;
  backend: StreamingBackend;
  logger?: Logger;
  /** Paths no client may see in a failed exec's or attach's status (berthd's data root). */
  hostPaths?: readonly string[];
}

/**
 * The CRI streaming server: Exec, Attach and PortForward answer a one-time URL on it
 * (`http://HOST:PORT/{exec,attach,portforward}/TOKEN`), and the client (kubelet's proxy, crictl)
 * upgrades that URL to SPDY/3.1 or WebSocket and speaks remotecommand or portforward over it.
 */
export class StreamingServer {
  readonly cache = new StreamRequestCache();
  private readonly server: http.Server;
  private readonly logger: Logger;
  private readonly sockets = new Set<Duplex>();
  private base = '';

  constructor(private readonly opts: StreamingServerOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.server = http.createServer((req, res) => {
      res.writeHead(req.headers.upgrade ? 400 : 426, { 'Content-Type': 'text/plain' });
      res.end('streaming: a SPDY/3.1 or websocket upgrade is required\n');
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  async listen(): Promise<string> {
    const addr = this.opts.address ?? DEFAULT_STREAM_ADDRESS;
    const { host, port } = parseStreamAddress(addr);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (e) => reject(new UnavailableError(`streaming server: cannot listen on ${addr}: ${messageOf(e)}`)));
      this.server.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    this.base = `http://${advertisedHost(a)}:${a.port}`;
    return this.base;
  }

  /** The URL for a request just accepted by a streaming RPC. */
  url(req: StreamRequest): string {
    if (!this.base) throw new UnavailableError('streaming server: not listening');
    return `${this.base}/${req.kind}/${this.cache.insert(req)}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const m = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]+)$/.exec((req.url ?? '').split('?')[0]!);
    const refuse = (code: number, msg: string, headers: Record<string, string[]> = {}): void => {
      const extra = Object.entries(headers)
        .flatMap(([k, vs]) => vs.map((v) => `${k}: ${v}\r\n`))
        .join('');
      socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${Buffer.byteLength(msg)}\r\nConnection: close\r\n\r\n${msg}`);
    };
    if (!m) return refuse(404, 'streaming: unknown path\n');
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    const websocket = upgrade === 'websocket';
    if (!websocket && !/spdy\/3\.1/.test(upgrade)) return refuse(400, `streaming: unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')} (SPDY/3.1 or websocket)\n`);
    const sreq = this.cache.consume(m[2]!);
    if (!sreq || sreq.kind !== m[1]) return refuse(404, 'streaming: unknown or expired token\n');
    if (websocket) return this.onWebSocket(req, socket, head, sreq, refuse);

    // SPDY: X-Stream-Protocol-Version negotiated as kubelet's httpstream.Handshake does
    const offered = headerList(req.headers['x-stream-protocol-version']);
    const supported = sreq.kind === 'portforward' ? PORT_FORWARD_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
    if (offered.length === 0) return refuse(400, 'unable to upgrade: X-Stream-Protocol-Version is required\n');
    const protocol = offered.find((p) => supported.includes(p));
    if (!protocol) {
      return refuse(403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]\n`, {
        'X-Accepted-Stream-Protocol-Versions': supported,
      });
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    socket.setNoDelay(true);
    this.track(socket);
    const conn = new SpdyConnection(socket);
    this.serveSpdy(conn, sreq);
    conn.feed(head); // bytes the client sent right after its request belong to the session
  }

  /**
   * WebSocket: remotecommand as channel-prefixed binary messages (`v5.channel.k8s.io`,
   * `v4.channel.k8s.io`; crictl's and kubectl's `--transport websocket` offer v5), port-forward as
   * a SPDY session tunnelled in binary messages (`SPDY/3.1+portforward.k8s.io`, client-go's
   * tunnelling dialer). Anything else offered is refused before the handshake (403).
   */
  private onWebSocket(req: http.IncomingMessage, socket: Socket, head: Buffer, sreq: StreamRequest, refuse: (code: number, msg: string) => void): void {
    const offered = headerList(req.headers['sec-websocket-protocol']);
    const supported = sreq.kind === 'portforward' ? PORT_FORWARD_WEBSOCKET_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
    const protocol = offered.find((p) => supported.includes(p));
    if (!protocol) return refuse(403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]\n`);
    // negotiated above: the handshake answers the protocol chosen for this request
    const chosen = new WeakMap<http.IncomingMessage, string>([[req, protocol]]);
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (_offered, r) => chosen.get(r) ?? false });
    // `ws` holds subprotocols to RFC 6455's token syntax, which the tunnel's `SPDY/3.1+…` is not
    // (Go's websocket libraries take it): the offer is checked above, `ws` sees a stand-in
    req.headers['sec-websocket-protocol'] = 'negotiated';
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.setNoDelay(true);
      this.track(socket);
      ws.on('error', (e) => this.logger.warn({ err: messageOf(e) }, 'streaming: websocket error'));
      if (sreq.kind === 'portforward') {
        // the tunnel: the SPDY session's bytes are the messages' payloads
        this.serveSpdy(new SpdyConnection(createWebSocketStream(ws, { allowHalfOpen: false })), sreq);
        return;
      }
      const channels = new WebSocketChannels(ws, protocol === 'v5.channel.k8s.io');
      const want = wantedChannels(sreq);
      const streams = channels.streams(want);
      channels.announce(want);
      const target = sreq.kind === 'exec' ? this.opts.backend.exec(sreq) : this.opts.backend.attach(sreq);
      runRemoteCommand(streams, target, this.opts.hostPaths)
        .catch((e) => this.logger.warn({ err: messageOf(e), kind: sreq.kind }, 'streaming: request failed'))
        .finally(() => ws.close(1000));
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private serveSpdy(conn: SpdyConnection, sreq: StreamRequest): void {
    conn.on('stream', (st: { id: number; headers: unknown }) => this.logger.debug({ id: st.id, headers: st.headers }, 'streaming: stream opened'));
    conn.on('error', (e) => this.logger.warn({ err: messageOf(e) }, 'streaming: spdy session error'));
    const run = async (): Promise<void> => {
      if (sreq.kind === 'exec') await serveRemoteCommand(conn, sreq, this.opts.backend.exec(sreq), this.opts.hostPaths);
      else if (sreq.kind === 'attach') await serveRemoteCommand(conn, sreq, this.opts.backend.attach(sreq), this.opts.hostPaths);
      else {
        // listening for the client's streams at once; the pod's dialer is looked up meanwhile
        const dialer = this.opts.backend.portDialer(sreq.sandboxId);
        dialer.catch(() => undefined);
        await servePortForward(conn, async (port) => (await dialer)(port));
      }
    };
    run().catch((e) => {
      this.logger.warn({ err: messageOf(e), kind: sreq.kind }, 'streaming: request failed');
      conn.close();
    });
  }
}

/** A header's comma-separated values (as Go's httpstream reads X-Stream-Protocol-Version). */
function headerList(h: string | string[] | undefined): string[] {
  return (Array.isArray(h) ? h : [h ?? ''])
    .flatMap((v) => v.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
}
