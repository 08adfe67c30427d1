import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Express } from 'express';
import { FailedPreconditionError, InvalidArgumentError } from '@berth/errdefs';
import { ConnectionTracker } from './connection-tracker';
import { upgradeHandler } from './hijack';
import { formatListenAddress, isLoopbackHost, type ListenAddress } from './listen-address';
import { silentLogger, type Logger } from '@berth/log';

/** dockerd's `--tlsverify --tlscacert --tlscert --tlskey`: mutual TLS on TCP listeners. */
export interface TlsConfig {
  /** PEM: the server's certificate and key. */
  cert: Buffer | string;
  key: Buffer | string;
  /** PEM: the CA that signs client certificates (required with verify). */
  ca?: Buffer | string;
  /** Require and verify client certificates (`--tlsverify`). */
  verify: boolean;
}

/**
 * One express app on several http.Servers (a unix socket, TCP, TLS), with keep-alive, the
 * hijack 'upgrade' path, and a shutdown that also ends hijacked and idle connections.
 */
export class ApiServer {
  readonly tracker: ConnectionTracker;
  private readonly servers: { server: http.Server; address: ListenAddress }[] = [];
  private readonly logger: Logger;

  private readonly socketGroup: string | undefined;

  /** `socketGroup`: the group that may use unix sockets (dockerd's `-G`, default `docker`; silently root-only when it does not exist). */
  constructor(private readonly app: Express, opts: { tracker?: ConnectionTracker; logger?: Logger; socketGroup?: string } = {}) {
    this.tracker = opts.tracker ?? new ConnectionTracker();
    this.logger = opts.logger ?? silentLogger;
    this.socketGroup = opts.socketGroup;
  }

  /** The addresses being served, e.g. `unix:///run/berth.sock`, `tcp://127.0.0.1:2375` (real port). */
  get addresses(): string[] {
    return this.servers.map(({ server, address }) => {
      const a = server.address();
      if (address.kind === 'tcp' && a && typeof a === 'object') return formatListenAddress({ ...address, port: a.port });
      return formatListenAddress(address);
    });
  }

  async listen(address: ListenAddress, tls?: TlsConfig): Promise<void> {
    checkListenAllowed(address, tls?.verify ?? false);
    if (tls?.verify && !tls.ca) throw new InvalidArgumentError('--tlsverify needs --tlscacert');
    // X-Registry-Auth / X-Registry-Config headers carry base64 credentials: allow more than Node's 16 KB.
    const httpOpts = { maxHeaderSize: 256 * 1024 };
    const server: http.Server =
      address.kind === 'tcp' && tls
        ? https.createServer({ ...httpOpts, cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: tls.verify, rejectUnauthorized: tls.verify }, this.app)
        : http.createServer(httpOpts, this.app);
    server.requestTimeout = 0; // docker load / build uploads may take long
    server.keepAliveTimeout = 60_000;
    server.on(tls && address.kind === 'tcp' ? 'secureConnection' : 'connection', (s: net.Socket) => this.tracker.track(s));
    server.on('upgrade', upgradeHandler(this.app, this.tracker));
    server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
      this.logger.debug({ err: err.message, code: err.code }, 'client error');
      if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    if (address.kind === 'unix') await prepareUnixSocket(address.path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.removeListener('error', reject);
        resolve();
      };
      if (address.kind === 'unix') server.listen(address.path, done);
      else server.listen(address.port, address.host, done);
    });
    server.on('error', (err) => this.logger.error({ err: err.message }, 'api server error'));
    if (address.kind === 'unix') {
      await fs.promises.chmod(address.path, 0o660);
      const gid = this.socketGroup ? await groupId(this.socketGroup) : undefined;
      if (gid !== undefined) await fs.promises.chown(address.path, 0, gid).catch((e: Error) => this.logger.warn({ err: e.message }, 'cannot give the socket to its group'));
      else if (this.socketGroup) this.logger.debug({ group: this.socketGroup }, 'socket group does not exist: the socket stays root-only');
    }
    this.servers.push({ server, address });
    this.logger.info({ address: this.addresses[this.addresses.length - 1] }, 'API listening');
  }

  /**
   * Stops accepting, destroys hijacked and idle connections at once, and gives requests in
   * flight `graceMs` before destroying what is left.
   */
  async close(graceMs = 2000): Promise<void> {
    const closed = this.servers.map(
      ({ server }) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    this.tracker.destroyHijacked();
    for (const { server } of this.servers) server.closeIdleConnections();
    const timer = setTimeout(() => this.tracker.destroyAll(), graceMs);
    timer.unref();
    await Promise.all(closed);
    clearTimeout(timer);
    for (const { address } of this.servers) {
      if (address.kind === 'unix') await fs.promises.rm(address.path, { force: true });
    }
    this.servers.length = 0;
  }
}

/**
 * Plain TCP (or TLS without client verification) hands root on this host to anyone who can
 * reach the port: allowed on loopback only, as dockerd warns and we refuse.
 */
export function checkListenAllowed(address: ListenAddress, tlsVerify: boolean): void {
  if (address.kind === 'tcp' && !isLoopbackHost(address.host) && !tlsVerify) {
    throw new InvalidArgumentError(
      `${formatListenAddress(address)}: refusing to serve the API on a non-loopback address without TLS client verification; pass --tlsverify --tlscacert --tlscert --tlskey, or listen on 127.0.0.1`,
    );
  }
}

/** The gid of a group name from /etc/group, or undefined. */
async function groupId(name: string): Promise<number | undefined> {
  if (/^\d+$/.test(name)) return Number(name);
  const text = await fs.promises.readFile('/etc/group', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [n, , gid] = line.split(':');
    if (n === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/** Refuses to steal a socket a live daemon answers on; removes a stale one; makes the directory. `flag` names the option in messages. */
export async function prepareUnixSocket(p: string, flag = '-H'): Promise<void> {
  await fs.promises.mkdir(path.dirname(p), { recursive: true });
  if (await checkUnixSocketFree(p, flag)) await fs.promises.rm(p, { force: true });
}

/**
 * FailedPreconditionError when a live daemon answers on `p` or `p` is not a socket; true when a
 * stale socket file is there, false when nothing is. Touches nothing.
 */
export async function checkUnixSocketFree(p: string, flag = '-H'): Promise<boolean> {
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(p);
  } catch {
    return false;
  }
  if (!st.isSocket()) throw new FailedPreconditionError(`unix://${p}: exists and is not a socket; remove it or choose another ${flag}`);
  const live = await new Promise<boolean>((resolve) => {
    const c = net.connect(p);
    const t = setTimeout(() => {
      c.destroy();
      resolve(true);
    }, 1000);
    c.once('connect', () => {
      clearTimeout(t);
      c.destroy();
      resolve(true);
    });
    c.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
  if (live) throw new FailedPreconditionError(`unix://${p}: another daemon is listening on this socket; stop it or choose another ${flag}`);
  return true;
}
