import { createHash, type Hash } from 'node:crypto';
import { InvalidArgumentError } from '@berth/errdefs';

/** A content digest, `sha256:<64 hex>`. Only sha256 is produced; sha512 is accepted on parse. */
export type Digest = `${string}:${string}`;

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw new InvalidArgumentError(`digest "${s}": invalid format`);
  return s;
}

/** The hex part of a digest. */
export function digestHex(d: string): string {
  const i = d.indexOf(':');
  return i < 0 ? d : d.slice(i + 1);
}

export function sha256Digest(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** An incremental sha256 digester. */
export class Digester {
  private readonly hash: Hash = createHash('sha256');
  private n = 0;
  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.n += chunk.length;
  }
  get size(): number {
    return this.n;
  }
  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Image and container IDs: 64 lowercase hex. */
export function isFullId(s: string): boolean {
  return /^[a-f0-9]{64}$/.test(s);
}

/** The 12-hex short form docker prints. */
export function shortId(id: string): string {
  return digestHex(id).slice(0, 12);
}

/**
 * ChainID of a list of diffIDs, as the OCI image spec defines it:
 * ChainID(L0) = DiffID(L0); ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)).
 */
export function chainIds(diffIds: readonly string[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? (d as Digest) : sha256Digest(`${prev} ${d}`));
  }
  return out;
}
