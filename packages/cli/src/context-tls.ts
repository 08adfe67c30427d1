import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import type { TlsOptions } from '@berth/client';

/**
 * A context's docker endpoint as the docker CLI connects to it (cli/context/docker's tlsConfig and
 * ClientOpts): a socket or an ssh:// host never uses TLS; any other host uses it when the endpoint
 * has TLS files (`ca.pem`, `cert.pem`, `key.pem`, each optional) or SkipTLSVerify. The CA is the
 * only root trusted (else the system's), the client certificate is sent when both cert and key are
 * there, and SkipTLSVerify turns verification off. Bad material fails with docker's texts.
 */
export function endpointTlsOptions(host: string, skipTlsVerify: boolean, files: ReadonlyMap<string, Buffer> | undefined): TlsOptions | undefined {
  const scheme = /^([^:]*):\/\//.exec(host)?.[1];
  if (scheme === 'unix' || scheme === 'npipe' || scheme === 'fd' || scheme === 'ssh') return undefined;
  const has = files !== undefined && files.size > 0;
  if (!has && !skipTlsVerify) return undefined;
  const ca = files?.get('ca.pem');
  const cert = files?.get('cert.pem');
  const key = files?.get('key.pem');
  if (ca !== undefined && !pemBlocks(ca).some((b) => b.type === 'CERTIFICATE' && parsesAsCert(b.text))) {
    throw new Error('failed to retrieve context tls info: ca.pem seems invalid');
  }
  const pair = key !== undefined && cert !== undefined;
  if (pair) {
    const first = pemBlocks(key)[0];
    if (!first) throw new Error('no valid private key found');
    if (/^Proc-Type:\s*4,ENCRYPTED/m.test(first.text)) {
      throw new Error('private key is encrypted - support for encrypted private keys has been removed, see https://docs.docker.com/go/deprecated/');
    }
    const problem = keyPairProblem(cert, key);
    if (problem) throw new Error(`failed to retrieve context tls info: ${problem}`);
  }
  return { ca, cert: pair ? cert : undefined, key: pair ? key : undefined, verify: !skipTlsVerify };
}

interface PemBlock {
  type: string;
  text: string;
}

function pemBlocks(data: Buffer): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([^-\r\n]+)-----\r?\n[\s\S]*?-----END \1-----/g;
  for (const m of data.toString('latin1').matchAll(re)) out.push({ type: m[1]!, text: m[0] });
  return out;
}

function parsesAsCert(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

/** Go's tls.X509KeyPair checks, as its error texts; undefined when the pair is usable. */
function keyPairProblem(cert: Buffer, key: Buffer): string | undefined {
  const certBlocks = pemBlocks(cert);
  const certs = certBlocks.filter((b) => b.type === 'CERTIFICATE');
  if (certs.length === 0) {
    if (certBlocks.some((b) => b.type.endsWith('PRIVATE KEY'))) return 'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched';
    return 'tls: failed to find any PEM data in certificate input';
  }
  const keyBlocks = pemBlocks(key);
  const keyBlock = keyBlocks.find((b) => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'));
  if (!keyBlock) {
    if (keyBlocks.some((b) => b.type === 'CERTIFICATE')) return 'tls: found a certificate rather than a key in the PEM for the private key';
    return 'tls: failed to find any PEM data in key input';
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certs[0]!.text);
  } catch {
    return 'x509: malformed certificate';
  }
  let priv: ReturnType<typeof createPrivateKey>;
  try {
    priv = createPrivateKey(keyBlock.text);
  } catch {
    return 'tls: failed to parse private key';
  }
  const pub = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' }).toString('hex');
  if (pub(createPublicKey(priv)) !== pub(leaf.publicKey)) return 'tls: private key does not match public key';
  return undefined;
}
