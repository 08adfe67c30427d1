import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TlsFiles {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Client cert dir in docker's DOCKER_CERT_PATH layout: ca.pem, cert.pem, key.pem. */
  clientDir: string;
  clientCert: string;
  clientKey: string;
  /** A client cert signed by another CA (must be refused). */
  rogueCert: string;
  rogueKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

function caAndCert(dir: string, prefix: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${prefix} e2e CA`,
    '-keyout', `${prefix}-ca-key.pem`, '-out', `${prefix}-ca.pem`]);
}

function signed(dir: string, ca: string, name: string, cn: string, ext: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}-key.pem`,
    '-out', `${name}.csr`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}-ca.pem`, '-CAkey', `${ca}-ca-key.pem`,
    '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}-cert.pem`]);
}

/** A CA, a server cert for 127.0.0.1/localhost, a client cert, and a client cert from a rogue CA. */
export function makeTlsFiles(dir: string): TlsFiles {
  fs.mkdirSync(dir, { recursive: true });
  caAndCert(dir, 'good');
  caAndCert(dir, 'rogue');
  signed(dir, 'good', 'server', 'localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'good', 'client', 'e2e-client', 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'rogue', 'rogue', 'e2e-rogue', 'extendedKeyUsage=clientAuth\n');
  const clientDir = path.join(dir, 'client');
  fs.mkdirSync(clientDir, { recursive: true });
  fs.copyFileSync(path.join(dir, 'good-ca.pem'), path.join(clientDir, 'ca.pem'));
  fs.copyFileSync(path.join(dir, 'client-cert.pem'), path.join(clientDir, 'cert.pem'));
  fs.copyFileSync(path.join(dir, 'client-key.pem'), path.join(clientDir, 'key.pem'));
  return {
    dir,
    caCert: path.join(dir, 'good-ca.pem'),
    serverCert: path.join(dir, 'server-cert.pem'),
    serverKey: path.join(dir, 'server-key.pem'),
    clientDir,
    clientCert: path.join(dir, 'client-cert.pem'),
    clientKey: path.join(dir, 'client-key.pem'),
    rogueCert: path.join(dir, 'rogue-cert.pem'),
    rogueKey: path.join(dir, 'rogue-key.pem'),
  };
}
