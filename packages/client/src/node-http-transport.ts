import * as http from 'node:http';
import { Duplex, type Readable, Writable } from 'node:stream';
import { connectionError, errorFromResponse } from './errors';
import type { ConnectionOptions, HijackedConnection, Transport, TransportRequest, TransportResponse } from './transport';

type RequestFn = typeof http.request;

/**
 * The lean transport: `node:http` (and `node:https` for TLS, loaded only then). It is what the
 * client uses for hijacking in every case, and the whole transport for hot paths (run, ps):
 * requiring axios costs ~70 ms here, more than a `run` of a container.
 */
export class NodeHttpTransport implements Transport {
  private readonly agent: http.Agent;
  private readonly requestFn: RequestFn;
  private readonly base: http.RequestOptions;

  constructor(private readonly opts: ConnectionOptions) {
    const a = opts.address;
    if (a.kind === 'unix') {
      this.requestFn = http.request;
      this.agent = new http.Agent({ keepAlive: true });
      // servername '' spares node:http's SNI guess (an IPv6 pattern compiled at each CLI start, ~1.5 ms): no TLS here
      this.base = { socketPath: a.socketPath, agent: this.agent, servername: '' } as http.RequestOptions;
    } else if (a.kind === 'ssh') {
      // each connection is a new `ssh HOST berth system dial-stdio` (docker's connection helper)
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: child_process only for an ssh:// daemon
      const { sshConnection } = require('./ssh-connection') as typeof import('./ssh-connection');
      this.requestFn = http.request;
      this.agent = new http.Agent({ keepAlive: true });
      const connect = () => sshConnection(a) as unknown as import('node:net').Socket;
      (this.agent as unknown as { createConnection: typeof connect }).createConnection = connect;
      this.base = { host: 'localhost', agent: this.agent, createConnection: connect, servername: '' } as http.RequestOptions;
    } else if (opts.tls) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: node:https (and TLS) only for a tcp:// daemon with TLS
      const https = require('node:https') as typeof import('node:https');
      const t = opts.tls;
      this.agent = new https.Agent({ keepAlive: true, ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: t.verify !== false });
      this.requestFn = https.request as unknown as RequestFn;
      this.base = { host: a.hostname, port: a.port, agent: this.agent, ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: t.verify !== false } as http.RequestOptions;
    } else {
      this.requestFn = http.request;
      this.agent = new http.Agent({ keepAlive: true });
      this.base = { host: a.hostname, port: a.port, agent: this.agent };
    }
  }

  private headers(req: TransportRequest): Record<string, string> {
    const h: Record<string, string> = { Host: this.opts.address.kind === 'tcp' ? `${this.base.host}:${this.base.port}` : 'localhost' };
    if (this.opts.userAgent) h['User-Agent'] = this.opts.userAgent;
    Object.assign(h, req.headers);
    if (req.body === undefined) h['Content-Length'] = '0';
    else if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) h['Content-Length'] = String(Buffer.byteLength(req.body));
    return h;
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const r = this.requestFn({ ...this.base, method: req.method, path: req.path, headers: this.headers(req), signal: req.signal });
      r.on('response', (res) => {
        settled = true;
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      r.on('error', (e) => {
        if (!settled) reject(connectionError(e, this.opts.address.url));
      });
      sendBody(r, req.body, (e) => {
        if (!settled) {
          settled = true;
          reject(e);
        }
        r.destroy();
      });
    });
  }

  hijack(req: TransportRequest): Promise<HijackedConnection> {
    return new Promise((resolve, reject) => {
      const headers = this.headers(req);
      headers['Connection'] = 'Upgrade';
      headers['Upgrade'] = 'tcp';
      if (!headers['Content-Type']) headers['Content-Type'] = 'text/plain';
      // A dedicated connection: a hijacked socket never goes back to a pool.
      const r = this.requestFn({ ...this.base, agent: this.oneShotAgent(), method: req.method, path: req.path, headers, signal: req.signal });
      let settled = false;
      r.on('upgrade', (res, socket, head) => {
        settled = true;
        if (head.length > 0) socket.unshift(head);
        resolve({ socket, statusCode: res.statusCode ?? 101 });
      });
      r.on('response', (res) => {
        settled = true;
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // Old-style hijack: the raw stream is the body, read until the daemon closes. The request
          // is already sent, so stdin cannot follow: writes are dropped.
          const sink = new Writable({ write: (_c, _e, cb) => cb() });
          resolve({ socket: Duplex.from({ readable: res, writable: sink }), statusCode: status });
          return;
        }
        readAll(res).then(
          (b) => reject(errorFromResponse(status, b, String(res.headers['content-type'] ?? ''))),
          reject,
        );
      });
      r.on('error', (e) => {
        if (!settled) reject(connectionError(e, this.opts.address.url));
      });
      sendBody(r, req.body, (e) => {
        if (!settled) reject(e);
        r.destroy();
      });
    });
  }

  /**
   * The agent of a hijacked request: none (`agent: false`, a connection of its own), except over
   * ssh, where node would then dial TCP itself: there, a throw-away agent that opens the tunnel.
   */
  private oneShotAgent(): http.Agent | false {
    const a = this.opts.address;
    if (a.kind !== 'ssh') return false;
    const agent = new http.Agent({ keepAlive: false });
    (agent as unknown as { createConnection: unknown }).createConnection = (this.agent as unknown as { createConnection: unknown }).createConnection;
    return agent;
  }

  close(): void {
    this.agent.destroy();
  }
}

function sendBody(r: http.ClientRequest, body: TransportRequest['body'], onError: (e: Error) => void): void {
  if (body === undefined) r.end();
  else if (typeof body === 'string' || Buffer.isBuffer(body)) r.end(body);
  else {
    body.on('error', onError);
    body.pipe(r);
  }
}

/** Reads a whole stream into one Buffer. */
export function readAll(s: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}
