import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Router } from 'express';
import { ConflictError, FailedPreconditionError, InvalidArgumentError, NotFoundError, NotModifiedError, NotImplementedError } from '@berth/errdefs';
import { ApiServer } from './api-server';
import { LINGER_MS } from './close-after-answer';
import { createApiApp } from './app';
import { ConnectionTracker } from './connection-tracker';
import { parseListenAddress } from './listen-address';
import { asyncHandler, apiVersionOf, hijack, queryBool, queryFilters, queryList, readJsonBody, sendJson, startJsonStream } from './route-helpers';
import { RawConnection, request } from '../__fixtures__/http-client';

function testRouter(): Router {
  const r = Router();
  r.get('/echo', (req, res) => {
    sendJson(res, 200, { all: queryBool(req, 'all'), filters: Object.fromEntries(queryFilters(req)), version: apiVersionOf(req), changes: queryList(req, 'changes') });
  });
  r.post('/json', asyncHandler(async (req, res) => sendJson(res, 200, { got: (await readJsonBody(req)) ?? 'empty' })));
  r.get('/fail/:kind', asyncHandler(async (req) => {
    switch (req.params.kind) {
      case 'notfound': throw new NotFoundError('No such image: x:latest');
      case 'conflict': throw new ConflictError('conflict: in use');
      case 'precondition': throw new FailedPreconditionError('not possible');
      case 'notmodified': throw new NotModifiedError('already started');
      case 'notimpl': throw new NotImplementedError('pull is not implemented yet');
      default: throw new Error('boom');
    }
  }));
  r.get('/containers/:id/fail', asyncHandler(async () => {
    throw new FailedPreconditionError('Container abc is not running');
  }));
  r.get('/stream', asyncHandler(async (_req, res) => {
    const s = startJsonStream(res);
    s.write({ status: 'one' });
    s.write({ status: 'two' });
    throw new Error('it broke');
  }));
  r.put('/partial', asyncHandler(async (req) => {
    // a body read in part, then left paused (as readTar's keepInput leaves it), then refused
    await new Promise<void>((resolve) => req.once('data', () => {
      req.pause();
      resolve();
    }));
    throw new InvalidArgumentError('refused part-way');
  }));
  r.post('/hijack', asyncHandler(async (req, res) => {
    const body = await readJsonBody<Record<string, unknown>>(req);
    const sock = hijack(req, res);
    sock.write(`hello ${JSON.stringify(body ?? null)}\n`);
    sock.on('data', (d: Buffer) => sock.write(`echo:${d.toString()}\n`));
    sock.on('end', () => {
      sock.write('bye\n');
      sock.end();
    });
  }));
  return r;
}

let dir: string;
let sock: string;
let server: ApiServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-server-'));
  sock = path.join(dir, 'api.sock');
  const tracker = new ConnectionTracker();
  server = new ApiServer(createApiApp({ routers: [testRouter()], tracker }), { tracker });
  await server.listen(parseListenAddress(`unix://${sock}`));
});

afterAll(async () => {
  await server.close(100);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('version prefixes', () => {
  test('unversioned, /v1.41, /v1.24 are served', async () => {
    for (const [p, v] of [['/echo', '1.45'], ['/v1.41/echo', '1.41'], ['/v1.45/echo', '1.45'], ['/v1.24/echo', '1.24'], ['/v1.30/echo', '1.30']] as const) {
      const r = await request(sock, 'GET', p);
      expect(r.status).toBe(200);
      expect(r.json().version).toBe(v);
    }
  });
  test('too new and too old are 400 with docker wording', async () => {
    const r = await request(sock, 'GET', '/v1.99/echo');
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ message: 'client version 1.99 is too new. Maximum supported API version is 1.45' });
    const o = await request(sock, 'GET', '/v1.12/echo');
    expect(o.status).toBe(400);
    expect(o.json().message).toMatch(/^client version 1.12 is too old. Minimum supported API version is 1.24/);
  });
});

