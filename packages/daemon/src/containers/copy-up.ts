import * as fs from 'node:fs';
import { fdPath } from '@berth/fs';
import type { PackDirectory } from './deps';
import { extractIntoDirectory } from './extract-into-directory';

const { O_RDONLY, O_DIRECTORY } = fs.constants;

/**
 * Docker's volume copy-up of one directory: the content of `from` (the image's directory at the
 * mount path, e.g. `/proc/self/fd/N` of the mounted rootfs) copied into the volume directory
 * `to` (its `_data`), then the volume's root given the source directory's owner, mode and times
 * (moby's copyOwnership).
 *
 * Docker 20.10 copies with continuity's fs.CopyDir (copyExistingContents): every link copied
 * as it is, a relative one climbing above the directory (Debian's `/etc/os-release ->
 * ../usr/lib/os-release`) included. berth accepts the same (extractIntoDirectory takes the
 * volume as the root, where nothing climbs out).
 *
 * The volume may be in use by another, running container while this copies. berth reads the
 * source by fd (packDirectory) and writes through a RootView of the volume
 * (extractIntoDirectory), so a symlink swapped in meanwhile can only redirect a write to
 * somewhere else inside the volume, never onto a host file (GNU `cp -a`, used before, wrote
 * through a symlink `passwd -> /etc/shadow` made between the volume's emptiness check and the
 * copy).
 */
export async function copyUp(pack: PackDirectory, from: string, to: string): Promise<void> {
  const src = fs.statSync(from);
  await extractIntoDirectory(await pack(from), to, {
    // the volume's root itself, by the fd the view holds (never by its path again)
    atRoot: (base) => {
      const root = fs.openSync(fdPath(base.fd), O_RDONLY | O_DIRECTORY);
      try {
        fs.fchownSync(root, src.uid, src.gid);
        fs.fchmodSync(root, src.mode & 0o7777);
        fs.futimesSync(root, src.atime, src.mtime);
      } finally {
        fs.closeSync(root);
      }
    },
  });
}
