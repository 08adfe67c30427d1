import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConflictError, InternalError, InvalidArgumentError, NotFoundError, NotModifiedError, UnavailableError } from '@berth/errdefs';
import { encodeFrame } from '@berth/api';
import { BerthClient } from './berth-client';
import { readAll } from './node-http-transport';
import { statusCodeOf } from './errors';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A tiny daemon on a unix socket in a temp dir; `routes` answer by "METHOD /path" (version prefix stripped). */
class FakeDaemon {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-client-test-'));
  readonly socketPath = path.join(this.dir, 'd.sock');
  readonly seen: Seen[] = [];
  pingVersion: string | undefined = '1.41';
  headStatus = 200;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void> = {};
  upgrades: Record<string, (socket: Socket, head: Buffer) => void> = {};

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        this.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const p = req.url!.split('?')[0]!.replace(/^\/v1\.\d+/, '');
        if (p === '/_ping') {
          if (req.method === 'HEAD' && this.headStatus !== 200) {
            res.statusCode = this.headStatus;
            return res.end();
          }
          if (this.pingVersion) res.setHeader('Api-Version', this.pingVersion);
          return res.end(req.method === 'GET' ? 'OK' : undefined);
        }
        const h = this.routes[`${req.method} ${p}`];
        if (!h) {
          res.statusCode = 404;
          res.setHeader('Content-Type', 'application/json');
          return res.end(JSON.stringify({ message: `page not found: ${p}` }) + '\n');
        }
        h(req, res, body);
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      this.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: '' });
      const p = req.url!.split('?')[0]!.replace(/^\/v1\.\d+/, '');
      const h = this.upgrades[`${req.method} ${p}`];
      if (h) h(socket, head);
      else {
        const body = JSON.stringify({ message: `No such container: ${p}` }) + '\n';
        socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
    });
  }
  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.socketPath, r));
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
  client(transport: 'axios' | 'node' = 'node'): BerthClient {
    return new BerthClient({ host: `unix://${this.socketPath}`, transport });
  }
}

const json = (status: number, body: unknown, contentType = 'application/json') => (_q: http.IncomingMessage, res: http.ServerResponse) => {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.end(typeof body === 'string' ? body : JSON.stringify(body) + '\n');
};

