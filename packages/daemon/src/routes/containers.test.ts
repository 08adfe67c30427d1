/**
 * Wire details of the container routes (SPEC §3-§6), over a real HTTP server on a unix socket
 * with the daemon's app, error handler and hijack path; the service runs on the fake runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Database } from '@berth/sqlite';
import { DataRoot } from '../layout';
import { createApiApp } from '../server/app';
import { ConnectionTracker } from '../server/connection-tracker';
import { upgradeHandler } from '../server/hijack';
import type { ContainerService } from '../containers/container-service';
import { createContainerService } from '../containers/create-container-service';
import { FakeRuntime, FakeSnapshots, fakeHooks, fakeImages } from '../containers/__fixtures__/fakes';
import { containersRouter } from './containers';

let root: string;
let sock: string;
let db: Database;
let svc: ContainerService;
let server: http.Server;
let tracker: ConnectionTracker;

interface RawResponse {
  head: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One request on a fresh connection; resolves when the server closes or `until` says done. */
function raw(request: string, opts: { onHead?: (r: RawResponse, s: net.Socket) => void; endAfterHead?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    let buf = Buffer.alloc(0);
    let res: RawResponse | undefined;
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!res) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        const head = buf.subarray(0, i).toString();
        const [statusLine, ...lines] = head.split('\r\n');
        const headers: Record<string, string> = {};
        for (const l of lines) {
          const j = l.indexOf(':');
          headers[l.slice(0, j).toLowerCase()] = l.slice(j + 1).trim();
        }
        res = { head, status: Number(statusLine!.split(' ')[1]), headers, body: Buffer.alloc(0) };
        buf = buf.subarray(i + 4);
        opts.onHead?.(res, s);
        if (opts.endAfterHead) {
          s.destroy();
          resolve(res);
        }
      }
    });
    s.on('end', () => {
      s.end();
    });
    s.on('close', () => {
      if (!res) return reject(new Error(`no response: ${buf.toString()}`));
      res.body = buf;
      resolve(res);
    });
    s.on('error', reject);
    s.write(request);
  });
}

