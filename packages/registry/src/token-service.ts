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
  /** `refresh`: a long-lived token that only buys access tokens at /token. */
  kind?: 'refresh';
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

  private sign(claims: TokenClaims): string {
    const head = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64u(JSON.stringify(claims));
    const sig = b64u(createHmac('sha256', this.key).update(`${head}.${body}`).digest());
    return `${head}.${body}.${sig}`;
  }

  private claims(subject: string, access: Access[], lifetimeSec: number): TokenClaims {
    const iat = this.now();
    return { iss: 'berth-registry', sub: subject, aud: this.service, exp: iat + lifetimeSec, nbf: iat - 1, iat, jti: randomBytes(12).toString('hex'), access };
  }

  issue(subject: string, access: Access[]): { token: string; expiresIn: number; issuedAt: string } {
    const claims = this.claims(subject, access, this.lifetimeSec);
    return { token: this.sign(claims), expiresIn: this.lifetimeSec, issuedAt: new Date(claims.iat * 1000).toISOString() };
  }

  /** A refresh token (docker's identity token) for a user, valid for 30 days. */
  issueRefresh(subject: string): string {
    return this.sign({ ...this.claims(subject, [], 30 * 24 * 3600), kind: 'refresh' });
  }

  /** The user of a valid refresh token. */
  verifyRefresh(token: string): string | undefined {
    const c = this.check(token);
    return c && c.kind === 'refresh' && c.sub ? c.sub : undefined;
  }

  /** The claims of a valid, unexpired access token for this service; undefined otherwise. */
  verify(token: string): TokenClaims | undefined {
    const c = this.check(token);
    return c && c.kind === undefined ? c : undefined;
  }

  private check(token: string): TokenClaims | undefined {
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
