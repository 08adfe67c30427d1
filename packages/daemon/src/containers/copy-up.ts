import * as fs from 'node:fs';
import { fdPath, fsAt } from '@berth/fs';
import { copiedXattrs, exactOfNs, xattrIgnorable } from '@berth/image-store';
import type { PackDirectory } from './deps';
import { extractIntoDirectory } from './extract-into-directory';

const { O_RDONLY, O_DIRECTORY } = fs.constants;

/**
 * Docker's volume copy-up of one directory: the content of `from` (the image's directory at the
 * mount path, e.g. `/proc/self/fd/N` of the mounted rootfs) copied into the volume directory
 * `to` (its `_data`), then the volume's root given the source directory's owner, xattrs, mode and
 * times (fs.CopyDir does the same to its destination directory).
 *
 * Docker 20.10 copies with continuity's fs.CopyDir (copyExistingContents): every link copied
 * as it is, a relative one climbing above the directory (Debian's `/etc/os-release ->
 * ../usr/lib/os-release`) included. berth accepts the same (extractIntoDirectory takes the
 * volume as the root, where nothing climbs out). fs.CopyDir keeps owners, modes, atimes and
 * mtimes with their nanoseconds, every xattr (trusted.*, security.*, user.*), devices, fifos and
 * hardlinks: berth's copy tar carries the same (packDirectory's `copy`). Not kept: sockets
 * (fs.CopyDir mknods them; a tar has no socket type), and a directory's mtime is its source's
 * where fs.CopyDir sets it before copying the directory's content (so Docker's is the copy's
 * time).
 *
 * The volume may be in use by another, running container while this copies. berth reads the
 * source by fd (packDirectory) and writes through a RootView of the volume
 * (extractIntoDirectory), so a symlink swapped in meanwhile can only redirect a write to
 * somewhere else inside the volume, never onto a host file (GNU `cp -a`, used before, wrote
 * through a symlink `passwd -> /etc/shadow` made between the volume's emptiness check and the
 * copy).
 */
export async function copyUp(pack: PackDirectory, from: string, to: string): Promise<void> {
  const src = fs.statSync(from, { bigint: true });
  const xattrs = copiedXattrs(`${from}/.`); // the directory itself (`from` may be a /proc/self/fd link, which lgetxattr would not follow)
  await extractIntoDirectory(await pack(from, { copy: true }), to, {
    copy: true,
    // the volume's root itself, by the fd the view holds (never by its path again)
    atRoot: (base) => {
      const root = fs.openSync(fdPath(base.fd), O_RDONLY | O_DIRECTORY);
      try {
        fs.fchownSync(root, Number(src.uid), Number(src.gid));
        for (const [name, value] of xattrs) {
          try {
            fsAt().setxattrAt(root, '', name, value);
          } catch (err) {
            if (!xattrIgnorable(err)) throw err;
          }
        }
        fs.fchmodSync(root, Number(src.mode & 0o7777n));
        const [as, an] = exactOfNs(src.atimeNs);
        const [ms, mn] = exactOfNs(src.mtimeNs);
        fsAt().utimensat(root, '', as, ms, an, mn);
      } finally {
        fs.closeSync(root);
      }
    },
  });
}