/** A plain request with Connection: close. */
function req(method: string, url: string, body?: unknown): Promise<RawResponse> {
  const data = body === undefined ? '' : JSON.stringify(body);
  return raw(
    `${method} ${url} HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: close\r\n` +
      (body === undefined ? 'Content-Length: 0\r\n' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(data)}\r\n`) +
      `\r\n${data}`,
  );
}

/** Chunked transfer decoding. */
function unchunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const j = b.indexOf('\r\n', i);
    if (j < 0) break;
    const n = parseInt(b.subarray(i, j).toString(), 16);
    if (!n) break;
    out.push(b.subarray(j + 2, j + 2 + n));
    i = j + 2 + n + 2;
  }
  return Buffer.concat(out);
}

function frames(buf: Buffer): [number, string][] {
  const out: [number, string][] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const n = buf.readUInt32BE(i + 4);
    out.push([buf[i]!, buf.subarray(i + 8, i + 8 + n).toString()]);
    i += 8 + n;
  }
  return out;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ctr-routes-'));
  sock = path.join(root, 'api.sock');
  db = await Database.open(path.join(root, 'berth.db'));
  const runtime = new FakeRuntime();
  svc = await createContainerService(
    {
      db,
      layout: new DataRoot(root, path.join(root, 'exec-root')),
      images: fakeImages(),
      snapshots: new FakeSnapshots(),
      runtime,
      packDirectory: () => Readable.from([Buffer.from('tar-bytes')]),
    },
    fakeHooks(runtime),
  );
  await svc.restore();
  tracker = new ConnectionTracker();
  const app = createApiApp({ routers: [containersRouter(svc)], tracker });
  server = http.createServer(app);
  server.on('connection', (s: net.Socket) => tracker.track(s));
  server.on('upgrade', upgradeHandler(app, tracker));
  await new Promise<void>((r) => server.listen(sock, r));
});

afterAll(async () => {
  await svc.shutdown();
  tracker.destroyAll();
  await new Promise((r) => server.close(r));
  await db.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('container routes on the wire', () => {
  it('create: 201 {Id, Warnings:[]}, name from the query, dockerode query options ignored', async () => {
    const r = await req('POST', '/containers/create?Image=busybox&Cmd=sh&name=wire-a&OpenStdin=true', {
      Image: 'busybox',
      Cmd: ['echo', 'hi'],
      name: 'stray',
    });
    expect(r.status).toBe(201);
    expect(r.headers['content-type']).toBe('application/json');
    const body = JSON.parse(r.body.toString());
    expect(Object.keys(body)).toEqual(['Id', 'Warnings']);
    expect(body.Warnings).toEqual([]);
    const i = await req('GET', '/v1.41/containers/wire-a/json');
    expect(JSON.parse(unchunkIfNeeded(i)).Config.OpenStdin).toBe(false);
  });

  it('create errors: 404 image, 409 name, 400 bad JSON and bad values', async () => {
    const a = await req('POST', '/v1.41/containers/create', { Image: 'nosuch:v1' });
    expect(a.status).toBe(404);
    expect(JSON.parse(a.body.toString())).toEqual({ message: 'No such image: nosuch:v1' });
    const b = await req('POST', '/v1.41/containers/create?name=wire-a', { Image: 'busybox' });
    expect(b.status).toBe(409);
    expect(JSON.parse(b.body.toString()).message).toMatch(/^Conflict\. The container name "\/wire-a" is already in use/);
    const c = await raw('POST /containers/create HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 4\r\n\r\n{"Im');
    expect(c.status).toBe(400);
    const d = await req('POST', '/containers/create', { Image: 'busybox', HostConfig: { Memory: -5 } });
    expect(d.status).toBe(400);
    const e = await req('GET', '/containers/nope/json');
    expect(e.status).toBe(404);
    expect(JSON.parse(e.body.toString())).toEqual({ message: 'No such container: nope' });
  });

  it('wait flushes its headers at once and answers on exit; start 204 then 304', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'] }, { name: 'wire-w' });
    let headersAt = 0;
    const waiting = raw(`POST /v1.41/containers/${Id}/wait?condition=next-exit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, {
      onHead: () => {
        headersAt = Date.now();
      },
    });
    for (let i = 0; i < 100 && !headersAt; i++) await new Promise((r) => setTimeout(r, 10));
    expect(headersAt).toBeGreaterThan(0); // before the container even started
    const s1 = await req('POST', `/v1.41/containers/${Id}/start`);
    expect(s1.status).toBe(204);
    expect(s1.headers['content-type']).toBeUndefined();
    const s2 = await req('POST', `/containers/${Id}/start`);
    expect(s2.status).toBe(304);
    expect(s2.body.length).toBe(0);
    const k = await req('POST', `/containers/${Id}/kill?signal=BOGUS`);
    expect(k.status).toBe(400);
    const rs = await req('POST', `/containers/${Id}/resize?h=24&w=80`);
    expect(rs.status).toBe(200);
    expect(rs.headers['content-length']).toBe('0');
    const del = await req('DELETE', `/containers/${Id}`);
    expect(del.status).toBe(409);
    const stop = await req('POST', `/containers/${Id}/stop?t=1`);
    expect(stop.status).toBe(204);
    const w = await waiting;
    expect(w.status).toBe(200);
    expect(w.headers['content-type']).toBe('application/json');
    expect(unchunk(w.body).toString()).toBe('{"Error":null,"StatusCode":143}\n');
    const k2 = await req('POST', `/containers/wire-w/kill`);
    expect(k2.status).toBe(409);
    expect(JSON.parse(k2.body.toString()).message).toBe(`Cannot kill container: wire-w: Container ${Id} is not running`);
    const stop2 = await req('POST', `/containers/${Id}/stop`);
    expect(stop2.status).toBe(304);
    expect((await req('DELETE', `/containers/${Id}?force=1&v=1`)).status).toBe(204);
  });

  it('attach with Upgrade: 101, output after the client FIN, then the daemon closes', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['out-err'] });
    const attached = raw(
      `POST /v1.41/containers/${Id}/attach?stderr=1&stdout=1&stream=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nContent-Type: text/plain\r\nUpgrade: tcp\r\n\r\n`,
      { onHead: (_r, s) => s.end() },
    );
    await new Promise((r) => setTimeout(r, 50));
    expect((await req('POST', `/containers/${Id}/start`)).status).toBe(204);
    const a = await attached;
    expect(a.head.split('\r\n')[0]).toBe('HTTP/1.1 101 UPGRADED');
    expect(a.headers['content-type']).toBe('application/vnd.docker.raw-stream');
    expect(a.headers.upgrade).toBe('tcp');
    expect(frames(a.body)).toEqual([
      [1, 'out\n'],
      [2, 'err\n'],
    ]);
    // logs: no Content-Type at API 1.41 (docker 20.10), the multiplexed type from 1.42; chunked frames
    const l = await req('GET', `/v1.41/containers/${Id}/logs?stdout=1&stderr=1&tail=all`);
    expect(l.status).toBe(200);
    expect(l.headers['content-type']).toBeUndefined();
    const l45 = await req('GET', `/v1.45/containers/${Id}/logs?stdout=1&stderr=1&tail=all`);
    expect(l45.headers['content-type']).toBe('application/vnd.docker.multiplexed-stream');
    expect(frames(unchunk(l.body))).toEqual([
      [1, 'out\n'],
      [2, 'err\n'],
    ]);
  });

  it('attach without Upgrade (dockerode): 200 raw stream, no length, JSON body ignored', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['echo', 'old-style'] });
    const body = '{"stream":true,"stdout":true,"stderr":true}';
    const attached = raw(
      `POST /containers/${Id}/attach?stream=true&stdout=true&stderr=true HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect((await req('POST', `/containers/${Id}/start`)).status).toBe(204);
    const a = await attached;
    expect(a.status).toBe(200);
    expect(a.headers['content-length']).toBeUndefined();
    expect(a.headers['transfer-encoding']).toBeUndefined();
    expect(frames(a.body)).toEqual([[1, 'old-style\n']]);
  });

  it('exec: create 201, start hijacked (101) or detached (200 empty), inspect, resize, 409 when stopped', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep'] });
    expect((await req('POST', `/v1.41/containers/${Id}/exec`, { Cmd: ['echo', 'x'] })).status).toBe(409);
    await svc.start(Id);
    const c = await req('POST', `/v1.41/containers/${Id}/exec`, { AttachStdout: true, AttachStderr: true, Cmd: ['out-err'] });
    expect(c.status).toBe(201);
    const execId = JSON.parse(c.body.toString()).Id;
    expect(execId).toMatch(/^[0-9a-f]{64}$/);
    const body = '{"Detach":false,"Tty":false}';
    const s = await raw(
      `POST /v1.41/exec/${execId}/start HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: Upgrade\r\nContent-Type: application/json\r\nUpgrade: tcp\r\n\r\n${body}`,
      { onHead: (_r, sock) => sock.end() },
    );
    expect(s.head.split('\r\n')[0]).toBe('HTTP/1.1 101 UPGRADED');
    expect(frames(s.body)).toEqual([
      [1, 'out\n'],
      [2, 'err\n'],
    ]);
    const i = await req('GET', `/v1.41/exec/${execId}/json`);
    expect(JSON.parse(i.body.toString())).toMatchObject({ ID: execId, Running: false, ExitCode: 7, ContainerID: Id });
    const d = await req('POST', `/v1.41/containers/${Id}/exec`, { Cmd: ['sleep'], Detach: true });
    const dId = JSON.parse(d.body.toString()).Id;
    const ds = await req('POST', `/v1.41/exec/${dId}/start`, { Detach: true, Tty: false });
    expect(ds.status).toBe(200);
    expect(ds.body.length).toBe(0);
    expect((await req('POST', `/v1.41/exec/${dId}/resize?h=10&w=20`)).status).toBe(200);
    expect((await req('POST', `/v1.41/exec/${dId}/start`, { Detach: true })).status).toBe(409);
    // the start request's ConsoleSize: API 1.42, checked by the create body's rule (ignored below)
    expect((await req('POST', `/v1.42/exec/${dId}/start`, { Detach: true, ConsoleSize: [1e30, 2] })).status).toBe(400);
    expect((await req('POST', `/v1.41/exec/${dId}/start`, { Detach: true, ConsoleSize: [1e30, 2] })).status).toBe(409);
    expect((await req('GET', '/v1.41/exec/nope/json')).status).toBe(404);
    expect((await req('DELETE', `/containers/${Id}?force=1`)).status).toBe(204);
  });

  it('export is octet-stream; list, rename, prune', async () => {
    const { Id } = await svc.create({ Image: 'busybox' }, { name: 'wire-x' });
    const e = await req('GET', `/containers/${Id}/export`);
    expect(e.status).toBe(200);
    expect(e.headers['content-type']).toBe('application/octet-stream');
    expect(unchunk(e.body).toString()).toBe('tar-bytes');
    const l = await req('GET', `/containers/json?all=1&filters=${encodeURIComponent('{"name":["wire-x"]}')}`);
    const rows = JSON.parse(unchunkIfNeeded(l));
    expect(rows.map((r: { Names: string[] }) => r.Names)).toEqual([['/wire-x']]);
    expect(rows[0].Status).toBe('Created');
    expect((await req('POST', `/containers/wire-x/rename?name=wire-y`)).status).toBe(204);
    const bad = await req('GET', `/containers/json?filters=${encodeURIComponent('{"status":{"sleepy":true}}')}`);
    expect(bad.status).toBe(400);
    const p = await req('POST', `/containers/prune?filters=${encodeURIComponent('{"label":{"none=1":true}}')}`);
    expect(JSON.parse(unchunkIfNeeded(p))).toEqual({ ContainersDeleted: null, SpaceReclaimed: 0 });
  });
});

function unchunkIfNeeded(r: RawResponse): string {
  return (r.headers['transfer-encoding'] === 'chunked' ? unchunk(r.body) : r.body).toString();
}
