import { codeOf, type ErrorCode } from '@berth/errdefs';

/**
 * errdefs kind -> HTTP status: the one table (moby's errdefs/http_helpers.go does the same).
 * FAILED_PRECONDITION is a 409 for container and exec operations ("Container X is not
 * running") and a 500 elsewhere, as errdefs documents it.
 */
const STATUS: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 500,
  NOT_MODIFIED: 304,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
  NOT_IMPLEMENTED: 501,
  CANCELLED: 500,
  DATA_LOSS: 500,
  INTERNAL: 500,
};

/** The HTTP status for any thrown value; `path` is the request path without its version prefix. */
export function httpStatusOf(err: unknown, path = ''): number {
  const code = codeOf(err);
  if (code === 'INTERNAL') {
    // Errors raised by express/body parsing carry their own 4xx status (http-errors style).
    const s = (err as { status?: unknown; statusCode?: unknown } | null)?.status ?? (err as { statusCode?: unknown } | null)?.statusCode;
    if (typeof s === 'number' && s >= 400 && s < 500) return s;
    return 500;
  }
  if (code === 'FAILED_PRECONDITION' && /^\/(containers|exec)\//.test(path)) return 409;
  return STATUS[code];
}
