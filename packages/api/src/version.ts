/**
 * The Engine API version of Docker 20.10 (whose semantics berth follows), which berth's own
 * clients speak. berthd serves up to MAX_API_VERSION, with each later version's documented
 * changes gated on the request's version (daemon server/api-version.ts).
 */
export const API_VERSION = '1.41';
/** The newest API version berthd serves (`/version` ApiVersion, the `Api-Version` header). */
export const MAX_API_VERSION = '1.45';
export const MIN_API_VERSION = '1.12';
/** Oldest `/vX.Y/` path prefix accepted (DESIGN.md: 1.24 to 1.41). */
export const MIN_PATH_API_VERSION = '1.24';

/** Compares two `major.minor` versions: negative, zero or positive. */
export function compareApiVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}
