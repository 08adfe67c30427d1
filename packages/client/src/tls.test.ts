import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UnavailableError } from '@berth/errdefs';
import { BerthClient } from './berth-client';

/** CA, server and client certificates made with the openssl CLI in a temp dir. */
function makeCerts(dir: string): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=berth-test-ca');
  fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  fs.writeFileSync(path.join(dir, 'client.cnf'), 'extendedKeyUsage=clientAuth\n');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.cnf');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=client');
  run('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'cert.pem', '-days', '1', '-extfile', 'client.cnf');
}

let hasOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  hasOpenssl = false;
}

(hasOpenssl ? describe : describe.skip)('TCP with mutual TLS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tls-'));
  let server: https.Server;
  let port = 0;
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  beforeAll(async () => {
    makeCerts(dir);
    server = https.createServer({ key: read('server-key.pem'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      res.setHeader('Api-Version', '1.41');
      if (req.url === '/_ping') return res.end();
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ Version: 'tls-ok', url: req.url }) + '\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const transport of ['axios', 'node'] as const) {
    it(`${transport}: verifies the daemon and presents the client certificate`, async () => {
      const c = new BerthClient({ host: `tcp://127.0.0.1:${port}`, tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), verify: true }, transport });
      const v = await c.system.version();
      expect(v.Version).toBe('tls-ok');
      c.close();
    });
    it(`${transport}: without a client certificate the daemon refuses`, async () => {
      const c = new BerthClient({ host: `tcp://127.0.0.1:${port}`, tls: { ca: read('ca.pem'), verify: true }, transport });
      const e = await c.system.version().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnavailableError);
      expect((e as Error).message).toMatch(/^error during connect: /);
      c.close();
    });
  }
});
