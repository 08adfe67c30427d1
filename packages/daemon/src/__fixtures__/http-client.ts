import * as http from 'node:http';
import * as net from 'node:net';

/** Test helpers: plain node:http requests to a unix socket, and raw sockets for hijack tests. */
export interface TestResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: () => any;
}

export function request(
  socketPath: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** A raw connection: write bytes, collect everything the server sends until it closes. */
export class RawConnection {
  readonly socket: net.Socket;
  private data = Buffer.alloc(0);
  private ended = false;
  private waiters: (() => void)[] = [];

  constructor(socketPath: string) {
    this.socket = net.connect(socketPath);
    this.socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
      this.wake();
    });
    this.socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.socket.on('error', () => {
      this.ended = true;
      this.wake();
    });
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  write(s: string | Buffer): void {
    this.socket.write(s);
  }
  end(): void {
    this.socket.end();
  }
  get received(): string {
    return this.data.toString('latin1');
  }
  get isEnded(): boolean {
    return this.ended;
  }
  /** Waits until the received text contains `s` (or the connection ends). */
  async waitFor(s: string, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.received.includes(s)) {
      if (this.ended) throw new Error(`connection ended before ${JSON.stringify(s)}; got ${JSON.stringify(this.received)}`);
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${JSON.stringify(s)}; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.received;
  }
  async waitEnd(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error(`timeout waiting for end; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.received;
  }
}
