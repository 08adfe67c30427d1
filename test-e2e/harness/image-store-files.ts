import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles } from './leaks';

/**
 * What a data root's image store holds: every file below content/ and layers/, as `content/…` and
 * `layers/…` paths, sorted (tmp/ is not listed: berthd empties it at every start).
 * `layerContent: false` leaves out what lies in a layer's diff/.
 */
export function storeFiles(dataRoot: string, opts: { layerContent?: boolean } = {}): string[] {
  const all = ['content', 'layers'].flatMap((s) => listFiles(path.join(dataRoot, s)).map((f) => `${s}/${f}`));
  return (opts.layerContent === false ? all.filter((f) => !/^layers\/[0-9a-f]{64}\/diff\//.test(f)) : all).sort();
}

/** How many layer directories the store holds. */
export function layerDirCount(dataRoot: string): number {
  return fs.readdirSync(path.join(dataRoot, 'layers')).filter((n) => /^[0-9a-f]{64}$/.test(n)).length;
}

/**
 * Runs `during` while another process (Debian's sqlite3 shell) holds berth.db's write lock: the
 * daemon's next write waits out its busy timeout, a window wide enough to kill -9 it in every
 * time. The lock is rolled back and the shell has exited when this returns.
 */
export async function whileDatabaseLocked<T>(dataRoot: string, during: () => Promise<T>): Promise<T> {
  const lock = spawn('sqlite3', [path.join(dataRoot, 'berth.db')], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const locked = new Promise<void>((resolve) => lock.stdout!.on('data', (c: Buffer) => c.toString().includes('locked') && resolve()));
    lock.stdin!.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
    await locked;
    return await during();
  } finally {
    lock.stdin!.end('ROLLBACK;\n');
    await new Promise((r) => lock.once('exit', r));
  }
}
