/**
 * Layer paths are "binary strings": one char per byte of the name (latin1), so names that are not
 * UTF-8 survive from tar to disk and back. `fsPath` turns one into the Buffer fs calls take,
 * `displayName` into readable text for messages.
 *
 * Lexical path rules for layer entries, as Docker applies them (pkg/archive): an entry name is
 * cleaned; an absolute name is taken relative to the layer root (`/etc/x` -> `etc/x`, and `..`
 * cannot climb above `/`); a relative name that climbs above the root (`../x`, `a/../../x`) is a
 * breakout and refused.
 */

/** Cleans a path to its components; null when a relative path climbs above its start. */
export function cleanComponents(p: string): string[] | null {
  const absolute = p.startsWith('/');
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length > 0) out.pop();
      else if (!absolute) return null;
      continue;
    }
    out.push(c);
  }
  return out;
}

/** The cleaned path of an entry relative to the layer root ('' for the root), or null for a breakout. */
export function cleanEntryPath(name: string): string | null {
  const c = cleanComponents(name);
  return c === null ? null : c.join('/');
}

/** The parent of a cleaned relative path ('' for top-level entries and for the root). */
export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** The last component of a cleaned relative path. */
export function baseOf(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

/**
 * Whether a symlink at `rel` pointing at `target` stays inside the layer when resolved lexically
 * from the link's directory (Docker refuses relative targets that climb out; absolute targets are
 * resolved against the container's root, so they stay in).
 */
export function symlinkStaysInside(rel: string, target: string): boolean {
  if (target.startsWith('/')) return true;
  const dir = parentOf(rel);
  return cleanComponents(dir === '' ? target : `${dir}/${target}`) !== null;
}

/** The bytes of a binary-string path, for fs calls. */
export function fsPath(bin: string): Buffer {
  return Buffer.from(bin, 'latin1');
}

/** A binary string made from a (UTF-8) JS string, e.g. a directory given by the caller. */
export function toBinary(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** A binary-string path as text for messages (UTF-8 decoded). */
export function displayName(bin: string): string {
  return Buffer.from(bin, 'latin1').toString('utf8');
}
