import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeBusyboxRootfsScript } from './paths';

let cached: string | undefined;
const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A busybox rootfs tarball made by scripts/make-busybox-rootfs.sh (what the README tells users to
 * import), built once per test process. `padMb` adds a /pad file of random bytes: every such call
 * makes a new tarball, hence a distinct image.
 */
export function busyboxRootfsTar(padMb = 0): string {
  if (padMb === 0 && cached && fs.existsSync(cached)) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-busybox-'));
  made.push(dir);
  const out = path.join(dir, padMb ? `busybox-pad${padMb}.tar` : 'busybox.tar');
  execFileSync(makeBusyboxRootfsScript, ['-o', out, ...(padMb ? ['--pad-mb', String(padMb)] : [])], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (padMb === 0) cached = out;
  return out;
}
