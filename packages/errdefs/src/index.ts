/**
 * @berth/errdefs: the closed set of error kinds used across berth.
 *
 * Every package throws one of these (with a `cause` where there is one); transports
 * (the daemon's HTTP layer, the registry server, the CLI) convert a kind to their own
 * codes exactly once. Messages read "subject: reason", e.g. `image "busybox:latest": not found`.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'NOT_MODIFIED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'UNAVAILABLE'
  | 'NOT_IMPLEMENTED'
  | 'CANCELLED'
  | 'DATA_LOSS'
  | 'INTERNAL';

export abstract class BerthError extends Error {
  abstract readonly code: ErrorCode;
  /** What only berthd's log shows, never a client (e.g. the SQL statement a database error came from). */
  readonly detail?: string;
  constructor(message: string, options?: { cause?: unknown; detail?: string }) {
    super(message, options);
    this.name = new.target.name;
    if (options?.detail !== undefined) this.detail = options.detail;
  }
}

/** The thing asked for does not exist (404). */
export class NotFoundError extends BerthError {
  readonly code = 'NOT_FOUND' as const;
}
/** The thing to be created exists already (409). */
export class AlreadyExistsError extends BerthError {
  readonly code = 'ALREADY_EXISTS' as const;
}
/** The request conflicts with the current state, e.g. removing a running container (409). */
export class ConflictError extends BerthError {
  readonly code = 'CONFLICT' as const;
}
/** The caller's input is malformed or out of range (400). */
export class InvalidArgumentError extends BerthError {
  readonly code = 'INVALID_ARGUMENT' as const;
}
/** The system is not in a state that allows the operation (409 for containers, 500 elsewhere). */
export class FailedPreconditionError extends BerthError {
  readonly code = 'FAILED_PRECONDITION' as const;
}
/** Nothing to do: the thing is already in the asked-for state (304). */
export class NotModifiedError extends BerthError {
  readonly code = 'NOT_MODIFIED' as const;
}
/** Credentials are missing or wrong (401). */
export class UnauthorizedError extends BerthError {
  readonly code = 'UNAUTHORIZED' as const;
}
/** Credentials are valid but not enough (403). */
export class ForbiddenError extends BerthError {
  readonly code = 'FORBIDDEN' as const;
}
/** A dependency (registry, runtime binary, disk) cannot be reached or used now (503). */
export class UnavailableError extends BerthError {
  readonly code = 'UNAVAILABLE' as const;
}
/** berth does not do this (yet) (501). */
export class NotImplementedError extends BerthError {
  readonly code = 'NOT_IMPLEMENTED' as const;
}
/** The operation was aborted by its caller. */
export class CancelledError extends BerthError {
  readonly code = 'CANCELLED' as const;
}
/** Stored or received data is corrupt: a digest mismatch, a truncated stream. */
export class DataLossError extends BerthError {
  readonly code = 'DATA_LOSS' as const;
}
/** Anything else: a bug or an unexpected failure (500). */
export class InternalError extends BerthError {
  readonly code = 'INTERNAL' as const;
}


export function isBerthError(e: unknown): e is BerthError {
  return e instanceof BerthError;
}

/** The kind of any thrown value: a BerthError's own code, INTERNAL for anything else. */
export function codeOf(e: unknown): ErrorCode {
  return isBerthError(e) ? e.code : 'INTERNAL';
}

export function isNotFound(e: unknown): boolean {
  return codeOf(e) === 'NOT_FOUND';
}

/**
 * The log-only details of an error and of the errors that caused it (BerthError's `detail`),
 * joined with "; "; undefined when there are none. A client sees the message alone.
 */
export function detailOf(e: unknown): string | undefined {
  const out: string[] = [];
  for (let cur = e, depth = 0; cur && depth < 8; cur = (cur as { cause?: unknown }).cause, depth++) {
    if (cur instanceof BerthError && cur.detail !== undefined) out.push(cur.detail);
  }
  return out.length ? out.join('; ') : undefined;
}

/** The message of any thrown value. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** errno (and SQLite) codes that say the data root's storage failed (full, over quota, read-only, broken). */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG', 'SQLITE_FULL', 'SQLITE_IOERR']);

/**
 * A Node system error from the data root's storage (`no space left on device`...), or an error
 * caused by one: its reason alone, without errno name, syscall or paths (`ENOSPC: no space left
 * on device, write '/x'` -> `no space left on device`). Undefined for anything else.
 */
export function storageFailureOf(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && depth < 8; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code !== 'string' || !STORAGE_CODES.has(code)) continue;
    const m = /^[A-Z][A-Z0-9_]+: ([^,(]+[^,( ])/.exec(messageOf(cur));
    return m ? m[1]! : code;
  }
  return undefined;
}

/**
 * A message fit for a remote client: every path under one of `roots` (berthd's data root) cut
 * to its last component (`open '/var/lib/berth/containers/…/config.json'` -> `open
 * 'config.json'`), as berthd's 5xx answers must not reveal the host's layout. Paths inside
 * containers and the client's own (bind sources) are left alone.
 */
export function withoutHostPaths(message: string, roots: readonly string[]): string {
  let out = message;
  for (const r of roots) {
    const root = r.replace(/\/+$/, '');
    if (root === '') continue;
    const esc = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`${esc}(?![^/\\s'",:()])((?:/[^\\s'",:()]*)*)`, 'g'), (_m, rest: string) => {
      const base = rest.split('/').filter((x) => x !== '').pop();
      return base ?? '.';
    });
  }
  return out;
}

/**
 * The one way an error's text reaches a remote client: every path under berthd's data root
 * (`hostPaths`) cut to its last component (the full text goes to the log). Used by the Engine
 * API (HTTP error answers, the `errorDetail` of JSON streams, an exec's hijacked stream,
 * inspect's `State.Error`, a health probe's output) and by the CRI (gRPC status messages, the
 * status of a streamed exec or attach).
 *
 * Every status: a 4xx's message may carry a path berthd made (a build context unpacked under
 * tmp/, a file of a container's bundle), not only the client's own input.
 */
export function publicMessage(err: unknown, hostPaths: readonly string[]): string {
  return withoutHostPaths(messageOf(err), hostPaths);
}
