import * as path from 'node:path';

/**
 * The order a container's own mounts (binds, volumes, tmpfs) go into its spec: shallow
 * destinations first, so `/data` is mounted before `/data/sub`; and which built-in destinations
 * they replace (a user mount on /etc/hosts or /dev/shm takes its place). buildSpec uses it, and
 * so does anything that must see the container's filesystem the way the runtime lays it out.
 */
export function orderUserMounts<T>(mounts: readonly T[], destination: (m: T) => string): { ordered: T[]; covers: (dest: string) => boolean } {
  const dest = (m: T): string => path.posix.normalize(destination(m)).replace(/(.)\/+$/, '$1');
  const depth = (m: T): number => dest(m).split('/').length;
  const ordered = [...mounts].sort((a, b) => depth(a) - depth(b));
  const taken = new Set(ordered.map(dest));
  return { ordered, covers: (dest) => taken.has(dest) };
}
