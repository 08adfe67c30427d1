import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { InvalidArgumentError } from '@berth/errdefs';
import { Database } from '@berth/sqlite';
import { type AccessController, BasicAccess, OpenAccess, TokenAccess } from './access-controller';
import { type BlobStore, FileBlobStore } from './blob-store';
import { type GcOptions, type GcResult, garbageCollect } from './garbage-collect';
import { Htpasswd } from './htpasswd';
import { RegistryLayout } from './layout';
import { type Logger, silentLogger } from '@berth/log';
import { migrations } from './migrations';
import { type ProxyRemoteConfig, ProxyUpstream } from './proxy-upstream';
import { createRegistryApp } from './registry-app';
import { RegistryMetadata } from './registry-metadata';
import { TokenService } from './token-service';
import { UploadFiles } from './upload-files';

export interface RegistryConfig {
  /** Directory holding registry.db, blobs/, uploads/, tmp/. */
  dataRoot: string;
  /** `host:port` to listen on (default `127.0.0.1:5000`; port 0 picks one). */
  addr?: string;
  /** htpasswd file with bcrypt entries: basic auth, or the users of the token endpoint. */
  htpasswd?: string;
  /** Serve `GET /token` and require bearer tokens from it (needs `htpasswd` for users). */
  tokenAuth?: boolean;
  /** HMAC key for tokens (default: random per start). */
  tokenKey?: Buffer;
  /** `service` of the token challenge (default `berth-registry`). */
  tokenService?: string;
  /** PEM files: serve https. */
  tlsCert?: string;
  tlsKey?: string;
  /** Pull-through cache of this upstream registry (read-only). */
  proxyRemote?: ProxyRemoteConfig;
  /** Use this blob store instead of the files under dataRoot (e.g. image-store's content store). */
  blobStore?: BlobStore;
  logger?: Logger;
}

export const DEFAULT_ADDR = '127.0.0.1:5000';

export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new InvalidArgumentError(`addr "${addr}": expected host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new InvalidArgumentError(`addr "${addr}": port out of range`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Drops upload files without a session and sessions without a file (left by a crash). */
async function reconcileUploads(meta: RegistryMetadata, uploads: UploadFiles): Promise<void> {
  const rows = new Set((await meta.uploads()).map((u) => u.uuid));
  const files = new Set(await uploads.list());
  for (const f of files) if (!rows.has(f)) await uploads.remove(f);
  for (const r of rows) if (!files.has(r)) await meta.deleteUpload(r);
}

/** berth-registry: the distribution API over a blob store and a SQLite database. */
export class RegistryServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server | https.Server,
    private readonly db: Database,
    readonly meta: RegistryMetadata,
    readonly blobs: BlobStore,
    private readonly log: Logger,
    readonly url: string,
  ) {
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(config: RegistryConfig): Promise<RegistryServer> {
    const log = config.logger ?? silentLogger;
    const { host, port } = parseAddr(config.addr ?? DEFAULT_ADDR);
    if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) throw new InvalidArgumentError('tls: --tls-cert and --tls-key go together');
    const layout = new RegistryLayout(config.dataRoot);
    let blobs = config.blobStore;
    if (!blobs) {
      const fb = new FileBlobStore(config.dataRoot);
      await fb.init();
      blobs = fb;
    }
    const uploads = new UploadFiles(config.dataRoot);
    await uploads.init();
    const users = config.htpasswd ? await Htpasswd.load(config.htpasswd) : undefined;
    if (config.tokenAuth && !users) throw new InvalidArgumentError('token-auth: needs --htpasswd for its users');
    const db = await Database.open(layout.database);
    try {
      await db.migrate(migrations);
      const meta = new RegistryMetadata(db);
      await reconcileUploads(meta, uploads);
      const tokens = config.tokenAuth ? new TokenService(config.tokenService ?? 'berth-registry', config.tokenKey) : undefined;
      const access: AccessController = tokens ? new TokenAccess(tokens) : users ? new BasicAccess(users) : new OpenAccess();
      const upstream = config.proxyRemote ? new ProxyUpstream(config.proxyRemote, blobs, meta, log) : undefined;
      const app = createRegistryApp({ deps: { blobs, meta, uploads, access, log, ...(upstream ? { upstream } : {}) }, ...(tokens ? { tokens: { service: tokens, ...(users ? { users } : {}) } } : {}) });
      const tls = config.tlsCert && config.tlsKey ? { cert: await readFile(config.tlsCert), key: await readFile(config.tlsKey) } : undefined;
      const server = tls ? https.createServer(tls, app) : http.createServer(app);
      server.requestTimeout = 0;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const a = server.address() as AddressInfo;
      const shownHost = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      const url = `${tls ? 'https' : 'http'}://${shownHost}:${a.port}`;
      log.info({ url, dataRoot: config.dataRoot, auth: tokens ? 'token' : users ? 'basic' : 'none', proxyRemote: config.proxyRemote?.url }, 'berth-registry listening');
      return new RegistryServer(server, db, meta, blobs, log, url);
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
  }

  /** `host:port` as clients name it (`127.0.0.1:5000`). */
  get host(): string {
    return new URL(this.url).host;
  }

  /** See `garbageCollect`; online, give a `graceMs` longer than any push takes. */
  garbageCollect(opts: GcOptions = {}): Promise<GcResult> {
    return garbageCollect(this.meta, this.blobs, this.log, opts);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
    await this.db.close();
  }
}
