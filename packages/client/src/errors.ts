import {
  type BerthError,
  CancelledError,
  isBerthError,
  ConflictError,
  ForbiddenError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  NotImplementedError,
  NotModifiedError,
  UnauthorizedError,
  UnavailableError,
} from '@berth/errdefs';

/** An errdefs error that came from the daemon, carrying the HTTP status it was answered with. */
export type DaemonError = BerthError & { statusCode: number };

/** Builds the errdefs error for an error response: the kind from the status, the daemon's message as is. */
export function errorFromResponse(statusCode: number, body: Buffer | string, contentType?: string): DaemonError {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  let message = text.trim();
  if ((contentType ?? '').includes('json') || message.startsWith('{')) {
    try {
      const parsed = JSON.parse(message) as { message?: unknown };
      if (parsed && typeof parsed.message === 'string') message = parsed.message;
    } catch {
      /* keep the text */
    }
  }
  if (message === '') message = statusCode === 304 ? 'not modified' : `status ${statusCode}`;
  const Kind =
    statusCode === 304
      ? NotModifiedError
      : statusCode === 400
        ? InvalidArgumentError
        : statusCode === 401
          ? UnauthorizedError
          : statusCode === 403
            ? ForbiddenError
            : statusCode === 404
              ? NotFoundError
              : statusCode === 409
                ? ConflictError
                : statusCode === 501
                  ? NotImplementedError
                  : statusCode === 503
                    ? UnavailableError
                    : InternalError;
  return Object.assign(new Kind(message), { statusCode });
}

/** The HTTP status of an error the daemon answered with, or undefined for any other error. */
export function statusCodeOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** Whether the error is an error response from the daemon (as opposed to a connection or client error). */
export function isDaemonError(e: unknown): e is DaemonError {
  return statusCodeOf(e) !== undefined;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND']);

/**
 * Maps a failure before any response (connect, TLS handshake, reset) to UnavailableError with
 * docker's wording and berth's names; an abort becomes CancelledError.
 */
export function connectionError(e: unknown, hostUrl: string): Error {
  if (isBerthError(e)) return e;
  const err = e as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = err?.code;
  if (err?.name === 'AbortError' || code === 'ABORT_ERR' || code === 'ERR_CANCELED') return new CancelledError('request cancelled', { cause: e });
  if (typeof code === 'string' && CONNECT_CODES.has(code)) {
    const msg =
      code === 'EACCES'
        ? `permission denied while trying to connect to the berth daemon socket at ${hostUrl}`
        : `Cannot connect to the berth daemon at ${hostUrl}. Is the berth daemon running?`;
    return new UnavailableError(msg, { cause: e });
  }
  return new UnavailableError(`error during connect: ${typeof err?.message === 'string' ? err.message : String(e)}`, { cause: e });
}
