import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { messageOf } from '@berth/errdefs';
import { StartupError } from './startup-checks';

/** flock(1)'s exit code when the lock is held elsewhere (its `-E`). */
const HELD = 75;

/** The data root's lock, held until release() or the process's death (kill -9 included). */
export interface DataRootLock {
  release(): Promise<void>;
}

/**
 * Takes `<root>/berthd.lock` (made if missing) with an exclusive, non-blocking flock(2), so that
 * one berthd serves a data root: a second one gets a StartupError naming the first's pid and
 * touches nothing. The lock belongs to the open file description this process holds (flock(1)
 * locks it through an inherited descriptor and exits), so the kernel drops it when berthd dies,
 * however it dies, and no stale lock is ever left to judge; the descriptor is close-on-exec, so no
 * shim or runtime inherits it. Holds our pid once taken (what the second daemon reports).
 */
export async function lockDataRoot(root: string, lockFile: string, what: 'data root' | 'exec root' = 'data root'): Promise<DataRootLock> {
  await fs.mkdir(root, { recursive: true, mode: what === 'data root' ? 0o711 : 0o700 });
  const fh = await fs.open(lockFile, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(HELD), '3'], {
        stdio: ['ignore', 'ignore', 'pipe', fh.fd],
      });
      let err = '';
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      child.once('error', reject);
      child.once('close', (c) => (c === 0 || c === HELD ? resolve(c) : reject(new Error(err.trim() || `flock exited with ${c}`))));
    });
    if (code === HELD) {
      const pid = (await fs.readFile(lockFile, 'utf8').catch(() => '')).trim();
      throw new StartupError(`${what} ${root} is in use by another berthd${/^\d+$/.test(pid) ? ` (pid ${pid})` : ''}: stop it first, or give this one another --${what.replace(' ', '-')}`);
    }
    await fh.truncate(0);
    await fh.write(`${process.pid}\n`, 0);
  } catch (e) {
    await fh.close().catch(() => undefined);
    if (e instanceof StartupError) throw e;
    throw new StartupError(`cannot lock the ${what} (${path.join(root, path.basename(lockFile))}): ${messageOf(e)}; is flock (util-linux) installed?`);
  }
  return { release: () => fh.close() };
}
