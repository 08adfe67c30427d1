import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Router } from 'express';
import { ApiServer } from './api-server';
import { createApiApp } from './app';
import { ConnectionTracker } from './connection-tracker';
import { parseListenAddress } from './listen-address';
import { asyncHandler, hijack, sendJson } from './route-helpers';

let dir: string;
let server: ApiServer;
let port: number;
const f = (n: string): string => path.join(dir, n);

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}
function makeCa(name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', `${name}-key.pem`, '-out', `${name}.pem`]);
}
function makeCert(ca: string, name: string, ext: string): void {
  fs.writeFileSync(f(`${name}.ext`), ext);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`]);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-tls-'));
  makeCa('ca');
  makeCa('rogue');
  makeCert('ca', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  makeCert('ca', 'client', 'extendedKeyUsage=clientAuth\n');
  makeCert('rogue', 'evil', 'extendedKeyUsage=clientAuth\n');
  const r = Router();
  r.get('/echo', (_req, res) => sendJson(res, 200, { ok: true }));
  r.post('/hijack', asyncHandler(async (req, res) => {
    const s = hijack(req, res);
    s.write('hello\n');
    s.on('data', (d: Buffer) => s.write(`echo:${d.toString()}`));
    s.on('end', () => s.end('bye\n'));
  }));
  r.post('/late', asyncHandler(async (req, res) => {
    const s = hijack(req, res);
    s.resume();
    setTimeout(() => s.end('late output after the client half-closed\n'), 300);
  }));
  const tracker = new ConnectionTracker();
  server = new ApiServer(createApiApp({ routers: [r], tracker }), { tracker });
  await server.listen(parseListenAddress('tcp://127.0.0.1:0', true), {
    cert: fs.readFileSync(f('server.pem')),
    key: fs.readFileSync(f('server-key.pem')),
    ca: fs.readFileSync(f('ca.pem')),
    verify: true,
  });
  port = Number(server.addresses[0]!.split(':').pop());
});

afterAll(async () => {
  await server?.close(100);
  fs.rmSync(dir, { recursive: true, force: true });
});

function get(client?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1.41/echo',
        ca: fs.readFileSync(f('ca.pem')),
        ...(client ? { cert: fs.readFileSync(f(`${client}.pem`)), key: fs.readFileSync(f(`${client}-key.pem`)) } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('mutual TLS', () => {
  test('a client that half-closes right after the request still gets the output (docker CLI attach over TLS)', async () => {
    // tls.connect hands allowHalfOpen to its TLSSocket (node's _tls_wrap), but @types/node leaves it out of ConnectionOptions
    const opts: tls.ConnectionOptions & { allowHalfOpen: boolean } = { host: '127.0.0.1', port, ca: fs.readFileSync(f('ca.pem')), cert: fs.readFileSync(f('client.pem')), key: fs.readFileSync(f('client-key.pem')), allowHalfOpen: true };
    const sock = tls.connect(opts);
    let got = '';
    sock.on('data', (d: Buffer) => {
      got += d.toString();
    });
    await new Promise<void>((r) => sock.on('secureConnect', () => r()));
    sock.end('POST /late HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n');
    await new Promise<void>((r) => sock.on('close', () => r()));
    expect(got).toMatch(/^HTTP\/1.1 101 UPGRADED/);
    expect(got.endsWith('late output after the client half-closed\n')).toBe(true);
  });

  test('a client certificate from the CA is accepted', async () => {
    expect(await get('client')).toBe(200);
  });
  test('no certificate, or one from another CA, is refused', async () => {
    await expect(get()).rejects.toThrow();
    await expect(get('evil')).rejects.toThrow();
  });
  test('hijack works over TLS', async () => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca: fs.readFileSync(f('ca.pem')), cert: fs.readFileSync(f('client.pem')), key: fs.readFileSync(f('client-key.pem')) });
    let got = '';
    sock.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('hello\n') && !got.includes('echo:')) sock.write('ping');
      if (got.includes('echo:ping')) sock.end();
    });
    await new Promise<void>((r) => sock.on('secureConnect', () => r()));
    sock.write('POST /hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n');
    await new Promise<void>((r) => sock.on('close', () => r()));
    expect(got.startsWith('HTTP/1.1 101 UPGRADED')).toBe(true);
    expect(got.endsWith('echo:pingbye\n')).toBe(true);
  });
});
