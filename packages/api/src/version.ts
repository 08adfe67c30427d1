/** The Engine API version berthd speaks (Docker 20.10 semantics), and the range of path prefixes it accepts. */
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';
/** Oldest `/vX.Y/` path prefix accepted (DESIGN.md: 1.24 to 1.41). */
export const MIN_PATH_API_VERSION = '1.24';

/** Compares two `major.minor` versions: negative, zero or positive. */
export function compareApiVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}
