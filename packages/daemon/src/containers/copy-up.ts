import * as fs from 'node:fs';
import { RootView, fdPath } from '@berth/fs';
import { readTar } from '@berth/image-store';
import type { PackDirectory } from './deps';
import { ViewExtractor } from './view-extractor';

const { O_RDONLY, O_DIRECTORY } = fs.constants;

/**
 * Docker's volume copy-up of one directory: the content of `from` (the image's directory at the
 * mount path, e.g. `/proc/self/fd/N` of the mounted rootfs) copied into the volume directory
 * `to` (its `_data`), then the volume's root given the source directory's owner, mode and times
 * (moby's copyOwnership).
 *
 * The volume may be in use by another, running container while this copies. Docker untars into
 * it chrooted (chrootarchive), so a symlink such a container puts in the volume is followed
 * inside the volume. berth reads the source by fd (packDirectory) and writes through a RootView
 * of the volume (ViewExtractor: every target resolved in the kernel, created by an *at call that
 * never follows its last component), so a symlink swapped in meanwhile can only redirect a write
 * to somewhere else inside the volume, never onto a host file (GNU `cp -a`, used before, wrote
 * through a symlink `passwd -> /etc/shadow` made between the volume's emptiness check and the copy).
 */
export async function copyUp(pack: PackDirectory, from: string, to: string): Promise<void> {
  const src = fs.statSync(from);
  const view = RootView.open(to);
  try {
    const base = view.resolve('/', { followLast: true });
    try {
      const sink = new ViewExtractor(view, base, { readonlyRootfs: false, noOverwriteDirNonDir: false });
      try {
        await readTar(await pack(from), sink);
        await sink.finish();
      } finally {
        await sink.abort();
      }
      // the volume's root itself, by the fd the view holds (never by its path again)
      const root = fs.openSync(fdPath(base.fd), O_RDONLY | O_DIRECTORY);
      try {
        fs.fchownSync(root, src.uid, src.gid);
        fs.fchmodSync(root, src.mode & 0o7777);
        fs.futimesSync(root, src.atime, src.mtime);
      } finally {
        fs.closeSync(root);
      }
    } finally {
      base.close();
    }
  } finally {
    view.close();
  }
}
