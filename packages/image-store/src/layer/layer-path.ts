/**
 * Layer paths are "binary strings": one char per byte of the name (latin1), so names that are not
 * UTF-8 survive from tar to disk and back. `fsPath` turns one into the Buffer fs calls take,
 * `displayName` into readable text for messages.
 *
 * Lexical path rules for layer entries, as Docker applies them: Docker 20.10 applies a layer
 * (overlay2 ApplyDiff: chrootarchive.UntarUncompressed) with pkg/archive's Unpack in a process
 * chrooted into the layer directory, extractDir `/`. So a name is cleaned from the layer root,
 * where `..` stops: `/etc/x`, `../x` and `a/../../x` are `etc/x`, `x` and `x` of the layer (the
 * same for a hardlink's target); a symlink's target is stored as written, whatever it climbs
 * (resolved later inside the container's root).
 */

/** The cleaned path of an entry (or a hardlink target) relative to the layer root ('' for the root): a `..` above the root stays there. */
export function cleanEntryPath(name: string): string {
  const out: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out.join('/');
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
