import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** One access grant, as in Docker's token claims: `repository:x/y:pull,push`. */
export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Access[];
}

const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Parses a `scope` parameter: `repository:name:pull,push` (several separated by spaces). */
export function parseScopes(scopes: readonly string[]): Access[] {
  const out: Access[] = [];
  for (const s of scopes.flatMap((x) => x.split(' ')).filter(Boolean)) {
    const first = s.indexOf(':');
    const last = s.lastIndexOf(':');
    if (first < 0 || last === first) continue;
    out.push({ type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',').filter(Boolean) });
  }
  return out;
}

export function formatScope(a: Access): string {
  return `${a.type}:${a.name}:${a.actions.join(',')}`;
}

/**
 * Issues and checks bearer tokens in the JWT form Docker Hub uses, signed with HMAC-SHA256
 * (a key of the registry's own: issuer and verifier are the same process).
 */
export class TokenService {
  private readonly key: Buffer;

  constructor(
    readonly service: string,
    key?: Buffer,
    private readonly lifetimeSec = 300,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.key = key ?? randomBytes(32);
  }

  issue(subject: string, access: Access[]): { token: string; expiresIn: number; issuedAt: string } {
    const iat = this.now();
    const claims: TokenClaims = {
      iss: 'berth-registry',
      sub: subject,
      aud: this.service,
      exp: iat + this.lifetimeSec,
      nbf: iat - 1,
      iat,
      jti: randomBytes(12).toString('hex'),
      access,
    };
    const head = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64u(JSON.stringify(claims));
    const sig = b64u(createHmac('sha256', this.key).update(`${head}.${body}`).digest());
    return { token: `${head}.${body}.${sig}`, expiresIn: this.lifetimeSec, issuedAt: new Date(iat * 1000).toISOString() };
  }

  /** The claims of a valid, unexpired token for this service; undefined otherwise. */
  verify(token: string): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [head, body, sig] = parts as [string, string, string];
    const want = createHmac('sha256', this.key).update(`${head}.${body}`).digest();
    const got = Buffer.from(sig, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
    const now = this.now();
    if (claims.aud !== this.service || typeof claims.exp !== 'number' || claims.exp < now || claims.nbf > now) return undefined;
    if (!Array.isArray(claims.access)) return undefined;
    return claims;
  }
}

/** Whether the granted access covers every action asked for. */
export function covers(granted: readonly Access[], wanted: readonly Access[]): boolean {
  return wanted.every((w) =>
    w.actions.every((act) => granted.some((g) => g.type === w.type && g.name === w.name && (g.actions.includes(act) || g.actions.includes('*')))),
  );
}
