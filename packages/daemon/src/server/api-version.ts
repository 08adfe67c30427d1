import type { NextFunction, Request, Response } from 'express';
import { InvalidArgumentError } from '@berth/errdefs';
import { MAX_API_VERSION, MIN_PATH_API_VERSION, compareApiVersions } from '@berth/api';

const kApiVersion = Symbol('berth.apiVersion');
const PREFIX = /^\/v([0-9]+(?:\.[0-9]+)*)(?=\/|$)/;

/**
 * Strips a `/vX.Y` prefix from the URL and records the version the client asked for
 * (moby's middleware/version.go). Unversioned paths (dockerode) are served as MAX_API_VERSION,
 * as docker serves them at its default (newest) version.
 * Versions outside MIN_PATH_API_VERSION..MAX_API_VERSION get docker's 400.
 */
export function apiVersionMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const m = PREFIX.exec(req.url);
  let version = MAX_API_VERSION;
  if (m) {
    version = m[1]!;
    req.url = req.url.slice(m[0].length) || '/';
    if (req.url.startsWith('?')) req.url = '/' + req.url;
    if (compareApiVersions(version, MAX_API_VERSION) > 0) {
      next(new InvalidArgumentError(`client version ${version} is too new. Maximum supported API version is ${MAX_API_VERSION}`));
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

/** The API version of a request (its path prefix, or MAX_API_VERSION when unversioned). */
export function apiVersionOf(req: Request): string {
  return (req as unknown as Record<symbol, string | undefined>)[kApiVersion] ?? MAX_API_VERSION;
}

/**
 * Whether the request's API version is at least `version` (moby's
 * versions.GreaterThanOrEqualTo(httputils.VersionFromContext(ctx), ...)): the one test every
 * version-dependent behaviour goes through.
 */
export function apiAtLeast(req: Request, version: string): boolean {
  return compareApiVersions(apiVersionOf(req), version) >= 0;
}

/** Stream Content-Type (API 1.42: multiplexed streams say so; below it, docker's raw-stream). */
export const MULTIPLEXED_STREAM_CONTENT_TYPE = 'application/vnd.docker.multiplexed-stream';
