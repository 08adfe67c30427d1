/**
 * A remote daemon: berthd on tcp://127.0.0.1:PORT with mutual TLS (`--tlsverify`, as dockerd does
 * it) serves `docker --tlsverify` and `berth --tlsverify` with client certificates and refuses
 * clients without one; plain TCP is refused at start on a non-loopback address.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  berthCli,
  BerthDaemon,
  berthdBin,
  busyboxRootfsTar,
  dockerCli,
  exec,
  freePort,
  makeTlsFiles,
  TlsFiles,
  failed,
  ok,
} from './harness';

let d: BerthDaemon;
let tls: TlsFiles;
let port: number;
let tcpHost: string;
let work: string;

/** The client was refused: a non-zero exit. */
const refused = failed;

const tlsFlags = () => ['--tlsverify', '--tlscacert', tls.caCert, '--tlscert', tls.clientCert, '--tlskey', tls.clientKey];

/** An HTTPS GET /_ping with the given client credentials: resolves to the status, or rejects. */
function httpsPing(opts: { cert?: string; key?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/_ping',
        ca: fs.readFileSync(tls.caCert),
        cert: opts.cert ? fs.readFileSync(opts.cert) : undefined,
        key: opts.key ? fs.readFileSync(opts.key) : undefined,
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-tls-'));
  tls = makeTlsFiles(path.join(work, 'certs'));
  port = await freePort();
  tcpHost = `tcp://127.0.0.1:${port}`;
  d = await BerthDaemon.start({
    extraHosts: [tcpHost],
    args: ['--tlsverify', '--tlscacert', tls.caCert, '--tlscert', tls.serverCert, '--tlskey', tls.serverKey],
  });
  ok(await dockerCli(d.host, ['import', busyboxRootfsTar(), 'busybox:latest']));
}, 120_000);

