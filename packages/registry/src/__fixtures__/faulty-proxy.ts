import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FaultyProxyOptions {
  /**
   * `drop`: cut the connection after `after` body bytes of a blob GET; `corrupt`: flip one
   * byte of it; `drop-upload`: cut the connection after `after` request bytes of an upload
   * PUT/PATCH.
   */
  mode: 'drop' | 'corrupt' | 'drop-upload';
  after: number;
  /** How many blob GETs get the fault (default: every one for corrupt, 1 per blob for drop). */
  times?: number;
}

/** An HTTP proxy on 127.0.0.1 in front of a registry that spoils blob downloads on purpose. */
export class FaultyProxy {
  private server!: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly faults = new Map<string, number>();
  /** Requests seen: method, path, range. */
  readonly seen: Array<{ method: string; path: string; range?: string }> = [];
  port = 0;

  constructor(
    private readonly upstream: string,
    private readonly opts: FaultyProxyOptions,
  ) {}

  async start(): Promise<this> {
    const up = new URL(this.upstream);
    this.server = http.createServer((req, res) => {
      const entry: { method: string; path: string; range?: string } = { method: req.method ?? '', path: req.url ?? '' };
      if (req.headers.range) entry.range = req.headers.range;
      this.seen.push(entry);
      if (this.opts.mode === 'drop-upload' && (req.method === 'PUT' || req.method === 'PATCH') && /\/blobs\/uploads\//.test(req.url ?? '')) {
        const done = this.faults.get('upload') ?? 0;
        if (done < (this.opts.times ?? 1) && Number(req.headers['content-length'] ?? 0) > this.opts.after) {
          this.faults.set('upload', done + 1);
          let got = 0;
          req.on('data', (c: Buffer) => {
            got += c.length;
            if (got >= this.opts.after) req.socket.destroy();
          });
          return;
        }
      }
      const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && this.opts.mode !== 'drop-upload';
      const count = this.faults.get(req.url ?? '') ?? 0;
      const limit = this.opts.times ?? (this.opts.mode === 'drop' ? 1 : Infinity);
      const spoil = isBlob && count < limit;
      if (spoil) this.faults.set(req.url ?? '', count + 1);
      const preq = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (pres) => {
        res.writeHead(pres.statusCode ?? 502, pres.headers);
        if (!spoil || (pres.statusCode ?? 0) >= 300) {
          pres.pipe(res);
          return;
        }
        let n = 0;
        pres.on('data', (c: Buffer) => {
          if (this.opts.mode === 'drop') {
            if (n + c.length >= this.opts.after) {
              res.write(c.subarray(0, Math.max(0, this.opts.after - n)));
              n = this.opts.after;
              pres.destroy();
              // Flush, then cut the connection without finishing the body.
              setTimeout(() => res.socket?.destroy(), 20);
              return;
            }
            n += c.length;
            res.write(c);
          } else {
            if (n <= this.opts.after && n + c.length > this.opts.after) {
              const copy = Buffer.from(c);
              const i = this.opts.after - n;
              copy[i] = copy[i]! ^ 0xff;
              c = copy;
            }
            n += c.length;
            res.write(c);
          }
        });
        pres.on('end', () => res.end());
      });
      preq.on('error', () => res.destroy());
      req.pipe(preq);
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
