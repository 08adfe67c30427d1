import {
  type BerthError,
  ForbiddenError,
  InvalidArgumentError,
  InternalError,
  NotFoundError,
  NotImplementedError,
  UnauthorizedError,
  UnavailableError,
} from '@berth/errdefs';

/** One entry of the OCI distribution error envelope `{"errors":[{code,message,detail}]}`. */
export interface RegistryErrorEntry {
  code: string;
  message?: string;
  detail?: unknown;
}

/** Reads the error envelope from a response body; empty when the body is not one. */
export function parseErrorEnvelope(body: Buffer | string | undefined): RegistryErrorEntry[] {
  if (body === undefined || body.length === 0) return [];
  try {
    const doc = JSON.parse(body.toString()) as { errors?: unknown };
    if (!Array.isArray(doc.errors)) return [];
    return doc.errors
      .filter((e): e is RegistryErrorEntry => !!e && typeof (e as RegistryErrorEntry).code === 'string')
      .map((e) => ({ code: e.code, message: typeof e.message === 'string' ? e.message : undefined, detail: e.detail }));
  } catch {
    return [];
  }
}

/** What the failed request was about, for the message: `manifest for x:1`, `blob sha256:...`. */
export interface ErrorSubject {
  kind: 'manifest' | 'blob' | 'upload' | 'repository' | 'registry' | 'token';
  /** e.g. `127.0.0.1:5000/x:1` or a digest. */
  name: string;
}

function describe(entries: RegistryErrorEntry[]): string {
  return entries.map((e) => (e.message ? `${e.code.toLowerCase()}: ${e.message}` : e.code.toLowerCase())).join('; ');
}

/**
 * Turns a failed registry response into an errdefs error. 404 of a manifest reads as docker
 * prints it: `manifest for X not found: manifest unknown`.
 */
export function errorFromResponse(status: number, body: Buffer | undefined, subject: ErrorSubject, retryAfter?: string): BerthError {
  const entries = parseErrorEnvelope(body);
  const codes = new Set(entries.map((e) => e.code));
  const text = describe(entries);
  if (status === 404 || codes.has('MANIFEST_UNKNOWN') || codes.has('BLOB_UNKNOWN') || codes.has('NAME_UNKNOWN')) {
    if (subject.kind === 'manifest') {
      return new NotFoundError(`manifest for ${subject.name} not found: ${entries[0]?.message ?? 'manifest unknown'}`);
    }
    if (subject.kind === 'blob') return new NotFoundError(`blob ${subject.name}: ${text || 'blob unknown'}`);
    if (subject.kind === 'upload') return new NotFoundError(`upload ${subject.name}: ${text || 'blob upload unknown'}`);
    return new NotFoundError(`${subject.kind} ${subject.name}: ${text || 'not found'}`);
  }
  const what = `${subject.kind} ${subject.name}`;
  // the envelope's text already starts with its code (`unauthorized: ...`): no second prefix
  if (status === 401) return new UnauthorizedError(`${what}: ${codes.has('UNAUTHORIZED') ? text : `unauthorized: ${text || 'authentication required'}`}`);
  if (status === 403 || codes.has('DENIED')) return new ForbiddenError(`${what}: ${codes.has('DENIED') ? text : `denied: ${text || 'requested access to the resource is denied'}`}`);
  if (status === 429 || codes.has('TOOMANYREQUESTS')) {
    return new UnavailableError(`${what}: toomanyrequests: ${text || 'too many requests'}${retryAfter ? ` (retry after ${retryAfter})` : ''}`);
  }
  if (status === 405 || codes.has('UNSUPPORTED')) return new NotImplementedError(`${what}: unsupported: ${text || `status ${status}`}`);
  if (status >= 500) return new UnavailableError(`${what}: registry answered ${status}${text ? `: ${text}` : ''}`);
  if (status >= 400) return new InvalidArgumentError(`${what}: ${text || `registry answered ${status}`}`);
  return new InternalError(`${what}: unexpected status ${status}${text ? `: ${text}` : ''}`);
}
