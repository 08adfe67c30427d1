import type { IncomingHttpHeaders } from 'node:http';
import { RegistryApiError } from './errcode';
import type { Htpasswd } from './htpasswd';
import { type Access, type TokenService, covers, formatScope } from './token-service';

/** Decides whether a request may do what it asks; throws UNAUTHORIZED with a challenge if not. */
export interface AccessController {
  authorize(headers: IncomingHttpHeaders, wanted: Access[], realmBase: string): Promise<void>;
}

/** No authentication: everyone may do everything. */
export class OpenAccess implements AccessController {
  async authorize(): Promise<void> {}
}

export function basicCredentials(headers: IncomingHttpHeaders): { user: string; password: string } | undefined {
  const h = headers.authorization;
  if (!h || !/^basic /i.test(h)) return undefined;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/** Basic auth against an htpasswd file; any known user may do everything. */
export class BasicAccess implements AccessController {
  constructor(
    private readonly users: Htpasswd,
    private readonly realm = 'berth-registry',
  ) {}

  async authorize(headers: IncomingHttpHeaders): Promise<void> {
    const c = basicCredentials(headers);
    if (c && (await this.users.verify(c.user, c.password))) return;
    throw new RegistryApiError('UNAUTHORIZED', undefined, 'authentication required', { 'WWW-Authenticate': `Basic realm="${this.realm}"` });
  }
}

/** Bearer tokens from this registry's own token endpoint (`<realmBase>/token`). */
export class TokenAccess implements AccessController {
  constructor(
    private readonly tokens: TokenService,
    private readonly realm?: string,
  ) {}

  async authorize(headers: IncomingHttpHeaders, wanted: Access[], realmBase: string): Promise<void> {
    const h = headers.authorization;
    const claims = h && /^bearer /i.test(h) ? this.tokens.verify(h.slice(7).trim()) : undefined;
    if (claims && covers(claims.access, wanted)) return;
    let challenge = `Bearer realm="${this.realm ?? `${realmBase}/token`}",service="${this.tokens.service}"`;
    if (wanted.length > 0) challenge += `,scope="${wanted.map(formatScope).join(' ')}"`;
    if (claims) challenge += ',error="insufficient_scope"';
    throw new RegistryApiError('UNAUTHORIZED', wanted.length ? wanted : undefined, 'authentication required', { 'WWW-Authenticate': challenge });
  }
}