describe('standard headers and JSON', () => {
  test('every response carries Api-Version and friends; JSON is compact plus newline', async () => {
    const r = await request(sock, 'GET', '/echo');
    expect(r.headers['api-version']).toBe('1.45');
    expect(r.headers['docker-experimental']).toBe('false');
    expect(r.headers['ostype']).toBe('linux');
    expect(r.headers['server']).toMatch(/^Docker\/20\.10\.\S+ \(linux\)$/);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.text.endsWith('}\n')).toBe(true);
    expect(r.text).not.toContain(' ');
    const nf = await request(sock, 'GET', '/nope');
    expect(nf.headers['api-version']).toBe('1.45');
  });
  test('unknown routes: 404 page not found', async () => {
    const r = await request(sock, 'GET', '/v1.41/no/such/route');
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ message: 'page not found' });
  });
});

describe('query conventions', () => {
  test('both boolean styles', async () => {
    for (const [q, want] of [['all=1', true], ['all=true', true], ['all=True', true], ['all=0', false], ['all=false', false], ['all=', false], ['', false]] as const) {
      const r = await request(sock, 'GET', `/echo?${q}`);
      expect([q, r.json().all]).toEqual([q, want]);
    }
  });
  test('both filter styles, and repeated keys', async () => {
    const map = encodeURIComponent(JSON.stringify({ name: { aa: true, bb: true }, status: { exited: true } }));
    const arr = encodeURIComponent(JSON.stringify({ name: ['aa', 'bb'], status: ['exited'] }));
    const a = await request(sock, 'GET', `/echo?filters=${map}`);
    const b = await request(sock, 'GET', `/echo?filters=${arr}`);
    expect(a.json().filters).toEqual({ name: ['aa', 'bb'], status: ['exited'] });
    expect(b.json().filters).toEqual(a.json().filters);
    const bad = await request(sock, 'GET', `/echo?filters=${encodeURIComponent('{nope')}`);
    expect(bad.status).toBe(400);
    const c = await request(sock, 'GET', `/echo?changes=${encodeURIComponent('ENV X=1')}&changes=${encodeURIComponent('CMD ["sh"]')}`);
    expect(c.json().changes).toEqual(['ENV X=1', 'CMD ["sh"]']);
  });
});

describe('error mapping', () => {
  test.each([
    ['notfound', 404, 'No such image: x:latest'],
    ['conflict', 409, 'conflict: in use'],
    ['precondition', 500, 'not possible'],
    ['notimpl', 501, 'pull is not implemented yet'],
    ['other', 500, 'boom'],
  ])('%s -> %d', async (kind, status, message) => {
    const r = await request(sock, 'GET', `/v1.41/fail/${kind}`);
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json()).toEqual({ message });
  });
  test('FAILED_PRECONDITION on a container route is a 409', async () => {
    const r = await request(sock, 'GET', '/containers/abc/fail');
    expect(r.status).toBe(409);
    expect(r.json()).toEqual({ message: 'Container abc is not running' });
  });
  test('NOT_MODIFIED is a 304 with an empty body', async () => {
    const r = await request(sock, 'GET', '/fail/notmodified');
    expect(r.status).toBe(304);
    expect(r.body.length).toBe(0);
  });
  test('an error after a JSON stream began is an errorDetail line', async () => {
    const r = await request(sock, 'GET', '/stream');
    expect(r.status).toBe(200);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.text).toBe('{"status":"one"}\n{"status":"two"}\n{"errorDetail":{"message":"it broke"},"error":"it broke"}\n');
  });
});

describe('JSON bodies', () => {
  test('any content type, empty body, malformed body is 400', async () => {
    for (const ct of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
      const r = await request(sock, 'POST', '/json', { headers: { 'Content-Type': ct }, body: '{"a":1}' });
      expect(r.json()).toEqual({ got: { a: 1 } });
    }
    const e = await request(sock, 'POST', '/json', { headers: { 'Content-Type': 'application/json' } });
    expect(e.json()).toEqual({ got: 'empty' });
    const bad = await request(sock, 'POST', '/json', { headers: { 'Content-Type': 'application/json' }, body: '{"a":' });
    expect(bad.status).toBe(400);
    expect(bad.json().message).toMatch(/^invalid JSON body/);
  });
});

