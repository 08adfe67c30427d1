import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { basicCredentials } from './access-controller';
import { RegistryApiError } from './errcode';
import type { Htpasswd } from './htpasswd';
import { type TokenService, parseScopes } from './token-service';

function unauthorized(message: string): RegistryApiError {
  return new RegistryApiError('UNAUTHORIZED', undefined, message, { 'WWW-Authenticate': 'Basic realm="berth-registry"' });
}

function list(v: unknown): string[] {
  return ([] as unknown[]).concat(v ?? []).filter((s): s is string => typeof s === 'string');
}

/**
 * The token server, Docker Hub style, for `--token-auth`:
 *
 * - `GET /token?service=&scope=...[&offline_token=true]` with basic auth (or none: a token
 *   with no access); `offline_token=true` adds a `refresh_token` (what docker stores as an
 *   identity token);
 * - `POST /token` (OAuth2 form): `grant_type=password` (username, password) or
 *   `grant_type=refresh_token` (refresh_token), with `service`, `scope` (space-separated).
 *
 * A known user gets every action asked for; the registry checks tokens against each request.
 */
export function tokenEndpoint(tokens: TokenService, users: Htpasswd | undefined): Router {
  const router = express.Router();

  const answer = (res: Response, subject: string, scopes: string[], refresh: boolean): void => {
    const t = tokens.issue(subject, subject ? parseScopes(scopes) : []);
    const body: Record<string, unknown> = { token: t.token, access_token: t.token, expires_in: t.expiresIn, issued_at: t.issuedAt };
    if (scopes.length) body['scope'] = scopes.join(' ');
    if (refresh && subject) body['refresh_token'] = tokens.issueRefresh(subject);
    res.status(200).json(body);
  };

  router.get('/token', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const q = req.query as Record<string, unknown>;
      const cred = basicCredentials(req.headers);
      let subject = '';
      if (cred) {
        if (!users || !(await users.verify(cred.user, cred.password))) throw unauthorized('invalid username or password');
        subject = cred.user;
      }
      answer(res, subject, list(q['scope']), q['offline_token'] === 'true');
    } catch (e) {
      next(e);
    }
  });

  router.post('/token', express.urlencoded({ extended: false, limit: '16kb' }), async (req: Request, res: Response, next: NextFunction) => {
    try {
      const f = (req.body ?? {}) as Record<string, unknown>;
      const scopes = list(f['scope']).flatMap((s) => s.split(' ')).filter(Boolean);
      const grant = f['grant_type'];
      if (grant === 'password') {
        const user = typeof f['username'] === 'string' ? f['username'] : '';
        const password = typeof f['password'] === 'string' ? f['password'] : '';
        if (!users || !(await users.verify(user, password))) throw unauthorized('invalid username or password');
        answer(res, user, scopes, f['access_type'] === 'offline');
        return;
      }
      if (grant === 'refresh_token') {
        const user = typeof f['refresh_token'] === 'string' ? tokens.verifyRefresh(f['refresh_token']) : undefined;
        if (!user || !users?.has(user)) throw unauthorized('invalid refresh token');
        answer(res, user, scopes, false);
        return;
      }
      throw new RegistryApiError('UNSUPPORTED', { grant_type: grant ?? null }, 'unsupported grant_type');
    } catch (e) {
      next(e);
    }
  });
  return router;
}
