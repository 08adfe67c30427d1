import { execFile } from 'node:child_process';
import { InternalError } from '@berth/errdefs';

/** Copies a directory's content into another (GNU `cp -a from/. to`: owners, modes, links, times, xattrs). */
export function copyTree(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('cp', ['-a', '--', `${from}/.`, to], { maxBuffer: 1 << 20 }, (err, _out, stderr) => {
      if (err) reject(new InternalError(`copying ${from} into the volume: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}
