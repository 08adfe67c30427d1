import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBusyboxRootfsScript } from './paths';
import { scratchDir } from './scratch-dir';

let cached: string | undefined;

/**
 * A busybox rootfs tarball made by scripts/make-busybox-rootfs.sh (what the README tells users to
 * import), built once per test file and removed after it. `padMb` adds a /pad file of random
 * bytes: every such call makes a new tarball, hence a distinct image.
 */
export function busyboxRootfsTar(padMb = 0): string {
  if (padMb === 0 && cached && fs.existsSync(cached)) return cached;
  const out = path.join(scratchDir('busybox'), padMb ? `busybox-pad${padMb}.tar` : 'busybox.tar');
  execFileSync(makeBusyboxRootfsScript, ['-o', out, ...(padMb ? ['--pad-mb', String(padMb)] : [])], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (padMb === 0) cached = out;
  return out;
}
