import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { resolveClientOptions } from './config';
import { resetTlsFiles, writeContext } from './context-store';
import { endpointTlsOptions } from './context-tls';

// two self-signed certificates with their keys, made with the openssl CLI
let dir: string;
const pem: Record<'cert' | 'key' | 'otherCert' | 'otherKey', Buffer> = {} as never;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-context-tls-'));
  for (const p of ['', 'other-']) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=t', '-keyout', `${p}key.pem`, '-out', `${p}cert.pem`], { cwd: dir, stdio: 'ignore' });
  }
  pem.cert = fs.readFileSync(path.join(dir, 'cert.pem'));
  pem.key = fs.readFileSync(path.join(dir, 'key.pem'));
  pem.otherCert = fs.readFileSync(path.join(dir, 'other-cert.pem'));
  pem.otherKey = fs.readFileSync(path.join(dir, 'other-key.pem'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const files = (o: Record<string, Buffer>) => new Map(Object.entries(o));

describe("a context endpoint's TLS, as docker's tlsConfig", () => {
  it('sockets and ssh never use TLS; a tcp host uses it with files or skip-tls-verify', () => {
    expect(endpointTlsOptions('unix:///x.sock', true, files({ 'ca.pem': Buffer.from('not checked') }))).toBeUndefined();
    expect(endpointTlsOptions('ssh://u@h', true, undefined)).toBeUndefined();
    expect(endpointTlsOptions('tcp://h:2376', false, undefined)).toBeUndefined();
    expect(endpointTlsOptions('tcp://h:2376', true, undefined)).toEqual({ ca: undefined, cert: undefined, key: undefined, verify: false });
    const o = endpointTlsOptions('tcp://h:2376', false, files({ 'ca.pem': pem.cert, 'cert.pem': pem.cert, 'key.pem': pem.key }));
    expect(o).toEqual({ ca: pem.cert, cert: pem.cert, key: pem.key, verify: true });
    // a certificate without its key is not sent
    expect(endpointTlsOptions('tcp://h:2376', false, files({ 'cert.pem': pem.cert }))).toEqual({ ca: undefined, cert: undefined, key: undefined, verify: true });
  });

  it("bad material fails with docker's texts", () => {
    const tls = (o: Record<string, Buffer>) => () => endpointTlsOptions('tcp://h:2376', false, files(o));
    expect(tls({ 'ca.pem': Buffer.from('junk') })).toThrow('failed to retrieve context tls info: ca.pem seems invalid');
    expect(tls({ 'cert.pem': pem.cert, 'key.pem': Buffer.from('junk') })).toThrow(/^no valid private key found$/);
    expect(tls({ 'cert.pem': pem.key, 'key.pem': pem.key })).toThrow(
      'failed to retrieve context tls info: tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched',
    );
    expect(tls({ 'cert.pem': pem.cert, 'key.pem': pem.cert })).toThrow('failed to retrieve context tls info: tls: found a certificate rather than a key in the PEM for the private key');
    expect(tls({ 'cert.pem': pem.cert, 'key.pem': pem.otherKey })).toThrow('failed to retrieve context tls info: tls: private key does not match public key');
    const encrypted = Buffer.from(`-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n`);
    expect(tls({ 'cert.pem': pem.cert, 'key.pem': encrypted })).toThrow(/^private key is encrypted/);
  });

  it('berth --context X / the current context connect with its TLS files; the TLS flags belong to default', () => {
    const config = path.join(dir, 'config');
    writeContext(config, { Name: 'remote', Metadata: {}, Endpoints: { docker: { Host: 'tcp://127.0.0.1:2376', SkipTLSVerify: false } } });
    resetTlsFiles(config, 'remote', new Map([['docker', files({ 'ca.pem': pem.otherCert, 'cert.pem': pem.cert, 'key.pem': pem.key })]]));
    const o = resolveClientOptions({ contextFlag: 'remote', config, tlsverify: true }, {});
    expect(o.host).toBe('tcp://127.0.0.1:2376');
    expect(o.tls).toEqual({ ca: pem.otherCert, cert: pem.cert, key: pem.key, verify: true });
    expect(resolveClientOptions({ config }, { BERTH_CONTEXT: 'remote' }).tls?.ca).toEqual(pem.otherCert);
    // a context without a docker endpoint, or with bad TLS files, fails the start-up as docker's
    writeContext(config, { Name: 'kube-only', Metadata: {}, Endpoints: {} as never });
    expect(() => resolveClientOptions({ contextFlag: 'kube-only', config }, {})).toThrow('Failed to initialize: unable to resolve docker endpoint: cannot find docker endpoint in context');
    resetTlsFiles(config, 'remote', new Map([['docker', files({ 'ca.pem': Buffer.from('junk') })]]));
    expect(() => resolveClientOptions({ contextFlag: 'remote', config }, {})).toThrow('Failed to initialize: failed to retrieve context tls info: ca.pem seems invalid');
  });

  it('an imported TLS file in a directory the store lacks is refused as docker refuses it, and no temp file stays', () => {
    const config = path.join(dir, 'config2');
    const ep = path.join(config, 'contexts', 'tls');
    expect(() => resetTlsFiles(config, 'imp', new Map([['docker', files({ 'sub/ca.pem': Buffer.from('x') })]]))).toThrow(
      new RegExp(`^invalid output path: stat ${ep}/[0-9a-f]{64}/docker/sub: no such file or directory$`),
    );
    expect(() => resetTlsFiles(config, 'imp', new Map([['docker', files({ 'ca.pem': Buffer.from('x'), 'ca.pem/x': Buffer.from('x') })]]))).toThrow(
      /docker\/ca\.pem: not a directory$/,
    );
    const left = fs.readdirSync(config, { recursive: true }) as string[];
    expect(left.filter((f) => path.basename(f).startsWith('.'))).toEqual([]);
  });
});
