import type { NextFunction, Request, Response } from 'express';
import { InvalidArgumentError } from '@berth/errdefs';
import { API_VERSION, MIN_PATH_API_VERSION, compareApiVersions } from '@berth/api';

const kApiVersion = Symbol('berth.apiVersion');
const PREFIX = /^\/v([0-9]+(?:\.[0-9]+)*)(?=\/|$)/;

/**
 * Strips a `/vX.Y` prefix from the URL and records the version the client asked for
 * (moby's middleware/version.go). Unversioned paths (dockerode) are served as API_VERSION.
 * Versions outside MIN_PATH_API_VERSION..API_VERSION get docker's 400.
 */
export function apiVersionMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const m = PREFIX.exec(req.url);
  let version = API_VERSION;
  if (m) {
    version = m[1]!;
    req.url = req.url.slice(m[0].length) || '/';
    if (req.url.startsWith('?')) req.url = '/' + req.url;
    if (compareApiVersions(version, API_VERSION) > 0) {
      next(new InvalidArgumentError(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`));
      return;
    }
    if (compareApiVersions(version, MIN_PATH_API_VERSION) < 0) {
      next(
        new InvalidArgumentError(
          `client version ${version} is too old. Minimum supported API version is ${MIN_PATH_API_VERSION}, please upgrade your client to a newer version`,
        ),
      );
      return;
    }
  }
  (req as unknown as Record<symbol, string>)[kApiVersion] = version;
  next();
}

/** The API version of a request (its path prefix, or API_VERSION when unversioned). */
export function apiVersionOf(req: Request): string {
  return (req as unknown as Record<symbol, string | undefined>)[kApiVersion] ?? API_VERSION;
}
