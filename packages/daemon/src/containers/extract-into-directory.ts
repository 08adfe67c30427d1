import type { Readable } from 'node:stream';
import { RootView, type ResolvedPath } from '@berth/fs';
import { readTar } from '@berth/image-store';
import { ViewExtractor } from './view-extractor';

/**
 * Extracts a tar stream (plain, gzip or zstd) into `dir` taken as a root of its own, as moby's
 * chrootarchive.Untar untars chrooted into its destination: docker's Unpack rules with the
 * extraction directory at `/` (ViewExtractor's extractDirIsRoot: a relative symlink climbing
 * above `dir` is kept as it is, `..` in a name or a hardlink target stops at `dir`; every target
 * resolved in the kernel, a symlink met followed inside `dir` only, created by an *at call that
 * never follows its last component; devices made with mknod, never opened). Build's ADD of a
 * local archive (Docker: chrootarchive.Untar) and the volume copy-up (Docker: fs.CopyDir, which
 * copies links as they are) both accept what `docker cp` refuses.
 * `atRoot` runs with the root's resolved path before it is
 * closed (the caller's last word on the directory itself, by fd). `copy`: the tar is a copy
 * (packDirectory's `copy`), its atimes kept as they are (Docker's Unpack raises an older one
 * to the mtime).
 */
export async function extractIntoDirectory(input: Readable, dir: string, opts: { signal?: AbortSignal; atRoot?: (root: ResolvedPath) => void; copy?: boolean } = {}): Promise<void> {
  const view = RootView.open(dir);
  try {
    const base = view.resolve('/', { followLast: true });
    try {
      const sink = new ViewExtractor(view, base, { readonlyRootfs: false, noOverwriteDirNonDir: false, extractDirIsRoot: true, atimeAsIs: opts.copy === true });
      try {
        await readTar(input, sink, opts.signal ? { signal: opts.signal } : {});
        await sink.finish();
      } finally {
        await sink.abort();
      }
      opts.atRoot?.(base);
    } finally {
      base.close();
    }
  } finally {
    view.close();
  }
}
