import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InternalError } from '@berth/errdefs';
import type { RuntimeMount } from '@berth/oci';

/**
 * Docker's check of a bind's propagation against its source (moby daemon/oci_linux.go,
 * ensureShared / ensureSharedOrSlave): an `[r]shared` bind needs a shared source mount, an
 * `[r]slave` one a shared or slave source mount; otherwise the start fails with docker's text.
 */

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The mount (of /proc/self/mountinfo) a path lies on: the longest mount point above it, and its optional fields. */
export async function sourceMountOf(p: string, mountinfo?: string): Promise<{ mountPoint: string; optional: string[] }> {
  const real = await fs.realpath(p);
  const info = mountinfo ?? (await fs.readFile('/proc/self/mountinfo', 'utf8'));
  let best: { mountPoint: string; optional: string[] } | undefined;
  for (const line of info.split('\n')) {
    const f = line.split(' ');
    if (f.length < 7) continue;
    const mp = unescape(f[4]!);
    const under = mp === '/' || real === mp || real.startsWith(mp.endsWith('/') ? mp : `${mp}/`);
    if (!under) continue;
    if (!best || mp.length >= best.mountPoint.length) {
      const sep = f.indexOf('-', 6);
      best = { mountPoint: mp, optional: f.slice(6, sep < 0 ? undefined : sep) };
    }
  }
  if (!best) throw new InternalError(`Can't find mount point of ${p}`);
  return best;
}

/** Throws docker's error when a bind's propagation is not possible from its source mount. */
export async function checkBindPropagation(m: RuntimeMount, mountinfo?: string): Promise<void> {
  if (m.type !== 'bind' || !m.source || !path.isAbsolute(m.source)) return;
  const opts = m.options ?? [];
  const shared = opts.includes('shared') || opts.includes('rshared');
  const slave = opts.includes('slave') || opts.includes('rslave');
  if (!shared && !slave) return;
  const { mountPoint, optional } = await sourceMountOf(m.source, mountinfo);
  const isShared = optional.some((o) => o.startsWith('shared:'));
  const isSlave = optional.some((o) => o.startsWith('master:'));
  if (shared && !isShared) throw new InternalError(`path ${m.source} is mounted on ${mountPoint} but it is not a shared mount`);
  if (slave && !isShared && !isSlave) throw new InternalError(`path ${m.source} is mounted on ${mountPoint} but it is not a shared or slave mount`);
}

/** Whether any mount asks for shared propagation (the container's root is then made shared, as docker does). */
export function wantsSharedRoot(mounts: readonly RuntimeMount[]): boolean {
  return mounts.some((m) => m.type === 'bind' && (m.options ?? []).some((o) => o === 'shared' || o === 'rshared'));
}
