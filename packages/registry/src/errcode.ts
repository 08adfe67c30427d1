import { codeOf, messageOf, type ErrorCode } from '@berth/errdefs';

/**
 * The distribution error codes this registry answers with, registered in one table: code,
 * message, HTTP status. Rendered as `{"errors":[{"code","message","detail"}]}`.
 */
export const ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 404, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  TAG_INVALID: { status: 400, message: 'manifest tag did not match URI' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'The operation is unsupported.' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  RANGE_INVALID: { status: 416, message: 'invalid content range' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
  UNKNOWN: { status: 500, message: 'unknown error' },
} as const;

export type RegistryErrorCode = keyof typeof ERROR_CODES;

/** An error the registry answers with a distribution error code. */
export class RegistryApiError extends Error {
  constructor(
    readonly errcode: RegistryErrorCode,
    readonly detail?: unknown,
    message?: string,
    /** Extra response headers, e.g. the `WWW-Authenticate` challenge of a 401. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? ERROR_CODES[errcode].message);
    this.name = 'RegistryApiError';
  }
  get status(): number {
    return ERROR_CODES[this.errcode].status;
  }
}

const FROM_KIND: Partial<Record<ErrorCode, RegistryErrorCode>> = {
  NOT_FOUND: 'NAME_UNKNOWN',
  INVALID_ARGUMENT: 'MANIFEST_INVALID',
  DATA_LOSS: 'DIGEST_INVALID',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'DENIED',
  NOT_IMPLEMENTED: 'UNSUPPORTED',
  UNAVAILABLE: 'UNAVAILABLE',
};

/** The status and envelope for any thrown value. */
export function errorEnvelope(e: unknown): { status: number; body: { errors: Array<{ code: string; message: string; detail?: unknown }> } } {
  if (e instanceof RegistryApiError) {
    const entry: { code: string; message: string; detail?: unknown } = { code: e.errcode, message: e.message };
    if (e.detail !== undefined) entry.detail = e.detail;
    return { status: e.status, body: { errors: [entry] } };
  }
  const code = FROM_KIND[codeOf(e)] ?? 'UNKNOWN';
  return { status: ERROR_CODES[code].status, body: { errors: [{ code, message: code === 'UNKNOWN' ? ERROR_CODES.UNKNOWN.message : messageOf(e) }] } };
}