describe('keep-alive', () => {
  test('several requests on one connection', async () => {
    const c = new RawConnection(sock);
    c.write('GET /v1.41/echo?all=1 HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitFor('"all":true');
    c.write('GET /echo HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitFor('"all":false');
    c.end();
    await c.waitEnd();
  });
});

describe('hijack', () => {
  test('with Upgrade: 101, the body is read, bytes sent with the headers are kept, half-close keeps our side open', async () => {
    const c = new RawConnection(sock);
    const body = '{"Detach":false,"Tty":false}';
    c.write(
      `POST /v1.41/hijack HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}early-stdin`,
    );
    const got = await c.waitFor('echo:early-stdin');
    expect(got.startsWith('HTTP/1.1 101 UPGRADED\r\n')).toBe(true);
    expect(got).toContain('Content-Type: application/vnd.docker.raw-stream\r\n');
    expect(got).toContain('Connection: Upgrade\r\n');
    expect(got).toContain('Upgrade: tcp\r\n');
    expect(got).toContain(`hello ${body}\n`);
    c.write('GET / HTTP/1.1\r\n\r\n');
    await c.waitFor('echo:GET / HTTP/1.1');
    c.end();
    const all = await c.waitEnd();
    expect(all.endsWith('bye\n')).toBe(true);
  });

  test('with Upgrade and no body', async () => {
    const c = new RawConnection(sock);
    c.write('POST /hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n');
    await c.waitFor('hello null\n');
    c.end();
    expect((await c.waitEnd()).endsWith('bye\n')).toBe(true);
  });

  test('without Upgrade (dockerode): 200 raw stream, no length or chunking, later bytes are not parsed as HTTP', async () => {
    const c = new RawConnection(sock);
    const body = '{"stream":true,"stdout":true,"stderr":true}';
    c.write(`POST /hijack?stream=true HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const head = await c.waitFor('hello ');
    expect(head.startsWith('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n')).toBe(true);
    expect(head).not.toMatch(/content-length|transfer-encoding/i);
    c.write('GET /echo HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitFor('echo:GET /echo HTTP/1.1');
    expect(c.received).not.toContain('"all"');
    c.end();
    expect((await c.waitEnd()).endsWith('bye\n')).toBe(true);
  });

  test('an upgrade request with a chunked body is refused with a 400', async () => {
    const c = new RawConnection(sock);
    c.write('POST /hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
    expect(await c.waitEnd()).toMatch(/^HTTP\/1.1 400 Bad Request/);
  });

  test('an upgrade request to a normal route is answered and closed', async () => {
    const c = new RawConnection(sock);
    c.write('GET /echo?all=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    const all = await c.waitEnd();
    expect(all).toMatch(/^HTTP\/1.1 200 OK/);
    expect(all).toContain('"all":true');
  });
});

describe('listening', () => {
  test('the unix socket is mode 660', () => {
    expect(fs.statSync(sock).mode & 0o777).toBe(0o660);
  });

  test('the socket is given to its group when the group exists', async () => {
    const tracker = new ConnectionTracker();
    const other = new ApiServer(createApiApp({ routers: [testRouter()], tracker }), { tracker, socketGroup: 'adm' });
    const p = path.join(dir, 'group.sock');
    await other.listen(parseListenAddress(`unix://${p}`));
    expect(fs.statSync(p).gid).toBe(4);
    await other.close(100);
    const none = new ApiServer(createApiApp({ routers: [testRouter()], tracker }), { tracker, socketGroup: 'no-such-group-here' });
    await none.listen(parseListenAddress(`unix://${p}`));
    expect(fs.statSync(p).gid).toBe(0);
    await none.close(100);
  });

  test('a live socket is not stolen; a stale one is replaced', async () => {
    const tracker = new ConnectionTracker();
    const other = new ApiServer(createApiApp({ routers: [testRouter()], tracker }), { tracker });
    await expect(other.listen(parseListenAddress(`unix://${sock}`))).rejects.toThrow(/another daemon is listening/);
    const stale = path.join(dir, 'stale.sock');
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(stale, r));
    // simulate a crashed daemon: the socket file stays, nobody answers
    const fd = fs.existsSync(stale);
    expect(fd).toBe(true);
    (s as unknown as { _handle: { close(): void } | null })._handle?.close();
    await other.listen(parseListenAddress(`unix://${stale}`));
    const r = await request(stale, 'GET', '/echo');
    expect(r.status).toBe(200);
    await other.close(100);
    expect(fs.existsSync(stale)).toBe(false);
  });

  test('plain TCP on a non-loopback address is refused; loopback works', async () => {
    const tracker = new ConnectionTracker();
    const other = new ApiServer(createApiApp({ routers: [testRouter()], tracker }), { tracker });
    await expect(other.listen(parseListenAddress('tcp://0.0.0.0:0'))).rejects.toThrow(/--tlsverify/);
    await other.listen(parseListenAddress('tcp://127.0.0.1:0'));
    const port = Number(other.addresses[0]!.split(':').pop());
    const res = await fetch(`http://127.0.0.1:${port}/v1.41/echo?all=true`);
    expect(await res.json()).toMatchObject({ all: true });
    await other.close(100);
  });

  test('close destroys hijacked connections', async () => {
    const tracker = new ConnectionTracker();
    const other = new ApiServer(createApiApp({ routers: [testRouter()], tracker }), { tracker });
    const p = path.join(dir, 'close.sock');
    await other.listen(parseListenAddress(`unix://${p}`));
    const c = new RawConnection(p);
    c.write('POST /hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n');
    await c.waitFor('hello');
    expect(tracker.hijackedCount).toBe(1);
    await other.close(100);
    await c.waitEnd();
  });
});

describe('parseListenAddress', () => {
  test('forms', () => {
    expect(parseListenAddress('unix:///run/berth.sock')).toEqual({ kind: 'unix', path: '/run/berth.sock' });
    expect(parseListenAddress('/tmp/x.sock')).toEqual({ kind: 'unix', path: '/tmp/x.sock' });
    expect(parseListenAddress('tcp://0.0.0.0:2375')).toEqual({ kind: 'tcp', host: '0.0.0.0', port: 2375 });
    expect(parseListenAddress('tcp://:2375')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2375 });
    expect(parseListenAddress('tcp://10.0.0.1', true)).toEqual({ kind: 'tcp', host: '10.0.0.1', port: 2376 });
    expect(parseListenAddress('tcp://[::1]:2375')).toEqual({ kind: 'tcp', host: '::1', port: 2375 });
    expect(() => parseListenAddress('http://x')).toThrow();
    expect(() => parseListenAddress('unix://rel')).toThrow();
  });
});

describe('a body refused part-way (closeAfterAnswer)', () => {
  test('the answer with Connection: close, a FIN, and the close only LINGER_MS later while the client still sends (Go\'s closeWriteAndWait)', async () => {
    for (let run = 0; run < 3; run++) {
      const c = net.createConnection({ path: sock, allowHalfOpen: true });
      let got = '';
      let finAt = 0;
      c.on('data', (b: Buffer) => (got += b.toString()));
      c.on('end', () => (finAt = Date.now()));
      c.on('error', () => undefined);
      const closed = new Promise<number>((resolve) => c.on('close', () => resolve(Date.now())));
      c.write(`PUT /partial HTTP/1.1\r\nHost: x\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`);
      c.write(Buffer.alloc(64 * 1024, 1));
      // the client goes on sending its body, as the docker CLI does, until the connection is gone
      const more = setInterval(() => {
        if (!c.destroyed && c.writable) c.write(Buffer.alloc(16 * 1024, 2));
      }, 10);
      const closedAt = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(0), 10_000))]);
      clearInterval(more);
      c.destroy();
      expect(got).toMatch(/^HTTP\/1\.1 400 /);
      expect(got.toLowerCase()).toContain('connection: close');
      expect(got).toContain('{"message":"refused part-way"}');
      expect(finAt).toBeGreaterThan(0);
      expect(closedAt).toBeGreaterThan(0);
      // node's own handling destroys the socket as soon as its FIN is written
      expect(closedAt - finAt).toBeGreaterThanOrEqual(LINGER_MS - 100);
    }
  });
});