afterAll(async () => {
  try {
    await d?.dispose();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 120_000);

describe('mutual TLS on tcp://127.0.0.1', () => {
  it('docker --tlsverify with a client certificate: version, images, run', async () => {
    const v = ok(await dockerCli(undefined, [...tlsFlags(), '-H', tcpHost, 'version']));
    expect(v.stdout).toMatch(/Server:/);
    expect(v.stdout).toMatch(/API version:\s+1\.45/);
    const images = ok(await dockerCli(undefined, [...tlsFlags(), '-H', tcpHost, 'images']));
    expect(images.stdout).toMatch(/^busybox\s+latest\s/m);
    // run hijacks the attach connection: that must work over TLS too
    const run = ok(
      await dockerCli(undefined, [...tlsFlags(), '-H', tcpHost, 'run', '--rm', 'busybox', 'echo', 'over tls'], { timeoutMs: 20_000 }),
    );
    expect(run.stdout).toBe('over tls\n');
  });

  it('docker with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem)', async () => {
    const r = ok(
      await dockerCli(undefined, ['ps', '-a'], {
        env: { DOCKER_HOST: tcpHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: tls.clientDir },
      }),
    );
    expect(r.stdout).toMatch(/^CONTAINER ID/);
  });

  it('berth --tlsverify with a client certificate: version and run', async () => {
    const v = ok(await berthCli(undefined, ['-H', tcpHost, ...tlsFlags(), 'version']));
    // The berth CLI negotiates the API version as docker does since 3600b50: 1.45 against berthd.
    expect(v.stdout).toMatch(/API version:\s+1\.45\n[\s\S]*API version:\s+1\.45 \(minimum version 1\.24\)/);
    const run = ok(await berthCli(undefined, ['-H', tcpHost, ...tlsFlags(), 'run', '--rm', 'busybox', 'echo', 'berth over tls']));
    expect(run.stdout).toBe('berth over tls\n');
  });

  it('berth with BERTH_TLS_VERIFY and BERTH_CERT_PATH (ca.pem, cert.pem, key.pem)', async () => {
    const r = ok(
      await berthCli(undefined, ['ps', '-a'], {
        env: { BERTH_HOST: tcpHost, BERTH_TLS_VERIFY: '1', BERTH_CERT_PATH: tls.clientDir },
      }),
    );
    expect(r.stdout).toMatch(/^CONTAINER ID/);
  });

  it('a client without a certificate is refused (docker, berth, raw HTTPS)', async () => {
    const noCert = ['--tlsverify', '--tlscacert', tls.caCert, '-H', tcpHost];
    refused(await dockerCli(undefined, [...noCert, 'ps'], { timeoutMs: 30_000 }));
    refused(await berthCli(undefined, ['--tlsverify', '--tlscacert', tls.caCert, '-H', tcpHost, 'ps'], { timeoutMs: 30_000 }));
    await expect(httpsPing({})).rejects.toThrow();
  });

  it('a client certificate from another CA is refused', async () => {
    const rogue = ['--tlsverify', '--tlscacert', tls.caCert, '--tlscert', tls.rogueCert, '--tlskey', tls.rogueKey];
    refused(await dockerCli(undefined, [...rogue, '-H', tcpHost, 'ps'], { timeoutMs: 30_000 }));
    await expect(httpsPing({ cert: tls.rogueCert, key: tls.rogueKey })).rejects.toThrow();
    // and the right one is accepted by the same raw client
    expect(await httpsPing({ cert: tls.clientCert, key: tls.clientKey })).toBe(200);
  });

  it("a context's TLS files (ca, cert, key) are what --context and context use connect with, in docker and berth", async () => {
    // each CLI with a config dir of its own: the context store is the only place the TLS material is
    const configs = { docker: path.join(work, 'ctx-docker'), berth: path.join(work, 'ctx-berth') };
    const cli = (which: 'docker' | 'berth', args: string[]) =>
      which === 'docker' ? dockerCli(undefined, args, { env: { DOCKER_CONFIG: configs.docker }, timeoutMs: 30_000 }) : berthCli(undefined, args, { env: { BERTH_CONFIG: configs.berth }, timeoutMs: 30_000 });
    for (const which of ['docker', 'berth'] as const) {
      ok(await cli(which, ['context', 'create', 'mtls', '--docker', `host=${tcpHost},ca=${tls.caCert},cert=${tls.clientCert},key=${tls.clientKey}`]));
      ok(await cli(which, ['context', 'create', 'ca-only', '--docker', `host=${tcpHost},ca=${tls.caCert}`]));
      ok(await cli(which, ['context', 'create', 'rogue', '--docker', `host=${tcpHost},ca=${tls.caCert},cert=${tls.rogueCert},key=${tls.rogueKey}`]));
      ok(await cli(which, ['context', 'create', 'plain', '--docker', `host=${tcpHost}`]));
      const images = ok(await cli(which, ['--context', 'mtls', 'images', '--format', '{{.Repository}}:{{.Tag}}']));
      expect(images.stdout).toBe('busybox:latest\n');
      // the current context, with no flag
      ok(await cli(which, ['context', 'use', 'mtls']));
      expect(ok(await cli(which, ['version', '--format', '{{.Server.APIVersion}}'])).stdout).toBe('1.45\n');
      ok(await cli(which, ['context', 'use', 'default']));
      // no client certificate, one from another CA, or no TLS at all: the daemon refuses
      for (const name of ['ca-only', 'rogue', 'plain']) refused(await cli(which, ['--context', name, 'ps']));
    }
  });

  it('plain HTTP on the TLS port gets no API answer', async () => {
    const r = await dockerCli(undefined, ['-H', tcpHost, 'version'], { timeoutMs: 30_000 });
    expect(r.stdout).not.toMatch(/API version:\s+1\.45/);
    expect(r.code).not.toBe(0);
  });
});

describe('plain TCP', () => {
  it('is refused at start on a non-loopback address, with one clear line', async () => {
    const p = await freePort();
    const root = path.join(work, 'refused-root');
    const r = await exec(process.execPath, [berthdBin, '--config-file', '', '--data-root', root, '-H', `tcp://0.0.0.0:${p}`], { timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull(); // it exited by itself
    expect(`${r.stdout}${r.stderr}`).toMatch(/tls/i);
  });

  it('is allowed on loopback', async () => {
    const p = await freePort();
    const plain = await BerthDaemon.start({ extraHosts: [`tcp://127.0.0.1:${p}`] });
    try {
      const v = ok(await dockerCli(undefined, ['-H', `tcp://127.0.0.1:${p}`, 'version']));
      expect(v.stdout).toMatch(/API version:\s+1\.45/);
      ok(await berthCli(undefined, ['-H', `tcp://127.0.0.1:${p}`, 'version']));
    } finally {
      await plain.dispose();
    }
  }, 60_000);
});