describe('BerthClient against a fake daemon on a unix socket', () => {
  const d = new FakeDaemon();
  beforeAll(() => d.listen());
  afterAll(() => d.close());

  for (const transport of ['node', 'axios'] as const) {
    describe(`transport ${transport}`, () => {
      it('negotiates the version with HEAD /_ping and prefixes paths', async () => {
        d.seen.length = 0;
        d.pingVersion = '1.41';
        d.routes['GET /version'] = json(200, { ApiVersion: '1.41', Version: 'x' });
        const c = d.client(transport);
        const v = await c.system.version();
        expect(v.Version).toBe('x');
        expect(d.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['HEAD /_ping', 'GET /v1.41/version']);
        c.close();
      });

      it('maps error statuses to errdefs kinds, keeping message and status', async () => {
        d.routes['GET /containers/nope/json'] = json(404, { message: 'No such container: nope' });
        d.routes['DELETE /containers/busy'] = json(409, { message: 'You cannot remove a running container' });
        d.routes['POST /containers/x/start'] = json(304, '');
        d.routes['POST /containers/bad/start'] = json(400, { message: 'exec: "x": executable file not found in $PATH' });
        d.routes['POST /containers/x/stop'] = json(500, 'plain text failure\n', 'text/plain');
        const c = d.client(transport);
        const e404 = await c.containers.inspect('nope').catch((e: unknown) => e);
        expect(e404).toBeInstanceOf(NotFoundError);
        expect((e404 as Error).message).toBe('No such container: nope');
        expect(statusCodeOf(e404)).toBe(404);
        await expect(c.containers.remove('busy')).rejects.toBeInstanceOf(ConflictError);
        await expect(c.containers.start('x')).rejects.toBeInstanceOf(NotModifiedError);
        await expect(c.containers.start('bad')).rejects.toBeInstanceOf(InvalidArgumentError);
        const e500 = await c.containers.stop('x').catch((e: unknown) => e);
        expect(e500).toBeInstanceOf(InternalError);
        expect((e500 as Error).message).toBe('plain text failure');
        c.close();
      });

      it('streams JSON messages as an async iterable and ends with the stream error', async () => {
        d.routes['POST /images/load'] = (_q, res) => {
          res.setHeader('Content-Type', 'application/json');
          res.write('{"stream":"Loaded ima');
          res.write('ge: a:1\\n"}\n{"status":"x"}\n');
          res.end('{"errorDetail":{"message":"boom"},"error":"boom"}\n');
        };
        const c = d.client(transport);
            const msgs = await c.images.load(Readable.from([Buffer.from('tar')]), { quiet: true });
        const got: unknown[] = [];
        await expect(
          (async () => {
            for await (const m of msgs) got.push(m);
          })(),
        ).rejects.toThrow('boom');
        expect(got).toEqual([{ stream: 'Loaded image: a:1\n' }, { status: 'x' }]);
        const last = d.seen[d.seen.length - 1]!;
        expect(last.url).toBe('/v1.41/images/load?quiet=1');
        expect(last.body).toBe('tar');
        expect(last.headers['content-type']).toBe('application/x-tar');
        c.close();
      });
    });
  }

  it('caps the version at 1.41, keeps older ones, falls back to 1.24, retries GET on a HEAD 404', async () => {
    d.routes['GET /info'] = json(200, { ID: 'i' });
    const cases: [string | undefined, number, string][] = [
      ['1.45', 200, '/v1.41/info'],
      ['1.30', 200, '/v1.30/info'],
      [undefined, 200, '/v1.24/info'],
      ['1.40', 404, '/v1.40/info'],
    ];
    for (const [ver, head, want] of cases) {
      d.seen.length = 0;
      d.pingVersion = ver;
      d.headStatus = head;
      const c = d.client();
      await c.system.info();
      expect(d.seen[d.seen.length - 1]!.url).toBe(want);
      if (head === 404) expect(d.seen.map((s) => s.method).slice(0, 2)).toEqual(['HEAD', 'GET']);
      c.close();
    }
    d.pingVersion = '1.41';
    d.headStatus = 200;
  });

  it('encodes queries like Go (sorted keys, repeated lists, 1 for true, + for spaces)', async () => {
    d.routes['POST /images/create'] = json(200, { status: 'sha256:abc' });
    const c = d.client();
    const msgs = await c.images.import(Readable.from([Buffer.from('x')]), { repo: 'trace-imported:v1', changes: ['CMD ["sh"]', 'ENV IMPORTED=1'], message: 'trace import' });
    for await (const _ of msgs) void _;
    expect(d.seen[d.seen.length - 1]!.url).toBe(
      '/v1.41/images/create?changes=CMD+%5B%22sh%22%5D&changes=ENV+IMPORTED%3D1&fromSrc=-&message=trace+import&repo=trace-imported%3Av1',
    );
    expect(d.seen[d.seen.length - 1]!.headers['content-type']).toBe('text/plain');
    await c.containers.list({ all: true, filters: { name: ['trace-'], status: ['exited'] } }).catch(() => undefined);
    expect(d.seen[d.seen.length - 1]!.url).toBe('/v1.41/containers/json?all=1&filters=%7B%22name%22%3A%7B%22trace-%22%3Atrue%7D%2C%22status%22%3A%7B%22exited%22%3Atrue%7D%7D');
    c.close();
  });

  it('int64 values past 2^53 come and go exactly (bigint), in answers and in request bodies', async () => {
    d.routes['GET /containers/big/json'] = json(200, '{"Id":"big","HostConfig":{"Memory":9223372036854775807,"ShmSize":67108864,"CpuPercent":0.5}}\n');
    d.routes['POST /containers/big/update'] = json(200, { Warnings: [] });
    const c = d.client();
    const r = await c.containers.inspect('big');
    expect(r.HostConfig.Memory).toBe(9223372036854775807n);
    expect(r.HostConfig.ShmSize).toBe(67108864);
    expect((r.HostConfig as unknown as Record<string, unknown>).CpuPercent).toBe(0.5);
    await c.containers.update('big', { Memory: 1152921504606846976n });
    expect(d.seen[d.seen.length - 1]!.body).toBe('{"Memory":1152921504606846976}');
    c.close();
  });

  it('wait resolves at header time; the result comes later', async () => {
    let finish: (() => void) | undefined;
    d.routes['POST /containers/w/wait'] = (_q, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.flushHeaders();
      finish = () => res.end('{"Error":null,"StatusCode":3}\n');
    };
    const c = d.client();
    const w = await c.containers.wait('w', { condition: 'next-exit' });
    expect(finish).toBeDefined();
    let done = false;
    void w.result.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    finish!();
    await expect(w.result).resolves.toEqual({ Error: null, StatusCode: 3 });
    expect(d.seen[d.seen.length - 1]!.url).toBe('/v1.41/containers/w/wait?condition=next-exit');
    c.close();
  });

  it('attach hijacks with 101 and demultiplexes frames split across writes (head bytes kept)', async () => {
    d.upgrades['POST /containers/a/attach'] = (socket) => {
      const frames = Buffer.concat([encodeFrame('stdout', Buffer.from('out\n')), encodeFrame('stderr', Buffer.from('err\n')), encodeFrame('stdout', Buffer.from('more'))]);
      // the 101 and the first bytes in one write: they arrive as `head`
      socket.write(Buffer.concat([Buffer.from('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n'), frames.subarray(0, 5)]));
      setTimeout(() => socket.write(frames.subarray(5, 13)), 10);
      setTimeout(() => socket.end(frames.subarray(13)), 20);
    };
    const c = d.client('axios');
    const a = await c.containers.attach('a', { stdout: true, stderr: true, stream: true });
    a.socket.end();
    const [out, err] = await Promise.all([readAll(a.stdout), readAll(a.stderr)]);
    expect(out.toString()).toBe('out\nmore');
    expect(err.toString()).toBe('err\n');
    const req = d.seen[d.seen.length - 1]!;
    expect(req.url).toBe('/v1.41/containers/a/attach?stderr=1&stdout=1&stream=1');
    expect(req.headers.upgrade).toBe('tcp');
    expect(req.headers.connection).toBe('Upgrade');
    c.close();
  });

  it('attach accepts the old-style 200 hijack (raw stream until close) and raw TTY output', async () => {
    // A server with no 'upgrade' listener: Node hands the request to the normal handler, like an old daemon.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-client-old-'));
    const sp = path.join(dir, 's.sock');
    const srv = http.createServer((_q, res) => {
      const sock = res.socket!;
      sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n');
      sock.end('hello-tty\r\n');
    });
    await new Promise<void>((r) => srv.listen(sp, r));
    try {
      const c = new BerthClient({ host: `unix://${sp}`, transport: 'node', apiVersion: '1.41' });
      const a = await c.containers.attach('old', { tty: true });
      a.socket.end();
      const out = await readAll(a.stdout);
      expect(out.toString()).toBe('hello-tty\r\n');
      c.close();
    } finally {
      srv.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logStreams demultiplexes unless the container has a TTY', async () => {
    d.routes['GET /containers/l/logs'] = (_q, res) => {
      res.end(Buffer.concat([encodeFrame('stdout', Buffer.from('o\n')), encodeFrame('stderr', Buffer.from('e\n'))]));
    };
    d.routes['GET /containers/t/logs'] = (_q, res) => res.end('a\r\nb\r\n');
    const c = d.client();
    const l = await c.containers.logStreams('l', { timestamps: true, tail: '2' });
    expect([(await readAll(l.stdout)).toString(), (await readAll(l.stderr)).toString()]).toEqual(['o\n', 'e\n']);
    expect(d.seen[d.seen.length - 1]!.url).toBe('/v1.41/containers/l/logs?stderr=1&stdout=1&tail=2&timestamps=1');
    const t = await c.containers.logStreams('t', { tty: true });
    expect([(await readAll(t.stdout)).toString(), (await readAll(t.stderr)).toString()]).toEqual(['a\r\nb\r\n', '']);
    c.close();
  });

  it('events keep the exact timeNano digits', async () => {
    d.routes['GET /events'] = (_q, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.write('{"Type":"container","Action":"die","Actor":{"ID":"x","Attributes":{}},"scope":"local","time":1795853765,"timeNano":1795853765885568291}\n{"Type":"im');
      res.end('age","Action":"tag","Actor":{"ID":"y","Attributes":{}},"scope":"local","time":1,"timeNano":1000000001}\n');
    };
    const c = d.client();
    const got = [];
    for await (const e of await c.system.events({ since: '1', until: '2', filters: { type: ['container'] } })) got.push([e.Action, e.timeNanoExact]);
    expect(got).toEqual([
      ['die', '1795853765885568291'],
      ['tag', '1000000001'],
    ]);
    expect(d.seen[d.seen.length - 1]!.url).toBe('/v1.41/events?filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D&since=1&until=2');
    c.close();
  });

  it('hijack errors come back as errdefs errors', async () => {
    const c = d.client();
    await expect(c.containers.attach('missing')).rejects.toBeInstanceOf(NotFoundError);
    c.close();
  });
});

describe('connection failures', () => {
  for (const transport of ['node', 'axios'] as const) {
    it(`${transport}: a missing socket is UnavailableError with docker's wording`, async () => {
      const c = new BerthClient({ host: 'unix:///nonexistent/berth-test.sock', transport });
      const e = await c.system.version().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnavailableError);
      expect((e as Error).message).toBe('Cannot connect to the berth daemon at unix:///nonexistent/berth-test.sock. Is the berth daemon running?');
      c.close();
    });
  }
});
