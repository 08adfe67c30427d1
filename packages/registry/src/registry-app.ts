import express, { type NextFunction, type Request, type Response } from 'express';
import { InvalidArgumentError } from '@berth/errdefs';
import { RegistryApiError, errorEnvelope } from './errcode';
import type { Htpasswd } from './htpasswd';
import { validateRepositoryName } from './repository-name';
import type { RegistryDeps } from './route-context';
import { matchRoute } from './routes';
import { searchCatalog } from './search-handler';
import { tokenEndpoint } from './token-endpoint';
import type { TokenService } from './token-service';

export interface RegistryAppOptions {
  deps: RegistryDeps;
  /** When set, `GET /token` issues bearer tokens to users of `htpasswd`. */
  tokens?: { service: TokenService; users?: Htpasswd };
}

function decodeParam(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new RegistryApiError('NAME_INVALID', { segment: p }, 'invalid path segment');
  }
}

function realmBase(req: Request): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

/** The express app serving the distribution API under /v2 (and /token with token auth). */
export function createRegistryApp(opts: RegistryAppOptions): express.Express {
  const { deps } = opts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    next();
  });

  if (opts.tokens) app.use(tokenEndpoint(opts.tokens.service, opts.tokens.users));

  app.use('/v2', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const found = matchRoute(req.method, req.path);
      if (!('route' in found)) {
        if (found.methodMismatch) throw new RegistryApiError('UNSUPPORTED', { method: req.method });
        throw new RegistryApiError('NAME_INVALID', { path: req.path }, 'invalid repository name or path');
      }
      const { route, name, param } = found;
      if (deps.upstream && req.method !== 'GET' && req.method !== 'HEAD') {
        throw new RegistryApiError('UNSUPPORTED', { method: req.method }, 'a pull-through cache is read-only');
      }
      if (name) validateRepositoryName(name);
      const base = realmBase(req);
      await deps.access.authorize(req.headers, route.access(name, req.method), base);
      await route.handler({
        req,
        res,
        deps,
        name,
        param: decodeParam(param),
        allowed: async (wanted) => {
          try {
            await deps.access.authorize(req.headers, wanted, base);
            return true;
          } catch {
            return false;
          }
        },
      });
    } catch (e) {
      next(e);
    }
  });

  // the v1 index search dockerd's `GET /images/search` asks (over the catalog)
  app.get('/v1/search', (req: Request, res: Response, next: NextFunction) => {
    searchCatalog(req, res, deps, realmBase(req)).catch(next);
  });

  app.use((_req: Request, _res: Response, next: NextFunction) => next(new RegistryApiError('UNSUPPORTED', undefined, 'not found')));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err instanceof SyntaxError ? new InvalidArgumentError(err.message) : err;
    if (res.headersSent) {
      // The answer was under way (a client that went away mid-blob): nothing left to say.
      deps.log.debug({ err: e instanceof Error ? e.message : String(e), path: req.path }, 'registry response broken off');
      res.destroy();
      return;
    }
    const { status, body } = errorEnvelope(e);
    if (status >= 500) deps.log.error({ err: e instanceof Error ? e.message : String(e), path: req.path }, 'registry request failed');
    else deps.log.debug({ status, code: body.errors[0]?.code, path: req.path }, 'registry request refused');
    if (e instanceof RegistryApiError) for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    res.removeHeader('Content-Length');
    res.status(status);
    if (req.method === 'HEAD') {
      res.end();
    } else {
      res.json(body);
    }
    // Do not leave an unread request body to poison a keep-alive connection.
    if (!req.readableEnded) req.resume();
  });
  return app;
}
